"""PageRecord: the manifest rows it gives are the manifest's rows as they always were (keys, order,
values), and the crawl journal gives a record back as it was written. Pure, no reactor."""

from __future__ import annotations

import hashlib
import json

from pipelines.journal import Journal, PageLog, read_journal
from pipelines.manifest import page_records, resolve_cited_by
from pipelines.page import Capture, PageItem, PageRecord, TextSummary

CRAWL = "20261125T031415Z-news-test"
FRONT = "https://news.test/front"
OLD = "http://news.test/old"
STORY = "https://news.test/story"
T0 = "2026-11-25T03:14:15.000001Z"
T1 = "2026-11-25T03:14:15.500000Z"
WARC = f"{CRAWL}/warc/w-00001-h.warc.gz"
ORIGINAL = {"crawl_id": "20261118T031415Z-news-test", "record_id": "<urn:uuid:orig>",
            "warc_date": "2026-11-18T03:14:15.000000Z",
            "warc": "20261118T031415Z-news-test/warc/w-00000-h.warc.gz", "offset": 1234, "length": 5678}


def warc_key(name: str) -> str:
    return f"{CRAWL}/warc/{name}"


def revisited_item() -> PageItem:
    """A cited page reached through a redirect, written as a revisit, whose editor changed it."""
    return PageItem(
        url=OLD, role="citation", key="k-old", depth=1, via=FRONT,
        captures=[
            Capture(url=OLD, fetched_at=T0, status=301, location=STORY, warc_file="w-00001-h.warc.gz",
                    record_id="<urn:uuid:hop>", offset=0, length=300, change="unchanged"),
            Capture(url=STORY, fetched_at=T1, status=200, content_type="text/html; charset=utf-8",
                    warc_file="w-00001-h.warc.gz", record_id="<urn:uuid:rev>", offset=300, length=700,
                    bytes=5000, payload_digest="sha1:ABCDEFGH", revisit_of=dict(ORIGINAL),
                    change="changed"),
        ],
        final_url=STORY, status=200, content_type="text/html; charset=utf-8", is_html=True,
        title="Floods hit the valley",
        extraction={"title": "Floods hit the valley", "author": "A. Writer", "date": "2026-11-24",
                    "text": "The river rose.\n", "sitename": "News", "language": "en"},
        citations=[{"url": "https://gov.test/report", "anchor": "report"}],
        requisites=["https://news.test/site.css"],
        change="changed", diff_key=f"{CRAWL}/diffs/abc.json", edited_fields=["title", "text"],
    )


# The manifest rows of ``revisited_item`` as the manifest has always listed them (taken from the
# dict-building code PageRecord replaced): a hop has no ``attempts``; ``cited_by`` comes last.
HOP_ROW = {
    "url": OLD, "role": "citation", "depth": 1, "status": 301, "error": None, "tls_note": None,
    "truncated": None, "redirect_to": STORY, "content_type": None, "warc": WARC,
    "warc_record_id": "<urn:uuid:hop>", "fetched_at": T0, "text": None, "title": None, "bytes": 0,
    "change": "unchanged", "revisit_of": None, "diff": None, "edited_fields": None, "browser": None,
    "screenshot": None, "access": None, "access_reason": None, "text_sha256": None, "cited_by": [],
}
FINAL_ROW = {
    "url": STORY, "role": "citation", "depth": 1, "status": 200, "error": None, "tls_note": None,
    "truncated": None, "redirect_to": None, "content_type": "text/html; charset=utf-8", "warc": WARC,
    "warc_record_id": "<urn:uuid:rev>", "fetched_at": T1, "text": None,
    "title": "Floods hit the valley", "bytes": 5000, "attempts": 1, "change": "changed",
    "revisit_of": {"crawl_id": "20261118T031415Z-news-test", "record_id": "<urn:uuid:orig>",
                   "warc_date": "2026-11-18T03:14:15.000000Z"},
    "diff": f"{CRAWL}/diffs/abc.json", "edited_fields": ["title", "text"], "browser": None,
    "screenshot": None, "access": None, "access_reason": None,
    "text_sha256": hashlib.sha256(b"The river rose.").hexdigest(), "cited_by": [FRONT],
}


def test_manifest_rows_keep_their_keys_order_and_values() -> None:
    rows = resolve_cited_by(page_records(revisited_item(), warc_key))
    assert json.dumps(rows) == json.dumps([HOP_ROW, FINAL_ROW])  # order of keys included


def test_record_carries_what_the_row_does_not_show() -> None:
    hop, final = page_records(revisited_item(), warc_key)
    assert hop.hop and hop.capture is None and hop.via is None and hop.links == []
    assert not final.hop
    assert final.capture is not None and final.capture.revisit_of == ORIGINAL
    assert final.extraction == TextSummary(
        title="Floods hit the valley", author="A. Writer", date="2026-11-24",
        text_digest="b9c0d846185ee2f2c41de18eef2db0de12228a38429a5258f7e05d3a6ce8ff88")
    assert final.via == FRONT
    assert final.links == ["https://gov.test/report", "https://news.test/site.css"]
    assert {k for k in final.manifest_row() if k.startswith("_")} == set()


def test_journal_gives_back_the_records_it_was_given(tmp_path) -> None:
    records = page_records(revisited_item(), warc_key)
    failed = PageRecord(url="http://dead.test/", role="citation", depth=1, error="DNS lookup failed",
                        via=FRONT)
    journal = Journal(tmp_path / "journal.jsonl")
    journal.write_page("k-old", records)
    journal.write_page("k-dead", [failed])
    journal.close()
    state = read_journal(tmp_path / "journal.jsonl")
    pages = list(PageLog(tmp_path / "journal.jsonl"))
    assert pages == [*records, failed]
    assert list(PageLog(tmp_path / "journal.jsonl")) == pages  # read again on each pass
    assert state.done == {"k-old", "k-dead"}
    assert isinstance(pages[1].capture, Capture)
    assert isinstance(pages[1].extraction, TextSummary)


def test_journal_line_is_the_records_plain_fields(tmp_path) -> None:
    (record,) = page_records(PageItem(url=STORY, role="seed", status=200,
                                      captures=[Capture(url=STORY, fetched_at=T1, status=200)]),
                             warc_key)
    journal = Journal(tmp_path / "journal.jsonl")
    journal.write_page("k", [record])
    journal.close()
    (line,) = (tmp_path / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    data = json.loads(line)
    assert data["t"] == "page" and data["key"] == "k"
    (fields,) = data["records"]
    assert fields["capture"] == {"url": STORY, "fetched_at": T1, "status": 200,
                                 **dict.fromkeys(("content_type", "warc_file", "record_id", "offset",
                                                  "length", "truncated", "error")),
                                 "bytes": 0, **dict.fromkeys(("location", "payload_digest",
                                                              "revisit_of", "change"))}
    assert PageRecord(**{**fields, "capture": Capture(**fields["capture"])}) == record


def test_a_page_line_from_before_typed_records_counts_as_not_done(tmp_path) -> None:
    """Such a page is processed again on resume, answered from what the WARC holds."""
    path = tmp_path / "journal.jsonl"
    path.write_text(
        json.dumps({"t": "request", "key": "k", "url": STORY, "role": "seed", "depth": 0,
                    "via": None}) + "\n"
        + json.dumps({"t": "page", "key": "k", "entries": [{"url": STORY, "_via": None}]}) + "\n",
        encoding="utf-8")
    state = read_journal(path)
    assert state.done == set() and list(PageLog(path)) == []
    assert [r["url"] for r in state.pending] == [STORY]


def test_a_resumed_journal_drops_the_torn_line_before_appending(tmp_path) -> None:
    """A kill mid-line leaves half a line; glued to the resumed crawl's first line, that page
    would be unreadable and missing from the manifest."""
    path = tmp_path / "journal.jsonl"
    first = PageRecord(url=STORY, role="seed", depth=0, status=200)
    journal = Journal(path)
    journal.write_page("k1", [first])
    journal.close()
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"t": "page", "key": "k2", "records": [{"url": "http')  # the kill
    later = PageRecord(url="https://gov.test/report", role="citation", depth=1, status=200)
    journal = Journal(path)
    journal.write_page("k3", [later])
    journal.close()
    assert list(PageLog(path)) == [first, later]
    assert read_journal(path).done == {"k1", "k3"}
