"""Resume replays what a killed crawl archived exactly as archived (pure, no reactor): the WARC
reader finds responses and revisits by the URL Scrapy sent, keeps WARC-Truncated, knows which
records already have their metadata record; the archive middleware gives a replayed redirect its
Location and a replayed revisit the earlier capture's payload; the crawl's options come back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from scrapy import Request
from scrapy.settings import Settings

from crawler.middlewares.capture import META_CAPTURES
from crawler.middlewares.from_archive import ArchivedResponseMiddleware
from crawler.resume import resumed_settings
from pipelines.job_state import PreviousCapture
from pipelines.journal import JournalState, crawl_settings
from pipelines.store.base import sha256_file
from pipelines.store.local import LocalStore
from pipelines.warc.read import read_archived
from pipelines.warc.records import (
    Exchange,
    RevisitTarget,
    build_exchange_records,
    build_metadata_record,
    build_revisit_records,
    payload_digest,
)
from pipelines.warc.writer import RollingWarcWriter

WHEN = datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
BASE = "http://news.test"
SPACE_URL = f"{BASE}/with%20space.html"  # as Scrapy sends "with space.html"
BODY = b"<html><body><p>The petition of the eastern estates.</p></body></html>"


def exchange(url: str, status: int = 200, body: bytes = BODY, headers=None, **kw) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("Accept", "text/html")],
                    fetched_at=WHEN, status=status, body=body,
                    response_headers=headers or [("Content-Type", "text/html; charset=utf-8")],
                    **kw)


def write_warc(directory: Path, prefix: str, groups: list[list[object]]) -> list:
    writer = RollingWarcWriter(directory, prefix=prefix, info={"software": "test"})
    placed = [writer.write(records) for records in groups]
    writer.close()
    return placed


def test_reader_finds_responses_revisits_truncation_and_described_records(tmp_path: Path):
    redirect, redirect_id = build_exchange_records(exchange(
        f"{BASE}/start", 301, b"", [("Location", "/story.html")]))
    cut, cut_id = build_exchange_records(exchange(f"{BASE}/reset", truncated="disconnect"))
    target = RevisitTarget(SPACE_URL, "2026-02-01T00:00:00.000000Z", "<urn:uuid:earlier>")
    revisit, revisit_id = build_revisit_records(exchange(SPACE_URL), target)
    metadata = build_metadata_record(f"{BASE}/reset", WHEN, cut_id, [("role", "citation")],
                                     "<urn:uuid:meta>")
    write_warc(tmp_path, "crawl", [redirect, cut, revisit, [metadata]])

    archived = read_archived(sorted(tmp_path.glob("*.warc.gz")))

    assert archived.take(f"{BASE}/start").record_id == redirect_id
    reset = archived.take(f"{BASE}/reset")
    assert reset.truncated == "disconnect" and not reset.is_revisit
    space = archived.take(SPACE_URL)
    assert space is not None, "a revisit record answers its URL too"
    assert space.is_revisit and space.refers_to == "<urn:uuid:earlier>"
    assert space.record_id == revisit_id
    assert archived.take(SPACE_URL) is None, "each archived answer is replayed once"
    assert archived.described == {cut_id}


def middleware_for(tmp_path: Path, previous: dict[str, PreviousCapture] | None = None):
    crawl_dir = tmp_path / "spool" / "crawl"
    run = SimpleNamespace(
        resumed=JournalState(),
        store=LocalStore(tmp_path / "store"),
        previous_capture=lambda url: (previous or {}).get(url),
    )
    run.archived = lambda: run.cache
    run.cache = None
    return ArchivedResponseMiddleware(run), run, crawl_dir


def test_replayed_redirect_keeps_location_and_truncation(tmp_path: Path):
    mw, run, crawl_dir = middleware_for(tmp_path)
    write_warc(crawl_dir, "crawl", [
        build_exchange_records(exchange(f"{BASE}/start", 301, b"", [("Location", "/story.html")]))[0],
        build_exchange_records(exchange(f"{BASE}/reset", truncated="disconnect"))[0],
    ])
    run.cache = read_archived(sorted(crawl_dir.glob("*.warc.gz")))

    moved = Request(f"{BASE}/start")
    response = mw.process_request(moved)
    assert response.status == 301 and response.headers[b"Location"] == b"/story.html"
    capture = moved.meta[META_CAPTURES][-1]
    assert capture.location == f"{BASE}/story.html", "the redirect keeps where it pointed"

    cut = Request(f"{BASE}/reset")
    mw.process_request(cut)
    assert cut.meta[META_CAPTURES][-1].truncated == "disconnect"
    assert mw.process_request(Request(f"{BASE}/other")) is None, "not archived: fetched"


def test_replayed_revisit_takes_the_payload_of_the_capture_it_points_to(tmp_path: Path):
    # The earlier crawl, already in the store.
    earlier_dir = tmp_path / "earlier"
    records, original_id = build_exchange_records(exchange(SPACE_URL))
    placed = write_warc(earlier_dir, "earlier", [records])[0][0]
    store = LocalStore(tmp_path / "store")
    earlier = next(earlier_dir.glob("*.warc.gz"))
    store.put_file(f"earlier/warc/{earlier.name}", earlier,
                   sha256_file(earlier))
    previous = PreviousCapture(
        url=SPACE_URL, crawl_id="earlier", warc_date="2026-02-01T00:00:00.000000Z",
        record_id=original_id, warc=f"earlier/warc/{earlier.name}", offset=placed.offset,
        length=placed.length, payload_digest=payload_digest(BODY), status=200)

    mw, run, crawl_dir = middleware_for(tmp_path, {SPACE_URL: previous})
    target = RevisitTarget(SPACE_URL, previous.warc_date, original_id)
    write_warc(crawl_dir, "crawl", [build_revisit_records(exchange(SPACE_URL), target)[0]])
    run.cache = read_archived(sorted(crawl_dir.glob("*.warc.gz")))

    request = Request(SPACE_URL)
    response = mw.process_request(request)
    assert response is not None, "a revisit archived before the crash is not fetched again"
    assert response.status == 200 and response.body == BODY
    capture = request.meta[META_CAPTURES][-1]
    assert capture.revisit_of["record_id"] == original_id
    assert capture.payload_digest == payload_digest(BODY)


def test_crawl_options_come_back_on_resume():
    settings = Settings({"CITEWARC_DEPTH": 3, "CITEWARC_REQUISITES": False,
                         "ROBOTSTXT_OBEY": False, "CITEWARC_ALLOW_PRIVATE_ADDRESSES": True,
                         "CITEWARC_MAX_PAGES": 7, "CITEWARC_MAX_BODY_SIZE": 1024,
                         "CITEWARC_STORE": "s3://elsewhere"})
    saved = crawl_settings(settings)
    journal = JournalState(start={"options": {"settings": saved}})
    back = resumed_settings(journal)
    assert back["CITEWARC_ALLOW_PRIVATE_ADDRESSES"] is True
    assert back["CITEWARC_DEPTH"] == 3 and back["CITEWARC_REQUISITES"] is False
    assert back["ROBOTSTXT_OBEY"] is False
    assert back["CITEWARC_MAX_PAGES"] == 7 and back["CITEWARC_MAX_BODY_SIZE"] == 1024
    assert "CITEWARC_STORE" not in back, "where to store is the resume command's business"
    legacy = JournalState(start={"options": {"depth": 0, "requisites": True, "robots": True}})
    assert resumed_settings(legacy) == {"CITEWARC_DEPTH": 0, "CITEWARC_REQUISITES": True,
                                        "ROBOTSTXT_OBEY": True}
