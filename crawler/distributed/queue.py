"""The crawl's shared request queue: scrapy-redis's priority queue, with every pop remembered.

scrapy-redis pops without acknowledgement (ZRANGE + ZREMRANGEBYRANK): a worker killed after a pop
loses what it held (bench/spike_redis_workers.py B: 4-5 pages of 41 never archived). Here a pop
moves the request into this worker's in-flight hash in the same Lua script, so at every instant a
request is either in the queue or in some worker's hash, until its page is committed (step 4)
or, its worker dead, put back in the queue (step 3). Design: docs/distributed-design.md, 3.4.

Members are ``b"<page key>\\0<serialized request>"``: the scripts see the page key without
unpickling, so the in-flight hash is keyed by it (the commit names it) and the pop skips a
request whose page is already committed (``:done``, first commit wins: a copy requeued while its
page was only slow).
"""

from __future__ import annotations

from typing import Any

from scrapy_redis.queue import PriorityQueue

from crawler.distributed.config import worker_id, worker_key

SEPARATOR = b"\0"  # canonical URLs never hold a NUL; the serialized request after it may

# KEYS: queue (sorted set), this worker's in-flight hash, done set, holders set, and (optional) the
# finalizer key. ARGV: worker.
# The worker joins the crawl's holders with each entry, so requeue and finish find every in-flight
# hash by name (no keyspace scan). Returns {member | false, pages skipped as done}. Members are
# checked before anything is written (a script that errors has written nothing): one without a page
# key is an error, never dropped. Once a finalizer is chosen nothing is popped: after a time limit
# the finalizer lists what is queued as skipped, and a worker whose own timer is a moment late must
# not fetch one of those.
POP_SCRIPT = """
if KEYS[5] and redis.call('EXISTS', KEYS[5]) == 1 then return {false, 0} end
local skipped = 0
while true do
    local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    if #r == 0 then return {false, skipped} end
    local cut = string.find(r[1], '\\0', 1, true)
    if cut == nil then return redis.error_reply('queue member without a page key') end
    local key = string.sub(r[1], 1, cut - 1)
    redis.call('ZREM', KEYS[1], r[1])
    if redis.call('SISMEMBER', KEYS[3], key) == 0 then
        redis.call('HSET', KEYS[2], key, r[2] .. '|' .. r[1])
        redis.call('SADD', KEYS[4], ARGV[1])
        return {r[1], skipped}
    end
    skipped = skipped + 1
end
"""


def encode_member(key: str, data: bytes) -> bytes:
    """A queue member: the page key, NUL, the serialized request."""
    raw = key.encode()
    if not raw or SEPARATOR in raw:
        raise ValueError(f"not a page key for the queue: {key!r}")
    return raw + SEPARATOR + data


def decode_member(member: bytes) -> tuple[str, bytes]:
    """(page key, serialized request) of a queue member or of an in-flight entry's member."""
    key, sep, data = member.partition(SEPARATOR)
    if not sep or not key:
        raise ValueError("queue member without a page key")
    return key.decode(), data


def inflight_entry(value: bytes) -> tuple[float, bytes]:
    """(score, member) of an in-flight hash value ``b"<score>|<member>"``: how to put it back."""
    score, _, member = value.partition(b"|")
    return float(score), member


class TrackedPriorityQueue(PriorityQueue):
    """A priority queue (score = -priority) whose pop records the request as this worker's.

    Built by scrapy-redis's scheduler and by the frontier with the stock arguments; the in-flight
    done and holders keys come from the crawl's settings (``distributed_settings``), the worker from
    ``worker_id``. ``len()`` stays ZCARD (``StorySpider.room_in_scheduler`` asks it)."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None,
                 inflight_key: str | None = None, done_key: str | None = None,
                 holders_key: str | None = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = spider.crawler.settings
        self.worker = worker_id(settings)
        self.inflight_key = inflight_key or worker_key(settings, "CITEWARC_REDIS_INFLIGHT_KEY")
        self.done_key = done_key or worker_key(settings, "CITEWARC_REDIS_DONE_KEY")
        self.holders_key = holders_key or worker_key(settings, "CITEWARC_REDIS_HOLDERS_KEY")
        self.finalizer_key = worker_key(settings, "CITEWARC_REDIS_FINALIZER_KEY")
        self.skipped_done = 0  # requests dropped by pops because their page was committed
        self._pop = server.register_script(POP_SCRIPT)

    def _encode_request(self, request: Any) -> bytes:
        key = request.meta.get("citewarc_key")
        if not key:
            raise ValueError(f"a request without a page key cannot be shared: {request.url}")
        return encode_member(key, super()._encode_request(request))

    def _decode_request(self, encoded_request: bytes) -> Any:
        return super()._decode_request(decode_member(encoded_request)[1])

    def pop(self, timeout: int = 0) -> Any:
        """The best request, now in this worker's in-flight hash; None when the queue is empty.
        (``timeout`` is ignored, as by scrapy-redis's PriorityQueue: idling is the engine's.)"""
        member, skipped = self._pop(keys=[self.key, self.inflight_key, self.done_key, self.holders_key,
                                           self.finalizer_key], args=[self.worker])
        self.skipped_done += int(skipped)
        if not member:
            return None
        return self._decode_request(member)

    def held(self) -> dict[str, tuple[float, bytes]]:
        """What this worker holds: page key -> (score, member), as the pop recorded it."""
        return {k.decode(): inflight_entry(v) for k, v in self.server.hgetall(self.inflight_key).items()}
