"""The frontier of a crawl shared by many workers: claimed keys, the page count and the queue in Redis.

``RedisFrontier`` answers the spider's one question (``crawler.spiders.frontier.Frontier``) for
every worker at once: one Lua script checks the shared seen set, counts the page against
``max_pages`` on the shared counter, and queues the request itself in scrapy-redis's queue, so a
worker killed at any instant leaves either nothing or a claimed key *and* its queued request. Were
the claim (SADD) and the push (Scrapy's scheduler, later) two steps, a death in between would leave
a URL seen that no queue holds, lost for good (docs/distributed-design.md, 3.3).

Keys and classes come from the settings ``crawler.distributed.config.distributed_settings`` lays over
a crawl: ``CITEWARC_REDIS_SEEN_KEY``, ``CITEWARC_REDIS_SCHEDULED_KEY``, ``SCHEDULER_QUEUE_KEY``,
``SCHEDULER_QUEUE_CLASS`` (a sorted-set queue: the request goes in encoded exactly as that queue
encodes it, so its ``pop`` reads it back), ``SCHEDULER_SERIALIZER``, ``REDIS_URL``/``REDIS_PARAMS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.queue import PriorityQueue

from crawler.distributed.connection import redis_from_settings
from crawler.spiders.frontier import UNCOUNTED_ROLES, Claim

# KEYS: seen set, scheduled counter, queue (sorted set).
# ARGV: key, counts ("1": not a requisite), max_pages (0: none), then score and member when the
# request is queued (absent: claimed for the caller to fetch itself).
# Every check comes before the first write, and the write most likely to fail (ZADD into a key of
# another type) is the first: a script that errors has written nothing (Redis does not roll back a
# script's earlier writes).
CLAIM_SCRIPT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 'seen' end
local counts = ARGV[2] == '1'
if counts then
    local max = tonumber(ARGV[3])
    local scheduled = tonumber(redis.call('GET', KEYS[2]) or '0')
    if max > 0 and scheduled >= max then return 'max_pages' end
end
local answer = 'new'
if #ARGV >= 5 then
    redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
    answer = 'queued'
end
if counts then redis.call('INCR', KEYS[2]) end
redis.call('SADD', KEYS[1], ARGV[1])
return answer
"""


class RedisFrontier:
    """Claims for every worker of one crawl; a new claim with a request answers ``QUEUED``."""

    queues = True  # requests go to Redis here, not through the spider (StorySpider.room_in_scheduler)

    def __init__(self, server: Any, queue: PriorityQueue, seen_key: str, scheduled_key: str,
                 max_pages: int = 0) -> None:
        self.server = server
        self.queue = queue
        self.seen_key = seen_key
        self.scheduled_key = scheduled_key
        self.max_pages = max_pages
        self.known: set[str] = set()  # keys this worker saw claimed: answered without a round trip
        self._claim = server.register_script(CLAIM_SCRIPT)

    @classmethod
    def from_crawler(cls, crawler: Any, spider: Any) -> RedisFrontier:
        settings = crawler.settings
        keys = {name: settings.get(name) for name in
                ("CITEWARC_REDIS_SEEN_KEY", "CITEWARC_REDIS_SCHEDULED_KEY", "SCHEDULER_QUEUE_KEY")}
        unfilled = sorted(name for name, key in keys.items() if not key or "{" in key)
        if unfilled:
            raise NotConfigured(f"RedisFrontier needs the crawl's keys (distributed_settings): {unfilled}")
        server = redis_from_settings(settings)
        queue_cls = load_object(settings.get("SCHEDULER_QUEUE_CLASS"))
        if not issubclass(queue_cls, PriorityQueue):
            raise NotConfigured(f"RedisFrontier queues into a sorted set: {queue_cls} is not a "
                                "scrapy_redis PriorityQueue")
        serializer = settings.get("SCHEDULER_SERIALIZER")
        if isinstance(serializer, str):
            serializer = load_object(serializer)
        queue = queue_cls(server=server, spider=spider, key=keys["SCHEDULER_QUEUE_KEY"],
                          serializer=serializer)
        return cls(server, queue, keys["CITEWARC_REDIS_SEEN_KEY"], keys["CITEWARC_REDIS_SCHEDULED_KEY"],
                   settings.getint("CITEWARC_MAX_PAGES"))

    def seen(self, key: str) -> bool:
        """Only what this worker knows to be claimed: the script decides the rest."""
        return key in self.known

    def claim(self, key: str, role: str, request: Any | None = None) -> Claim:
        args: list[Any] = [key, "0" if role in UNCOUNTED_ROLES else "1", self.max_pages]
        if request is not None:
            # Encoded by the crawl's queue class itself, so the queue's pop decodes it.
            args += [-request.priority, self.queue._encode_request(request)]
        answer = Claim(_text(self._claim(keys=[self.seen_key, self.scheduled_key, self.queue.key],
                                         args=args)))
        if answer is not Claim.MAX_PAGES:
            self.known.add(key)
        return answer

    def restore(self, keys: Iterable[str], scheduled: int) -> None:
        """A shared crawl's claims live in Redis and survive a worker: nothing to take back."""
        raise NotImplementedError("resuming a distributed crawl is not supported (design, 6)")

    @property
    def scheduled(self) -> int:
        """Pages scheduled by every worker of the crawl."""
        return int(self.server.get(self.scheduled_key) or 0)


def _text(reply: bytes | str) -> str:
    return reply.decode() if isinstance(reply, bytes) else reply
