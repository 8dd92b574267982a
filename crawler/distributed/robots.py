"""robots.txt fetched once per host for the whole shared crawl, not once per worker.

Scrapy's ``RobotsTxtMiddleware`` fetches a host's robots.txt in every process that sends the host a
request, so N workers would capture it up to N times. Here the first worker that needs it claims
the host in Redis (``SET NX``), fetches it as Scrapy does (through every downloader middleware, so
it is archived in that worker's WARC) and leaves the body in the crawl's ``:robots`` hash; the
others wait for the body and parse it themselves. A fetch that failed is shared too (every worker
then goes on without rules, as Scrapy does). A claimer that dies mid-fetch lets its claim expire:
a worker that waited that long fetches robots.txt itself.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from crawler.distributed.connection import redis_from_settings

logger = logging.getLogger(__name__)

FAILED = b"failed"  # the claimer could not fetch robots.txt: no rules, as Scrapy has it

# KEYS: claims hash (host -> Unix second the claim lapses). ARGV: host, seconds the claim lasts.
# 1 = the caller holds the claim now. A field of one named hash rather than a key per host with its
# own expiry, so closing the crawl deletes the claims by name (no keyspace scan); Redis's clock
# decides for every worker alike.
CLAIM_SCRIPT = """
local now = tonumber(redis.call('TIME')[1])
local lapses = redis.call('HGET', KEYS[1], ARGV[1])
if lapses and tonumber(lapses) > now then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))
return 1
"""


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """``RobotsTxtMiddleware`` whose robots.txt bodies are shared through the crawl's Redis."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.server = redis_from_settings(settings)
        self.key = _filled(settings, "CITEWARC_REDIS_ROBOTS_KEY")
        self.claims_key = _filled(settings, "CITEWARC_REDIS_ROBOTS_CLAIMS_KEY")
        self._claim = self.server.register_script(CLAIM_SCRIPT)
        # How long a claim lasts: a claimer fetches within DOWNLOAD_TIMEOUT (retries off for it).
        self.claim_seconds = max(5, int(settings.getfloat("DOWNLOAD_TIMEOUT")) + 5)

    async def robot_parser(self, request: Any) -> Any:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            shared = await self._shared_body(netloc)
            if shared is not None and netloc not in self._parsers:
                self._parsers[netloc] = self._parse_shared(shared)
        return await super().robot_parser(request)

    async def _shared_body(self, netloc: str) -> bytes | None:
        """The body another worker fetched, or None when this worker must fetch it (it has the
        claim now, or the claimer went silent)."""
        deadline = time.monotonic() + self.claim_seconds
        while True:
            if netloc in self._parsers:  # this worker's own fetch of it has begun meanwhile
                return None
            found = self.server.hget(self.key, netloc)
            if found is not None:
                return found
            if self._claim(keys=[self.claims_key], args=[netloc, self.claim_seconds]):
                return None  # ours to fetch
            if time.monotonic() > deadline:
                logger.warning("robots.txt of %s: the worker fetching it went silent; fetching it "
                               "here", netloc)
                return None
            await asyncio.sleep(0.05)

    def _parse_shared(self, stored: bytes) -> Any:
        if stored == FAILED:
            return None
        body = base64.b64decode(json.loads(stored)["body"])
        self._stats.inc_value("robotstxt/shared")
        return build_from_crawler(self._parserimpl, self.crawler, body)

    async def _parse_robots(self, response: Response, netloc: str, request: Any) -> None:
        self.server.hset(self.key, netloc, json.dumps(
            {"status": response.status, "body": base64.b64encode(response.body).decode()}))
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self.server.hset(self.key, netloc, FAILED)
        super()._robots_error(exc, netloc)


def _filled(settings: Any, name: str) -> str:
    key = settings.get(name)
    if not key or "{" in key:
        raise ValueError(f"{name} is not filled for a crawl: {key!r}")
    return key
