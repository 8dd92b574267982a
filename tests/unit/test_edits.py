"""Edit tracking, job state and history as pure functions."""

from __future__ import annotations

from pipelines.catalog import captures_of, format_row
from pipelines.diff import build_diff, changed_fields, is_churn, normalise_lines, text_digest
from pipelines.job_state import JobState, PreviousCapture, updated_state
from pipelines.page import Capture, PageRecord, TextSummary

BEFORE = {"title": "Council says water is safe", "author": "A. Reporter", "date": "2026-03-01",
          "text": "Council says water is safe.\nUpdated 5 minutes ago\nThe samples met every standard.\n"
                  "1,204 views"}


def test_whitespace_and_churn_are_not_edits():
    after = dict(BEFORE, text="Council  says water is safe.\n\nUpdated 9 minutes ago\n"
                              "The samples met   every standard.\n1,377 views")
    assert changed_fields(BEFORE, after) == []
    assert build_diff("u", BEFORE, after, {}, {}) is None
    assert text_digest(BEFORE["text"]) == text_digest(after["text"])


def test_churn_patterns():
    for line in ["Updated 5 minutes ago", "Last updated: 10:32 GMT", "1,234 views", "12 comments",
                 "3 hours ago", "10:32", "Published 2026-03-01 09:00"]:
        assert is_churn(line), line
    for line in ["The minister updated the figures on Monday and said they were wrong.",
                 "Views differ on whether the samples were representative."]:
        assert not is_churn(line), line
    assert normalise_lines(" a \n\n b  c ") == ["a", "b c"]


def test_real_edit_gives_fields_and_unified_diff():
    after = dict(BEFORE, title="Council stands by water report",
                 text=BEFORE["text"].replace("met every standard", "met most standards"))
    diff = build_diff("http://n.test/a", BEFORE, after, {"crawl_id": "c1", "fetched_at": "t1"},
                      {"crawl_id": "c2", "fetched_at": "t2"})
    assert diff["fields_changed"] == ["title", "text"]
    assert diff["changes"]["title"] == {"before": BEFORE["title"], "after": after["title"]}
    assert "-The samples met every standard." in diff["text_diff"]
    assert "+The samples met most standards." in diff["text_diff"]
    assert "views" not in diff["text_diff"]


def _capture(url, crawl, status=200, digest="sha1:AAA", revisit=None, offset=0):
    return Capture(url=url, fetched_at="2026-11-25T03:14:15Z", status=status,
                   warc_file=f"{crawl}-x.warc.gz", record_id=f"<urn:uuid:{crawl}>", offset=offset,
                   length=10, payload_digest=digest, revisit_of=revisit)


def test_state_keeps_the_original_when_a_revisit_was_written():
    state = JobState(job="j")
    first = [PageRecord(url="http://a.test/p", role="seed", depth=0, text="c1/text/k.json",
                        capture=_capture("http://a.test/p", "c1"),
                        extraction=TextSummary(title="T", text_digest="d1"))]
    state = updated_state(state, "c1", first, {"http://a.test/f": "http://a.test/f"},
                          lambda f: f"c1/warc/{f}")
    prev = state.previous("http://a.test/p?")
    assert prev.crawl_id == "c1" and prev.warc == "c1/warc/c1-x.warc.gz"
    assert prev.warc_date == "2026-11-25T03:14:15.000000Z"
    assert prev.text == "c1/text/k.json" and prev.text_digest == "d1"
    second = [PageRecord(url="http://a.test/p", role="seed", depth=0,
                         capture=_capture("http://a.test/p", "c2", revisit={"crawl_id": "c1"}))]
    state = updated_state(state, "c2", second, {}, lambda f: f"c2/warc/{f}")
    assert state.previous("http://a.test/p").crawl_id == "c1"
    assert state.crawls == ["c1", "c2"] and "http://a.test/f" in state.feed_entries
    assert JobState.from_json(state.to_json()) == state


def test_state_ignores_truncated_and_failed_captures():
    truncated = _capture("http://a.test/t", "c1")
    truncated.truncated = "disconnect"
    failed = _capture("http://a.test/f", "c1", status=None)
    records = [PageRecord(url=cap.url, role="citation", depth=1, capture=cap)
               for cap in (truncated, failed)]
    state = updated_state(JobState(job="j"), "c1", records, {}, str)
    assert state.captures == {}


def test_history_rows_oldest_first_any_spelling():
    manifests = [
        {"crawl_id": "c2", "pages": [{"url": "http://a.test/p", "fetched_at": "2026-02-01T00:00:00Z",
                                      "status": 200, "change": "changed", "edited_fields": ["text"],
                                      "diff": "c2/diffs/k.json"}]},
        {"crawl_id": "c1", "pages": [{"url": "http://a.test/p", "fetched_at": "2026-01-01T00:00:00Z",
                                      "status": 200, "change": "new"},
                                     {"url": "http://a.test/other", "fetched_at": "2026-01-01T00:00:00Z"}]},
    ]
    rows = captures_of("http://a.test/p?", manifests)
    assert [r.crawl_id for r in rows] == ["c1", "c2"]
    assert format_row(rows[1]) == "2026-02-01T00:00:00Z\tc2\t200\tchanged\ttext"
    assert format_row(rows[0]).endswith("\tnew\t-")


def test_previous_capture_round_trip():
    cap = PreviousCapture(url="u", crawl_id="c", warc_date="d", record_id="r", warc="w", offset=1,
                          length=2, payload_digest="p", status=200)
    state = JobState(job="j", captures={"u": cap})
    assert JobState.from_json(state.to_json()).captures["u"] == cap
