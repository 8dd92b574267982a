"""Whole-process measurements: wall time, CPU seconds and peak RSS of a command's process tree.

``os.wait4`` on the child returns its rusage including every descendant it waited for (Scrapy's
extraction workers, wget, trafilatura's pool), so CPU is user+sys of the whole tree. ``ru_maxrss``
is the peak of the single largest process in that tree (Linux keeps a maximum, not a sum): for
citewarc, the crawl process, whose peak exceeds each extraction worker's.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float  # user + sys seconds of the process tree
    maxrss_mb: float
    returncode: int

    def then(self, other: Sample) -> Sample:
        """Two commands one after the other (the peer: wget, then trafilatura)."""
        return Sample(
            self.wall + other.wall,
            self.cpu + other.cpu,
            max(self.maxrss_mb, other.maxrss_mb),
            self.returncode or other.returncode,
        )


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    def show(self, digits: int = 1) -> str:
        return f"{self.median:.{digits}f} ({self.low:.{digits}f}–{self.high:.{digits}f})"


def spread(values: Sequence[float]) -> Spread:
    return Spread(statistics.median(values), min(values), max(values))


def run_measured(cmd: Sequence[str], env: dict[str, str], cwd: Path, log: Path) -> Sample:
    """Run ``cmd`` to the end (stdout to ``log``, stderr beside it); wall time, tree CPU, peak RSS."""
    with open(log, "ab") as out, open(log.with_suffix(".err"), "ab") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def sample_dict(sample: Sample) -> dict:
    return asdict(sample)
