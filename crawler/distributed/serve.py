"""``citewarc worker --redis R``: serve the open crawls of a Redis, one worker process at a time.

Picks the oldest open crawl that has room for another worker (and whose store matches ``--store``
and can be opened here), runs one worker process for it (Scrapy cannot restart its reactor in a
process), then looks again; idle, it polls every second (the open-crawls set is read, never popped).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crawler.distributed.announce import CrawlSpec, has_room, is_open, open_crawls, read_spec
from crawler.distributed.process import local_worker_ids, start_worker, wait_workers
from crawler.errors import EXIT_OK, UsageError

logger = logging.getLogger("citewarc.worker")
POLL_SECONDS = 1.0
# A crawl this loop just served and that is still open (its finalizer at work elsewhere, or it was
# full) is not joined again before this many seconds.
REST_SECONDS = 30.0


@dataclass
class Served:
    """When this loop last served each crawl (monotonic seconds)."""

    at: dict[str, float] = field(default_factory=dict)

    def resting(self, crawl_id: str, now: float) -> bool:
        return now - self.at.get(crawl_id, -REST_SECONDS) < REST_SECONDS


def next_crawl(server: Any, store_uri: str | None, served: Served, now: float,
               can_open: Callable[[str], bool]) -> CrawlSpec | None:
    """The oldest open crawl this worker should join: announced, in ``store_uri`` when given,
    below its ``max_workers``, not just served, its store one this machine can open."""
    for crawl_id in open_crawls(server):
        spec = read_spec(server, crawl_id)
        if spec is None or (store_uri and spec.store_uri != store_uri):
            continue
        if served.resting(crawl_id, now) or not has_room(server, spec) or not can_open(spec.store_uri):
            continue
        return spec
    return None


def store_opens(uri: str) -> bool:
    """This machine can open the store (its scheme, its S3 set-up): else the crawl is left to
    workers that can."""
    from crawler.config import command_store  # noqa: PLC0415

    try:
        command_store(uri)
    except UsageError as exc:
        logger.info("Not serving crawls stored in %s: %s", uri, exc)
        return False
    return True


def serve(redis_url: str, store_uri: str | None = None, crawl_id: str | None = None,
          once: bool = False, verbose: bool = False) -> int:
    """Serve crawls until stopped (``once``: one crawl; ``crawl_id``: that crawl, once); the exit
    code of the last worker process, or 0 when stopped while idle."""
    from crawler.distributed.connection import command_redis, shown_url  # noqa: PLC0415

    server = command_redis(redis_url)
    configured = os.environ.get("CITEWARC_REDIS_WORKER", "")
    if crawl_id is not None:
        spec = read_spec(server, crawl_id)
        if spec is None or not is_open(server, crawl_id):
            raise UsageError(f"no open crawl {crawl_id} in Redis at {shown_url(redis_url)}")
        return run_one(redis_url, spec, configured, verbose)[0]
    served = Served()
    while True:
        try:
            spec = next_crawl(server, store_uri, served, time.monotonic(), store_opens)
            if spec is None:
                time.sleep(POLL_SECONDS)
                continue
        except KeyboardInterrupt:
            return EXIT_OK  # stopped while idle: nothing was in hand
        code, interrupted = run_one(redis_url, spec, configured, verbose)
        served.at[spec.crawl_id] = time.monotonic()
        if once or interrupted:  # asked to stop (Ctrl-C, SIGTERM): the loop stops with its worker
            return code


def run_one(redis_url: str, spec: CrawlSpec, configured: str, verbose: bool) -> tuple[int, bool]:
    """One worker process for ``spec``, to its end; its exit code, and whether this process was
    asked to stop meanwhile."""
    worker = local_worker_ids(1, configured)[0]
    logger.info("Serving crawl %s as worker %s", spec.crawl_id, worker)
    codes, interrupted = wait_workers([start_worker(redis_url, spec.crawl_id, worker, verbose)])
    logger.info("Worker %s of crawl %s exited with %d", worker, spec.crawl_id, codes[0])
    return codes[0], interrupted
