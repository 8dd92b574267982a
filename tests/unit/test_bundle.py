"""The bundle a WACZ carries (which crawl files, at which paths), and how the stored manifest may
differ from the copy the WACZ carries (only by what sealing and the upload add)."""

from __future__ import annotations

import json
import zipfile

from pipelines.evidence.bundle_check import check_wacz
from pipelines.keys import text_key
from pipelines.package import (
    bundle_files,
    bundle_path,
    crawl_path,
    index_crawl,
    package_crawl,
    package_indexed,
)
from pipelines.page import PageRecord
from pipelines.verify import manifest_differences
from tests.warc_files import story_warc

CRAWL = "20261130T120000Z-news-test"
URL = "https://news.test/story.html"


def test_bundle_paths_round_trip():
    assert bundle_path("text/ab.json") == "text/ab.json"
    assert bundle_path("diffs/ab.json") == "diffs/ab.json"
    assert bundle_path("screenshots/ab.png") == "screenshots/ab.png"
    assert bundle_path("manifest.json") == "crawl/manifest.json"
    assert bundle_path("citations.json") == "crawl/citations.json"
    for rel in ("warc/x.warc.gz", "indexes/index.cdxj", f"{CRAWL}.wacz", "text/a/b.json",
                "evidence/datapackage-digest.tsr", "journal.jsonl"):
        assert bundle_path(rel) is None, rel
    for rel in ("text/ab.json", "manifest.json", "citations.json"):
        assert crawl_path(bundle_path(rel)) == rel
    assert crawl_path("crawl/other.json") is None and crawl_path("archive/x.warc.gz") is None


def test_bundle_files_are_found_in_the_first_folder_that_holds_them(tmp_path):
    first, second = tmp_path / "out", tmp_path / "in"
    (first).mkdir()
    (second / "text").mkdir(parents=True)
    (first / "manifest.json").write_text("{}")
    (second / "text" / "a.json").write_text("{}")
    keys = [f"{CRAWL}/manifest.json", f"{CRAWL}/text/a.json", f"{CRAWL}/text/gone.json",
            f"{CRAWL}/warc/x.warc.gz"]
    found = {(b.path, b.source) for b in bundle_files(keys, [first, second])}
    assert found == {("crawl/manifest.json", first / "manifest.json"),
                     ("text/a.json", second / "text" / "a.json")}


def test_the_wacz_carries_the_bundle_and_the_check_compares_it_with_the_manifest(tmp_path):
    warcs = story_warc(tmp_path / "warc", f"{CRAWL}-w1", URL)
    key = text_key(CRAWL, URL)
    text = tmp_path / key.split("/", 1)[1]
    text.parent.mkdir(parents=True)
    text.write_text(json.dumps({"text": "The story."}))
    page = PageRecord(url=URL, role="seed", depth=0, status=200, warc=f"{CRAWL}/warc/{warcs[0].name}",
                      fetched_at="2026-11-30T12:00:00Z", text=key)
    indexed = index_crawl(tmp_path, CRAWL, warcs, [page])
    manifest = {"crawl_id": CRAWL, "files": [{"key": key, "sha256": "0" * 64, "bytes": 1}]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    bundle = bundle_files([key, f"{CRAWL}/manifest.json"], [tmp_path])
    wacz = package_indexed(indexed, tmp_path, CRAWL, "t", "citewarc test", bundle=bundle)
    with zipfile.ZipFile(wacz.path) as zf:
        assert {"crawl/manifest.json", key.split("/", 1)[1]} <= set(zf.namelist())
        names = [r["name"] for r in json.loads(zf.read("datapackage.json"))["resources"]]
    assert len(names) == len(set(names)), "resource names unique (a text and a diff share a file name)"
    assert wacz.signed is None and wacz.token is None
    assert json.loads(wacz.digest)["hash"].startswith("sha256:")
    check = check_wacz(wacz.path, "w.wacz")
    assert check.manifest == manifest
    # The manifest's made-up sha256 for the text is not what the WACZ holds: named.
    assert [(p.what, p.status) for p in check.problems] == [(f"w.wacz:{key.split('/', 1)[1]}", "MISMATCH")]


def test_package_crawl_still_makes_an_index_and_an_unsigned_wacz(tmp_path):
    warcs = story_warc(tmp_path / "warc", f"{CRAWL}-w1", URL)
    page = PageRecord(url=URL, role="seed", depth=0, status=200, warc="x", fetched_at="2026-11-30T12:00:00Z")
    made = package_crawl(tmp_path, CRAWL, warcs, [page], title="t", software="citewarc test")
    assert [p.name for p in made] == ["index.cdxj", f"{CRAWL}.wacz"]
    assert not (tmp_path / "pages.jsonl.tmp").exists()


def test_manifest_differences_allow_only_what_sealing_and_upload_add():
    carried = {"crawl_id": CRAWL, "pages": [{"url": URL}], "warnings": ["a"],
               "files": [{"key": f"{CRAWL}/text/a.json", "sha256": "1" * 64, "bytes": 1}]}
    stored = {**carried, "warnings": ["a", "not timestamped: down"], "upload_verification": "read-back",
              "evidence": {"signed": False},
              "files": [*carried["files"], {"key": f"{CRAWL}/{CRAWL}.wacz", "sha256": "2" * 64, "bytes": 2},
                        {"key": f"{CRAWL}/evidence/datapackage-digest.tsr", "sha256": "3" * 64, "bytes": 3}]}
    assert manifest_differences(stored, carried, CRAWL) == []
    assert manifest_differences({**stored, "pages": []}, carried, CRAWL) == ["pages"]
    assert manifest_differences({**stored, "warnings": []}, carried, CRAWL) == ["warnings"]
    extra = {**stored, "files": [*stored["files"], {"key": f"{CRAWL}/text/b.json"}]}
    assert manifest_differences(extra, carried, CRAWL) == ["files"]
