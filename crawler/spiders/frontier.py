"""The crawl frontier: which URL keys a crawl has claimed, and how many pages it has scheduled.

One question the spider asks before a URL becomes a request: "is this key mine to fetch?" The
answer decides dedup (every URL fetched once) and ``max_pages`` together, so both live behind one
call. ``LocalFrontier`` answers from this process's memory (a single-process crawl, as always);
``crawler.distributed.frontier.RedisFrontier`` answers for every worker of a shared crawl and queues
the request in the same step (docs/distributed-design.md, 3.3). The spider picks the class named by
``CITEWARC_FRONTIER``, so a crawl without Redis never imports anything of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any, Protocol

REQUISITE = "requisite"
# Roles that never count against max_pages: a page's requisites, and the soft-404 probe (one per
# cited host, so at most one per citation already counted).
UNCOUNTED_ROLES = frozenset({REQUISITE, "probe"})


class Claim(Enum):
    """What a claim answered."""

    NEW = "new"  # first claim: the caller yields (or fetches) the request itself
    QUEUED = "queued"  # first claim, and the frontier has already queued the request: yield nothing
    SEEN = "seen"  # claimed before (by this process or another worker): nothing to do
    MAX_PAGES = "max_pages"  # not claimed: the crawl has scheduled max_pages pages already

    @property
    def claimed(self) -> bool:
        """The caller journals the request (it is this crawl's to fetch)."""
        return self in (Claim.NEW, Claim.QUEUED)


class Frontier(Protocol):
    """Claims URL keys for fetching, counting pages against ``max_pages`` (0: no limit)."""

    max_pages: int

    def seen(self, key: str) -> bool:
        """Whether the key was claimed already (a hint: only ``claim`` decides)."""

    def claim(self, key: str, role: str, request: Any | None = None) -> Claim:
        """Claim ``key`` for fetching. A ``request`` may be queued by the frontier (``QUEUED``);
        without one the caller fetches the URL itself (a browser sub-resource)."""

    def restore(self, keys: Iterable[str], scheduled: int) -> None:
        """Take back what a killed run had claimed (resume): those keys, that page count."""


class LocalFrontier:
    """This process's frontier: a set of claimed keys and a counter of pages scheduled.

    Never queues: every new claim answers ``NEW`` and the spider yields the request to Scrapy."""

    def __init__(self, max_pages: int = 0) -> None:
        self.max_pages = max_pages
        self.keys: set[str] = set()
        self.scheduled = 0

    @classmethod
    def from_crawler(cls, crawler: Any, spider: Any) -> LocalFrontier:
        return cls(crawler.settings.getint("CITEWARC_MAX_PAGES"))

    def seen(self, key: str) -> bool:
        return key in self.keys

    def claim(self, key: str, role: str, request: Any | None = None) -> Claim:
        if key in self.keys:
            return Claim.SEEN
        if role not in UNCOUNTED_ROLES and self.max_pages and self.scheduled >= self.max_pages:
            return Claim.MAX_PAGES
        self.keys.add(key)
        if role not in UNCOUNTED_ROLES:
            self.scheduled += 1
        return Claim.NEW

    def restore(self, keys: Iterable[str], scheduled: int) -> None:
        self.keys.update(keys)
        self.scheduled = scheduled
