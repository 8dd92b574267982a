"""A distributed crawl's parts: their JSON, how the committed parts merge into one crawl's ledger
(commit order, rejected pages and their files dropped, skips and warnings once each), and the
finalizer refusing stored bytes that are not what a part lists (tests/integration/
test_finalize_parts.py finalises a real crawl from parts)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipelines.distributed_finalize import finalize_parts
from pipelines.keys import diff_key, manifest_key, screenshot_key, text_key, warc_key
from pipelines.merge import merge_parts
from pipelines.page import Capture, PageRecord, TextSummary
from pipelines.parts import Announced, Part, PartPage, part_key, read_parts
from pipelines.store.base import NotFoundError, StoreError, sha256_file
from pipelines.store.local import LocalStore

C = "20261130T120000Z-news-test"
SITE = "https://news.test"


def entry(key: str, sha: str = "0" * 64, size: int = 1) -> dict:
    return {"key": key, "sha256": sha, "bytes": size}


def page(path: str, worker: str, *, files: bool = True) -> PartPage:
    url = f"{SITE}{path}"
    return PartPage(key=url, records=[PageRecord(
        url=url, role="citation", depth=1, status=200, content_type="text/html",
        warc=warc_key(C, f"{C}-{worker}-1-00000-h.warc.gz"),
        text=text_key(C, url) if files else None, diff=diff_key(C, url) if files else None,
        screenshot=screenshot_key(C, url) if files else None, via=f"{SITE}/story", links=[])])


def part(worker: str, serial: int, pages: list[PartPage], **extra) -> Part:
    files = [entry(warc_key(C, f"{C}-{worker}-1-{serial:05d}-h.warc.gz"), sha=worker[-1] * 64)]
    for p in pages:
        for record in p.records:
            files += [entry(k, sha=worker[-1] * 64) for k in (record.text, record.diff,
                                                            record.screenshot) if k]
    return Part(crawl_id=C, worker=worker, serial=serial, pages=pages, files=files, **extra)


def test_a_part_reads_back_from_its_json_with_every_record_field():
    story = f"{SITE}/story"
    hop = PageRecord(url=f"{SITE}/old", role="citation", depth=1, status=301,
                     redirect_to=f"{SITE}/new", warc=warc_key(C, "a.warc.gz"), hop=True)
    final = PageRecord(
        url=f"{SITE}/new", role="citation", depth=1, status=200, content_type="text/html",
        warc=warc_key(C, "a.warc.gz"), warc_record_id="<urn:uuid:1>", fetched_at="2026-11-30T12:00:00Z",
        text=text_key(C, f"{SITE}/new"), title="Né", bytes=42, attempts=1,
        revisit_of={"crawl_id": "x", "record_id": "<urn:uuid:0>", "warc_date": "2026"},
        capture=Capture(url=f"{SITE}/new", fetched_at="2026-11-30T12:00:00Z", status=200,
                        offset=10, length=20, revisit_of={"warc": "k", "offset": 1}),
        extraction=TextSummary(title="Né", text_digest="ab"), via=story, links=[f"{SITE}/img.png"])
    original = Part(crawl_id=C, worker="w1a2b3c", serial=3,
                    pages=[PartPage(key=f"{SITE}/old", records=[hop, final]),
                           PartPage(key=None, records=[])],
                    files=[entry(warc_key(C, "a.warc.gz"))],
                    skipped=[{"url": f"{SITE}/far", "reason": "depth"}], warnings=["a note"],
                    seeds_added=[f"{SITE}/entry"])

    data = original.to_json()

    assert json.loads(data)["pages"][0]["key"] == f"{SITE}/old"
    assert Part.from_json(data) == original


@pytest.mark.parametrize("data", [b"[]", b'{"format": 1, "crawl_id": "x"}', b"not json",
                                  b'{"format": 99}'])
def test_what_is_not_a_part_is_refused(data):
    with pytest.raises(ValueError):
        Part.from_json(data)


def test_part_keys_are_per_worker_and_serial():
    assert part_key(C, "w1a2b3c", 7) == f"{C}/parts/w1a2b3c-00007.json"


def test_read_parts_keeps_commit_order_and_each_parts_rejected_keys(tmp_path):
    store = LocalStore(tmp_path / "store")
    first, second = part("w000001", 0, [page("/a", "w000001")]), part("w000002", 0, [])
    for p in (second, first):  # stored in the other order: the refs decide
        src = tmp_path / f"{p.worker}.json"
        src.write_bytes(p.to_json())
        store.put_file(part_key(C, p.worker, p.serial), src, sha256_file(src))
    refs = [(part_key(C, "w000001", 0), []), (part_key(C, "w000002", 0), [f"{SITE}/a"])]

    assert read_parts(store, refs) == [(first, []), (second, [f"{SITE}/a"])]
    with pytest.raises(NotFoundError):
        read_parts(store, [(part_key(C, "w000003", 0), [])])


def test_pages_merge_in_commit_order_without_the_rejected_ones_and_their_files():
    a = part("w000001", 0, [page("/one", "w000001"), page("/two", "w000001")])
    # w2 fetched /two too (taken for dead while slow): its commit came second, so it is rejected
    b = part("w000002", 0, [page("/two", "w000002"), page("/three", "w000002")])
    c = part("w000001", 1, [page("/four", "w000001", files=False)])

    merged = merge_parts([(b, [f"{SITE}/two"]), (a, []), (c, [])])

    assert [r.url for r in merged.pages] == [f"{SITE}/three", f"{SITE}/one", f"{SITE}/two",
                                             f"{SITE}/four"]
    two = [r for r in merged.pages if r.url == f"{SITE}/two"]
    assert len(two) == 1 and two[0].warc.endswith("-w000001-1-00000-h.warc.gz")
    keys = [f["key"] for f in merged.files]
    assert len(keys) == len(set(keys))
    # every part's WARCs (the rejected page's records stay in b's: a second capture)
    assert {k for k in keys if "/warc/" in k} == {
        warc_key(C, f"{C}-w000002-1-00000-h.warc.gz"), warc_key(C, f"{C}-w000001-1-00000-h.warc.gz"),
        warc_key(C, f"{C}-w000001-1-00001-h.warc.gz")}
    # /two's text, diff and screenshot are listed once, with a's digests (the kept row's), not b's
    for key in (text_key(C, f"{SITE}/two"), diff_key(C, f"{SITE}/two"),
                screenshot_key(C, f"{SITE}/two")):
        assert [f["sha256"] for f in merged.files if f["key"] == key] == ["1" * 64]
    assert text_key(C, f"{SITE}/three") in keys and text_key(C, f"{SITE}/one") in keys
    assert len(keys) == 3 + 3 * 3


def test_a_rejected_page_alone_leaves_no_file_of_it_listed():
    b = part("w000002", 0, [page("/two", "w000002")])
    merged = merge_parts([(b, {f"{SITE}/two"})])
    assert merged.pages == []
    assert [f["key"] for f in merged.files] == [warc_key(C, f"{C}-w000002-1-00000-h.warc.gz")]


def test_skips_are_listed_once_and_not_for_urls_fetched_after_all():
    a = part("w000001", 0, [page("/one", "w000001")],
             skipped=[{"url": f"{SITE}/far", "reason": "max_pages"},
                      {"url": f"{SITE}/two#top", "reason": "max_pages"}])
    b = part("w000002", 0, [page("/two", "w000002")],
             skipped=[{"url": f"{SITE}/far", "reason": "max_pages"},
                      {"url": f"{SITE}/far", "reason": "robots.txt"},
                      {"url": f"{SITE}/one", "reason": "max_pages"}])

    merged = merge_parts([(a, []), (b, [])])

    assert merged.skipped == [{"url": f"{SITE}/far", "reason": "max_pages"},
                              {"url": f"{SITE}/far", "reason": "robots.txt"}]


def test_requests_still_queued_at_a_time_limit_are_listed_after_the_parts_skips():
    reason = "time_limit (6s) reached"
    a = part("w000001", 0, [page("/one", "w000001")], skipped=[{"url": f"{SITE}/seed2", "reason": reason}])
    left = [{"url": f"{SITE}/three", "reason": reason}, {"url": f"{SITE}/seed2", "reason": reason},
            {"url": f"{SITE}/one", "reason": reason}]  # fetched after all: not listed

    merged = merge_parts([(a, [])], left)

    assert merged.skipped == [{"url": f"{SITE}/seed2", "reason": reason},
                              {"url": f"{SITE}/three", "reason": reason}]


def test_a_skip_stays_when_the_only_row_of_its_url_was_rejected():
    a = part("w000001", 0, [page("/two", "w000001")], skipped=[{"url": f"{SITE}/two", "reason": "x"}])
    assert merge_parts([(a, [f"{SITE}/two"])]).skipped == [{"url": f"{SITE}/two", "reason": "x"}]


def test_warnings_and_added_seeds_are_listed_once_in_order():
    a = part("w000001", 0, [], warnings=["slow host", "robots.txt unreachable"],
             seeds_added=[f"{SITE}/e1", f"{SITE}/e2"])
    b = part("w000002", 0, [], warnings=["robots.txt unreachable", "another"],
             seeds_added=[f"{SITE}/e2", f"{SITE}/e3"])

    merged = merge_parts([(a, []), (b, [])])

    assert merged.warnings == ["slow host", "robots.txt unreachable", "another"]
    assert merged.seeds_added == [f"{SITE}/e1", f"{SITE}/e2", f"{SITE}/e3"]


def test_finalize_parts_refuses_a_file_that_is_not_the_bytes_its_part_lists(tmp_path):
    store = LocalStore(tmp_path / "store")
    url = f"{SITE}/one"
    src = tmp_path / "text.json"
    src.write_text('{"text": "replaced by a later upload"}')
    store.put_file(text_key(C, url), src, sha256_file(src))
    record = PageRecord(url=url, role="seed", depth=0, status=200, text=text_key(C, url))
    lying = Part(crawl_id=C, worker="w000001", serial=0, pages=[PartPage(key=url, records=[record])],
                 files=[entry(text_key(C, url), sha="1" * 64, size=src.stat().st_size)])
    announced = Announced(crawl_id=C, tool="citewarc test", seeds=[url],
                          started=datetime(2026, 11, 30, 12, tzinfo=UTC), store_uri=store.uri)

    with pytest.raises(StoreError, match="its part says"):
        finalize_parts(announced, store, [(lying, [])], tmp_path / "work", upload_budget=1)

    assert store.stat(manifest_key(C)) is None  # not finalised: nothing was uploaded
    assert not (tmp_path / "work").exists()


def test_feed_entries_taken_are_the_committed_seeds_a_feed_gave() -> None:
    from pipelines.parts import feed_entries_taken

    def page(key: str, role: str, via: str | None) -> PartPage:
        return PartPage(key, [PageRecord(url=key, role=role, depth=0, via=via)])

    part = Part(crawl_id="c", worker="w1", serial=0, files=[], pages=[
        page("https://a.test/entry1", "seed", "https://a.test/feed.xml"),
        page("https://a.test/story", "seed", None),  # a job's own article URL
        page("https://a.test/cited", "citation", "https://a.test/entry1"),
        page("https://a.test/entry2", "seed", "https://a.test/feed.xml")])
    assert feed_entries_taken([(part, {"https://a.test/entry2"})]) == {
        "https://a.test/entry1": "https://a.test/entry1"}
