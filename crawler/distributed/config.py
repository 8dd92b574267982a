"""The settings a crawl runs with when it is shared through Redis: ``settings.distributed``, filled in.

``--redis`` lays these over whichever settings module the crawl uses, at command-line priority
(every worker takes them from the crawl hash, as a resume takes its settings from the journal).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from settings import distributed

CRAWL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # crawl ids are path-safe: no '{', '%' or ':' to escape


def distributed_settings(crawl_id: str, redis_url: str, max_workers: int) -> dict[str, Any]:
    """Every setting of ``settings.distributed`` with the crawl's keys filled in (``{crawl_id}``;
    ``{worker}`` stays for each worker to fill), plus where Redis is and how many workers may join.

    scrapy-redis formats its keys with ``%`` (``%(spider)s``): a crawl id has no ``%``, so the
    filled keys pass through unchanged."""
    if not CRAWL_ID.fullmatch(crawl_id):
        raise ValueError(f"not a crawl id: {crawl_id!r}")
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, not {max_workers}")
    overlay: dict[str, Any] = {}
    for name in dir(distributed):
        if name.isupper():
            value = getattr(distributed, name)
            overlay[name] = value.replace("{crawl_id}", crawl_id) if isinstance(value, str) else value
    overlay.update(REDIS_URL=redis_url, CITEWARC_REDIS_URL=redis_url,
                   CITEWARC_REDIS_MAX_WORKERS=max_workers)
    return overlay


WORKER_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_process_worker: str | None = None


def worker_id(settings: Any) -> str:
    """This worker's id: ``CITEWARC_REDIS_WORKER`` when set (tests, a worker started for a crawl),
    else ``w`` + 6 random hex digits, the same for the whole process (one crawl per worker process,
    design 3.2), so its queue, heartbeat and commits all name the same in-flight hash."""
    global _process_worker
    chosen = settings.get("CITEWARC_REDIS_WORKER") or ""
    if not chosen:
        if _process_worker is None:
            _process_worker = f"w{secrets.token_hex(3)}"
        chosen = _process_worker
    if not WORKER_ID.fullmatch(chosen):
        raise ValueError(f"not a worker id: {chosen!r}")
    return chosen


def worker_key(settings: Any, name: str) -> str:
    """The setting ``name`` (a key template) with this worker's id and nothing else left to fill."""
    key = settings.get(name) or ""
    key = key.replace("{worker}", worker_id(settings))
    if not key or "{" in key:
        raise ValueError(f"{name} is not filled for a crawl (distributed_settings): {key!r}")
    return key


def divided_politeness(settings: Any, max_workers: int) -> dict[str, Any]:
    """Each worker's share of the per-host limits, so that a host never sees more of the crawl
    than a single process would send it (design 3.8, "a documented division").

    Up to ``CONCURRENT_REQUESTS_PER_DOMAIN`` workers, the concurrency is divided (floored, at
    least 1 each); the delay between requests to a host is multiplied, and AutoThrottle's target
    concurrency divided, by the worker count. Beyond that many workers a host may see one request
    per worker at once: the README says so (many-host crawls want more workers than that; a
    one-host crawl gains nothing from them)."""
    workers = max(1, max_workers)
    return {
        "CONCURRENT_REQUESTS_PER_DOMAIN": max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
                                              // workers),
        "DOWNLOAD_DELAY": settings.getfloat("DOWNLOAD_DELAY") * workers,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY")
        / workers,
    }
