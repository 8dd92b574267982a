"""Redis clients that wait out a Redis restart: redis-py's own Retry on every call.

A worker's Redis calls (the queue's pop, the frontier's claim, scrapy-redis's own) must survive
Redis being killed and restarted mid-crawl (issue 12, point 4). Hand-written retries around each
call miss some (bench/spike_redis_workers.py D: a page committed up to 14 times); redis-py retries
every command of a client built with ``retry`` + ``retry_on_error`` (experiment F: nothing lost).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from scrapy.settings import BaseSettings
from scrapy_redis.connection import get_redis_from_settings

from crawler.errors import UsageError
from settings import base, distributed

BACKOFF_CAP = 0.5  # seconds between attempts once backed off: a restarted Redis is used within 0.5 s
BACKOFF_BASE = 0.05


def retry_params(outage: float) -> dict[str, Any]:
    """redis-py client arguments that retry a failed connection for about ``outage`` seconds.

    Attempts on a refused connection return at once, so the budget is the backoff sleeps: after
    a few short ones each is ``BACKOFF_CAP``."""
    attempts = max(1, math.ceil(outage / BACKOFF_CAP))
    return {"retry": Retry(ExponentialBackoff(cap=BACKOFF_CAP, base=BACKOFF_BASE), attempts),
            "retry_on_error": [RedisConnectionError, RedisTimeoutError]}


def redis_params(settings: Any) -> dict[str, Any]:
    """``REDIS_PARAMS`` with the retry added, sized by ``CITEWARC_REDIS_OUTAGE``. Built here, not in
    ``settings.distributed``: a Retry object would make the settings module import redis-py."""
    return {**settings.getdict("REDIS_PARAMS"),
            **retry_params(settings.getfloat("CITEWARC_REDIS_OUTAGE"))}


def retrying_settings(settings: Any) -> Any:
    """A copy of the settings whose ``REDIS_PARAMS`` carry the retry: what scrapy-redis's own
    constructors read (``CrawlScheduler.from_settings``)."""
    copy = BaseSettings(settings.copy_to_dict())  # a crawler's settings are frozen: copy() stays so
    copy.set("REDIS_PARAMS", redis_params(settings))
    return copy


def redis_from_settings(settings: Any) -> Any:
    """scrapy-redis's client (``REDIS_URL``, ``REDIS_PARAMS``) with the retry: for every client a
    worker makes, so ours and scrapy-redis's behave the same during an outage."""
    return get_redis_from_settings(retrying_settings(settings))


def shown_url(redis_url: str) -> str:
    """The Redis URL as messages and logs show it: a password (``redis://:secret@host``) is
    replaced by ``***``."""
    parts = urlsplit(redis_url)
    if parts.password is None:
        return redis_url
    user = f"{parts.username}:" if parts.username else ":"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}***@{host}"))


def command_redis(redis_url: str, outage: float | None = None) -> Any:
    """How every command opens Redis (``--redis URL``): a URL redis-py cannot read, or a Redis that
    does not answer now, is a usage error (exit 2: nothing was started); later calls wait out an
    outage of ``outage`` seconds (default ``CITEWARC_REDIS_OUTAGE``) as a worker's do."""
    budget = base.CITEWARC_REDIS_OUTAGE if outage is None else outage
    try:
        server = Redis.from_url(redis_url, **distributed.REDIS_PARAMS, **retry_params(budget))
    except ValueError as exc:
        raise UsageError(f"--redis {shown_url(redis_url)}: {exc}") from None
    probe = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        probe.ping()
    except RedisError as exc:
        raise UsageError(f"cannot reach Redis at {shown_url(redis_url)}: {exc}") from None
    finally:
        probe.close()
    return server
