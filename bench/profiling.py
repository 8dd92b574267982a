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

# Frames that only carry the call (interpreter start, imports, the event loop): every profile has them
# at the top by cumulative time, and they say nothing about where the CPU goes.
_CARRIERS = ("<frozen", "runpy", "builtins.exec", "<string>", "base_events.py", "events.py", "selectors.py",
             "asyncioreactor.py", "_contextvars", "cli.py", "session.py", "crawler.py:", "archive.py")


def _top(stats: pstats.Stats, count: int) -> list[dict]:
    """Top ``count`` functions by cumulative time, skipping the carrier frames."""
    stats.sort_stats("cumulative")
    rows = []
    for func in stats.fcn_list:
        _, calls, tottime, cumtime, _ = stats.stats[func]
        name = f"{Path(func[0]).name}:{func[1]}({func[2]})"
        if not any(c in name for c in _CARRIERS):
            rows.append({"function": name, "calls": calls, "tottime": round(tottime, 3),
                         "cumtime": round(cumtime, 3)})
        if len(rows) == count:
            break
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
