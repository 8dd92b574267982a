"""pipelines.verify: manifest entries, the status of a file read back, and a crawl in a folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pipelines.store.local import LocalStore
from pipelines.verify import (
    CORRUPT,
    EXTRA,
    MISMATCH,
    MISSING,
    OK,
    Entry,
    FileResult,
    IncompleteCrawl,
    UnknownCrawl,
    compare,
    parse_entries,
    verify_crawl,
)

CID = "20260101T000000Z-example"
SHA = "a" * 64


def entry(key: str, sha256: str = SHA, size: int = 3) -> dict:
    return {"key": key, "sha256": sha256, "bytes": size}


def test_parse_entries_keeps_good_ones_and_names_bad_ones():
    manifest = {"files": [
        entry(f"{CID}/text/a.json"),
        entry(f"{CID}/../other/x"),
        entry("20260101T000001Z-other/text/a.json"),
        entry(f"{CID}/manifest.json"),
        entry(f"{CID}/text/a.json"),
        entry(f"{CID}/text/b.json", sha256="xyz"),
        entry(f"{CID}/text/c.json", size=-1),
        {"key": f"{CID}/text/d.json", "sha256": SHA, "bytes": True},
        "not a dict",
    ]}
    entries, bad = parse_entries(manifest, CID)
    assert entries == [Entry(f"{CID}/text/a.json", SHA, 3)]
    assert [b.split()[0] for b in bad] == [f"files[{i}]" for i in range(1, 9)]
    assert "unsafe key" in bad[0] and "not a file of this crawl" in bad[1] and "twice" in bad[3]


def test_parse_entries_without_files():
    assert parse_entries({}, CID) == ([], ["has no 'files' list"])


def test_compare_statuses():
    e = Entry("k", SHA, 3)
    assert compare(e, SHA, 3, []) == FileResult("k", OK)
    assert compare(e, "b" * 64, 3, []).status == MISMATCH
    assert compare(e, SHA, 4, []).detail == "size differs (expected 3 bytes, got 4)"
    corrupt = compare(e, "b" * 64, 3, [(10, "block digest mismatch"), (20, "x"), (30, "y")])
    assert corrupt.status == CORRUPT
    assert corrupt.detail == (f"record at offset 10: block digest mismatch; 2 more problem(s); "
                              f"sha256 differs (expected {SHA}, got {'b' * 64})")


def test_lines_line_up():
    assert FileResult("c/k", OK).line() == "ok       c/k"
    assert FileResult("c/k", MISSING).line() == "MISSING  c/k"
    assert FileResult("c/k", EXTRA).line() == "EXTRA    c/k"
    assert FileResult("c/k", MISMATCH, "why").line() == "MISMATCH c/k: why"


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    """A crawl of two text files, its manifest listing both."""
    root = tmp_path / "store"
    files = []
    for name, data in (("text/a.json", b'{"a": 1}'), ("text/b.json", b'{"b": 2}')):
        path = root / CID / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files.append(entry(f"{CID}/{name}", hashlib.sha256(data).hexdigest(), len(data)))
    (root / CID / "manifest.json").write_text(json.dumps({"crawl_id": CID, "files": files}))
    return LocalStore(root)


def statuses(store: LocalStore) -> dict[str, str]:
    return {r.key: r.status for r in verify_crawl(store, CID).results}


def test_verify_crawl_ok_then_damaged(store: LocalStore):
    seen = []
    report = verify_crawl(store, CID, lambda key, i, n: seen.append((key, i, n)))
    assert report.ok and [r.status for r in report.results] == [OK, OK]
    assert seen == [(f"{CID}/text/a.json", 0, 2), (f"{CID}/text/b.json", 1, 2)]

    (store.root / CID / "text/a.json").write_bytes(b'{"a": 2}')
    (store.root / CID / "text/b.json").unlink()
    (store.root / CID / "text/c.json").write_bytes(b"{}")
    assert statuses(store) == {f"{CID}/text/a.json": MISMATCH, f"{CID}/text/b.json": MISSING,
                               f"{CID}/text/c.json": EXTRA}


def test_unknown_and_incomplete_crawls(store: LocalStore):
    with pytest.raises(UnknownCrawl, match=f"no crawl 20990101T000000Z-x in store {store.uri}"):
        verify_crawl(store, "20990101T000000Z-x")
    (store.root / CID / "manifest.json").write_text("{not json")
    with pytest.raises(IncompleteCrawl, match="not valid JSON"):
        verify_crawl(store, CID)
    (store.root / CID / "manifest.json").unlink()
    with pytest.raises(IncompleteCrawl, match="no manifest"):
        verify_crawl(store, CID)
