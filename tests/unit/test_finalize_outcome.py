"""finalize_crawl works from a CrawlOutcome alone: a crawl whose WARCs and texts are already in
the store (as a distributed crawl's workers leave them) and whose page texts sit in a scratch
folder gets the same index, WACZ and manifest, with the stored files checked, not uploaded again."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from pipelines.finalize import finalize_crawl
from pipelines.keys import (
    citations_key,
    index_key,
    key_in_crawl,
    manifest_key,
    report_key,
    text_key,
    wacz_key,
    warc_key,
)
from pipelines.outcome import CrawlOutcome
from pipelines.page import PageRecord
from pipelines.store.local import LocalStore
from pipelines.store.upload import file_entries
from pipelines.verify import verify_crawl
from tests.warc_files import story_warc

CRAWL = "20261130T120000Z-news-test"
URL = "https://news.test/story.html"


def worker_files(scratch: Path) -> tuple[list[Path], list[tuple[str, Path]]]:
    """A worker's closed WARC and the story's text JSON, laid out like a crawl folder."""
    warcs = story_warc(scratch / "warc", f"{CRAWL}-w1a2b3c", URL)
    text = scratch / key_in_crawl(text_key(CRAWL, URL))
    text.parent.mkdir(parents=True)
    text.write_text(json.dumps({"url": URL, "text": "The story."}), encoding="utf-8")
    return warcs, [(warc_key(CRAWL, warcs[0].name), warcs[0]), (text_key(CRAWL, URL), text)]


def test_an_outcome_whose_files_are_stored_already_is_finalised_from_it(tmp_path):
    store = LocalStore(tmp_path / "store")
    scratch, out = tmp_path / "scratch", tmp_path / "spool" / CRAWL
    warcs, files = worker_files(scratch)
    stored = file_entries(files)
    for entry, (_, path) in zip(stored, files, strict=True):
        store.put_file(entry["key"], path, entry["sha256"])
    out.mkdir(parents=True)
    page = PageRecord(url=URL, role="seed", depth=0, status=200, content_type="text/html",
                      warc=files[0][0], fetched_at="2026-11-30T12:00:00Z", text=files[1][0],
                      title="Story")
    outcome = CrawlOutcome(crawl_id=CRAWL, tool="citewarc test", seeds=[URL],
                           started=datetime(2026, 11, 30, 12, tzinfo=UTC), pages=[page], skipped=[],
                           warnings=[], store=store, dir=out, warcs=warcs, text_dir=scratch,
                           stored_files=stored)

    result = finalize_crawl(outcome, "finished", upload_budget=1)

    assert result.storage_error is None
    assert result.manifest_location == store.location(manifest_key(CRAWL))
    manifest = json.loads(store.read_bytes(manifest_key(CRAWL)))
    assert sorted(f["key"] for f in manifest["files"]) == sorted(
        [files[0][0], files[1][0], index_key(CRAWL), wacz_key(CRAWL), citations_key(CRAWL),
         report_key(CRAWL)])
    assert [(p["url"], p["warc"], p["text"]) for p in manifest["pages"]] == [
        (URL, files[0][0], files[1][0])]
    assert manifest["warnings"] == [] and manifest["finish_reason"] == "finished"
    assert verify_crawl(store, CRAWL).ok
    assert not out.exists()  # everything uploaded: the output folder is gone
    wacz_path = tmp_path / "check.wacz"
    store.get_file(wacz_key(CRAWL), wacz_path)
    with zipfile.ZipFile(wacz_path) as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        assert f"archive/{warcs[0].name}" in wacz.namelist()
    assert pages[1]["text"] == "The story."
    assert warcs[0].exists() and (scratch / key_in_crawl(files[1][0])).exists()  # inputs untouched
