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

A second table (``--pinned``, on by default where ``taskset`` exists and there are 2 cores) shows
what a worker brings when it has a core of its own, as a worker on its own machine would: each
process tree pinned with ``taskset`` and given one extraction process (``CITEWARC_EXTRACT_WORKERS
= 1``): the single process on core 0, ``--redis --workers 1`` on core 0, and the same crawl
announced with ``--workers 0 --max-workers 2`` and served by two ``citewarc worker --crawl ID
--once`` on cores 0 and 1 (wall time from the announcement until both exited, the last having
finalized the crawl, and its manifest is in the store). Its pages/s over each one-core variant's is
the scaling per core. Redis and other jobs on the machine are not pinned.

    .venv/bin/python bench/distributed.py [--pages 400] [--reps 2] [--workers 1,2,4] [--entries 100000]
        [--no-pinned]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import redis_memory  # noqa: E402
from bench.contenders import (  # noqa: E402
    REPO,
    Outcome,
    Setup,
    _manifest,
    base_env,
    citewarc_cmd,
    run_citewarc,
)
from bench.corpus import DEFAULT_SEED  # noqa: E402
from bench.measure import TreeSample, _memory_cpu, run_measured_tree  # noqa: E402
from bench.redis_server import BenchRedis, start_redis  # noqa: E402
from bench.run import CorpusServer, write_corpus  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "distributed.json"
BASELINE = "single process"
MEASURES = ("wall", "pages_per_s", "cpu", "redis_cpu", "tree_pss_mb", "tree_rss_mb")
PINNED_SINGLE = "single process, core 0"
PINNED_ONE = "--redis --workers 1, core 0"
PINNED_TWO = "2 workers, cores 0 and 1"
MANIFEST_WAIT_S = 60.0


@dataclass(frozen=True)
class Variant:
    """One row of a table: its name, the workers it runs (0: no Redis) and how to run it once
    (``run(tag)``: an ``Outcome``)."""

    name: str
    workers: int
    run: Callable[[str], Outcome]


def variants(workers: list[int]) -> list[tuple[str, int]]:
    """(name, workers) of each variant; 0 workers is the single process without Redis."""
    return [(BASELINE, 0)] + [(f"--redis --workers {w}", w) for w in workers]


def pinned(cores: str, cmd: Sequence[str]) -> list[str]:
    """``cmd`` confined to ``cores`` (``taskset -c``, a list such as ``0`` or ``0,1``)."""
    return ["taskset", "-c", cores, *cmd]


def worker_cmd(redis_url: str, crawl_id: str) -> list[str]:
    """``citewarc worker`` serving ``crawl_id`` alone, exiting when its share is committed."""
    return [sys.executable, "-m", "crawler.cli", "worker", "--redis", redis_url, "--crawl", crawl_id,
            "--once"]


def together(cmds: Sequence[Sequence[str]]) -> list[str]:
    """One shell command that starts ``cmds`` at once and waits for all of them, exiting with the
    first non-zero code among theirs (0 when all succeeded): one tree to measure."""
    starts = " ".join(f"{shlex.join(c)} & p{i}=$!;" for i, c in enumerate(cmds))
    waits = " ".join(f"wait $p{i} || rc=${{rc:-$?}};" for i in range(len(cmds)))
    return ["sh", "-c", f"{starts} {waits} exit ${{rc:-0}}"]


def one_after_other(first: TreeSample, second: TreeSample, extra_wall: float = 0.0) -> TreeSample:
    """Two measured commands in sequence as one (the announcement, then the workers): times and
    CPU add up, peaks are the larger."""
    return replace(
        second,
        wall=first.wall + second.wall + extra_wall,
        cpu=first.cpu + second.cpu,
        cpu_sampled=first.cpu_sampled + second.cpu_sampled,
        maxrss_mb=max(first.maxrss_mb, second.maxrss_mb),
        returncode=first.returncode or second.returncode,
        tree_rss_mb=max(first.tree_rss_mb, second.tree_rss_mb),
        tree_pss_mb=max(first.tree_pss_mb, second.tree_pss_mb),
        max_processes=max(first.max_processes, second.max_processes),
    )


def pinned_measure(cores: str) -> Callable[..., TreeSample]:
    """``run_measured_tree`` with the command on ``cores`` and one extraction process: a machine
    of that many cores."""
    def measure(cmd: Sequence[str], env: dict[str, str], cwd: Path, log: Path) -> TreeSample:
        return run_measured_tree(pinned(cores, cmd), {**env, "CITEWARC_EXTRACT_WORKERS": "1"}, cwd, log)
    return measure


def run_pinned_workers(setup: Setup, tag: str, redis: BenchRedis, cores: Sequence[str]) -> Outcome:
    """Announce the crawl (``--workers 0``), then one ``citewarc worker --once`` per core, each
    pinned to its core with one extraction process; measured until all exited and the crawl's
    manifest is in the store (the last worker finalizes it)."""
    folder = setup.work / tag
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    urls = setup.urls_file.read_text().split()[: setup.pages]
    env = base_env(setup, folder / "home")
    env.update(CITEWARC_MAX_PAGES=str(len(urls) + 10), CITEWARC_SPOOL=str(folder / "spool"),
               CITEWARC_EXTRACT_WORKERS="1")
    store = str(folder / "store")
    announce_args = ("--redis", redis.url, "--workers", "0", "--max-workers", str(len(cores)))
    announced = run_measured_tree(citewarc_cmd(urls, store, None, announce_args), env, folder,
                                  folder / "log.txt")
    lines = (folder / "log.txt").read_text(errors="replace").split()
    crawl_id = lines[-1] if lines else ""
    if announced.returncode or not crawl_id:
        return Outcome(announced, f"announce exit {announced.returncode}")
    cmds = [pinned(core, worker_cmd(redis.url, crawl_id)) for core in cores]
    served = run_measured_tree(together(cmds), env, REPO, folder / "workers-log.txt")
    waited = time.perf_counter()
    manifest = _manifest(folder, store, None)
    while not manifest and time.perf_counter() - waited < MANIFEST_WAIT_S:
        time.sleep(0.1)
        manifest = _manifest(folder, store, None)
    sample = one_after_other(announced, served, time.perf_counter() - waited)
    ok = sum(1 for p in manifest.get("pages", []) if p.get("status") == 200 and p.get("role") != "requisite")
    note = ("no manifest" if not manifest else "") or ("" if served.returncode == 0
                                                       else f"workers exit {served.returncode}")
    shutil.rmtree(folder / "spool", ignore_errors=True)
    shutil.rmtree(folder / "store", ignore_errors=True)
    return Outcome(sample, note, ok)


def pinned_grid(setup: Setup, redis: BenchRedis) -> list[Variant]:
    """The one-core variants and two workers on a core each (see the module doc)."""
    return [
        Variant(PINNED_SINGLE, 0, lambda tag: run_citewarc(setup, tag, measure=pinned_measure("0"))),
        Variant(PINNED_ONE, 1, lambda tag: run_citewarc(setup, tag, args=redis_args(redis, 1),
                                                        measure=pinned_measure("0"))),
        Variant(PINNED_TWO, 2, lambda tag: run_pinned_workers(setup, tag, redis, ("0", "1"))),
    ]


def shared_grid(setup: Setup, redis: BenchRedis, workers: list[int]) -> list[Variant]:
    """The single process and ``--redis --workers W`` for each W, unpinned (the machine's cores)."""
    return [Variant(name, count, lambda tag, count=count: run_citewarc(
        setup, tag, args=redis_args(redis, count), measure=run_measured_tree))
        for name, count in variants(workers)]


def per_core(rows: list[dict]) -> dict[str, float]:
    """Two workers on a core each against each one-core variant: pages/s over pages/s."""
    by = {r["variant"]: r["pages_per_s"] for r in rows}
    two = by.get(PINNED_TWO, 0.0)
    return {f"vs {name}": two / by[name] if by.get(name) else float("nan")
            for name in (PINNED_SINGLE, PINNED_ONE)}


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


def sweep(grid: list[Variant], server: CorpusServer, redis: BenchRedis, reps: int, pages: int) -> list[dict]:
    """Each variant ``reps`` times, the order rotated each repetition; one summary row each."""
    runs: dict[str, list[dict]] = {v.name: [] for v in grid}
    client = redis.client()
    for rep in range(reps):
        order = grid[rep % len(grid):] + grid[: rep % len(grid)]
        for variant in order:
            name, count = variant.name, variant.workers
            client.flushall()
            server.control("/hosts?reset=1")
            cpu_before = redis_cpu(redis)
            outcome = variant.run(f"dist-{grid.index(variant)}-{count}-{rep}")
            load = server.control("/hosts?reset=1")
            sample = outcome.sample
            note = outcome.note or ("" if outcome.pages_ok == pages
                                    else f"{outcome.pages_ok} of {pages} pages")
            row = {**sample.__dict__, **load, "pages_ok": outcome.pages_ok,
                   "pages_per_s": outcome.pages_ok / sample.wall,
                   "redis_cpu": redis_cpu(redis) - cpu_before if count else 0.0,
                   "redis_keys_left": keys_left(client) if count else [], "note": note}
            runs[name].append(row)
            print(f"  rep {rep + 1} {name:<27} {row['wall']:6.1f} s {row['pages_per_s']:5.1f} pages/s"
                  f" {row['cpu']:6.1f} CPU-s (redis {row['redis_cpu']:4.1f})"
                  f" tree PSS {row['tree_pss_mb']:5.0f} MB RSS {row['tree_rss_mb']:5.0f} MB,"
                  f" {row['max_processes']} processes; busiest host:"
                  f" {load['max_in_flight_per_host']} in flight, {load['max_requests_per_host_second']}/s"
                  f" {note}", flush=True)
    return [summarize(v.name, v.workers, runs[v.name]) for v in grid]


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
           latency_ms: float, reps: int, cores: str = "") -> str:
    base = rows[0]["variant"] if rows else BASELINE
    lines = [
        f"{pages} pages over {hosts} hosts, {latency_ms:g} ms per response, "
        f"{cores or f'{os.cpu_count()} cores'}, median of {reps} run(s) per variant; CPU and memory of "
        "the whole process tree (archive, workers, extraction pools), redis-server's CPU apart",
        "",
        f"| variant | wall s | pages/s | pages/s vs {base} | CPU-s | CPU vs {base} | redis CPU-s "
        f"| peak tree PSS MB | PSS vs {base} | peak tree RSS MB | processes | busiest host: in flight "
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
    parser.add_argument("--no-pinned", dest="pinned", action="store_false",
                        help="skip the table of workers pinned to a core each (taskset)")
    args = parser.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    if args.pinned and (shutil.which("taskset") is None or len(os.sched_getaffinity(0)) < 2):
        print("pinned table skipped: needs taskset (util-linux) and 2 cores", file=sys.stderr)
        args.pinned = False
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
    pinned_rows: list[dict] = []
    try:
        server.control(f"/latency?ms={args.latency_ms}")
        setup = Setup(work, urls_file, server.url, args.pages, corpus_dir, None)
        rows = sweep(shared_grid(setup, redis, workers), server, redis, args.reps, args.pages)
        if args.pinned:
            pinned_rows = sweep(pinned_grid(setup, redis), server, redis, args.reps,
                                args.pages)
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
    if pinned_rows:
        pinned_rel, scaling = ratios(pinned_rows), per_core(pinned_rows)
        print()
        print(render(pinned_rows, pinned_rel, args.pages, hosts, args.latency_ms, args.reps,
                     "each tree pinned (taskset), 1 extraction process per core"))
        print("two workers on a core each, pages/s: "
              + ", ".join(f"{v:.2f}x {k}" for k, v in scaling.items()))
        result.update(pinned_rows=pinned_rows, pinned_ratios=pinned_rel, per_core=scaling)
    if memory:
        print()
        print(redis_memory.render(memory, redis_memory.projection(memory)))
        result["redis_memory"] = redis_memory.report(memory)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
