"""Redis clients that wait out a Redis restart: redis-py's own Retry on every call.

A worker's Redis calls (the queue's pop, the frontier's claim, scrapy-redis's own) must survive
Redis being killed and restarted mid-crawl (issue 12, point 4). Hand-written retries around each
call miss some (bench/spike_redis_workers.py D: a page committed up to 14 times); redis-py retries
every command of a client built with ``retry`` + ``retry_on_error`` (experiment F: nothing lost).
"""

from __future__ import annotations

import math
from typing import Any

from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from scrapy.settings import BaseSettings
from scrapy_redis.connection import get_redis_from_settings

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
