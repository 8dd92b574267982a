"""Where the CPU goes: cProfile summaries of a citewarc crawl process and of extraction itself.

The crawl process is profiled whole (``python -m cProfile -m crawler.cli archive ...``); extraction
runs in separate worker processes that cProfile does not follow, so one worker's share is profiled
here in-process: citewarc's own ``extract_html`` over the corpus pages, as a worker runs it.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from pathlib import Path


def _top(stats: pstats.Stats, count: int) -> list[dict]:
    stats.sort_stats("cumulative")
    rows = []
    for func in stats.fcn_list[:count]:
        _, calls, tottime, cumtime, _ = stats.stats[func]
        rows.append(
            {
                "function": f"{Path(func[0]).name}:{func[1]}({func[2]})",
                "calls": calls,
                "tottime": round(tottime, 3),
                "cumtime": round(cumtime, 3),
            }
        )
    return rows


def profile_summary(path: Path, count: int = 25) -> list[dict]:
    """Top ``count`` functions by cumulative time of a saved profile ([] if there is none)."""
    if not path.exists():
        return []
    return _top(pstats.Stats(str(path), stream=io.StringIO()), count)


def extraction_profile(pages: list[tuple[str, str]], count: int = 25) -> list[dict]:
    """citewarc's ``extract_html`` over ``pages`` ((decoded html, url) pairs), profiled in-process."""
    from pipelines.extract import extract_html

    profiler = cProfile.Profile()
    profiler.enable()
    for html, url in pages:
        extract_html(html, url)
    profiler.disable()
    return _top(pstats.Stats(profiler, stream=io.StringIO()), count)
