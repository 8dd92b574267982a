"""pytest fixture for the local RFC 3161 timestamp authority (tests/servers/tsa.py).

Imported into ``tests/conftest.py`` with ``from tests.servers.tsa_fixtures import *``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.tsa import TsaServer

__all__ = ["tsa_server"]


@pytest.fixture(scope="session")
def tsa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TsaServer]:
    """A real TSA (openssl ts -reply) on a free loopback port: ``.url``, ``.ca_pem``,
    ``.tsa_cert_pem``, ``.requests``, ``.outage()`` (a test that takes it down puts it back up)."""
    with TsaServer(folder=tmp_path_factory.mktemp("tsa")) as server:
        yield server
