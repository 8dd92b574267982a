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
from pipelines.page import PageRecord
from pipelines.store.base import sha256_stream

WACZ_VERSION = "1.1.1"
# Bytes of index lines sorted in memory at once; beyond, sorted runs go to temporary files and
# are merged (cdxj-indexer's own external sort), so indexing 10,000 pages needs no more memory
# than indexing 1,000.
SORT_BUFFER = 4 * 1024 * 1024
PAGE_ROLES = ("seed", "feed", "citation")  # their order in pages.jsonl


def write_cdxj(warc_paths: Iterable[Path], out_path: Path) -> Path:
    """Sorted CDXJ of the WARCs (request records folded into their responses), by file name.

    One cdxj-indexer call: it names each input by its basename (no ``dir_root``) and sorts all
    inputs' lines together (``sort=True``), so WARCs from several folders need no other help.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        inputs = [str(p) for p in sorted(Path(p) for p in warc_paths)]
        CDXJIndexer(output=out, inputs=inputs, sort=True, post_append=True,
                    max_sort_buff_size=SORT_BUFFER).process_all()
    tmp.replace(out_path)
    return out_path


def page_entry(page: PageRecord) -> dict[str, Any] | None:
    """A page's pages.jsonl entry (its text not read yet), if it is one: a seed, feed or citation
    fetched and archived with a 2xx (not a redirect)."""
    if page.role not in PAGE_ROLES or not page.warc or page.redirect_to:
        return None
    if page.status is None or not 200 <= page.status < 300:
        return None
    return {
        "id": uuid.uuid5(uuid.NAMESPACE_URL, f"{page.url} {page.fetched_at}").hex,
        "url": page.url,
        "ts": page.fetched_at,
        "title": page.title or page.url,
        "text_key": page.text,
    }


def write_pages_jsonl(out_path: Path, pages: Iterable[PageRecord],
                      crawl_dir: Path | None = None) -> dict[str, Any] | None:
    """pages.jsonl, seeds first, then feeds, then citations (crawl order within each), written
    one page at a time: each page's text (for ReplayWeb.page's search) is read from its spooled
    text JSON just before its line is written, so a crawl of 10,000 pages never holds their texts
    or lines in memory. ``pages`` is iterated once per role (the crawl's ``PageLog`` rereads its
    journal: about 0.02 ms a page). Returns the main page's entry (the first line's), if any."""
    main_page = None
    with open(out_path, "w", encoding="utf-8") as out:
        out.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}) + "\n")
        for role in PAGE_ROLES:
            for page in pages:
                entry = page_entry(page) if page.role == role else None
                if entry is None:
                    continue
                main_page = main_page or entry
                text = read_text(crawl_dir, entry.pop("text_key")) if crawl_dir is not None else ""
                if text:
                    entry["text"] = text
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return main_page


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


def package_crawl(crawl_dir: Path, crawl_id: str, warc_paths: list[Path], pages: Iterable[PageRecord],
                  title: str, software: str, originals: list[Path] | None = None,
                  text_dir: Path | None = None) -> list[Path]:
    """Index and WACZ of a crawl, written into ``crawl_dir`` (its spool folder). Returns the new
    files.

    ``originals`` (WARCs of records this crawl's revisits refer to) go into the WACZ and its
    index only: the store already holds them in the earlier crawls. ``text_dir`` is where the
    pages' text keys resolve (laid out like a crawl folder: ``text/<page-key>.json``), by default
    ``crawl_dir``: a finalizer merging several workers' parts reads the texts it downloaded from a
    scratch folder and writes the index and WACZ into a folder that holds nothing else.
    """
    if not warc_paths:
        return []
    index = write_cdxj(warc_paths, crawl_dir / key_in_crawl(index_key(crawl_id)))
    pages_path = crawl_dir / "pages.jsonl.tmp"
    main_page = write_pages_jsonl(pages_path, pages, crawl_dir if text_dir is None else text_dir)
    wacz_warcs, wacz_index = list(warc_paths), index
    if originals:
        wacz_warcs += originals
        wacz_index = write_cdxj(wacz_warcs, originals[0].parent / "wacz-index.cdxj")
    try:
        wacz = write_wacz(crawl_dir / key_in_crawl(wacz_key(crawl_id)), wacz_warcs, wacz_index,
                          pages_path, main_page, title, software)
    finally:
        pages_path.unlink(missing_ok=True)
    return [index, wacz]
