"""The pure side of a worker's commit: what the journal gained since the last part, and which files
a part's rows name (crawler/distributed/commit.py)."""

from __future__ import annotations

from pathlib import Path

from crawler.distributed.commit import page_files, read_journal_tail
from pipelines.journal import Journal
from pipelines.page import PageRecord


def record(url: str, **fields) -> PageRecord:
    return PageRecord(url=url, role="citation", depth=1, **fields)


def test_the_tail_holds_what_came_after_the_offset_and_only_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.write("start", crawl_id="c", seeds=[])
    journal.write("request", key="https://a.test/1", url="https://a.test/1")
    journal.write_page("https://a.test/1", [record("https://a.test/1", text="c/text/1.json")])
    first = read_journal_tail(path, 0)
    assert [p.key for p in first.pages] == ["https://a.test/1"]
    assert first.pages[0].records[0].text == "c/text/1.json"
    assert first.end == path.stat().st_size

    journal.write("skip", url="https://a.test/robots", reason="robots.txt")
    journal.write("seed", url="https://a.test/feed-entry")
    journal.write_page(None, [record("https://a.test/hop")])
    journal.close()
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"t": "page", "key": "https://a.test/torn"')  # a line still being written
    second = read_journal_tail(path, first.end)
    assert [p.key for p in second.pages] == [None]
    assert second.skipped == [{"url": "https://a.test/robots", "reason": "robots.txt"}]
    assert second.seeds_added == ["https://a.test/feed-entry"]
    assert second.end == path.stat().st_size - len('{"t": "page", "key": "https://a.test/torn"')


def test_a_missing_journal_has_an_empty_tail(tmp_path: Path) -> None:
    tail = read_journal_tail(tmp_path / "none.jsonl", 7)
    assert (tail.pages, tail.skipped, tail.seeds_added, tail.end) == ([], [], [], 7)


def test_page_files_are_the_text_diff_and_screenshot_keys_once_each() -> None:
    rows = [record("https://a.test/1", text="c/text/a.json", diff="c/diffs/a.json"),
            record("https://a.test/1", text="c/text/a.json", screenshot="c/screenshots/a.png"),
            record("https://a.test/2")]
    assert page_files(rows) == ["c/text/a.json", "c/diffs/a.json", "c/screenshots/a.png"]


def test_politeness_is_divided_among_the_workers() -> None:
    from scrapy.settings import Settings

    from crawler.distributed.config import divided_politeness

    base = Settings({"CONCURRENT_REQUESTS_PER_DOMAIN": 4, "DOWNLOAD_DELAY": 0.5,
                     "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0})
    assert divided_politeness(base, 1) == {"CONCURRENT_REQUESTS_PER_DOMAIN": 4, "DOWNLOAD_DELAY": 0.5,
                                           "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0}
    assert divided_politeness(base, 3) == {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 1.5,
                                           "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0 / 3}
    assert divided_politeness(base, 2)["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert divided_politeness(base, 8)["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
