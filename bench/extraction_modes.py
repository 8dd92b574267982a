"""Which trafilatura options citewarc should use, decided on a labelled set of real pages.

The labelled set is trafilatura's own evaluation data, public in its repository: ``tests/eval/*.html``
and ``tests/cache/*.html`` (real news, blog and institutional pages in many languages) and
``tests/evaldata.json``, which lists for each page text segments that belong to its main text
(``with``) and segments of boilerplate that must not (``without``: menus, footers, imprints, teasers).

Each mode runs on every page exactly as citewarc calls trafilatura (``pipelines.extract``: XML with
links, tables and metadata, then our own text rendering), on two processes; a page scores

- a true positive for each ``with`` segment found in the text, a false negative for each missing;
- a false positive for each ``without`` segment found, a true negative for each absent;

and the table gives precision, recall, F1 and accuracy over all segments, with the CPU time per page
(median and mean). Matching ignores case and whitespace runs, so our block rendering (one line per
paragraph) and trafilatura's own differ only where the text does.

    git clone https://github.com/adbar/trafilatura /tmp/trafilatura   # once; any recent commit
    .venv/bin/python bench/extraction_modes.py --data /tmp/trafilatura/tests [--limit 200]

Prints a markdown table and writes ``bench/extraction_modes.json``. Not a test: numbers vary with
the machine, and the choice in the README cites the run it was made on.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipelines.extract import ExtractOptions, extract_html  # noqa: E402
from tests.quality.devset import decode  # noqa: E402

# name -> (what it means, ExtractOptions fields, strip scripts first)
MODES: dict[str, tuple[str, dict, bool]] = {
    "default": ("citewarc's options today (balanced)", {}, False),
    "precision": ("favor_precision=True", {"favor_precision": True}, False),
    "recall": ("favor_recall=True", {"favor_recall": True}, False),
    "fast": ("fast=True (no fallback extractors)", {"fast": True}, False),
    "default, scripts emptied": ("default after emptying <script>/<style> (JSON-LD kept)", {}, True),
}

_WS = re.compile(r"\s+")
_SCRIPT_STYLE = re.compile(
    r"(<(script|style)\b(?![^>]*application/ld\+json)[^>]*>)(.*?)(</\2\s*>)", re.I | re.S
)


def norm(text: str) -> str:
    return _WS.sub(" ", text).strip().lower()


def empty_scripts(html: str) -> str:
    """Drop what is inside ``<script>``/``<style>`` (not JSON-LD, which carries metadata)."""
    return _SCRIPT_STYLE.sub(lambda m: m.group(1) + m.group(4), html)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.tn += other.tn

    def scores(self) -> dict[str, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        total = self.tp + self.fp + self.fn + self.tn
        accuracy = (self.tp + self.tn) / total if total else 0.0
        return {"precision": precision, "recall": recall, "f1": f1, "accuracy": accuracy}


def score(text: str, wanted: list[str], unwanted: list[str]) -> Counts:
    found = norm(text)
    tp = sum(1 for seg in wanted if norm(seg) in found)
    fp = sum(1 for seg in unwanted if norm(seg) in found)
    return Counts(tp=tp, fp=fp, fn=len(wanted) - tp, tn=len(unwanted) - fp)


def run_page(args: tuple[str, str, str, list[str], list[str]]) -> tuple[str, float, dict]:
    """One page under one mode, in a worker: (mode, CPU seconds, counts)."""
    mode, path, url, wanted, unwanted = args
    _, fields, strip = MODES[mode]
    html = decode(Path(path).read_bytes())
    start = time.process_time()
    if strip:
        html = empty_scripts(html)
    text = extract_html(html, url, options=ExtractOptions(**fields)).text
    spent = time.process_time() - start
    return mode, spent, asdict(score(text, wanted, unwanted))


def warm_up() -> None:
    """Import trafilatura and run it once, so no mode pays for the worker's first call."""
    extract_html("<html><body><article><p>" + "Warm up text. " * 40 + "</p></article></body></html>",
                 "http://warm.up/")


def labelled_pages(data: Path, limit: int | None) -> list[tuple[str, str, list[str], list[str]]]:
    """(path, url, with, without) for every labelled page whose file is present."""
    evaldata = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, item in sorted(evaldata.items()):
        path = next((d / item["file"] for d in (data / "eval", data / "cache")
                     if (d / item["file"]).is_file()), None)
        if path is not None:
            pages.append((str(path), url, list(item["with"]), list(item["without"])))
    return pages[:limit] if limit else pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="trafilatura's tests/ folder (evaldata.json, eval/, cache/)")
    parser.add_argument("--limit", type=int, help="only the first N labelled pages")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=list(MODES))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "extraction_modes.json")
    args = parser.parse_args(argv)

    pages = labelled_pages(args.data, args.limit)
    if not pages:
        parser.error(f"no labelled pages under {args.data}")
    counts = {mode: Counts() for mode in args.modes}
    times: dict[str, list[float]] = {mode: [] for mode in args.modes}
    # One fresh pool per mode: trafilatura caches per text, so a mode run second on a page would
    # be timed warm; each mode sees every page cold, in the same order.
    for mode in args.modes:
        with ProcessPoolExecutor(args.workers, initializer=warm_up) as pool:
            jobs = [(mode, *page) for page in pages]
            for _, spent, page_counts in pool.map(run_page, jobs, chunksize=8):
                counts[mode].add(Counts(**page_counts))
                times[mode].append(spent)
    results = {}
    print(f"{len(pages)} labelled pages, {args.workers} processes\n")
    print("| mode | precision | recall | F1 | accuracy | CPU ms/page (median) | (mean) |")
    print("|---|---|---|---|---|---|---|")
    for mode in args.modes:
        s = counts[mode].scores()
        median_ms = statistics.median(times[mode]) * 1000
        mean_ms = statistics.fmean(times[mode]) * 1000
        results[mode] = {"meaning": MODES[mode][0], **s, "cpu_ms_median": median_ms,
                         "cpu_ms_mean": mean_ms, **asdict(counts[mode])}
        print(f"| {mode} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
              f"{s['accuracy']:.3f} | {median_ms:.1f} | {mean_ms:.1f} |")
    args.out.write_text(json.dumps({"pages": len(pages), "modes": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
