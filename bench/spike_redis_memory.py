"""SPIKE (issue 12): Redis memory per queued request and per seen-set entry, measured on Debian's
redis-server 7.0 with StorySpider's own requests (pickled as scrapy-redis stores them).

    .venv/bin/python bench/spike_redis_memory.py

100,000 of each, ``used_memory`` before and after, AOF off while measuring. Multiply by 10 for the
issue's "on paper at 1 million pages".
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.spiders.story import StorySpider  # noqa: E402
from tests.servers.redis_server import RedisServer  # noqa: E402

N = 100_000


def url(i: int) -> str:
    return f"https://www.example-news-site.com/2026/11/30/politics/some-story-slug-{i}-with-words.html"


def bytes_per_entry(client, add: Callable, values: Iterable) -> float:
    before = int(client.info("memory")["used_memory"])
    pipe = client.pipeline(transaction=False)
    for i, value in enumerate(values):
        add(pipe, value)
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()
    return (int(client.info("memory")["used_memory"]) - before) / N


def main() -> int:
    spider = StorySpider(url="http://example.com/")
    requests = [pickle.dumps(spider.make_page_request(url(i), url(i), "citation", 1, url(0))
                             .to_dict(spider=spider), protocol=-1) for i in range(N)]
    with tempfile.TemporaryDirectory() as tmp, RedisServer(Path(tmp)) as server:
        client = server.client()
        client.config_set("appendonly", "no")
        print(f"pickled request: {sum(map(len, requests)) / N:.0f} bytes")
        print(f"queue (sorted set) per request: "
              f"{bytes_per_entry(client, lambda p, v: p.zadd('q', {v: -19}), requests):.0f} bytes")
        print(f"seen set per canonical URL ({len(url(5))} chars): "
              f"{bytes_per_entry(client, lambda p, v: p.sadd('seen', v), map(url, range(N))):.0f} bytes")
        hexes = (hashlib.sha1(url(i).encode()).hexdigest() for i in range(N))
        print(f"seen set per sha1 hex fingerprint (scrapy-redis's): "
              f"{bytes_per_entry(client, lambda p, v: p.sadd('fp', v), hexes):.0f} bytes")
        raw = (hashlib.sha256(url(i).encode()).digest()[:16] for i in range(N))
        print(f"seen set per 16-byte binary digest: "
              f"{bytes_per_entry(client, lambda p, v: p.sadd('fpb', v), raw):.0f} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
