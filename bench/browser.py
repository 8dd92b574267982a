"""What the browser costs: ``--browser never``, ``auto`` and ``always`` over the same corpus.

Runs ``citewarc archive`` over the same N corpus URLs once per mode, alternating the modes' order
over repetitions, on the no-latency profile and the real-web one (100 ms per response), and reports
medians of wall time, pages/s, CPU-s and peak memory, with ``always`` and ``auto`` as ratios to
``never``. Memory is the whole process tree's (the crawl, its extraction workers, Playwright's
driver and every Chromium process), sampled from /proc every 100 ms: summed RSS (counts the pages
Chromium's processes share once per process, so it overstates) and summed PSS (shares split among
their users: what the tree costs the machine). ``ru_maxrss``, the largest single process, is shown
too. The row says how many pages each mode loaded in Chromium and how those visits ended (the
manifest's ``browser`` field).

The corpus is static HTML (bench/corpus.py): its inline scripts run (and throw), and its images,
styles, scripts and fonts are small bodies the server answers (``bench/server.py --assets``). So
``always`` here pays Chromium's fixed cost per page (a tab, layout of a ~110 KB page, fetching its
~15 assets through Scrapy, scrolling, settling, DOM and a full-page PNG), not a real site's
framework code and media weight; ``auto`` pays the signal check alone unless a page trips a signal.

    .venv/bin/python bench/browser.py [--pages 60] [--reps 2] [--latency-ms 0,100]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.contenders import Outcome, Setup, run_citewarc  # noqa: E402
from bench.corpus import DEFAULT_SEED  # noqa: E402
from bench.measure import run_measured_tree  # noqa: E402
from bench.run import CorpusServer, write_corpus  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "browser.json"
MODES = ("never", "auto", "always")
MEASURES = ("wall", "pages_per_s", "cpu", "tree_pss_mb", "tree_rss_mb", "maxrss_mb")


def outcome_kind(outcome: str) -> str:
    """A browser visit's outcome (manifest ``browser``) in one word: complete, cut short, failed."""
    for kind in ("complete", "cut short", "failed"):
        if outcome.startswith(kind):
            return kind
    return "other"


def run_row(outcome: Outcome) -> dict:
    sample = outcome.sample
    return {**sample.__dict__, "pages_ok": outcome.pages_ok, "pages_per_s": outcome.pages_ok / sample.wall,
            "browser_pages": len(outcome.browser), "screenshots": outcome.screenshots,
            "browser_outcomes": dict(Counter(outcome_kind(o) for o in outcome.browser)),
            "browser_examples": sorted(set(outcome.browser))[:3], "note": outcome.note}


def browser_warnings(folder: Path) -> list[str]:
    """What the crawl said about its browser (unavailable, relaunched, killed), from its log."""
    lines = []
    for name in ("log.txt", "log.err"):
        path = folder / name
        if path.exists():
            lines += [line.strip()[:300] for line in path.read_text(errors="replace").splitlines()
                      if "browser capture unavailable" in line or "Chromium" in line]
    return lines


def sweep(setup: Setup, server: CorpusServer, latency_ms: float, reps: int) -> list[dict]:
    server.control(f"/latency?ms={latency_ms}")
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for rep in range(reps):
        order = MODES[rep % len(MODES):] + MODES[: rep % len(MODES)]
        for mode in order:
            tag = f"browser-{mode}-{latency_ms:g}ms-{rep}"
            outcome = run_citewarc(setup, tag, args=("--browser", mode), measure=run_measured_tree)
            row = run_row(outcome)
            row["warnings"] = browser_warnings(setup.work / tag)
            runs[mode].append(row)
            print(f"  {latency_ms:g} ms rep {rep + 1} --browser {mode:<6} {row['wall']:6.1f} s"
                  f" {row['pages_per_s']:5.2f} pages/s {row['cpu']:6.1f} CPU-s"
                  f" tree PSS {row['tree_pss_mb']:5.0f} MB RSS {row['tree_rss_mb']:5.0f} MB"
                  f" (largest process {row['maxrss_mb']:4.0f} MB, {row['max_processes']} processes)"
                  f" browser pages {row['browser_pages']} {row['browser_outcomes']} {row['note']}",
                  flush=True)
            for warning in row["warnings"][:3]:
                print(f"    {warning}", flush=True)
    return [summarize(mode, runs[mode]) for mode in MODES]


def summarize(mode: str, runs: list[dict]) -> dict:
    row = {"mode": mode, **{key: statistics.median(r[key] for r in runs) for key in MEASURES}}
    row.update(
        max_processes=max(r["max_processes"] for r in runs),
        pages_ok=min(r["pages_ok"] for r in runs),
        browser_pages=statistics.median(r["browser_pages"] for r in runs),
        screenshots=statistics.median(r["screenshots"] for r in runs),
        browser_outcomes=sum((Counter(r["browser_outcomes"]) for r in runs), Counter()),
        browser_examples=sorted({e for r in runs for e in r["browser_examples"]})[:3],
        notes=sorted({r["note"] for r in runs if r["note"]}),
        warnings=sorted({w for r in runs for w in r["warnings"]})[:5],
        runs=runs,
    )
    return row


def ratios(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Each mode's medians divided by ``never``'s."""
    base = next(r for r in rows if r["mode"] == "never")
    return {r["mode"]: {key: r[key] / base[key] if base[key] else float("nan") for key in MEASURES}
            for r in rows if r["mode"] != "never"}


def render(profile: dict, pages: int, hosts: int, reps: int) -> str:
    rows, rel = profile["rows"], profile["ratios"]
    lines = [
        f"{pages} pages over {hosts} hosts, {profile['latency_ms']:g} ms per response, median of {reps} "
        "run(s) per mode; memory of the whole process tree (crawl + extraction workers + Playwright "
        "driver + Chromium), sampled every 100 ms",
        "",
        "| --browser | wall s | pages/s | CPU-s | peak tree PSS MB | peak tree RSS MB | largest process MB "
        "| processes | pages in Chromium (outcomes) | screenshots |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        outcomes = ", ".join(f"{n} {kind}" for kind, n in sorted(r["browser_outcomes"].items()))
        visits = f"{r['browser_pages']:g}" + (f" ({outcomes}, all runs)" if outcomes else "")
        lines.append(
            f"| {r['mode']} | {r['wall']:.1f} | {r['pages_per_s']:.2f} | {r['cpu']:.1f} "
            f"| {r['tree_pss_mb']:.0f} | {r['tree_rss_mb']:.0f} | {r['maxrss_mb']:.0f} "
            f"| {r['max_processes']} | {visits} | {r['screenshots']:g} |"
        )
    lines += ["", "| ratio to never | wall | pages/s | CPU-s | peak tree PSS | peak tree RSS "
              "| largest process |", "|---|---|---|---|---|---|---|"]
    for mode, q in rel.items():
        lines.append(f"| {mode} / never | {q['wall']:.2f} | {q['pages_per_s']:.2f} | {q['cpu']:.2f} "
                     f"| {q['tree_pss_mb']:.2f} | {q['tree_rss_mb']:.2f} | {q['maxrss_mb']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--latency-ms", default="0,100",
                        help="comma-separated profiles: 0 (no latency), 100 (the real-web profile)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    latencies = [float(x) for x in args.latency_ms.split(",") if x.strip()]
    work = Path(tempfile.mkdtemp(prefix="citewarc-browser-"))
    corpus_dir, urls = write_corpus(work / "corpus", args.pages, args.seed)
    urls_file = work / "urls.txt"
    urls_file.write_text("\n".join(urls) + "\n")
    server = CorpusServer(args.pages, args.seed, ("--assets",))
    profiles = []
    try:
        setup = Setup(work, urls_file, server.url, args.pages, corpus_dir, None)
        for latency in latencies:
            rows = sweep(setup, server, latency, args.reps)
            profiles.append({"latency_ms": latency, "rows": rows, "ratios": ratios(rows)})
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    hosts = len({u.split("/")[2] for u in urls})
    for profile in profiles:
        print()
        print(render(profile, args.pages, hosts, args.reps))
    args.out.write_text(json.dumps({
        "pages": args.pages, "hosts": hosts, "reps": args.reps,
        "memory": "peaks of the process tree's summed PSS and summed RSS (smaps_rollup, every 100 ms); "
                  "maxrss_mb is ru_maxrss, the largest single process",
        "cpu": "user+sys of the tree: max of wait4's and the sum of each process's last /proc sample",
        "profiles": profiles}, indent=1))
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
