"""No duplicate filter in scrapy-redis's scheduler: the spider dedupes (issue 12 design)."""

from __future__ import annotations

from typing import Any


class NoDupeFilter:
    """Lets every request through, in the shape scrapy-redis's Scheduler needs.

    The spider decides whether a URL was seen, on its canonical key, before the request exists
    (the shared seen set in Redis), as it does in a single-process crawl. Scrapy's own
    ``BaseDupeFilter`` cannot stand in: scrapy-redis 0.9.1 builds a filter without ``from_spider``
    through ``from_settings``, which Scrapy 2.19's ``BaseDupeFilter`` no longer has (the crawl
    fails to open: measured by bench/spike_redis_workers.py --stock-dupefilter), and its flush
    calls ``clear()``, which ``BaseDupeFilter`` lacks too."""

    @classmethod
    def from_spider(cls, spider: Any) -> NoDupeFilter:
        return cls()

    def request_seen(self, request: Any) -> bool:
        return False

    def log(self, request: Any, spider: Any) -> None:
        """Never called: nothing is filtered."""

    def clear(self) -> None:
        """Nothing to clear."""

    def open(self) -> None:
        """Nothing to open."""

    def close(self, reason: str = "") -> None:
        """Nothing to close."""
