"""The write path of a crawl (pipelines.run): records are on disk before the journal calls a
page done, and a failed write stops the crawl once, with an honest exit 4 and no manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from crawler.errors import EXIT_STORAGE, StorageFailed
from crawler.report import report_crawl
from pipelines import journal as journal_module
from pipelines.finalize import finalize_run
from pipelines.page import PageRecord
from pipelines.run import CrawlRun
from pipelines.store import open_store
from pipelines.warc import writer as warc_writer
from pipelines.warc.writer import WarcWriteError
from tests.unit.test_warc_writer import INFO, fill_after, pair

CRAWL_ID = "20260301T120000Z-news-test"


def crawl_run(tmp_path: Path, on_write_error=None) -> CrawlRun:
    return CrawlRun(crawl_id=CRAWL_ID, seeds=["https://news.test/page/0"],
                    store=open_store(str(tmp_path / "store")), spool_root=tmp_path / "spool",
                    tool="citewarc test", warc_info=INFO, max_size=1024**3, gzip_level=6,
                    on_write_error=on_write_error)


def test_records_are_fsynced_before_the_journal_marks_their_page_done(tmp_path, monkeypatch):
    events: list[str] = []
    real_fsync, real_write = warc_writer.os.fsync, journal_module.Journal.write

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def journal_write(self, kind: str, **data) -> None:
        events.append(f"journal {kind}")
        real_write(self, kind, **data)

    monkeypatch.setattr(warc_writer.os, "fsync", fsync)
    monkeypatch.setattr(journal_module.Journal, "write", journal_write)
    run = crawl_run(tmp_path)
    run.write_records(pair(0))
    run.add_pages("page-0", [PageRecord(url="https://news.test/page/0", role="seed", depth=0)])
    assert "journal page" in events
    assert "fsync" in events[: events.index("journal page")], events


def test_a_failed_write_stops_the_crawl_once_and_exits_4_without_a_manifest(tmp_path, monkeypatch):
    stops: list[int] = []
    run = crawl_run(tmp_path, on_write_error=lambda: stops.append(1))
    run.write_records(pair(0))
    run.add_pages("page-0", [PageRecord(url="https://news.test/page/0", role="seed", depth=0)])
    fill_after(monkeypatch, [0])  # a new file takes no byte...
    monkeypatch.setattr(run.writer, "max_size", 1)  # ...and the next group needs one
    with pytest.raises(WarcWriteError):
        run.write_records(pair(1))
    with pytest.raises(WarcWriteError):
        run.write_records(pair(2))
    assert stops == [1]  # the crawl is asked to stop once
    # its records may be missing:
    run.add_pages("page-1", [PageRecord(url="https://news.test/page/1", role="seed", depth=0)])

    result = finalize_run(run, "warc_write_failed")
    assert not (run.dir / "manifest.json").exists()
    assert not list((tmp_path / "store").rglob("*"))
    journal = [json.loads(line) for line in (run.dir / "journal.jsonl").read_text().splitlines()]
    assert [j["key"] for j in journal if j["t"] == "page"] == ["page-0"]
    (warc,) = (run.dir / "warc").iterdir()
    assert warc.name.endswith(".warc.gz")

    with pytest.raises(StorageFailed) as failed:
        report_crawl(result, tmp_path / "crawl.log", Console(stderr=True))
    assert failed.value.exit_code == EXIT_STORAGE
    line = str(failed.value)
    assert "\n" not in line and f"citewarc archive --resume {CRAWL_ID}" in line
    assert str(run.dir) in line


def test_warc_files_are_named_by_the_prefix_setting(tmp_path):
    """CITEWARC_WARC_PREFIX names a distributed worker's files (<crawl id>-<worker>); empty: the
    crawl id, as always."""
    from scrapy.settings import Settings

    def settings(prefix: str) -> Settings:
        return Settings({"CITEWARC_CRAWL_ID": CRAWL_ID, "CITEWARC_STORE": str(tmp_path / "store"),
                         "CITEWARC_SPOOL": str(tmp_path / prefix / "spool"), "CITEWARC_WARC_PREFIX": prefix,
                         "CITEWARC_WARC_MAX_SIZE": 1024**3, "CITEWARC_WARC_GZIP_LEVEL": 6})

    for prefix, expected in (("", CRAWL_ID), (f"{CRAWL_ID}-w00abcd", f"{CRAWL_ID}-w00abcd")):
        run = CrawlRun.from_settings(settings(prefix))
        try:
            assert run.writer.prefix == expected
        finally:
            run.release()
