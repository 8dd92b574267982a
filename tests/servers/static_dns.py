"""A resolver that answers from a fixed table and never asks the machine's DNS (tests only).

Installed through ``CITEWARC_UPSTREAM_RESOLVER``; the table comes from the ``CITEWARC_TEST_DNS``
environment variable (JSON ``{"name": "address"}``). Unknown names fail like NXDOMAIN.
"""

from __future__ import annotations

import json
import os

from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer


@implementer(IResolverSimple)
class StaticResolver:
    def __init__(self, reactor, table: dict[str, str]) -> None:
        self.reactor = reactor
        self.table = {k.lower(): v for k, v in table.items()}

    @classmethod
    def from_crawler(cls, crawler, reactor):
        return cls(reactor, json.loads(os.environ.get("CITEWARC_TEST_DNS", "{}")))

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 - Twisted's interface
        address = self.table.get(name.lower())
        if address is None:
            return defer.fail(DNSLookupError(f"{name}: not in the test DNS table"))
        return defer.succeed(address)
