"""A crawl merged from two workers' parts gets the manifest a single process makes of it.

One real single-process crawl of the fixture article (depth 1, requisites, a 301 hop) runs
against a store it cannot write to, so it stops after building its manifest, with everything
waiting in its spool: its WARCs (rotated small, so there are several), its texts, its journal (the
page lines a worker's part is made of: each page's request key and ``PageRecord``s, with the links
and ``via`` that ``cited_by`` comes from) and the manifest it would have stored. Its pages, WARCs
and texts are then dealt to two workers as they would leave them: files uploaded to a real local
store, a part each, plus a page the second worker fetched again and lost the commit of, and a file
of a worker that died before committing. ``finalize_parts`` must give the rows the single process
gave, a crawl ``verify`` passes, and no part or orphan left in the store.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.distributed_finalize import finalize_parts
from pipelines.journal import PAGE_RECORDS
from pipelines.keys import crawl_file_key, key_in_crawl, manifest_key, parts_prefix, warc_key
from pipelines.parts import Announced, Part, PartPage, part_key, read_parts
from pipelines.store.base import sha256_file
from pipelines.store.local import LocalStore
from pipelines.verify import verify_crawl
from tests.conftest import run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb

pytestmark = pytest.mark.integration

FIELDS = ("url", "role", "depth", "status", "error", "redirect_to", "content_type", "truncated")
WORKERS = ("w000001", "w000002")


def rows(manifest: dict) -> list[tuple]:
    return sorted(tuple(p.get(f) for f in FIELDS) + (tuple(p["cited_by"]),)
                  for p in manifest["pages"])


def single_process_spool(tmp_path: Path, url: str) -> tuple[str, Path]:
    """(crawl id, spool folder) of a crawl whose store refused every file (exit 4)."""
    (tmp_path / "blocked").write_text("a file where the store's folder should be")
    done = run_citewarc_in(tmp_path, ["archive", url, "--depth", "1", "--store",
                                      tmp_path / "blocked" / "store"],
                           env={"CITEWARC_WARC_MAX_SIZE": "20000"})
    assert done.returncode == 4, done.stderr[-3000:]
    crawl_id = done.stdout.strip().splitlines()[-1]
    [folder] = (tmp_path / "spool").glob(f"*/{crawl_id}")
    return crawl_id, folder


def journal_pages(folder: Path) -> list[PartPage]:
    lines = [json.loads(line) for line in (folder / "journal.jsonl").read_text().splitlines()]
    return [PartPage(key=line["key"], records=PAGE_RECORDS.validate_python(line["records"]))
            for line in lines if line["t"] == "page"]


def upload(store: LocalStore, folder: Path, key: str) -> dict:
    """A worker's upload of one of its files: the entry its part lists."""
    path = folder / key_in_crawl(key)
    sha = sha256_file(path)
    store.put_file(key, path, sha)
    return {"key": key, "sha256": sha, "bytes": path.stat().st_size}


def test_two_workers_parts_finalise_into_the_single_process_manifest(
        tmp_path: Path, fixture_web: FixtureWeb) -> None:
    crawl_id, folder = single_process_spool(tmp_path, fixture_web.url(ARTICLE_PATH))
    single = json.loads((folder / "manifest.json").read_text())
    pages = journal_pages(folder)
    warcs = sorted((folder / "warc").glob("*.warc.gz"))
    assert len(pages) > 10 and len(warcs) >= 2 and any(p["redirect_to"] for p in single["pages"])

    store = LocalStore(tmp_path / "store")
    parts = []
    for n, worker in enumerate(WORKERS):
        mine = pages[n::2]
        files = [upload(store, folder, warc_key(crawl_id, w.name)) for w in warcs[n::2]]
        files += [upload(store, folder, key) for page in mine for record in page.records
                  for key in (record.text, record.diff, record.screenshot) if key]
        parts.append(Part(crawl_id=crawl_id, worker=worker, serial=0, pages=mine, files=files))
    # w2 fetched w1's first page again (taken for dead while slow) and lost its commit: its second
    # part's rows are rejected, its file is the same key (first commit wins).
    again = pages[0]
    texts = [upload(store, folder, r.text) for r in again.records if r.text]
    parts.append(Part(crawl_id=crawl_id, worker=WORKERS[1], serial=1, pages=[again], files=texts))
    refs = []
    for part in parts:
        key = part_key(crawl_id, part.worker, part.serial)
        src = tmp_path / f"{part.worker}-{part.serial}.json"
        src.write_bytes(part.to_json())
        store.put_file(key, src, sha256_file(src))
        refs.append((key, [again.key] if part is parts[-1] else []))
    # a worker that died between upload and commit left an orphan
    orphan = crawl_file_key(crawl_id, "text/0123456789abcdef0123456789abcdef.json")
    (tmp_path / "orphan.json").write_text("{}")
    store.put_file(orphan, tmp_path / "orphan.json", sha256_file(tmp_path / "orphan.json"))

    announced = Announced(crawl_id=crawl_id, tool=single["tool"], seeds=single["seeds"],
                          started=datetime.fromisoformat(single["started"]), store_uri=store.uri)
    result = finalize_parts(announced, store, read_parts(store, refs), tmp_path / "finalize",
                            upload_budget=1)

    assert result.storage_error is None and result.manifest_location
    merged = json.loads(store.read_bytes(manifest_key(crawl_id)))
    assert rows(merged) == rows(single)
    assert merged["summary"] == single["summary"]
    assert (merged["skipped"], merged["warnings"]) == (single["skipped"], single["warnings"])
    assert {f["key"] for f in merged["files"]} == {f["key"] for f in single["files"]}
    stored_by_workers = {f["key"]: f for f in single["files"] if "/warc/" in f["key"] or
                         "/text/" in f["key"]}
    assert [f for f in merged["files"] if f["key"] in stored_by_workers] == sorted(
        stored_by_workers.values(), key=lambda f: f["key"])
    report = verify_crawl(store, crawl_id)  # what `citewarc verify` runs (in process: 2 s less)
    assert report.ok, [r.line() for r in report.problems]
    assert store.list_keys(parts_prefix(crawl_id)) == []
    assert orphan not in store.list_keys(crawl_id + "/")
    assert not (tmp_path / "finalize").exists()
