"""After a distributed crawl's manifest is stored, its part manifests and the files no committed
part lists (a worker that died between upload and commit) are deleted; nothing else is."""

from __future__ import annotations

import hashlib
import json

from pipelines.merge import delete_strays, stray_keys
from pipelines.store.local import LocalStore
from pipelines.verify import verify_crawl

C = "20261130T120000Z-news-test"


def test_stray_keys_are_parts_and_unlisted_worker_files_only():
    stored = [f"{C}/manifest.json", f"{C}/{C}.wacz", f"{C}/indexes/index.cdxj",
              f"{C}/parts/w1-00000.json", f"{C}/parts/w2-00000.json",
              f"{C}/warc/{C}-w1-1-00000-h.warc.gz", f"{C}/warc/{C}-w2-1-00000-h.warc.gz",
              f"{C}/text/a.json", f"{C}/text/b.json", f"{C}/diffs/b.json",
              f"{C}/screenshots/b.png", f"{C}-other/text/b.json"]
    listed = [f"{C}/{C}.wacz", f"{C}/indexes/index.cdxj", f"{C}/warc/{C}-w1-1-00000-h.warc.gz",
              f"{C}/text/a.json"]
    assert stray_keys(C, stored, listed) == [
        f"{C}/diffs/b.json", f"{C}/parts/w1-00000.json", f"{C}/parts/w2-00000.json",
        f"{C}/screenshots/b.png", f"{C}/text/b.json", f"{C}/warc/{C}-w2-1-00000-h.warc.gz"]


def test_delete_strays_leaves_a_crawl_that_verifies(tmp_path):
    store = LocalStore(tmp_path / "store")
    src = tmp_path / "f"
    src.write_bytes(b"bytes")
    sha = hashlib.sha256(b"bytes").hexdigest()
    kept = [f"{C}/text/a.json", f"{C}/diffs/a.json"]  # (no WARC: verify would read its records)
    for key in [*kept, f"{C}/text/orphan.json", f"{C}/parts/w1-00000.json", f"{C}-b/text/x.json"]:
        store.put_file(key, src, sha)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"crawl_id": C, "files": [
        {"key": k, "sha256": sha, "bytes": 5} for k in kept]}))
    store.put_file(f"{C}/manifest.json", manifest, hashlib.sha256(manifest.read_bytes()).hexdigest())
    assert not verify_crawl(store, C).ok  # the orphan and the part are EXTRA

    assert delete_strays(store, C, kept) == [f"{C}/parts/w1-00000.json", f"{C}/text/orphan.json"]
    assert verify_crawl(store, C).ok
    assert store.list_keys(f"{C}-b/") == [f"{C}-b/text/x.json"]
    assert delete_strays(store, C, kept) == []  # a rerun finds nothing left
