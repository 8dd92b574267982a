"""trafilatura over saved pages, as the do-it-yourself pipeline and the extraction ceiling run it.

The options are citewarc's (pipelines/extract.py: one XML pass with links, tables, metadata, no
comments, no images, default precision), so the ceiling is what citewarc's extraction would cost
with nothing else around it. Run as a script it extracts every file under a folder on N processes
(the peer's second step, and the ceiling): ``python bench/extraction.py --workers 2 DIR``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pipelines.extract import ExtractOptions, trafilatura_options  # noqa: E402

TRAFILATURA_OPTIONS = trafilatura_options(ExtractOptions())  # citewarc's own, from one place


def extract_bytes(data: bytes, url: str | None = None) -> int:
    """Extract one page (trafilatura detects its charset, as a script would let it); text length."""
    import trafilatura

    try:
        return len(trafilatura.extract(data, url=url, **TRAFILATURA_OPTIONS) or "")
    except Exception:  # a script over thousands of pages skips the odd failure
        return 0


def _extract_file(path: str) -> int:
    return extract_bytes(Path(path).read_bytes())


def page_files(folder: Path) -> list[Path]:
    """Every regular file under ``folder`` (wget's host/path tree, or a flat folder), sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith((".warc.gz", ".cdx")))


def seconds_per_page(bodies: Iterable[bytes]) -> list[float]:
    """trafilatura's time on each page, one after another on this core (after one warm-up)."""
    bodies = list(bodies)
    if bodies:
        extract_bytes(bodies[0])
    times = []
    for body in bodies:
        start = time.perf_counter()
        extract_bytes(body)
        times.append(time.perf_counter() - start)
    return times


def extract_folder(folder: Path, workers: int) -> int:
    """Extract every page under ``folder`` on ``workers`` processes; pages with text."""
    files = [str(p) for p in page_files(folder)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return sum(1 for n in pool.imap_unordered(_extract_file, files, chunksize=8) if n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    done = extract_folder(args.folder, args.workers)
    print(f"extracted {done} pages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
