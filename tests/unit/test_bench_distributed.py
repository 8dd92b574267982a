"""The distributed bench's pure parts: the pinned commands, two samples as one, per-core scaling."""

from __future__ import annotations

import subprocess

import pytest

from bench.distributed import (
    PINNED_ONE,
    PINNED_SINGLE,
    PINNED_TWO,
    one_after_other,
    per_core,
    pinned,
    ratios,
    summarize,
    together,
    variants,
)
from bench.measure import TreeSample


def test_variants_start_with_the_single_process():
    assert variants([1, 2]) == [("single process", 0), ("--redis --workers 1", 1), ("--redis --workers 2", 2)]


def test_pinned_prefixes_taskset():
    assert pinned("1", ["python", "-m", "x"]) == ["taskset", "-c", "1", "python", "-m", "x"]


def test_together_waits_for_all_and_exits_with_a_failure():
    assert subprocess.run(together([["true"], ["sleep", "0.1"]])).returncode == 0
    assert subprocess.run(together([["sh", "-c", "exit 3"], ["true"]])).returncode == 3
    assert subprocess.run(together([["true"], ["sh", "-c", "sleep 0.1; exit 4"]])).returncode == 4


def test_one_after_other_adds_times_and_keeps_peaks():
    first = TreeSample(2.0, 1.0, 100.0, 0, 120.0, 110.0, 3, 0.9)
    second = TreeSample(10.0, 8.0, 90.0, 7, 300.0, 250.0, 9, 7.5)
    both = one_after_other(first, second, 0.5)
    assert (both.wall, both.cpu, both.returncode) == (12.5, 9.0, 7) and both.cpu_sampled == pytest.approx(8.4)
    assert (both.maxrss_mb, both.tree_rss_mb, both.tree_pss_mb) == (100.0, 300.0, 250.0)
    assert both.max_processes == 9


def run(wall: float) -> dict:
    return {"wall": wall, "pages_per_s": 100 / wall, "cpu": wall, "redis_cpu": 0.1, "tree_pss_mb": 200.0,
            "tree_rss_mb": 250.0, "pages_ok": 100, "max_processes": 3, "max_in_flight_per_host": 1,
            "max_requests_per_host_second": 2, "redis_keys_left": [], "note": ""}


def test_per_core_divides_the_two_core_rate_by_each_one_core_rate():
    rows = [summarize(PINNED_SINGLE, 0, [run(10.0)]), summarize(PINNED_ONE, 1, [run(12.5), run(12.5)]),
            summarize(PINNED_TWO, 2, [run(6.0), run(4.0), run(5.0)])]
    assert per_core(rows) == {f"vs {PINNED_SINGLE}": 2.0, f"vs {PINNED_ONE}": 2.5}
    assert ratios(rows)[PINNED_TWO]["pages_per_s"] == 2.0
