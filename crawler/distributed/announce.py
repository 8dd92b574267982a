"""How a crawl is announced in Redis and found by workers (docs/distributed-design.md, 3.2).

``archive --redis`` writes the crawl hash (``citewarc:crawl:<id>``: what every worker needs to run
the crawl under the rules it was started with) and adds the id to ``citewarc:crawls``, the sorted
set of open crawls, scored by announce time so workers serve the oldest first. Workers take every
setting from the hash, never from their own command line, as a resume takes its settings from the
journal. The finalizer removes the id (``Coordination.close_crawl``).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from settings import distributed

SPIDERS = ("story", "job")
_FIELDS = ("crawl_id", "spider", "settings", "store", "max_workers", "started", "tool")


@dataclass(frozen=True)
class CrawlSpec:
    """One announced crawl: its id, which spider, the settings every worker runs it with (JSON
    values: the command line's overrides, ``CITEWARC_SEEDS`` and ``CITEWARC_STORE`` among them, and
    ``journal.crawl_settings``), its store, how many workers may join, when it started (ISO 8601
    UTC), the tool that announced it and, with a time limit, the Unix time it stops fetching
    (``deadline``: workers join at any time, so each needs the absolute time, not the limit)."""

    crawl_id: str
    spider: str
    settings: dict[str, Any] = field(default_factory=dict)
    store_uri: str = ""
    max_workers: int = 1
    started: str = ""
    tool: str = ""
    deadline: float | None = None

    @property
    def seeds(self) -> list[str]:
        return list(self.settings.get("CITEWARC_SEEDS") or [])

    def to_hash(self) -> dict[str, str]:
        """The crawl hash's fields (strings: Redis stores nothing else)."""
        if self.spider not in SPIDERS:
            raise ValueError(f"not a spider: {self.spider!r}")
        fields = {"crawl_id": self.crawl_id, "spider": self.spider,
                  "settings": json.dumps(self.settings, sort_keys=True), "store": self.store_uri,
                  "max_workers": str(self.max_workers), "started": self.started, "tool": self.tool,
                  "seeds": json.dumps(self.seeds)}
        if self.deadline is not None:
            fields["deadline"] = repr(float(self.deadline))
        return fields

    @classmethod
    def from_hash(cls, fields: dict[bytes | str, bytes | str]) -> CrawlSpec | None:
        """The spec in a crawl hash, or None when the hash holds no announcement (only a
        finalizer's ``result``, or a field is missing or unreadable)."""
        text = {_text(k): _text(v) for k, v in fields.items()}
        if any(name not in text for name in _FIELDS):
            return None
        try:
            settings = json.loads(text["settings"])
            max_workers = int(text["max_workers"])
            deadline = float(text["deadline"]) if text.get("deadline") else None
        except ValueError:
            return None
        if not isinstance(settings, dict) or text["spider"] not in SPIDERS:
            return None
        return cls(crawl_id=text["crawl_id"], spider=text["spider"], settings=settings,
                   store_uri=text["store"], max_workers=max_workers, started=text["started"],
                   tool=text["tool"], deadline=deadline)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def crawl_key(crawl_id: str) -> str:
    """``citewarc:crawl:<id>``: the crawl hash (``settings.distributed.CITEWARC_REDIS_CRAWL_KEY``)."""
    return distributed.CITEWARC_REDIS_CRAWL_KEY.replace("{crawl_id}", crawl_id)


def workers_key(crawl_id: str) -> str:
    return distributed.CITEWARC_REDIS_WORKERS_KEY.replace("{crawl_id}", crawl_id)


CRAWLS_KEY = distributed.CITEWARC_REDIS_CRAWLS_KEY


# KEYS: the job's lock (or none), the crawls zset, the crawl hash. ARGV: crawl id, now, then the
# hash's fields and values. A job's lock names its last run; it is held while that crawl is open.
ANNOUNCE_SCRIPT = """
if KEYS[3] ~= '' then
    local holder = redis.call('GET', KEYS[3])
    if holder and holder ~= ARGV[1] and redis.call('ZSCORE', KEYS[1], holder) then
        return holder
    end
    redis.call('SET', KEYS[3], ARGV[1])
end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return false
"""


def job_lock_key(store_uri: str, job: str) -> str:
    """The Redis key of a job's lock in a store: one open run per job and store, on any machine
    (``citewarc crawl`` without Redis takes a file lock of this machine instead)."""
    digest = hashlib.sha256(store_uri.encode()).hexdigest()[:16]
    return f"citewarc:job:{digest}:{job}"


def announce(server: Any, spec: CrawlSpec, job_lock: str | None = None) -> str | None:
    """Write the crawl hash and open the crawl (ZADD ``citewarc:crawls``, scored by now) in one
    script: a worker never finds an open crawl without its settings. With ``job_lock``, only if no
    other open crawl holds it: then nothing is written and that crawl's id is returned."""
    fields = [item for pair in spec.to_hash().items() for item in pair]
    holder = server.eval(ANNOUNCE_SCRIPT, 3, CRAWLS_KEY, crawl_key(spec.crawl_id), job_lock or "",
                         spec.crawl_id, time.time(), *fields)
    return _text(holder) if holder else None


def open_crawls(server: Any) -> list[str]:
    """The ids of the open crawls, oldest announcement first."""
    return [_text(member) for member in server.zrange(CRAWLS_KEY, 0, -1)]


def read_spec(server: Any, crawl_id: str) -> CrawlSpec | None:
    """The announcement of ``crawl_id``, or None when it is not (or no longer) in Redis."""
    return CrawlSpec.from_hash(server.hgetall(crawl_key(crawl_id)))


def is_open(server: Any, crawl_id: str) -> bool:
    """Still served by workers: announced and not yet closed by its finalizer."""
    return server.zscore(CRAWLS_KEY, crawl_id) is not None


def has_room(server: Any, spec: CrawlSpec) -> bool:
    """Fewer workers have joined than the crawl allows (a worker beyond it would be refused)."""
    return int(server.scard(workers_key(spec.crawl_id))) < spec.max_workers
