"""Extraction CPU per page, this checkout against an earlier commit, on the labelled development set.

The question is whether better text and citations cost extraction time, so both sides run the same
pages through ``analyse_page`` exactly as a crawl calls it (text and citations, no requisites), each
in a fresh process of its own, alternately (A B A B ...) so that whatever else the machine does
falls on both. The earlier commit's ``crawler`` and ``pipelines`` come from ``git archive`` into a
temporary folder; nothing is checked out over this tree. CPU time (``time.process_time``) per page
is measured inside the process, after one warm-up page.

    .venv/bin/python bench/extraction_speed.py [--baseline REF] [--reps 3] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# The commit before issue 13 (one trafilatura call and regex link filtering).
DEFAULT_BASELINE = "d8475d9"

_WORKER = r"""
import pickle, sys, time, json
sys.path.insert(0, sys.argv[1])
from crawler.web.analysis import analyse_page
from pipelines.extract import ExtractOptions
pages = pickle.load(open(sys.argv[2], "rb"))
options = ExtractOptions()
analyse_page(pages[0][1], pages[0][0], None, options, True, False)
times = []
for url, html in pages:
    start = time.process_time()
    analyse_page(html, url, None, options, True, False)
    times.append(time.process_time() - start)
json.dump(times, sys.stdout)
"""


def export_tree(ref: str, into: Path) -> Path:
    """``crawler``, ``pipelines`` and ``settings`` of ``ref``, unpacked under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "crawler", "pipelines", "settings"],
        check=True, capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_side(tree: Path, pages_file: Path) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", _WORKER, str(tree), str(pages_file)],
        check=True, capture_output=True, text=True, cwd=tree,
    ).stdout
    return json.loads(out)


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(times) * 1000, 2),
        "mean_ms": round(statistics.fmean(times) * 1000, 2),
        "pages": len(times),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git ref to compare against")
    parser.add_argument("--reps", type=int, default=3, help="alternating runs per side")
    parser.add_argument("--limit", type=int, default=0, help="first N pages of the set only")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "extraction_speed.json")
    args = parser.parse_args(argv)

    from tests.quality.devset import ARCHIVES, decode, load_source

    pages = [(page.url, decode(page.html)) for source in ARCHIVES for page in load_source(source)]
    if args.limit:
        pages = pages[: args.limit]
    with tempfile.TemporaryDirectory(prefix="citewarc-speed-") as tmp:
        pages_file = Path(tmp) / "pages.pickle"
        pages_file.write_bytes(pickle.dumps(pages))
        baseline = export_tree(args.baseline, Path(tmp) / "baseline")
        sides: dict[str, list[float]] = {"baseline": [], "current": []}
        for rep in range(args.reps):
            for name, tree in (("baseline", baseline), ("current", REPO)):
                print(f"rep {rep + 1}/{args.reps}: {name} ({len(pages)} pages)", file=sys.stderr, flush=True)
                times = run_side(tree, pages_file)
                sides[name].append(statistics.median(times))
                sides.setdefault(f"{name}_all", []).extend(times)
    result = {
        "baseline_ref": args.baseline,
        "pages": len(pages),
        "reps": args.reps,
        "baseline": summary(sides["baseline_all"]),
        "current": summary(sides["current_all"]),
        "median_ratio": round(statistics.median(sides["current"]) / statistics.median(sides["baseline"]), 3),
    }
    result["mean_ratio"] = round(result["current"]["mean_ms"] / result["baseline"]["mean_ms"], 3)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"extraction CPU per page on {len(pages)} dev-set pages, {args.reps} alternating runs each\n"
        f"  {args.baseline} (before): median {result['baseline']['median_ms']} ms, "
        f"mean {result['baseline']['mean_ms']} ms\n"
        f"  this checkout:      median {result['current']['median_ms']} ms, "
        f"mean {result['current']['mean_ms']} ms\n"
        f"  ratio (this / before): median {result['median_ratio']}x, mean {result['mean_ratio']}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
