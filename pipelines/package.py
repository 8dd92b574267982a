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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.keys import WACZ_TOKEN_PATH, index_key, key_in_crawl, wacz_key
from pipelines.page import PageRecord

WACZ_VERSION = "1.1.1"
# Bytes of index lines sorted in memory at once; beyond, sorted runs go to temporary files and
# are merged (cdxj-indexer's own external sort), so indexing 10,000 pages needs no more memory
# than indexing 1,000.
SORT_BUFFER = 4 * 1024 * 1024
PAGE_ROLES = ("seed", "feed", "citation")  # their order in pages.jsonl
_CHUNK = 1024 * 1024


def write_cdxj(warc_paths: Iterable[Path], out_path: Path) -> Path:
    """Sorted CDXJ of the WARCs (request records folded into their responses), by file name.

    One cdxj-indexer call: it names each input by its basename (no ``dir_root``) and sorts all
    inputs' lines together (``sort=True``), so WARCs from several folders need no other help.
    """
    # Imported here: cdxj-indexer brings pyamf and pkg_resources (0.1 s), which the commands that
    # import this module for other reasons (push, verify) never need.
    from cdxj_indexer.main import CDXJIndexer  # noqa: PLC0415

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


@dataclass(frozen=True)
class BundleFile:
    """A crawl file the WACZ carries besides its WARCs, index and pages (the manifest, a page's
    text, a diff, a screenshot, the citation ledger): ``path`` inside the WACZ, ``source`` on disk."""

    path: str
    source: Path


@dataclass(frozen=True)
class WrittenWacz:
    """A WACZ as written: ``digest`` is the exact bytes of its ``datapackage-digest.json`` (what a
    timestamp authority stamps), ``signed`` the spec's ``signedData`` in it (None: unsigned)."""

    path: Path
    digest: bytes
    created: datetime
    signed: dict[str, Any] | None = None
    token: bytes | None = None  # the RFC 3161 reply stored as ``evidence/datapackage-digest.tsr``


# Signs a datapackage hash (``sha256:<hex>``) with the time the package says it was created:
# the spec's ``signedData`` (pipelines.evidence.signature.sign_hash with the key bound).
Signer = Callable[[str, datetime], dict[str, Any]]
# Timestamps the exact bytes of ``datapackage-digest.json``: the token (a TimeStampResp), or None
# when no authority answered (the crawl is then stored and stamped later).
Timestamper = Callable[[bytes], bytes | None]


def _stream_member(zf: zipfile.ZipFile, source: Path, arcname: str, compress_type: int) -> dict[str, Any]:
    """Copy a file into the zip in chunks, hashing it on the way: one read, never whole in memory."""
    size = source.stat().st_size
    info = zipfile.ZipInfo.from_file(source, arcname)
    info.compress_type = compress_type
    info.file_size = size  # lets zipfile choose zip64 for a member over 2 GiB before writing it
    digest = hashlib.sha256()
    copied = 0
    with open(source, "rb") as src, zf.open(info, "w") as dest:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dest.write(chunk)
            copied += len(chunk)
    return _resource(arcname, digest.hexdigest(), copied)


def write_wacz(out_path: Path, warc_paths: Iterable[Path], index_path: Path, pages_path: Path,
               main_page: dict | None, title: str, software: str, created: datetime | None = None,
               bundle: Iterable[BundleFile] = ()) -> Path:
    """An unsigned WACZ (``write_sealed_wacz`` without a signer or timestamper); its path."""
    return write_sealed_wacz(out_path, warc_paths, index_path, pages_path, main_page, title,
                             software, created, bundle).path


def write_sealed_wacz(
    out_path: Path,
    warc_paths: Iterable[Path],
    index_path: Path,
    pages_path: Path,
    main_page: dict | None,
    title: str,
    software: str,
    created: datetime | None = None,
    bundle: Iterable[BundleFile] = (),
    signer: Signer | None = None,
    timestamper: Timestamper | None = None,
    extras: dict[str, Any] | None = None,
) -> WrittenWacz:
    """Write the WACZ atomically (``.tmp`` then rename): WARCs, index, pages, then the ``bundle``
    (the crawl's own files at their paths), each a resource with its sha256 and size, so the one
    ``datapackage-digest.json`` (signed when a ``signer`` is given) covers them all; a
    ``timestamper``'s token goes in last, before the package is named as final. ``extras``:
    the package's ``extras`` (the crawl's provenance), covered by the digest like the rest."""
    created = (created or datetime.now(UTC)).replace(microsecond=0)
    stamp = created.isoformat().replace("+00:00", "Z")
    resources = []
    tmp = out_path.with_name(out_path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        for warc in sorted(Path(p) for p in warc_paths):
            resources.append(_stream_member(zf, warc, f"archive/{warc.name}", zipfile.ZIP_STORED))
        resources.append(_stream_member(zf, index_path, "indexes/index.cdx", zipfile.ZIP_DEFLATED))
        resources.append(_stream_member(zf, pages_path, "pages/pages.jsonl", zipfile.ZIP_DEFLATED))
        for item in sorted(bundle, key=lambda b: b.path):
            compress = zipfile.ZIP_STORED if item.path.endswith(".png") else zipfile.ZIP_DEFLATED
            # named by path: a page's text and diff share a file name (its page key), and
            # resource names must be unique
            resources.append({**_stream_member(zf, item.source, item.path, compress),
                              "name": item.path.lower()})
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": title,
            "created": stamp,
            "modified": stamp,
            "software": software,
            "resources": resources,
        }
        if main_page:
            package["mainPageURL"] = main_page["url"]
            package["mainPageDate"] = main_page["ts"]
        if extras:
            package["extras"] = extras
        package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
        zf.writestr("datapackage.json", package_bytes, compress_type=zipfile.ZIP_DEFLATED)
        digest: dict[str, Any] = {"path": "datapackage.json",
                                  "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
        signed = signer(digest["hash"], created) if signer is not None else None
        if signed is not None:
            digest["signedData"] = signed
        digest_bytes = json.dumps(digest, indent=2).encode("utf-8")
        zf.writestr("datapackage-digest.json", digest_bytes, compress_type=zipfile.ZIP_DEFLATED)
        token = timestamper(digest_bytes) if timestamper is not None else None
        if token is not None:
            zf.writestr(WACZ_TOKEN_PATH, token, compress_type=zipfile.ZIP_STORED)
    tmp.replace(out_path)
    return WrittenWacz(out_path, digest_bytes, created, signed, token)


def add_token(wacz_path: Path, token: bytes) -> None:
    """Append a timestamp token to a finished WACZ as ``evidence/datapackage-digest.tsr`` (a crawl
    stamped after it was stored). In place: the members before it are not rewritten, so callers
    work on a copy (the one downloaded from the store). The token stamps
    ``datapackage-digest.json``, so it is not one of the package's resources."""
    with zipfile.ZipFile(wacz_path, "a", allowZip64=True) as zf:
        if WACZ_TOKEN_PATH in zf.namelist():
            raise ValueError(f"{wacz_path.name} already holds a timestamp token")
        zf.writestr(WACZ_TOKEN_PATH, token, compress_type=zipfile.ZIP_STORED)


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


# Crawl files a reader relies on, carried in the WACZ: folders kept at their crawl-relative path,
# single files at the crawl's root under ``crawl/`` (the reference validator, py-wacz, only
# accounts for members one folder deep, and the spec's own files own the root).
BUNDLED_FOLDERS = ("text/", "diffs/", "screenshots/")
BUNDLED_ROOT_FILES = ("manifest.json", "citations.json")
ROOT_FILES_FOLDER = "crawl/"
MANIFEST_IN_WACZ = ROOT_FILES_FOLDER + "manifest.json"


def bundle_path(rel: str) -> str | None:
    """Where a crawl file (path relative to the crawl's folder) goes in the WACZ, or None when the
    WACZ does not carry it (WARCs and the index have their spec places; the package itself)."""
    if rel.startswith(BUNDLED_FOLDERS) and rel.count("/") == 1:
        return rel
    if rel in BUNDLED_ROOT_FILES:
        return ROOT_FILES_FOLDER + rel
    return None


def crawl_path(path_in_wacz: str) -> str | None:
    """The inverse of ``bundle_path``: a WACZ member's path relative to the crawl's folder."""
    if path_in_wacz.startswith(ROOT_FILES_FOLDER):
        rel = path_in_wacz[len(ROOT_FILES_FOLDER):]
        return rel if rel in BUNDLED_ROOT_FILES else None
    return path_in_wacz if bundle_path(path_in_wacz) == path_in_wacz else None


def bundle_files(keys: Iterable[str], folders: Iterable[Path]) -> list[BundleFile]:
    """The WACZ's bundle for a crawl's file keys: each key's file found in the first of
    ``folders`` (laid out like the crawl's folder) that holds it. A key found in none is left out
    (the manifest still lists it; ``verify`` then says the WACZ lacks it)."""
    folders = list(folders)
    out = []
    for key in keys:
        rel = key_in_crawl(key)
        path = bundle_path(rel)
        if path is None:
            continue
        source = next((f / rel for f in folders if (f / rel).is_file()), None)
        if source is not None:
            out.append(BundleFile(path, source))
    return out


@dataclass(frozen=True)
class Indexed:
    """A crawl indexed for its WACZ: the stored index, the index the WACZ carries (the same file
    unless revisits' originals are added), the WARCs it holds and its pages list (a spool file the
    caller removes)."""

    index: Path
    wacz_index: Path
    wacz_warcs: list[Path]
    pages_path: Path
    main_page: dict | None


def index_crawl(crawl_dir: Path, crawl_id: str, warc_paths: list[Path], pages: Iterable[PageRecord],
                originals: list[Path] | None = None, text_dir: Path | None = None) -> Indexed | None:
    """The index (into ``crawl_dir``) and the WACZ's pages list of a crawl, None without WARCs.

    ``originals`` (WARCs of records this crawl's revisits refer to) go into the WACZ and its
    index only: the store already holds them in the earlier crawls. ``text_dir`` is where the
    pages' text keys resolve (laid out like a crawl folder: ``text/<page-key>.json``), by default
    ``crawl_dir``: a finalizer merging several workers' parts reads the texts it downloaded from a
    scratch folder and writes the index and WACZ into a folder that holds nothing else.
    """
    if not warc_paths:
        return None
    index = write_cdxj(warc_paths, crawl_dir / key_in_crawl(index_key(crawl_id)))
    pages_path = crawl_dir / "pages.jsonl.tmp"
    main_page = write_pages_jsonl(pages_path, pages, crawl_dir if text_dir is None else text_dir)
    wacz_warcs, wacz_index = list(warc_paths), index
    if originals:
        wacz_warcs += originals
        wacz_index = write_cdxj(wacz_warcs, originals[0].parent / "wacz-index.cdxj")
    return Indexed(index, wacz_index, wacz_warcs, pages_path, main_page)


def package_indexed(indexed: Indexed, crawl_dir: Path, crawl_id: str, title: str, software: str,
                    bundle: Iterable[BundleFile] = (), signer: Signer | None = None,
                    timestamper: Timestamper | None = None,
                    extras: dict[str, Any] | None = None) -> WrittenWacz:
    """The WACZ of an indexed crawl, written into ``crawl_dir``; its pages list is removed."""
    try:
        return write_sealed_wacz(crawl_dir / key_in_crawl(wacz_key(crawl_id)), indexed.wacz_warcs,
                                 indexed.wacz_index, indexed.pages_path, indexed.main_page, title,
                                 software, bundle=bundle, signer=signer, timestamper=timestamper,
                                 extras=extras)
    finally:
        indexed.pages_path.unlink(missing_ok=True)


def package_crawl(crawl_dir: Path, crawl_id: str, warc_paths: list[Path], pages: Iterable[PageRecord],
                  title: str, software: str, originals: list[Path] | None = None,
                  text_dir: Path | None = None) -> list[Path]:
    """Index and WACZ of a crawl (no bundle, unsigned), written into ``crawl_dir`` (its spool
    folder). Returns the new files. ``finalize_crawl`` runs the two steps with the manifest
    written between them, so the WACZ carries it."""
    indexed = index_crawl(crawl_dir, crawl_id, warc_paths, pages, originals, text_dir)
    if indexed is None:
        return []
    wacz = package_indexed(indexed, crawl_dir, crawl_id, title, software)
    return [indexed.index, wacz.path]
