"""A crawl is packaged from inputs that need not sit in its output folder: WARCs and page texts
from elsewhere (a finalizer merging several workers' parts downloads them to a scratch folder),
the index and WACZ written into a folder that then holds nothing else."""

from __future__ import annotations

import json
import zipfile

from pipelines.keys import index_key, key_in_crawl, text_key, wacz_key
from pipelines.package import package_crawl
from pipelines.page import PageRecord
from tests.warc_files import story_warc

CRAWL = "20261130T120000Z-news-test"
URL = "https://news.test/story.html"


def a_warc(folder):
    return story_warc(folder, f"{CRAWL}-w1", URL)


def test_texts_are_read_from_text_dir_and_only_the_package_is_written(tmp_path):
    warcs = a_warc(tmp_path / "scratch" / "warc")
    key = text_key(CRAWL, URL)
    text_path = tmp_path / "scratch" / key_in_crawl(key)
    text_path.parent.mkdir(parents=True)
    text_path.write_text(json.dumps({"url": URL, "text": "The story, from a worker's part."}))
    page = PageRecord(url=URL, role="seed", depth=0, status=200, content_type="text/html",
                      warc=f"{CRAWL}/warc/{warcs[0].name}", fetched_at="2026-11-30T12:00:00Z",
                      text=key, title="Story")
    out = tmp_path / "out"
    out.mkdir()

    made = package_crawl(out, CRAWL, warcs, [page], title="t", software="citewarc test",
                         text_dir=tmp_path / "scratch")

    assert made == [out / key_in_crawl(index_key(CRAWL)), out / key_in_crawl(wacz_key(CRAWL))]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        f"{CRAWL}.wacz", "indexes/index.cdxj"]
    with zipfile.ZipFile(out / f"{CRAWL}.wacz") as wacz:
        lines = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        assert wacz.namelist().count(f"archive/{warcs[0].name}") == 1
    assert [(p["url"], p["title"], p["text"]) for p in lines[1:]] == [
        (URL, "Story", "The story, from a worker's part.")]


def test_without_text_dir_texts_are_read_from_the_crawl_folder(tmp_path):
    warcs = a_warc(tmp_path / "warc")
    key = text_key(CRAWL, URL)
    (tmp_path / key_in_crawl(key)).parent.mkdir(parents=True)
    (tmp_path / key_in_crawl(key)).write_text(json.dumps({"text": "spooled text"}))
    page = PageRecord(url=URL, role="seed", depth=0, status=200, warc=f"{CRAWL}/warc/x",
                      fetched_at="2026-11-30T12:00:00Z", text=key)

    package_crawl(tmp_path, CRAWL, warcs, [page], title="t", software="citewarc test")

    with zipfile.ZipFile(tmp_path / f"{CRAWL}.wacz") as wacz:
        lines = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
    assert lines[1]["text"] == "spooled text"
