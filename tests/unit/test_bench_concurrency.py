"""The concurrency sweep's summary: medians of the runs, the busiest host's worst, one table row each."""

from __future__ import annotations

from bench.concurrency import render, summarize


def run(wall: float, in_flight: int, per_second: int, note: str = "") -> dict:
    return {"wall": wall, "cpu": wall * 1.5, "maxrss_mb": 130.0, "pages_ok": 500,
            "max_in_flight_per_host": in_flight, "max_requests_per_host_second": per_second,
            "note": note}


def test_summary_takes_medians_and_the_busiest_hosts_worst():
    row = summarize(16, 0.5, [run(20.0, 1, 2), run(25.0, 2, 3), run(22.0, 1, 2, "exit 3")])
    assert row["wall"] == 22.0 and row["pages_per_s"] == 500 / 22.0
    assert row["max_in_flight_per_host"] == 2 and row["max_requests_per_host_second"] == 3
    assert row["notes"] == ["exit 3"]


def test_table_has_a_row_per_candidate():
    rows = [summarize(16, 0.5, [run(20.0, 1, 2)]), summarize(64, 0.1, [run(18.0, 2, 3)])]
    lines = render(rows, 500, 267, 100.0).splitlines()
    assert lines[0].startswith("500 pages over 267 hosts, 100 ms per response")
    assert lines[-2:] == ["| 16 | 0.5 | 20.0 | 25.0 | 30.0 | 130 | 1 | 2 |",
                          "| 64 | 0.1 | 18.0 | 27.8 | 27.0 | 130 | 2 | 3 |"]
