"""SPIKE (issue 12), not part of `make test`: does the real StorySpider crawl through scrapy-redis's
scheduler (its requests pickled into a Redis sorted set and back: callbacks, errbacks, meta with
Capture records after a redirect hop, priorities) and produce the same manifest as without Redis?

    .venv/bin/python bench/spike_story_through_redis.py [KEEP_DIR]

One worker only: StorySpider as it is today keeps its own ``_seen`` and seeds from every process's
``start()``, so two of them would both seed (the design's step 2 moves ``_seen`` into Redis). Runs
``citewarc archive`` on the fixture web's article (depth 1, requisites on) twice, once with
``settings.test`` and once with ``settings.distributed`` laid over it, then compares the manifests'
pages (url, role, depth, status, error, redirect_to, cited_by, content_type) and runs ``verify``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import REPO_ROOT, citewarc_command, citewarc_env  # noqa: E402
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb  # noqa: E402
from tests.servers.redis_server import RedisServer  # noqa: E402

SETTINGS = """
from settings.test import *  # noqa
from settings import distributed as _d
for _name in dir(_d):
    if _name.isupper():
        _v = getattr(_d, _name)
        globals()[_name] = _v.replace("{{crawl_id}}", "spike") if isinstance(_v, str) else _v
REDIS_URL = {url!r}
"""
FIELDS = ("url", "role", "depth", "status", "error", "redirect_to", "content_type", "truncated")


def pages(manifest: dict) -> list[tuple]:
    return sorted(tuple(p.get(f) for f in FIELDS) + (tuple(sorted(p.get("cited_by") or [])),)
                  for p in manifest["pages"])


def archive(workdir: Path, url: str, settings_module: str, extra_path: str) -> tuple[str, dict]:
    env = citewarc_env(workdir, {"CITEWARC_SETTINGS": settings_module})
    env["PYTHONPATH"] = os.pathsep.join([extra_path, str(REPO_ROOT), env.get("PYTHONPATH", "")])
    store = workdir / "store"
    done = subprocess.run([*citewarc_command(), "archive", url, "--depth", "1", "--store", str(store)],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        raise SystemExit(f"archive failed ({done.returncode}): {done.stderr[-2000:]}")
    crawl_id = done.stdout.strip().splitlines()[-1]
    verify = subprocess.run([*citewarc_command(), "verify", crawl_id, "--store", str(store)],
                            cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    manifest = json.loads((store / crawl_id / "manifest.json").read_text())
    return f"verify exit {verify.returncode}", manifest


def main() -> int:
    keep = sys.argv[1] if len(sys.argv) > 1 else None  # a folder to keep logs and stores in
    with tempfile.TemporaryDirectory(prefix="spike-story-") as tmp_name, FixtureWeb() as web, \
            RedisServer(Path(keep or tmp_name) / "redis-data") as redis_srv:
        tmp = Path(keep or tmp_name)
        (tmp / "mods").mkdir()
        (tmp / "mods" / "spike_redis_settings.py").write_text(SETTINGS.format(url=redis_srv.url))
        url = web.url(ARTICLE_PATH)
        single_verify, single = archive(tmp / "single", url, "settings.test", str(tmp / "mods"))
        mark = web.mark()
        redis_verify, through = archive(tmp / "redis", url, "spike_redis_settings", str(tmp / "mods"))
        fetched = web.requests_since(mark)
        client = redis_srv.client()
        report = {
            "single": {"pages": len(single["pages"]), "verify": single_verify},
            "through_redis": {"pages": len(through["pages"]), "verify": redis_verify},
            "same_pages": pages(single) == pages(through),
            "only_single": [p for p in pages(single) if p not in pages(through)][:5],
            "only_redis": [p for p in pages(through) if p not in pages(single)][:5],
            "requests_to_web_through_redis": len(fetched),
            "fetched_twice": sorted({p for p in fetched if fetched.count(p) > 1}),
            "redis_keys_after": sorted(k.decode() for k in client.keys("*")),
            "queue_left": client.zcard("citewarc:crawl:spike:requests"),
            # Scrapy's stats in the crawl log: proof the requests went through Redis.
            "log_stats_through_redis": [line.strip() for log in (tmp / "redis" / "logs").glob("*.log")
                                        for line in log.read_text().splitlines()
                                        if "scheduler/" in line and "redis" in line],
            "log_stats_single": [line.strip() for log in (tmp / "single" / "logs").glob("*.log")
                                 for line in log.read_text().splitlines() if "scheduler/enqueued" in line],
        }
        print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
