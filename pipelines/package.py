"""Make a crawl replayable: a sorted CDXJ index and a WACZ 1.1.1 package of its WARCs.

The index (cdxj-indexer, the format pywb reads) names WARCs by file name, so it resolves both
beside the WARCs in the store and inside the WACZ's ``archive/``. The WACZ is a plain zip that
follows the spec: WARCs stored uncompressed, the index, ``pages/pages.jsonl`` listing
the seeds and citations with their titles (and text, for ReplayWeb.page's search),
``datapackage.json`` with a sha256 for every resource, ``datapackage-digest.json`` over that.
Inside the WACZ the index is ``indexes/index.cdx`` (CDXJ lines; the name pywb's WACZ import and
ReplayWeb.page both read); in the store it is ``indexes/index.cdxj``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cdxj_indexer.main import CDXJIndexer

from pipelines.keys import index_key, key_in_crawl, wacz_key
from pipelines.store.base import sha256_stream

WACZ_VERSION = "1.1.1"
PAGE_ROLES = ("seed", "citation", "feed")


def write_cdxj(warc_paths: Iterable[Path], out_path: Path) -> Path:
    """Sorted CDXJ of the WARCs (request records folded into their responses), by file name.

    One cdxj-indexer call: it names each input by its basename (no ``dir_root``) and sorts all
    inputs' lines together (``sort=True``), so WARCs from several folders need no other help.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        inputs = [str(p) for p in sorted(Path(p) for p in warc_paths)]
        CDXJIndexer(output=out, inputs=inputs, sort=True, post_append=True).process_all()
    tmp.replace(out_path)
    return out_path


def page_records(pages: Iterable[dict[str, Any]]) -> list[dict]:
    """pages.jsonl entries (without their text): seeds and citations that were fetched and
    archived (not redirects), seeds first. ``text_key`` says where each page's text waits."""
    records = []
    order = {"seed": 0, "feed": 1, "citation": 2}
    for page in pages:
        if page.get("role") not in PAGE_ROLES or not page.get("warc") or page.get("redirect_to"):
            continue
        if page.get("status") is None or not 200 <= page["status"] < 300:
            continue
        records.append({
            "id": uuid.uuid5(uuid.NAMESPACE_URL, f"{page['url']} {page.get('fetched_at')}").hex,
            "url": page["url"],
            "ts": page.get("fetched_at"),
            "title": page.get("title") or page["url"],
            "text_key": page.get("text"),
            "order": order[page["role"]],
        })
    records.sort(key=lambda r: r["order"])  # stable: crawl order within a role
    return records


def write_pages_jsonl(out_path: Path, records: Iterable[dict], crawl_dir: Path | None = None) -> Path:
    """pages.jsonl, one page at a time: each page's text (for ReplayWeb.page's search) is read
    from its spooled text JSON just before its line is written, so a crawl of 10,000 pages never
    holds 10,000 texts (nor their JSON lines) in memory at once."""
    with open(out_path, "w", encoding="utf-8") as out:
        out.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}) + "\n")
        for record in records:
            line = {k: record[k] for k in ("id", "url", "ts", "title")}
            text = read_text(crawl_dir, record.get("text_key")) if crawl_dir is not None else ""
            if text:
                line["text"] = text
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return out_path


def read_text(crawl_dir: Path, key: str | None) -> str:
    """A page's extracted text from its spooled text JSON ("" when it has none or it is unreadable)."""
    if not key:
        return ""
    try:
        path = crawl_dir / key_in_crawl(key)
        return json.loads(path.read_text(encoding="utf-8")).get("text") or ""
    except (OSError, ValueError):
        return ""


def write_wacz(
    out_path: Path,
    warc_paths: Iterable[Path],
    index_path: Path,
    pages_path: Path,
    main_page: dict | None,
    title: str,
    software: str,
    created: datetime | None = None,
) -> Path:
    """Write the WACZ atomically (``.tmp`` then rename)."""
    created = created or datetime.now(UTC)
    resources = []
    tmp = out_path.with_name(out_path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        for warc in sorted(Path(p) for p in warc_paths):
            arcname = f"archive/{warc.name}"
            zf.write(warc, arcname, compress_type=zipfile.ZIP_STORED)
            with open(warc, "rb") as fh:
                sha, size = sha256_stream(fh)
            resources.append(_resource(arcname, sha, size))
        zf.write(index_path, "indexes/index.cdx", compress_type=zipfile.ZIP_DEFLATED)
        with open(index_path, "rb") as fh:
            sha, size = sha256_stream(fh)
        resources.append(_resource("indexes/index.cdx", sha, size))
        zf.write(pages_path, "pages/pages.jsonl", compress_type=zipfile.ZIP_DEFLATED)
        with open(pages_path, "rb") as fh:
            sha, size = sha256_stream(fh)
        resources.append(_resource("pages/pages.jsonl", sha, size))
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": title,
            "created": created.isoformat().replace("+00:00", "Z"),
            "modified": created.isoformat().replace("+00:00", "Z"),
            "software": software,
            "resources": resources,
        }
        if main_page:
            package["mainPageURL"] = main_page["url"]
            package["mainPageDate"] = main_page["ts"]
        package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
        zf.writestr("datapackage.json", package_bytes, compress_type=zipfile.ZIP_DEFLATED)
        digest = {"path": "datapackage.json",
                  "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
        zf.writestr("datapackage-digest.json", json.dumps(digest, indent=2),
                    compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(out_path)
    return out_path


def _resource(path: str, sha: str, size: int) -> dict[str, Any]:
    name = path.rsplit("/", 1)[-1].lower()
    return {"name": name, "path": path, "hash": f"sha256:{sha}", "bytes": size}


def write_originals_warc(out_path: Path, members: Iterable[bytes], info: dict[str, str]) -> Path:
    """A WARC of records copied byte for byte from earlier crawls (each one gzip member), so a
    WACZ whose revisits point to them replays on its own."""
    from pipelines.warc.records import build_warcinfo_record, serialize_record  # noqa: PLC0415

    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "wb") as out:
        out.write(serialize_record(build_warcinfo_record(out_path.name, info, datetime.now(UTC))))
        for member in members:
            out.write(member)
    return out_path


def package_crawl(crawl_dir: Path, crawl_id: str, warc_paths: list[Path], pages: list[dict],
                  title: str, software: str, originals: list[Path] | None = None) -> list[Path]:
    """Index and WACZ of a crawl, written into its spool folder. Returns the new files.

    ``originals`` (WARCs of records this crawl's revisits refer to) go into the WACZ and its
    index only: the store already holds them in the earlier crawls.
    """
    if not warc_paths:
        return []
    index = write_cdxj(warc_paths, crawl_dir / key_in_crawl(index_key(crawl_id)))
    records = page_records(pages)
    pages_path = write_pages_jsonl(crawl_dir / "pages.jsonl.tmp", records, crawl_dir)
    wacz_warcs, wacz_index = list(warc_paths), index
    if originals:
        wacz_warcs += originals
        wacz_index = write_cdxj(wacz_warcs, originals[0].parent / "wacz-index.cdxj")
    try:
        wacz = write_wacz(crawl_dir / key_in_crawl(wacz_key(crawl_id)), wacz_warcs, wacz_index,
                          pages_path, records[0] if records else None, title, software)
    finally:
        pages_path.unlink(missing_ok=True)
    return [index, wacz]
