"""The settings a crawl runs with when it is shared through Redis: ``settings.distributed``, filled in.

``--redis`` lays these over whichever settings module the crawl uses, at command-line priority
(every worker takes them from the crawl hash, as a resume takes its settings from the journal).
"""

from __future__ import annotations

import re
from typing import Any

from settings import distributed

CRAWL_ID = re.compile(r"[a-z0-9][a-z0-9-]*")  # crawl ids are path-safe: no '{', '%' or ':' to escape


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
