"""The replay index is the same sorted CDXJ whether its lines fit the sort buffer or spill to
temporary runs that are merged (a 10,000-page crawl must not sort its index in memory)."""

from __future__ import annotations

from datetime import UTC, datetime

from pipelines import package
from pipelines.warc.records import Exchange, build_exchange_records
from pipelines.warc.writer import RollingWarcWriter


def a_warc(folder):
    writer = RollingWarcWriter(folder, prefix="crawl", info={"software": "test"}, max_size=1 << 30,
                               gzip_level=6, first_serial=0)
    when = datetime(2026, 11, 30, tzinfo=UTC)
    for n in reversed(range(300)):  # written in reverse URL order: the index must sort them
        url = f"https://news.test/story/{n:04d}.html"
        records, _ = build_exchange_records(Exchange(
            url=url, method="GET", request_headers=[("Accept", "text/html")], fetched_at=when,
            status=200, response_headers=[("Content-Type", "text/html")], body=b"<p>story</p>"))
        writer.write(records)
    return writer.close()


def test_index_spilled_to_sorted_runs_equals_the_in_memory_sort(tmp_path, monkeypatch):
    warcs = a_warc(tmp_path / "warc")
    in_memory = package.write_cdxj(warcs, tmp_path / "a.cdxj").read_text()
    monkeypatch.setattr(package, "SORT_BUFFER", 2000)  # a few lines per run: many runs merged
    spilled = package.write_cdxj(warcs, tmp_path / "b.cdxj").read_text()
    lines = in_memory.splitlines()
    assert len(lines) == 300 and lines == sorted(lines)
    assert spilled == in_memory
