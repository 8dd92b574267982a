"""Sharing: --expires parsing, the ReplayWeb.page link, and what a crawl needs to be shared."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.commands.share import parse_expiry
from crawler.errors import UsageError
from pipelines.keys import wacz_key
from pipelines.share import ShareError, replayweb_link, share_crawl
from pipelines.store.base import StoreError
from pipelines.store.local import LocalStore

CID = "20260101T000000Z-example"


@pytest.mark.parametrize("text, seconds", [
    ("3600", 3600), ("1", 1), ("90s", 90), ("30m", 1800), ("12h", 43200), ("7d", 604800),
    ("7D", 604800), (" 2h ", 7200), ("604800", 604800),
])
def test_parse_expiry(text: str, seconds: int):
    assert parse_expiry(text) == seconds


@pytest.mark.parametrize("text", ["0", "8d", "604801", "-1", "1.5h", "h", "", "7 days", "1w"])
def test_parse_expiry_refuses(text: str):
    with pytest.raises(UsageError, match="--expires"):
        parse_expiry(text)


def test_replayweb_link_encodes_the_whole_url():
    url = "http://127.0.0.1:9000/b/c/c.wacz?X-Amz-Credential=k%2F2026&X-Amz-Signature=ab&x=a+b"
    link = replayweb_link(url)
    assert link.startswith("https://replayweb.page/?source=http%3A%2F%2F127.0.0.1")
    assert "&" not in link and "+" not in link
    assert parse_qs(urlsplit(link).query) == {"source": [url]}


def test_wacz_key():
    assert wacz_key(CID) == f"{CID}/{CID}.wacz"


class SigningFolder(LocalStore):
    """A LocalStore that pretends to sign, to test share_crawl's checks without S3."""

    def presigned_url(self, key: str, expires_seconds: int) -> str:
        return f"https://signed.example/{key}?X-Amz-Expires={expires_seconds}"


def write_crawl(root: Path, files: list[str], manifest: bool = True) -> None:
    for key in files:
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(b"PK")
    if manifest:
        entries = [{"key": k, "sha256": "0" * 64, "bytes": 2} for k in files]
        (root / CID / "manifest.json").write_text(json.dumps({"files": entries}))


def test_share_crawl_signs_the_listed_wacz(tmp_path: Path):
    write_crawl(tmp_path, [wacz_key(CID), f"{CID}/text/a.json"])
    shared = share_crawl(SigningFolder(tmp_path), CID, 60)
    assert shared.url == f"https://signed.example/{wacz_key(CID)}?X-Amz-Expires=60"
    assert shared.viewer == replayweb_link(shared.url)


@pytest.mark.parametrize("files, manifest, message", [
    ([], False, "no crawl"),
    ([f"{CID}/text/a.json"], False, "incomplete"),
    ([f"{CID}/text/a.json"], True, "no WACZ"),
])
def test_share_crawl_refuses(tmp_path: Path, files: list[str], manifest: bool, message: str):
    write_crawl(tmp_path, files, manifest)
    with pytest.raises(ShareError, match=message):
        share_crawl(SigningFolder(tmp_path), CID, 60)


def test_share_crawl_refuses_a_listed_but_missing_wacz(tmp_path: Path):
    write_crawl(tmp_path, [wacz_key(CID)])
    (tmp_path / wacz_key(CID)).unlink()
    with pytest.raises(ShareError, match="missing"):
        share_crawl(SigningFolder(tmp_path), CID, 60)


def test_local_store_cannot_sign(tmp_path: Path):
    with pytest.raises(StoreError, match="cannot make a shareable URL"):
        LocalStore(tmp_path).presigned_url(wacz_key(CID), 60)
