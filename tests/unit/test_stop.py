"""Pure logic of stopping a crawl: which close reasons finish it, time limits as people write
them, and how unfinished crawls are found in the spool (a running one holds its journal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.errors import UsageError
from crawler.extensions.time_limit import describe_seconds, parse_time_limit, skip_reason
from pipelines.catalog import finish_hint, hold_journal, is_running, unfinished_crawls
from pipelines.finalize import how_it_ends


@pytest.mark.parametrize(("reason", "left", "limit", "end"), [
    ("finished", False, None, "finish"),
    ("finished", True, None, "finish"),  # Scrapy only says finished when nothing is queued
    ("shutdown", True, None, "stop"),  # SIGTERM, Ctrl-C
    ("shutdown", False, None, "finish"),  # the stop came after the last page
    ("cancelled", True, None, "stop"),
    ("closespider_errorcount", True, None, "stop"),
    ("time_limit", True, "time_limit (2h) reached", "limit"),
    ("time_limit", False, "time_limit (2h) reached", "finish"),
])
def test_only_the_end_or_a_given_limit_finishes_a_crawl(reason, left, limit, end):
    assert how_it_ends(reason, left, limit) == end


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("90m", 5400), ("2h", 7200), ("1d", 86400), ("45", 45), ("1.5h", 5400),
    (" 2H ", 7200),
])
def test_time_limit_parses(text, seconds):
    assert parse_time_limit(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "-5m", "2 hours", "h", "1w"])
def test_bad_time_limit_is_a_usage_error(text):
    with pytest.raises(UsageError, match="--time-limit"):
        parse_time_limit(text)


def test_limit_is_described_as_written():
    assert [describe_seconds(s) for s in (30, 5400, 7200, 86400, 90, 2.5)] == \
        ["30s", "90m", "2h", "1d", "90s", "2.5s"]
    assert skip_reason(5400) == "time_limit (90m) reached"


def make_crawl(root: Path, crawl_id: str, job: str | None = None, done: bool = False) -> Path:
    folder = root / crawl_id
    folder.mkdir(parents=True)
    lines = [{"t": "start", "crawl_id": crawl_id, "seeds": ["https://example.com/a"],
              "options": {"job": job}},
             {"t": "request", "key": "https://example.com/a", "url": "https://example.com/a",
              "role": "seed", "depth": 0, "via": None},
             {"t": "request", "key": "https://example.com/b", "url": "https://example.com/b",
              "role": "citation", "depth": 1, "via": "https://example.com/a"},
             {"t": "page", "key": "https://example.com/a", "records": []}]
    (folder / "journal.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    if done:
        (folder / "manifest.json").write_text("{}")
    return folder


def test_unfinished_crawls_are_the_stopped_ones_not_running_nor_waiting_for_push(tmp_path):
    make_crawl(tmp_path, "20260101T000000Z-b", job="news")
    make_crawl(tmp_path, "20260101T000000Z-a")
    make_crawl(tmp_path, "20260101T000000Z-pushable", done=True)
    running = make_crawl(tmp_path, "20260101T000000Z-running")
    held = hold_journal(running / "journal.jsonl")
    try:
        assert is_running(running)
        found = unfinished_crawls(tmp_path)
        assert [c.crawl_id for c in found] == ["20260101T000000Z-a", "20260101T000000Z-b"]
        assert [c.not_fetched for c in found] == [1, 1]
        assert [c.job for c in found] == [None, "news"]
        with pytest.raises(RuntimeError, match="another process"):
            hold_journal(running / "journal.jsonl")
    finally:
        held.close()
    assert not is_running(running), "the lock goes with its holder"
    assert "20260101T000000Z-running" in [c.crawl_id for c in unfinished_crawls(tmp_path)]
    assert unfinished_crawls(tmp_path / "nothing") == []


def test_finish_hint_names_the_job_or_the_archive_command(tmp_path):
    make_crawl(tmp_path, "20260101T000000Z-a")
    make_crawl(tmp_path, "20260101T000000Z-b", job="news")
    plain, job = unfinished_crawls(tmp_path)
    assert finish_hint(plain, "s3://b/p") == \
        "`citewarc archive --resume 20260101T000000Z-a --store s3://b/p`"
    assert "job 'news'" in finish_hint(job, "s3://b/p")
    assert "citewarc crawl JOBFILE --resume 20260101T000000Z-b" in finish_hint(job, "s3://b/p")
