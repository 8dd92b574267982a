"""One crawl shared through Redis by 1, 2 and 4 local workers, against one process without Redis.

Runs ``citewarc archive`` over the same N corpus URLs on the real-web profile (100 ms per response,
hundreds of hosts: bench/concurrency.py's) as a single process (the baseline, in the same run) and
as ``--redis URL --workers W --max-workers W`` for W = 1, 2, 4, alternating the variants over
repetitions, and reports medians of wall time, pages/s, CPU-s and peak memory, with ratios to the
baseline. ``--max-workers W`` keeps each variant's per-host limits those of the single process
(each worker gets ``CONCURRENT_REQUESTS_PER_DOMAIN // W``: settings/distributed.py); bench/server.py
counts what the busiest host saw, to show it.

CPU is the whole process tree's (the archive command, its workers, their extraction pools) plus,
in its own column, redis-server's; memory is the tree's summed RSS and PSS sampled from /proc every
100 ms (bench/measure.py: run_measured_tree). Redis is Debian's redis-server, started here on a
loopback port with ``--appendonly yes --appendfsync always`` (bench/redis_server.py), emptied
between runs. After the crawls the same Redis measures its memory per queued request, seen-set and
done-set entry (bench/redis_memory.py) and projects it to 1 million pages.

    .venv/bin/python bench/distributed.py [--pages 400] [--reps 2] [--workers 1,2,4] [--entries 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import redis_memory  # noqa: E402
from bench.contenders import Setup, run_citewarc  # noqa: E402
from bench.corpus import DEFAULT_SEED  # noqa: E402
from bench.measure import _memory_cpu, run_measured_tree  # noqa: E402
from bench.redis_server import BenchRedis, start_redis  # noqa: E402
from bench.run import CorpusServer, write_corpus  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "distributed.json"
BASELINE = "single process"
MEASURES = ("wall", "pages_per_s", "cpu", "redis_cpu", "tree_pss_mb", "tree_rss_mb")


def variants(workers: list[int]) -> list[tuple[str, int]]:
    """(name, workers) of each variant; 0 workers is the single process without Redis."""
    return [(BASELINE, 0)] + [(f"--redis --workers {w}", w) for w in workers]


def redis_args(redis: BenchRedis, workers: int) -> tuple[str, ...]:
    if not workers:
        return ()
    return ("--redis", redis.url, "--workers", str(workers), "--max-workers", str(workers))


def redis_cpu(redis: BenchRedis) -> float:
    seen = _memory_cpu(redis.proc.pid)
    return seen[2] if seen else 0.0


def keys_left(client) -> list[str]:
    """The keys a finished crawl left in Redis, crawl ids shown as ``<id>`` (the crawl hash with its
    ``result`` stays by design: the archive command reads it)."""
    return sorted({re.sub(r"^citewarc:crawl:[^:]+", "citewarc:crawl:<id>", k.decode(errors="replace"))
                   for k in client.scan_iter(count=1000)})


def sweep(setup: Setup, server: CorpusServer, redis: BenchRedis, workers: list[int], reps: int) -> list[dict]:
    grid = variants(workers)
    runs: dict[str, list[dict]] = {name: [] for name, _ in grid}
    client = redis.client()
    for rep in range(reps):
        order = grid[rep % len(grid):] + grid[: rep % len(grid)]
        for name, count in order:
            client.flushall()
            server.control("/hosts?reset=1")
            cpu_before = redis_cpu(redis)
            outcome = run_citewarc(setup, f"dist-{count}-{rep}", args=redis_args(redis, count),
                                   measure=run_measured_tree)
            load = server.control("/hosts?reset=1")
            sample = outcome.sample
            note = outcome.note or ("" if outcome.pages_ok == setup.pages
                                    else f"{outcome.pages_ok} of {setup.pages} pages")
            row = {**sample.__dict__, **load, "pages_ok": outcome.pages_ok,
                   "pages_per_s": outcome.pages_ok / sample.wall,
                   "redis_cpu": redis_cpu(redis) - cpu_before if count else 0.0,
                   "redis_keys_left": keys_left(client) if count else [], "note": note}
            runs[name].append(row)
            print(f"  rep {rep + 1} {name:<22} {row['wall']:6.1f} s {row['pages_per_s']:5.1f} pages/s"
                  f" {row['cpu']:6.1f} CPU-s (redis {row['redis_cpu']:4.1f})"
                  f" tree PSS {row['tree_pss_mb']:5.0f} MB RSS {row['tree_rss_mb']:5.0f} MB,"
                  f" {row['max_processes']} processes; busiest host:"
                  f" {load['max_in_flight_per_host']} in flight, {load['max_requests_per_host_second']}/s"
                  f" {note}", flush=True)
    return [summarize(name, count, runs[name]) for name, count in grid]


def summarize(name: str, workers: int, runs: list[dict]) -> dict:
    row = {"variant": name, "workers": workers,
           **{key: statistics.median(r[key] for r in runs) for key in MEASURES}}
    row.update(
        pages_ok=min(r["pages_ok"] for r in runs),
        max_processes=max(r["max_processes"] for r in runs),
        max_in_flight_per_host=max(r["max_in_flight_per_host"] for r in runs),
        max_requests_per_host_second=max(r["max_requests_per_host_second"] for r in runs),
        redis_keys_left=sorted({k for r in runs for k in r["redis_keys_left"]}),
        notes=sorted({r["note"] for r in runs if r["note"]}),
        runs=runs,
    )
    return row


def ratios(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Each variant's medians divided by the single process's (redis CPU has no baseline)."""
    base = rows[0]
    keys = [k for k in MEASURES if k != "redis_cpu"]
    return {r["variant"]: {k: r[k] / base[k] if base[k] else float("nan") for k in keys} for r in rows}


def render(rows: list[dict], rel: dict[str, dict[str, float]], pages: int, hosts: int,
           latency_ms: float, reps: int) -> str:
    lines = [
        f"{pages} pages over {hosts} hosts, {latency_ms:g} ms per response, {os.cpu_count()} cores, "
        f"median of {reps} run(s) per variant; CPU and memory of the whole process tree (archive, "
        "workers, extraction pools), redis-server's CPU apart",
        "",
        "| variant | wall s | pages/s | pages/s vs single | CPU-s | CPU vs single | redis CPU-s "
        "| peak tree PSS MB | PSS vs single | peak tree RSS MB | processes | busiest host: in flight "
        "| busiest host: requests/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        q = rel[r["variant"]]
        lines.append(
            f"| {r['variant']} | {r['wall']:.1f} | {r['pages_per_s']:.1f} | {q['pages_per_s']:.2f} "
            f"| {r['cpu']:.1f} | {q['cpu']:.2f} | {r['redis_cpu']:.1f} | {r['tree_pss_mb']:.0f} "
            f"| {q['tree_pss_mb']:.2f} | {r['tree_rss_mb']:.0f} | {r['max_processes']} "
            f"| {r['max_in_flight_per_host']} | {r['max_requests_per_host_second']} |")
    notes = [f"{r['variant']}: {', '.join(r['notes'])}" for r in rows if r["notes"]]
    left = [f"{r['variant']}: left in Redis after the crawl: {', '.join(r['redis_keys_left'])}"
            for r in rows if r["redis_keys_left"]]
    return "\n".join(lines + [""] * bool(notes or left) + notes + left)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--entries", type=int, default=100_000,
                        help="entries per key for the Redis memory figures (0: skip them)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, Redis data)")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    work = Path(tempfile.mkdtemp(prefix="citewarc-distributed-"))
    redis = start_redis(work / "redis")
    if redis is None:
        print("redis-server not found: `make redis` installs Debian's redis-server", file=sys.stderr)
        return 2
    corpus_dir, urls = write_corpus(work / "corpus", args.pages, args.seed)
    urls_file = work / "urls.txt"
    urls_file.write_text("\n".join(urls) + "\n")
    server = CorpusServer(args.pages, args.seed)
    memory = None
    try:
        server.control(f"/latency?ms={args.latency_ms}")
        setup = Setup(work, urls_file, server.url, args.pages, corpus_dir, None)
        rows = sweep(setup, server, redis, workers, args.reps)
        if args.entries:
            memory = redis_memory.measure(redis.client(), redis.folder, args.entries)
    finally:
        server.stop()
        redis.stop()
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    hosts = len({u.split("/")[2] for u in urls})
    rel = ratios(rows)
    print(render(rows, rel, args.pages, hosts, args.latency_ms, args.reps))
    result = {"pages": args.pages, "hosts": hosts, "latency_ms": args.latency_ms, "reps": args.reps,
              "cores": os.cpu_count(), "rows": rows, "ratios": rel}
    if memory:
        print()
        print(redis_memory.render(memory, redis_memory.projection(memory)))
        result["redis_memory"] = redis_memory.report(memory)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
