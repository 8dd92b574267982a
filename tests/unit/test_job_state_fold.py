"""Folding a stored crawl's contribution into its job's state (pure)."""

from __future__ import annotations

from dataclasses import asdict

from pipelines.job_state import JobState, PreviousCapture, contribution, fold


def capture(url: str, crawl_id: str, date: str) -> PreviousCapture:
    return PreviousCapture(url=url, crawl_id=crawl_id, warc_date=date, record_id=f"<{crawl_id}>",
                           warc=f"{crawl_id}/warc/a.warc.gz", offset=0, length=10,
                           payload_digest="sha1:X", status=200)


def update(crawl_id: str, *caps: PreviousCapture, feeds: tuple[str, ...] = ()) -> dict:
    return {"job": "j", "crawl_id": crawl_id, "captures": {c.url: asdict(c) for c in caps},
            "feed_entries": dict.fromkeys(feeds, crawl_id)}


def test_contribution_holds_only_the_crawls_own_captures_and_feed_entries():
    after = JobState(job="j", crawls=["a", "b"],
                     captures={"u": capture("u", "a", "2026-01-01T00:00:00.000000Z"),
                               "v": capture("v", "b", "2026-01-02T00:00:00.000000Z")},
                     feed_entries={"f1": "a", "f2": "b"})
    got = contribution(after, "b")
    assert list(got["captures"]) == ["v"] and got["feed_entries"] == {"f2": "b"}
    assert got["crawl_id"] == "b" and got["job"] == "j"


def test_fold_adds_the_crawl_once():
    state = JobState(job="j", crawls=["a"])
    once = fold(state, update("b", capture("u", "b", "2026-01-02T00:00:00.000000Z"),
                              feeds=("f",)))
    assert once.crawls == ["a", "b"] and once.captures["u"].crawl_id == "b"
    assert once.feed_entries == {"f": "b"}
    assert fold(once, update("b", capture("w", "b", "2026-01-02T00:00:00.000000Z"))) is once


def test_a_crawl_folded_late_never_replaces_a_newer_capture():
    newer = capture("u", "c", "2026-01-03T00:00:00.000000Z")
    state = JobState(job="j", crawls=["a", "c"], captures={"u": newer}, feed_entries={"f": "c"})
    late = fold(state, update("b", capture("u", "b", "2026-01-02T00:00:00.000000Z"),
                              capture("v", "b", "2026-01-02T00:00:00.000000Z"), feeds=("f",)))
    assert late.captures["u"] == newer
    assert late.captures["v"].crawl_id == "b"
    assert late.feed_entries == {"f": "c"}
    assert late.crawls == ["a", "c", "b"]
