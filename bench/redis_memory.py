"""What a shared crawl costs Redis per page: memory per queued request, per seen-set entry and per
done-set entry, measured on a real redis-server, and projected to 1 million pages.

Each figure is ``INFO memory``'s ``used_memory`` before and after inserting N entries of the real
shapes into an empty key (and the append-only file's growth, since a crawl runs Redis with
``appendonly yes``): queue members are ``b"<canonical url>\\0<pickled request>"`` scored
``-priority``, exactly as ``crawler/distributed/queue.py`` encodes StorySpider's citation requests;
the seen and done sets hold canonical URLs (``crawler.web.urls.canonical_url``). The URLs are
news-shaped (hundreds of hosts, a date and a slug of varying length), seeded.

    .venv/bin/python bench/redis_memory.py [--entries 100000]

``bench/distributed.py`` runs the same measurement on its own Redis after its crawls.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.redis_server import start_redis  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "redis_memory.json"
PROJECTED_PAGES = 1_000_000
BATCH = 5000
WORDS = ("election", "budget", "council", "climate", "court", "report", "minister", "housing", "health",
         "energy", "schools", "police", "market", "strike", "vote", "storm", "trial", "deal", "tax", "war")


@dataclass(frozen=True)
class EntryCost:
    """Bytes one entry of a key costs Redis: in memory, and appended to its AOF."""

    key: str
    what: str
    entries: int
    memory_bytes: float
    aof_bytes: float
    payload_bytes: float  # the member itself (URL, or key + NUL + pickle), for comparison


def news_urls(count: int, seed: int = 12) -> list[str]:
    """``count`` distinct news-shaped URLs over a few hundred hosts."""
    rng = random.Random(seed)
    hosts = [f"www.{rng.choice(WORDS)}-{rng.choice(WORDS)}-news{i}.com" for i in range(400)]
    urls = []
    for i in range(count):
        slug = "-".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
        urls.append(f"https://{rng.choice(hosts)}/{2020 + i % 7}/{1 + i % 12:02d}/{1 + i % 28:02d}/"
                    f"{rng.choice(WORDS)}/{slug}-{i}")
    return urls


def queue_members(urls: Sequence[str]) -> list[tuple[bytes, float]]:
    """(member, score) of each URL's citation request, as the shared queue stores it."""
    from crawler.distributed.queue import encode_member  # noqa: PLC0415
    from crawler.spiders.story import StorySpider  # noqa: PLC0415
    from crawler.web.urls import canonical_url  # noqa: PLC0415

    spider = StorySpider(url="http://example.com/")
    out = []
    for url in urls:
        key = canonical_url(url)
        request = spider.make_page_request(url, key, "citation", 1, urls[0])
        # scrapy-redis's picklecompat.dumps: pickle.dumps(request.to_dict(spider=...), protocol=-1)
        data = pickle.dumps(request.to_dict(spider=spider), protocol=-1)
        out.append((encode_member(key, data), float(-request.priority)))
    return out


def _aof_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.aof*") if p.is_file())


def entry_cost(client: Any, folder: Path, key: str, what: str, values: Sequence[Any],
               add: Callable[[Any, str, Any], None], size: Callable[[Any], int]) -> EntryCost:
    """Insert ``values`` into the empty ``key`` (pipelined) and divide the growth by their count."""
    client.delete(key)
    before, aof_before = int(client.info("memory")["used_memory"]), _aof_size(folder)
    pipe = client.pipeline(transaction=False)
    for i, value in enumerate(values):
        add(pipe, key, value)
        if i % BATCH == BATCH - 1:
            pipe.execute()
    pipe.execute()
    after, aof_after = int(client.info("memory")["used_memory"]), _aof_size(folder)
    n = len(values)
    return EntryCost(key, what, n, (after - before) / n, (aof_after - aof_before) / n,
                     sum(size(v) for v in values) / n)


def measure(client: Any, folder: Path, entries: int) -> list[EntryCost]:
    """The three costs on the Redis of ``client`` (its data in ``folder``); leaves it empty."""
    from crawler.web.urls import canonical_url  # noqa: PLC0415

    urls = news_urls(entries)
    keys = [canonical_url(u) for u in urls]
    members = queue_members(urls)
    client.flushall()
    # No AOF rewrite while measuring: one would shrink the file mid-count (100,000 requests append
    # more than auto-aof-rewrite-min-size, 64 MB).
    rewrite = client.config_get("auto-aof-rewrite-percentage")["auto-aof-rewrite-percentage"]
    client.config_set("auto-aof-rewrite-percentage", 0)
    costs = [
        entry_cost(client, folder, "bench:requests", "queued request (sorted set)", members,
                   lambda p, k, v: p.zadd(k, {v[0]: v[1]}), lambda v: len(v[0])),
        entry_cost(client, folder, "bench:seen", "seen-set entry (canonical URL)", keys,
                   lambda p, k, v: p.sadd(k, v), lambda v: len(v.encode())),
        entry_cost(client, folder, "bench:done", "done-set entry (canonical URL)", keys,
                   lambda p, k, v: p.sadd(k, v), lambda v: len(v.encode())),
    ]
    client.flushall()
    client.config_set("auto-aof-rewrite-percentage", rewrite)
    return costs


def projection(costs: Iterable[EntryCost], pages: int = PROJECTED_PAGES) -> dict[str, float]:
    """Redis memory (MB) of a crawl of ``pages`` pages: its seen and done sets hold every page by
    the end; the queue holds the frontier, at worst every page at once."""
    by = {c.key.split(":")[1]: c for c in costs}
    mb = 1e6
    sets = (by["seen"].memory_bytes + by["done"].memory_bytes) * pages / mb
    queue = by["requests"].memory_bytes * pages / mb
    return {"pages": pages, "seen_and_done_mb": sets, "queue_all_at_once_mb": queue,
            "worst_case_mb": sets + queue}


def render(costs: Sequence[EntryCost], proj: dict[str, float]) -> str:
    lines = [f"Redis memory per entry ({costs[0].entries:,} of each, `used_memory` before/after)", "",
             "| entry | bytes in memory | bytes appended to the AOF | payload bytes |", "|---|---|---|---|"]
    for c in costs:
        lines.append(f"| {c.what} | {c.memory_bytes:.0f} | {c.aof_bytes:.0f} | {c.payload_bytes:.0f} |")
    lines += ["", f"At {proj['pages']:,} pages: seen + done sets {proj['seen_and_done_mb']:.0f} MB; "
              f"the queue {proj['queue_all_at_once_mb']:.0f} MB more if every page were queued at once "
              f"(worst case {proj['worst_case_mb']:.0f} MB)."]
    return "\n".join(lines)


def report(costs: Sequence[EntryCost]) -> dict:
    return {"entries": [asdict(c) for c in costs], "projection": projection(costs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="citewarc-redis-memory-") as tmp:
        server = start_redis(Path(tmp))
        if server is None:
            print("redis-server not found: `make redis` installs Debian's redis-server", file=sys.stderr)
            return 2
        try:
            costs = measure(server.client(), server.folder, args.entries)
        finally:
            server.stop()
    print(render(costs, projection(costs)))
    args.out.write_text(json.dumps(report(costs), indent=1))
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
