"""Whole-process measurements: wall time, CPU seconds and peak RSS of a command's process tree.

``os.wait4`` on the child returns its rusage including every descendant it waited for (Scrapy's
extraction workers, wget, trafilatura's pool), so CPU is user+sys of the whole tree. ``ru_maxrss``
is the peak of the single largest process in that tree (Linux keeps a maximum, not a sum): for
citewarc, the crawl process, whose peak exceeds each extraction worker's. With a browser the tree
holds several large processes at once: ``run_measured_tree`` samples their sum from /proc.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
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


@dataclass(frozen=True)
class TreeSample(Sample):
    """A ``Sample`` plus what ``ru_maxrss`` cannot see: the whole process tree's memory over time
    (Chromium is a browser process, a zygote, GPU/network utilities and a renderer per tab, all
    below Playwright's driver below the crawl), sampled from /proc every ``interval`` seconds."""

    tree_rss_mb: float = 0.0  # peak of the summed RSS of every process in the tree
    tree_pss_mb: float = 0.0  # peak of the summed PSS (shared pages split among their users)
    max_processes: int = 0  # most processes in the tree at one sample
    cpu_sampled: float = 0.0  # user+sys summed over every process seen, at its last sample


def _tree(root: int) -> list[int]:
    """``root`` and every process below it, by parentage in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[-1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _memory_cpu(pid: int) -> tuple[int, int, float] | None:
    """(RSS bytes, PSS bytes, user+sys seconds) of one process, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[-1].split()
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            rollup = f.read()
    except OSError:
        return None
    rss = pss = 0
    for line in rollup.splitlines():
        if line.startswith(b"Rss:"):
            rss = int(line.split()[1]) * 1024
        elif line.startswith(b"Pss:"):
            pss = int(line.split()[1]) * 1024
    # after ")": state(0) ppid(1) ... utime(11) stime(12), in clock ticks
    return rss, pss, (int(fields[11]) + int(fields[12])) / _TICKS


_TICKS = os.sysconf("SC_CLK_TCK")


class TreeWatch(threading.Thread):
    """Samples a process tree's summed RSS and PSS until ``stop()``; keeps the peaks."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak_rss = self.peak_pss = self.max_processes = 0
        self.cpu_by_pid: dict[int, float] = {}
        self._done = threading.Event()

    def sample(self) -> None:
        rss = pss = count = 0
        for pid in _tree(self.root):
            seen = _memory_cpu(pid)
            if seen is None:
                continue
            rss, pss, count = rss + seen[0], pss + seen[1], count + 1
            self.cpu_by_pid[pid] = seen[2]
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.max_processes = max(self.max_processes, count)

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


def run_measured_tree(cmd: Sequence[str], env: dict[str, str], cwd: Path, log: Path,
                      interval: float = 0.1) -> TreeSample:
    """``run_measured`` plus the tree's summed RSS and PSS sampled every ``interval`` seconds.
    CPU is the larger of ``wait4``'s (exact for every descendant that was reaped up the tree) and
    the sampled sum (sees processes that were orphaned or killed and never reaped by the tree)."""
    with open(log, "ab") as out, open(log.with_suffix(".err"), "ab") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        watch = TreeWatch(proc.pid, interval)
        watch.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        watch.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    waited = usage.ru_utime + usage.ru_stime
    sampled = sum(watch.cpu_by_pid.values())
    mb = 1024 * 1024
    return TreeSample(wall, max(waited, sampled), usage.ru_maxrss / 1024, proc.returncode,
                      watch.peak_rss / mb, watch.peak_pss / mb, watch.max_processes, sampled)
