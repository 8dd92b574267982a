"""SPIKE (issue 12), not a benchmark and not part of `make test`: do the mechanics of a crawl shared
by worker processes through scrapy-redis hold on this Scrapy (2.19) and scrapy-redis (0.9.1)?

    .venv/bin/python bench/spike_redis_workers.py [--pages 40 --delay 0.4 --workers 2]

Starts a real redis-server (tests/servers/redis_server.py) and the slow fixture server
(tests/servers/slow_server.py: /site/index.html cites /site/0..N-1.html, each ``--delay`` s to
answer), then runs three experiments, each with ``--workers`` worker processes
(``--worker`` mode of this same file) on one Redis queue:

  A  stock scrapy-redis queue, nobody killed: do all workers get requests, is each URL fetched once?
  B  stock scrapy-redis queue, one worker SIGKILLed mid-crawl: what happens to its in-flight requests?
  C  the queue with an in-flight record (pop moves the request into the worker's hash in one Lua
     script, the page's commit removes it in the same MULTI that records its row), heartbeats, and
     requeueing of a dead worker's hash by a survivor; one worker SIGKILLed mid-crawl.
  D  as C, but Redis itself is SIGKILLed mid-crawl (AOF, appendfsync always) and restarted after
     ``--redis-down`` s: do the workers (stock scrapy-redis calls, no retry wrapper) survive it?
  E, F  as C and D with the fixes D called for ("hardened"): redis-py's Retry on every call, a
     heartbeat that survives errors, queue members prefixed with the page key so the pop drops pages
     already committed, first-commit-wins through a done set, an idle worker requeueing its own
     leftovers, and the design's claim: the spider marks a URL seen and queues its request in one Lua
     script (yielding nothing to Scrapy), so no death leaves a URL seen but never queued.

The worker's spider has StorySpider's shape: seeds from ``async start()`` (only the worker that wins
SET NX seeds), dedup on a canonical key *before* the request exists (SADD on a shared set instead of
StorySpider's ``_seen``), and the end decided on ``spider_idle``: a worker closes only when the
queue is empty, every worker's in-flight hash is empty and seeding is over (otherwise
DontCloseSpider). Every committed page is one row in a Redis list (the stand-in for a part
manifest); the slow server counts what was really fetched.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CRAWL = "20261130T000000Z-spike"
PREFIX = f"citewarc:crawl:{CRAWL}"


# =============================================================================================
# Worker side (imported only in --worker processes: scrapy-redis, redis, Scrapy)
# =============================================================================================


def worker_main(args: argparse.Namespace) -> None:
    import redis
    import scrapy
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.exceptions import DontCloseSpider
    from scrapy.settings import Settings
    from scrapy_redis import picklecompat
    from scrapy_redis.queue import PriorityQueue
    from twisted.internet import task

    from crawler.web.urls import canonical_url, clean_url
    from settings import distributed

    hardened = args.mode == "hardened"
    # hardened: redis-py's own retry (exponential backoff, ~20 s) on connection errors and timeouts,
    # for our calls and scrapy-redis's (REDIS_PARAMS below), so a Redis restart is waited out.
    retry_params = {"retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 40),
                    "retry_on_error": [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]}
    server = redis.Redis.from_url(args.redis, **(retry_params if hardened else {}))
    done_key = f"{PREFIX}:done"
    worker = args.worker
    queue_key = f"{PREFIX}:requests"
    seen_key = f"{PREFIX}:seen"
    rows_key = f"{PREFIX}:rows"
    workers_key = f"{PREFIX}:workers"

    def inflight_key(w: str) -> str:
        return f"{PREFIX}:inflight:{w}"

    def alive_key(w: str) -> str:
        return f"citewarc:worker:{w}:alive"

    # Pop = take the best request AND remember it as this worker's, atomically: a worker killed
    # between the two steps would otherwise lose it (what experiment B shows scrapy-redis does).
    pop_tracked = server.register_script("""
        local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        if #r == 0 then return nil end
        redis.call('ZREM', KEYS[1], r[1])
        redis.call('HSET', KEYS[2], redis.sha1hex(r[1]), r[2] .. '|' .. r[1])
        return r[1]
    """)
    # A dead worker's requests go back into the queue with their priority, its hash is dropped.
    requeue = server.register_script("""
        local n = 0
        local all = redis.call('HGETALL', KEYS[2])
        for i = 2, #all, 2 do
            local v = all[i]
            local bar = string.find(v, '|', 1, true)
            redis.call('ZADD', KEYS[1], tonumber(string.sub(v, 1, bar - 1)), string.sub(v, bar + 1))
            n = n + 1
        end
        redis.call('DEL', KEYS[2])
        return n
    """)

    # hardened: queue members are b"<citewarc_key>\\0<pickled request>", so Lua sees the key: a request
    # whose page is already committed (done) is dropped instead of fetched again, and the in-flight
    # hash is keyed by the page, not by the bytes.
    pop_hardened = server.register_script("""
        while true do
            local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
            if #r == 0 then return nil end
            redis.call('ZREM', KEYS[1], r[1])
            local key = string.sub(r[1], 1, string.find(r[1], '\\0', 1, true) - 1)
            if redis.call('SISMEMBER', KEYS[3], key) == 0 then
                redis.call('HSET', KEYS[2], key, r[2] .. '|' .. r[1])
                return r[1]
            end
            redis.call('INCR', KEYS[4])
        end
    """)
    # hardened: first commit wins. The row goes in only if the page was not committed before (by a
    # worker taken for dead while it was only slow, or before a Redis restart forgot a pop).
    commit_hardened = server.register_script("""
        redis.call('HDEL', KEYS[2], ARGV[1])
        if redis.call('SADD', KEYS[3], ARGV[1]) == 1 then
            redis.call('RPUSH', KEYS[1], ARGV[2])
            return 1
        end
        redis.call('INCR', KEYS[4])
        return 0
    """)

    # hardened: a URL is marked seen and queued in one step, so no death can leave it seen but unqueued.
    claim_and_queue = server.register_script("""
        if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
        return 1
    """)

    class HardenedQueue(PriorityQueue):
        def _encode_request(self, request):
            return request.meta["citewarc_key"].encode() + b"\0" + super()._encode_request(request)

        def pop(self, timeout=0):
            data = pop_hardened(keys=[self.key, inflight_key(worker), done_key,
                                      f"{PREFIX}:dropped_done"])
            if not data:
                return None
            return self._decode_request(data.split(b"\0", 1)[1])

    class TrackedQueue(PriorityQueue):
        def pop(self, timeout=0):
            data = pop_tracked(keys=[self.key, inflight_key(worker)])
            if not data:
                return None
            request = self._decode_request(data)
            import hashlib
            request.meta["spike_token"] = hashlib.sha1(data).hexdigest()
            return request

    class SpikeSpider(scrapy.Spider):
        name = "spike"

        async def start(self):
            if server.set(f"{PREFIX}:seeding", worker, nx=True):
                request = self.page_request(args.seed, depth=0)
                if request is not None:
                    yield request
                server.set(f"{PREFIX}:seeded", 1)

        def page_request(self, url: str, depth: int):
            key = canonical_url(clean_url(url))
            request = scrapy.Request(url, callback=self.parse, errback=self.on_error,
                                     meta={"citewarc_key": key, "citewarc_depth": depth},
                                     priority=30 - depth)
            if hardened:  # the design's claim: seen and queued in one script, nothing yielded
                member = key.encode() + b"\0" + picklecompat.dumps(request.to_dict(spider=self))
                claim_and_queue(keys=[seen_key, queue_key], args=[key, -request.priority, member])
                return None
            if server.sadd(seen_key, key) == 0:  # the shared _seen: 0 = another worker has it
                return None
            return request

        async def parse(self, response):
            server.incr(f"{PREFIX}:fetched:{worker}")
            follow = []
            if response.meta["citewarc_depth"] < 1:
                for href in response.css("a::attr(href)").getall():
                    request = self.page_request(response.urljoin(href), depth=1)
                    if request is not None:
                        follow.append(request)
            for request in follow:
                yield request
            self.commit(response.meta, response.status)

        def on_error(self, failure):
            self.commit(failure.request.meta, None)

        def commit(self, meta, status) -> None:
            """The page's row and the end of its in-flight record, in one MULTI: a page is either
            committed (in the rows) or still in flight (requeued if its worker dies), never both."""
            row = json.dumps({"key": meta["citewarc_key"], "status": status, "worker": worker})
            if hardened:
                commit_hardened(keys=[rows_key, inflight_key(worker), done_key,
                                      f"{PREFIX}:rejected_commits"], args=[meta["citewarc_key"], row])
                return
            pipe = server.pipeline(transaction=True)
            pipe.rpush(rows_key, row)
            if "spike_token" in meta:
                pipe.hdel(inflight_key(worker), meta["spike_token"])
            pipe.execute()

    class Coordinator:
        """Heartbeat, dead workers' requests back to the queue, and the end of the crawl."""

        def __init__(self, crawler):
            self.crawler = crawler
            self.idle_since = None
            crawler.signals.connect(self.opened, signal=signals.spider_opened)
            crawler.signals.connect(self.idle, signal=signals.spider_idle)
            self.beat = task.LoopingCall(self.heartbeat)

        @classmethod
        def from_crawler(cls, crawler):
            return cls(crawler)

        def opened(self, spider):
            server.sadd(workers_key, worker)
            self.beat.start(args.heartbeat)

        def heartbeat(self):
            try:
                server.set(alive_key(worker), 1, ex=args.visibility)
            except redis.exceptions.RedisError as exc:  # a LoopingCall stops for good on an error
                if not hardened:
                    raise
                logging.getLogger("spike").warning("heartbeat failed: %s", exc)

        def idle(self, spider):
            if args.mode == "plain":  # stock scrapy-redis: the only end is an idle timeout
                self.idle_since = self.idle_since or time.monotonic()
                if server.zcard(queue_key) or not server.get(f"{PREFIX}:seeded") or \
                        time.monotonic() - self.idle_since < args.plain_idle:
                    if not args.slow_poll:
                        self.crawler.engine._slot.nextcall.schedule(0.2)
                    raise DontCloseSpider
                return
            for other in server.smembers(workers_key):
                other = other.decode()
                # hardened: an idle worker holds nothing, so whatever its own hash still names was
                # popped by a call whose reply was lost (Redis died mid-call): requeue it too.
                mine = hardened and other == worker
                if mine or (other != worker and not server.exists(alive_key(other))):
                    moved = requeue(keys=[queue_key, inflight_key(other)])
                    if moved:
                        server.incrby(f"{PREFIX}:requeued", moved)
                        spider.logger.warning("requeued %d request(s) of dead worker %s", moved, other)
            busy = [w.decode() for w in server.smembers(workers_key)
                    if server.hlen(inflight_key(w.decode()))]
            if server.zcard(queue_key) or busy or not server.get(f"{PREFIX}:seeded"):
                # Scrapy asks again only at its 5 s engine heartbeat: ask sooner.
                self.crawler.engine._slot.nextcall.schedule(0.2)
                raise DontCloseSpider

    values = {name: getattr(distributed, name) for name in dir(distributed) if name.isupper()}
    settings = Settings()
    settings.setmodule("settings.test")
    settings.update({k: v.replace("{crawl_id}", CRAWL) if isinstance(v, str) else v
                     for k, v in values.items()})
    settings.update({
        "REDIS_URL": args.redis,
        # scrapy-redis's Scheduler calls DUPEFILTER_CLASS.from_settings() when the class has no
        # from_spider; Scrapy 2.19's BaseDupeFilter has neither from_settings nor clear(): see
        # --stock-dupefilter, which shows the failure.
        "DUPEFILTER_CLASS": ("scrapy.dupefilters.BaseDupeFilter" if args.stock_dupefilter
                             else "crawler.distributed.dupefilter.NoDupeFilter"),
        "SCHEDULER_QUEUE_CLASS": {"tracked": TrackedQueue, "hardened": HardenedQueue}.get(
            args.mode, "scrapy_redis.queue.PriorityQueue"),
        "REDIS_PARAMS": {"socket_timeout": 30, "socket_connect_timeout": 30,
                         **(retry_params if hardened else {})},
        "CONCURRENT_REQUESTS": args.concurrency,
        "ITEM_PIPELINES": {}, "EXTENSIONS": {Coordinator: 500}, "DOWNLOADER_MIDDLEWARES": {},
        "SPIDER_MIDDLEWARES": {}, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "INFO",
        "LOG_FILE": args.log, "TELNETCONSOLE_ENABLED": False,
    })
    process = CrawlerProcess(settings, install_root_handler=True)
    process.crawl(SpikeSpider)
    process.start()


# =============================================================================================
# Orchestrator
# =============================================================================================


def run_experiment(name: str, mode: str, args: argparse.Namespace, kill: bool, tmp: Path) -> dict:
    from tests.servers.redis_server import RedisServer
    from tests.servers.slow_server import SlowServer

    data = tmp / name
    with RedisServer(data / "redis") as redis_srv, \
            SlowServer(site_pages=args.pages, page_delay=args.delay) as web:
        client = redis_srv.client()
        seed = web.url("/site/index.html")
        procs = []
        started = time.monotonic()
        for n in range(args.workers):
            argv = [sys.executable, __file__, "--worker", f"w{n}", "--redis", redis_srv.url,
                    "--seed", seed, "--mode", mode, "--log", str(data / f"w{n}.log"),
                    "--concurrency", str(args.concurrency), "--visibility", str(args.visibility),
                    "--heartbeat", str(args.heartbeat), "--plain-idle", str(args.plain_idle)]
            argv += ["--stock-dupefilter"] if args.stock_dupefilter else []
            argv += ["--slow-poll"] if args.slow_poll else []
            procs.append(subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL,
                                          stderr=open(data / f"w{n}.stderr", "w")))
        killed = None
        if name in ("D", "F"):  # SIGKILL Redis once w0 has fetched a few pages, restart it after a pause
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if int(client.get(f"{PREFIX}:fetched:w0") or 0) >= args.kill_after:
                    redis_srv.kill()
                    down_at = time.monotonic()
                    time.sleep(args.redis_down)
                    redis_srv.start()
                    client = redis_srv.client()
                    killed = {"redis": "SIGKILL", "at_s": round(down_at - started, 2),
                              "down_s": round(time.monotonic() - down_at, 2)}
                    break
                time.sleep(0.02)
        if kill:  # SIGKILL worker w0 once it has fetched a few pages
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if int(client.get(f"{PREFIX}:fetched:w0") or 0) >= args.kill_after:
                    held = client.hlen(f"{PREFIX}:inflight:w0")
                    os.killpg(procs[0].pid, signal.SIGKILL)
                    killed = {"worker": "w0", "after_fetched": args.kill_after,
                              "inflight_at_kill": held, "at_s": round(time.monotonic() - started, 2)}
                    break
                time.sleep(0.02)
        codes = []
        for proc in procs:
            try:
                codes.append(proc.wait(timeout=120))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                codes.append("timeout")
        wall = time.monotonic() - started
        rows = [json.loads(r) for r in client.lrange(f"{PREFIX}:rows", 0, -1)]
        fetched = Counter(p for p in web.requests if p.startswith("/site/"))
        expected = {"/site/index.html", *(f"/site/{n}.html" for n in range(args.pages))}
        committed = Counter(r["key"].split("/", 3)[-1] for r in rows)
        result = {
            "experiment": name, "mode": mode, "workers": args.workers, "exit_codes": codes,
            "wall_s": round(wall, 2), "killed": killed,
            "fetches": sum(fetched.values()), "distinct_fetched": len(fetched),
            "never_fetched": sorted(expected - set(fetched)),
            "fetched_twice": sorted(p for p, c in fetched.items() if c > 1),
            "rows": len(rows), "rows_per_worker": dict(Counter(r["worker"] for r in rows)),
            "never_committed": len({p.lstrip("/") for p in expected} - set(committed)),
            "committed_twice": sorted(p for p, c in committed.items() if c > 1),
            "left_in_queue": client.zcard(f"{PREFIX}:requests"),
            "left_in_flight": {k.decode(): client.hlen(k) for k in
                               client.scan_iter(f"{PREFIX}:inflight:*")},
            "requeued": int(client.get(f"{PREFIX}:requeued") or 0),
            "max_commits_of_one_page": max(committed.values(), default=0),
            "dropped_at_pop_as_done": int(client.get(f"{PREFIX}:dropped_done") or 0),
            "rejected_commits": int(client.get(f"{PREFIX}:rejected_commits") or 0),
            "worker_errors": [line[:160] for n in range(args.workers)
                              for path in (data / f"w{n}.stderr", data / f"w{n}.log") if path.exists()
                              for line in path.read_text().splitlines() if "Error:" in line][:4],
        }
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker")
    parser.add_argument("--redis")
    parser.add_argument("--seed")
    parser.add_argument("--log")
    parser.add_argument("--mode", default="tracked", choices=("plain", "tracked", "hardened"))
    parser.add_argument("--stock-dupefilter", action="store_true")
    parser.add_argument("--slow-poll", action="store_true",
                        help="idle workers look at the queue only at Scrapy's 5 s engine heartbeat")
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--visibility", type=int, default=3)
    parser.add_argument("--heartbeat", type=float, default=1.0)
    parser.add_argument("--plain-idle", type=float, default=3.0)
    parser.add_argument("--kill-after", type=int, default=6)
    parser.add_argument("--redis-down", type=float, default=1.0, help="D: seconds Redis stays down")
    parser.add_argument("--only", default="ABCDEF")
    parser.add_argument("--keep", help="keep the workers' logs and Redis data in this folder")
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return 0
    with tempfile.TemporaryDirectory(prefix="spike-redis-") as tmp:
        tmp = args.keep or tmp
        plan = [("A", "plain", False), ("B", "plain", True), ("C", "tracked", True),
                ("D", "tracked", False), ("E", "hardened", True), ("F", "hardened", False)]
        for name, mode, kill in plan:
            if name in args.only:
                print(json.dumps(run_experiment(name, mode, args, kill, Path(tmp))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
