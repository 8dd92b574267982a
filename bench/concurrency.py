"""Concurrency defaults chosen on the real-web profile: pages/s against the load each host sees.

Runs ``citewarc archive`` over the same N corpus URLs (100 ms per response, hundreds of hosts)
under each candidate of ``GRID``, alternating candidates over repetitions, and reports wall time,
pages/s, CPU-s, peak RSS, and what the busiest host saw (the most requests it had in flight at
once, the most it got in one second: bench/server.py counts them). The per-host ceiling stays
``CONCURRENT_REQUESTS_PER_DOMAIN = 4`` with AutoThrottle on; what varies is how many requests run
in all and how long AutoThrottle waits before a new host's second request (its start delay).

    .venv/bin/python bench/concurrency.py [--pages 500] [--reps 2] [--latency-ms 100]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.contenders import Setup, run_citewarc  # noqa: E402
from bench.corpus import DEFAULT_SEED  # noqa: E402
from bench.run import CorpusServer, write_corpus  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "concurrency.json"
# (CONCURRENT_REQUESTS, AUTOTHROTTLE_START_DELAY): today's defaults first.
GRID = [(16, 0.5), (16, 0.1), (32, 0.5), (32, 0.1), (64, 0.1)]


def sweep(setup: Setup, server: CorpusServer, reps: int) -> list[dict]:
    rows: dict[tuple[int, float], list[dict]] = {g: [] for g in GRID}
    for rep in range(reps):
        order = GRID[rep % len(GRID):] + GRID[: rep % len(GRID)]
        for total, start_delay in order:
            server.control("/hosts?reset=1")
            settings = {"CONCURRENT_REQUESTS": total, "AUTOTHROTTLE_START_DELAY": start_delay}
            outcome = run_citewarc(setup, f"sweep-{total}-{start_delay}-{rep}", settings=settings)
            load = server.control("/hosts?reset=1")
            sample = outcome.sample
            rows[(total, start_delay)].append({**sample.__dict__, **load, "pages_ok": outcome.pages_ok,
                                               "note": outcome.note})
            rate = outcome.pages_ok / sample.wall
            print(f"  rep {rep + 1} CONCURRENT_REQUESTS={total:<3} AUTOTHROTTLE_START_DELAY={start_delay:<4}"
                  f" {sample.wall:6.1f} s {rate:6.1f} pages/s {sample.cpu:6.1f} CPU-s"
                  f" {sample.maxrss_mb:5.0f} MB  busiest host: {load['max_in_flight_per_host']} in flight,"
                  f" {load['max_requests_per_host_second']}/s {outcome.note}", flush=True)
    return [summarize(total, delay, runs) for (total, delay), runs in rows.items()]


def summarize(total: int, start_delay: float, runs: list[dict]) -> dict:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    return {
        "CONCURRENT_REQUESTS": total,
        "AUTOTHROTTLE_START_DELAY": start_delay,
        "wall": med("wall"),
        "pages_per_s": statistics.median(r["pages_ok"] / r["wall"] for r in runs),
        "cpu": med("cpu"),
        "maxrss_mb": med("maxrss_mb"),
        "max_in_flight_per_host": max(r["max_in_flight_per_host"] for r in runs),
        "max_requests_per_host_second": max(r["max_requests_per_host_second"] for r in runs),
        "notes": sorted({r["note"] for r in runs if r["note"]}),
    }


def render(rows: list[dict], pages: int, hosts: int, latency_ms: float) -> str:
    lines = [
        f"{pages} pages over {hosts} hosts, {latency_ms:g} ms per response, "
        "CONCURRENT_REQUESTS_PER_DOMAIN = 4, AutoThrottle on (target concurrency 2)",
        "",
        "| CONCURRENT_REQUESTS | AUTOTHROTTLE_START_DELAY | wall s | pages/s | CPU-s | peak RSS MB "
        "| busiest host: in flight | busiest host: requests/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['CONCURRENT_REQUESTS']} | {r['AUTOTHROTTLE_START_DELAY']:g} | {r['wall']:.1f} "
            f"| {r['pages_per_s']:.1f} | {r['cpu']:.1f} | {r['maxrss_mb']:.0f} "
            f"| {r['max_in_flight_per_host']} | {r['max_requests_per_host_second']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="citewarc-sweep-"))
    corpus_dir, urls = write_corpus(work / "corpus", args.pages, args.seed)
    urls_file = work / "urls.txt"
    urls_file.write_text("\n".join(urls) + "\n")
    server = CorpusServer(args.pages, args.seed)
    try:
        server.control(f"/latency?ms={args.latency_ms}")
        rows = sweep(Setup(work, urls_file, server.url, args.pages, corpus_dir, None), server, args.reps)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    hosts = len({u.split("/")[2] for u in urls})
    print(render(rows, args.pages, hosts, args.latency_ms))
    args.out.write_text(json.dumps({"pages": args.pages, "hosts": hosts, "latency_ms": args.latency_ms,
                                    "reps": args.reps, "rows": rows}, indent=1))
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
