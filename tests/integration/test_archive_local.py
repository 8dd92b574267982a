"""End to end: `citewarc archive URL --store DIR` against the fixture web, checked per DESIGN.md.

One module-scoped crawl of the article (``main``) feeds most tests; the error paths and the option
tests run their own small crawls. Everything is a real subprocess talking to a real server.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from tests.servers.fixture_web import (
    ARTICLE_AUTHOR,
    ARTICLE_DATE,
    ARTICLE_PATH,
    ARTICLE_SENTENCES,
    ARTICLE_TITLE,
    BARE_URL_PATH,
    BOILERPLATE_PHRASES,
    CHUNKED_PATH,
    CITED_HTML_200_PATHS,
    CITED_PATHS,
    CYRILLIC_PATH,
    GONE_PATH,
    INVALID_HOSTS,
    JAPANESE_PATH,
    MISSING_PATH,
    MOVED_PATH,
    NOT_CITATIONS,
    PAGE_SECOND_SENTENCES,
    PAGE_SENTENCES,
    PDF_PATH,
    REDIRECT_TARGET_PATH,
    REPORT_ARCHIVE_SHORT,
    REPORT_DOI,
    REPORT_PATH,
    REPORT_WAYBACK,
    REPORT_WAYBACK_ORIGINAL,
    REQUISITE_PATHS,
    RESET_PATH,
    SITE_NAME,
    TAG_PATH,
    TAG_REASON,
    FixtureWeb,
)

pytestmark = pytest.mark.integration

CRAWL_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[a-z0-9-]+$")
WARC_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
PAGE_FIELDS = {
    "url",
    "role",
    "depth",
    "status",
    "error",
    "truncated",
    "redirect_to",
    "cited_by",
    "content_type",
    "warc",
    "text",
}
TEXT_FIELDS = {
    "url",
    "final_url",
    "fetched_at",
    "status",
    "title",
    "author",
    "date",
    "sitename",
    "language",
    "text",
    "citations",
    "warc_record_id",
}
TRACKING_MARKERS = ("utm_", "fbclid", "#")
ALLOWED_ACCEPT_ENCODINGS = {"gzip", "deflate", "br"}
CITATION_ANCHORS = {
    CHUNKED_PATH: "maintenance log released under a freedom of information request",
    PDF_PATH: "full technical annex (PDF)",
    CYRILLIC_PATH: "Russian-language community newspaper",
}


# =============================================================================================
# A run of the CLI and what it left behind
# =============================================================================================


@dataclass
class Record:
    """One WARC record, read whole: headers, the HTTP body as stored and as decoded."""

    file: str
    type: str
    rec_headers: StatusAndHeaders
    http_headers: StatusAndHeaders | None
    raw: bytes  # body as stored (after the HTTP headers; still gzip if gzip was received)
    content: bytes  # body after content decoding (warcio's content_stream)

    def get(self, name: str) -> str | None:
        return self.rec_headers.get_header(name)

    @property
    def id(self) -> str:
        return self.rec_headers.get_header("WARC-Record-ID")

    @property
    def target(self) -> str | None:
        return self.rec_headers.get_header("WARC-Target-URI")

    @property
    def status(self) -> int | None:
        if self.type != "response" or self.http_headers is None:
            return None
        return int(self.http_headers.get_statuscode())

    def http_header_values(self, name: str) -> list[str]:
        if self.http_headers is None:
            return []
        return [v for k, v in self.http_headers.headers if k.lower() == name.lower()]


@dataclass
class Run:
    """A finished `citewarc archive` subprocess, its store and the fixture requests it made."""

    proc: subprocess.CompletedProcess[str]
    store: Path
    web: FixtureWeb
    requests: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"\n--- citewarc {' '.join(map(str, self.proc.args[-6:]))}"
            f"\n--- exit code {self.proc.returncode}"
            f"\n--- stdout (tail):\n{self.proc.stdout[-1500:]}"
            f"\n--- stderr (tail):\n{self.proc.stderr[-3000:]}"
        )

    @property
    def crawl_id(self) -> str:
        lines = self.proc.stdout.strip().splitlines()
        assert lines, f"nothing on stdout; the crawl id should be its last line{self.describe()}"
        crawl_id = lines[-1].strip()
        assert CRAWL_ID_RE.match(crawl_id), f"last stdout line {crawl_id!r} is not a crawl id"
        return crawl_id

    @property
    def root(self) -> Path:
        return self.store / self.crawl_id

    @functools.cached_property
    def manifest(self) -> dict:
        path = self.root / "manifest.json"
        assert path.is_file(), f"no {path}{self.describe()}"
        return json.loads(path.read_text(encoding="utf-8"))

    def key_path(self, key: str) -> Path:
        """A manifest key as a file: keys are relative to the store root (DESIGN: Layout)."""
        assert not key.startswith("/") and ".." not in Path(key).parts, f"unsafe key {key!r}"
        if key.startswith(self.crawl_id + "/"):
            return self.store / key
        return self.root / key  # tolerated: a key relative to the crawl's prefix

    def rel_key(self, key: str) -> str:
        """Normalise a manifest key to 'relative to the crawl root'."""
        return self.key_path(key).relative_to(self.root).as_posix()

    def path_of(self, url: str) -> str | None:
        """The fixture path (with query, without fragment) of a URL on the fixture web."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.web.base_url:
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def pages_at(self, path: str) -> list[dict]:
        return [p for p in self.manifest["pages"] if self.path_of(p["url"]) == path]

    def page_at(self, path: str) -> dict:
        found = self.pages_at(path)
        urls = sorted(p["url"] for p in self.manifest["pages"])
        assert len(found) == 1, f"{len(found)} manifest pages for {path}; pages: {urls}"
        return found[0]

    def request_paths(self) -> list[str]:
        return [r.split("#")[0] for r in self.requests]

    @functools.cached_property
    def warc_files(self) -> list[Path]:
        files = sorted((self.root / "warc").glob("*.warc.gz"))
        assert files, f"no WARC files under {self.root / 'warc'}{self.describe()}"
        return files

    @functools.cached_property
    def records(self) -> list[Record]:
        return [rec for path in self.warc_files for rec in read_warc(path)]

    def records_of(self, type_: str, path: str | None = None) -> list[Record]:
        return [
            r
            for r in self.records
            if r.type == type_ and (path is None or self.path_of(r.target or "") == path)
        ]

    def response_at(self, path: str, status: int | None = None) -> Record:
        found = [r for r in self.records_of("response", path) if status is None or r.status == status]
        assert len(found) == 1, f"{len(found)} response records for {path} (status {status})"
        return found[0]

    @functools.cached_property
    def texts(self) -> list[dict]:
        return [
            json.loads(p.read_text(encoding="utf-8")) for p in sorted((self.root / "text").glob("*.json"))
        ]

    def text_at(self, path: str) -> dict:
        found = [
            t
            for t in self.texts
            if path in (self.path_of(t.get("url", "")), self.path_of(t.get("final_url") or ""))
        ]
        have = sorted(t.get("url") for t in self.texts)
        assert len(found) == 1, f"{len(found)} text JSON files for {path}; have {have}"
        return found[0]


def read_warc(path: Path) -> list[Record]:
    """Read every record twice over (raw body, then decoded body): warcio streams are one-shot."""
    raws: list[bytes] = []
    with path.open("rb") as f:
        for rec in ArchiveIterator(f):
            raws.append(rec.raw_stream.read())
    records: list[Record] = []
    with path.open("rb") as f:
        for rec, raw in zip(ArchiveIterator(f), raws, strict=True):
            records.append(
                Record(
                    file=path.name,
                    type=rec.rec_type,
                    rec_headers=rec.rec_headers,
                    http_headers=rec.http_headers,
                    raw=raw,
                    content=rec.content_stream().read(),
                )
            )
    return records


def archive(web: FixtureWeb, runner, workdir: Path, *args: str,
            env: dict[str, str] | None = None) -> Run:
    """Run `citewarc archive *args --store <workdir>/store`, noting the fixture requests it made."""
    store = workdir / "store"
    mark = web.mark()
    proc = runner(workdir, ["archive", *args, "--store", str(store)], env=env)
    return Run(proc=proc, store=store, web=web, requests=web.requests_since(mark))


def assert_one_error_line(run: Run) -> str:
    assert "Traceback" not in run.proc.stderr, f"traceback on stderr{run.describe()}"
    lines = run.proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one error line on stderr, got {len(lines)}{run.describe()}"
    assert lines[0].startswith("citewarc: error: "), f"bad error line {lines[0]!r}"
    return lines[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sibling_script(name: str) -> Path | None:
    script = Path(sys.executable).with_name(name)
    return script if script.exists() else None


# =============================================================================================
# The main crawl: the article at depth 1 with requisites
# =============================================================================================


@pytest.fixture(scope="module")
def main(fixture_web, citewarc_runner, tmp_path_factory) -> Run:
    workdir = tmp_path_factory.mktemp("archive-main")
    return archive(fixture_web, citewarc_runner, workdir, fixture_web.url(ARTICLE_PATH), "--depth", "1")


@pytest.fixture(scope="module")
def crawl(main) -> Run:
    """The main crawl, once it is known to have succeeded (so later failures say what broke)."""
    if main.proc.returncode != 0:
        pytest.fail(f"the main crawl failed{main.describe()}")
    return main


# ---- process ---------------------------------------------------------------------------------


def test_exit_code_is_zero(main):
    assert main.proc.returncode == 0, main.describe()


def test_last_stdout_line_is_the_crawl_id(crawl):
    assert CRAWL_ID_RE.match(crawl.crawl_id)
    assert crawl.root.is_dir(), f"{crawl.root} missing"


def test_stderr_has_no_traceback_and_no_scrapy_log(crawl):
    stderr = crawl.proc.stderr
    for marker in ("Traceback", "INFO:", "DEBUG:", "[scrapy"):
        assert marker not in stderr, f"{marker!r} on stderr (not a terminal){crawl.describe()}"


# ---- manifest: pages -------------------------------------------------------------------------


def test_manifest_top_level_fields(crawl):
    m = crawl.manifest
    for name in ("crawl_id", "tool", "seeds", "started", "finished", "pages", "files"):
        assert name in m, f"manifest lacks {name!r}; has {sorted(m)}"
    assert m["crawl_id"] == crawl.crawl_id
    assert m["tool"].startswith("citewarc "), m["tool"]
    assert m["seeds"] == [crawl.web.url(ARTICLE_PATH)]
    started = datetime.fromisoformat(m["started"])
    finished = datetime.fromisoformat(m["finished"])
    assert started.utcoffset() is not None and started.utcoffset().total_seconds() == 0
    assert finished.utcoffset() is not None and finished.utcoffset().total_seconds() == 0
    assert started <= finished <= datetime.now(UTC)


def test_every_page_has_the_contract_fields(crawl):
    for page in crawl.manifest["pages"]:
        missing = PAGE_FIELDS - set(page)
        assert not missing, f"page {page.get('url')} lacks {sorted(missing)}"
        # "probe": the soft-404 probe of a cited site (the citation ledger, issue 15)
        assert page["role"] in ("seed", "citation", "requisite", "feed", "probe"), page
        assert page["truncated"] in (None, "length", "time", "disconnect"), page


def test_seed_page(crawl):
    seed = crawl.page_at(ARTICLE_PATH)
    assert seed["url"] == crawl.web.url(ARTICLE_PATH)
    assert (seed["role"], seed["depth"], seed["status"]) == ("seed", 0, 200), seed
    assert seed["error"] is None and seed["truncated"] is None, seed
    assert seed["content_type"].startswith("text/html"), seed
    assert seed["warc"] and seed["text"], seed


@pytest.mark.parametrize("path", sorted(CITED_PATHS))
def test_citation_recorded(crawl, path):
    page = crawl.page_at(path)
    assert page["role"] == "citation", page
    assert page["depth"] == 1, page
    assert crawl.web.url(ARTICLE_PATH) in page["cited_by"], page


def test_no_boilerplate_link_in_manifest(crawl):
    wrong = [p["url"] for p in crawl.manifest["pages"] if crawl.path_of(p["url"]) in NOT_CITATIONS]
    assert not wrong, f"boilerplate or depth-2 links archived: {wrong}"


def test_no_boilerplate_link_requested(crawl):
    wrong = [r for r in crawl.request_paths() if urlsplit(r).path in NOT_CITATIONS]
    assert not wrong, f"crawler fetched boilerplate or depth-2 links: {wrong}"


def test_every_page_stays_on_the_fixture_host(crawl):
    for page in crawl.manifest["pages"]:
        host = urlsplit(page["url"]).hostname
        assert host not in INVALID_HOSTS, f"share/social link archived: {page['url']}"
        assert crawl.path_of(page["url"]) is not None, f"page off the fixture web: {page['url']}"


def test_missing_citation_is_a_404(crawl):
    page = crawl.page_at(MISSING_PATH)
    assert page["status"] == 404, page
    assert page["warc"], f"the 404 answer should still be archived: {page}"


def test_redirect_recorded_with_its_target(crawl):
    moved = crawl.page_at(MOVED_PATH)
    assert moved["status"] == 301, moved
    assert moved["redirect_to"] == crawl.web.url(REDIRECT_TARGET_PATH), moved
    target = crawl.page_at(REDIRECT_TARGET_PATH)
    assert target["status"] == 200, target
    assert target["role"] == "citation", target
    assert target["redirect_to"] is None, target


def test_reset_marked_truncated_or_failed(crawl):
    page = crawl.page_at(RESET_PATH)
    assert page["truncated"] == "disconnect" or page["error"], (
        f"a connection reset mid-body must show as truncated or error: {page}"
    )


@pytest.mark.parametrize("path", sorted(REQUISITE_PATHS))
def test_requisite_recorded(crawl, path):
    page = crawl.page_at(path)
    assert page["role"] == "requisite", page
    assert page["status"] == 200, page
    assert page["warc"], page


def test_pdf_citation(crawl):
    page = crawl.page_at(PDF_PATH)
    assert page["content_type"].startswith("application/pdf"), page
    assert page["warc"], page
    assert page["text"] is None, f"a PDF gets no text JSON: {page}"


def test_tracked_junk_link_deduplicated(crawl):
    report = crawl.pages_at(REPORT_PATH)
    assert len(report) == 1, f"report archived {len(report)} times: {[p['url'] for p in report]}"
    assert report[0]["url"] == crawl.web.url(REPORT_PATH)
    junk = [p["url"] for p in crawl.manifest["pages"] if any(m in p["url"] for m in TRACKING_MARKERS)]
    assert not junk, f"non-canonical URLs in the manifest: {junk}"
    assert crawl.request_paths().count(REPORT_PATH) == 1, crawl.requests
    assert not [r for r in crawl.requests if "utm_" in r or "fbclid" in r], crawl.requests


# ---- manifest: files -------------------------------------------------------------------------


def test_files_list_every_stored_file_with_its_sha256(crawl):
    on_disk = {
        p.relative_to(crawl.root).as_posix(): p
        for p in crawl.root.rglob("*")
        if p.is_file() and p.relative_to(crawl.root).as_posix() != "manifest.json"
    }
    listed = {crawl.rel_key(f["key"]): f for f in crawl.manifest["files"]}
    assert set(listed) == set(on_disk), (
        f"on disk, not listed: {sorted(set(on_disk) - set(listed))}; "
        f"listed, not on disk: {sorted(set(listed) - set(on_disk))}"
    )
    for rel, path in on_disk.items():
        data = path.read_bytes()
        assert listed[rel]["bytes"] == len(data), rel
        assert listed[rel]["sha256"] == hashlib.sha256(data).hexdigest(), rel


def test_page_keys_point_at_listed_files(crawl):
    listed = {crawl.rel_key(f["key"]) for f in crawl.manifest["files"]}
    for page in crawl.manifest["pages"]:
        for name in ("warc", "text"):
            if page[name]:
                assert crawl.rel_key(page[name]) in listed, f"{name} key of {page['url']} not listed"


def test_no_open_files_left(crawl):
    left = sorted(p.as_posix() for p in crawl.store.rglob("*.open"))
    assert not left, f"unfinished files in the store: {left}"


def test_warc_file_names(crawl):
    for path in crawl.warc_files:
        name = path.name
        assert name.startswith(crawl.crawl_id + "-"), name
        assert name.endswith(".warc.gz"), name
        assert re.search(r"(?<!\d)\d{17}(?!\d)", name[len(crawl.crawl_id) :]), (
            f"{name}: no 17-digit timestamp"
        )


# ---- WARC files as files ---------------------------------------------------------------------


def test_warcio_check_passes(crawl):
    script = sibling_script("warcio")
    command = [str(script)] if script else [sys.executable, "-m", "warcio.cli"]
    for path in crawl.warc_files:
        result = subprocess.run([*command, "check", str(path)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"warcio check {path.name}:\n{result.stdout}{result.stderr}"


def test_gzip_t_passes(crawl):
    assert shutil.which("gzip"), "gzip is needed to check WARC files the way archivists do"
    for path in crawl.warc_files:
        result = subprocess.run(["gzip", "-t", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, f"gzip -t {path.name}: {result.stderr}"


def test_one_gzip_member_per_record(crawl):
    for path in crawl.warc_files:
        data, members, offset = path.read_bytes(), 0, 0
        while offset < len(data):
            inflater = zlib.decompressobj(wbits=31)
            inflater.decompress(data[offset:])
            assert inflater.eof, f"{path.name}: incomplete gzip member at offset {offset}"
            offset = len(data) - len(inflater.unused_data)
            members += 1
        records = sum(1 for r in crawl.records if r.file == path.name)
        assert members == records, f"{path.name}: {members} gzip members for {records} records"


# ---- WARC records ----------------------------------------------------------------------------


def test_warcinfo_first_in_every_file(crawl):
    for path in crawl.warc_files:
        first = next(r for r in crawl.records if r.file == path.name)
        assert first.type == "warcinfo", f"{path.name} starts with a {first.type} record"


def test_every_record_is_warc_1_1_with_microsecond_dates_and_uuid_ids(crawl):
    for rec in crawl.records:
        where = f"{rec.file}: {rec.type} {rec.target}"
        assert rec.rec_headers.protocol == "WARC/1.1", where
        assert rec.get("WARC-Type") == rec.type, where
        assert WARC_DATE_RE.match(rec.get("WARC-Date") or ""), f"{where}: {rec.get('WARC-Date')}"
        record_id = rec.id or ""
        assert record_id.startswith("<urn:uuid:") and record_id.endswith(">"), where
        assert uuid.UUID(record_id[len("<urn:uuid:") : -1]).version == 4, where


def paired_request(crawl: Run, response: Record) -> Record:
    candidates = [
        r
        for r in crawl.records
        if r.type == "request"
        and (r.get("WARC-Concurrent-To") == response.id or response.get("WARC-Concurrent-To") == r.id)
    ]
    assert len(candidates) == 1, (
        f"{len(candidates)} request records linked by WARC-Concurrent-To to {response.target}"
    )
    return candidates[0]


def test_every_response_has_its_request(crawl):
    responses = crawl.records_of("response")
    assert responses
    for response in responses:
        request = paired_request(crawl, response)
        assert request.target == response.target, (request.target, response.target)
        assert request.get("WARC-Date") == response.get("WARC-Date"), response.target


def test_request_lines_keep_the_query_and_have_a_host(crawl):
    seen_query = False
    for request in crawl.records_of("request"):
        parts = urlsplit(request.target)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        seen_query |= bool(parts.query)
        line = f"{request.http_headers.protocol} {request.http_headers.statusline}"
        assert line == f"GET {target} HTTP/1.1", f"request line {line!r} for {request.target}"
        assert request.http_headers.get_header("Host") == parts.netloc, request.target
    assert seen_query, "no archived request had a query (expected /static/chart.png?w=640)"


def test_no_zstd_offered(crawl):
    for request in crawl.records_of("request"):
        offered = request.http_headers.get_header("Accept-Encoding") or ""
        tokens = {t.split(";")[0].strip().lower() for t in offered.split(",") if t.strip()}
        assert "zstd" not in tokens, f"{request.target}: Accept-Encoding {offered!r}"
        assert tokens <= ALLOWED_ACCEPT_ENCODINGS, f"{request.target}: Accept-Encoding {offered!r}"


def test_responses_have_ip_and_digests(crawl):
    for response in crawl.records_of("response"):
        assert response.get("WARC-IP-Address") == "127.0.0.1", response.target
        assert (response.get("WARC-Block-Digest") or "").startswith("sha1:"), response.target
        assert (response.get("WARC-Payload-Digest") or "").startswith("sha1:"), response.target


def test_stored_payload_is_exactly_what_was_sent(crawl):
    compared = set()
    for response in crawl.records_of("response"):
        path = crawl.path_of(response.target)
        if path is None or path == RESET_PATH or response.status not in (200, 301, 404):
            continue
        sent = crawl.web.sent.get(path)
        assert sent is not None, f"archived {path}, which the fixture web never sent"
        assert response.content == sent.payload, (
            f"{path}: decoded payload differs ({len(response.content)} bytes archived, "
            f"{len(sent.payload)} sent)"
        )
        assert response.raw == sent.raw_body, f"{path}: stored body is not the body as received"
        compared.add(path)
    expected = {ARTICLE_PATH, *CITED_HTML_200_PATHS, PDF_PATH, MISSING_PATH, MOVED_PATH}
    assert expected <= compared, f"no comparable response for {sorted(expected - compared)}"


def test_gzip_response_stored_still_encoded(crawl):
    response = crawl.response_at(REPORT_PATH)
    assert response.http_header_values("Content-Encoding") == ["gzip"]
    assert response.raw[:2] == b"\x1f\x8b", "stored body is not gzip bytes"
    assert response.raw == crawl.web.sent[REPORT_PATH].raw_body
    assert PAGE_SENTENCES[REPORT_PATH].encode() in response.content


def test_no_transfer_encoding_and_true_content_length(crawl):
    for response in crawl.records_of("response"):
        assert not response.http_header_values("Transfer-Encoding"), (
            f"{response.target}: Transfer-Encoding stored, but the body is already de-chunked"
        )
        if response.get("WARC-Truncated"):
            continue
        lengths = response.http_header_values("Content-Length")
        assert lengths == [str(len(response.raw))], f"{response.target}: Content-Length {lengths}"


def test_chunked_response_stored_dechunked(crawl):
    response = crawl.response_at(CHUNKED_PATH)
    assert response.raw == crawl.web.sent[CHUNKED_PATH].payload


def test_repeated_headers_kept(crawl):
    cookies = crawl.response_at(ARTICLE_PATH).http_header_values("Set-Cookie")
    assert len(cookies) == 2, f"both Set-Cookie headers should be stored, got {cookies}"


def test_redirect_archived_as_its_own_response(crawl):
    response = crawl.response_at(MOVED_PATH, status=301)
    assert response.http_header_values("Location") == [crawl.web.url(REDIRECT_TARGET_PATH)]
    assert crawl.response_at(REDIRECT_TARGET_PATH).status == 200


def test_reset_response_marked_truncated_if_archived(crawl):
    for response in crawl.records_of("response", RESET_PATH):
        assert response.get("WARC-Truncated") == "disconnect", (
            f"the reset response is archived without WARC-Truncated: disconnect "
            f"({response.get('WARC-Truncated')!r})"
        )


@pytest.mark.parametrize("path", sorted({ARTICLE_PATH, *CITED_HTML_200_PATHS}))
def test_metadata_record_for_html_page(crawl, path):
    response = crawl.response_at(path, status=200)
    metadata = [r for r in crawl.records_of("metadata") if r.get("WARC-Refers-To") == response.id]
    assert len(metadata) == 1, f"{len(metadata)} metadata records refer to the {path} response"
    if path == ARTICLE_PATH:
        body = metadata[0].content.decode("utf-8")
        assert "outlink:" in body, body[:500]
        for cited in CITED_PATHS:
            assert crawl.web.url(cited) in body, f"article metadata lacks {cited}"


# ---- text JSON -------------------------------------------------------------------------------


def test_text_json_for_article_and_each_cited_html_page(crawl):
    for path in (ARTICLE_PATH, *sorted(CITED_HTML_200_PATHS)):
        crawl.text_at(path)


def test_no_text_json_for_non_html(crawl):
    non_html = {PDF_PATH, *REQUISITE_PATHS}
    wrong = [t["url"] for t in crawl.texts if crawl.path_of(t["url"]) in non_html]
    assert not wrong, f"text JSON for non-HTML resources: {wrong}"


def test_article_text_fields(crawl):
    text = crawl.text_at(ARTICLE_PATH)
    missing = TEXT_FIELDS - set(text)
    assert not missing, f"article text JSON lacks {sorted(missing)}"
    url = crawl.web.url(ARTICLE_PATH)
    assert text["url"] == url and text["final_url"] == url, (text["url"], text["final_url"])
    assert text["status"] == 200
    assert datetime.fromisoformat(text["fetched_at"]).utcoffset() is not None
    assert ARTICLE_TITLE in text["title"], text["title"]
    assert text["author"] == ARTICLE_AUTHOR, text["author"]
    assert str(text["date"]).startswith(ARTICLE_DATE), text["date"]
    assert text["sitename"] == SITE_NAME, text["sitename"]
    assert text["language"] == "en", text["language"]


def test_manifest_text_key_is_the_article_text(crawl):
    key = crawl.page_at(ARTICLE_PATH)["text"]
    stored = json.loads(crawl.key_path(key).read_text(encoding="utf-8"))
    assert stored["url"] == crawl.web.url(ARTICLE_PATH)


def test_article_text_keeps_the_story(crawl):
    body = " ".join(crawl.text_at(ARTICLE_PATH)["text"].split())
    for sentence in ARTICLE_SENTENCES:
        assert sentence in body, f"main text lacks: {sentence!r}"


def test_article_text_drops_the_boilerplate(crawl):
    body = " ".join(crawl.text_at(ARTICLE_PATH)["text"].split())
    found = [phrase for phrase in BOILERPLATE_PHRASES if phrase in body]
    assert not found, f"boilerplate in the main text: {found}"
    assert "](" not in body, "markdown link markup in the clean text"


def test_article_citations_listed(crawl):
    citations = crawl.text_at(ARTICLE_PATH)["citations"]
    assert all(set(c) >= {"url", "anchor"} for c in citations), citations
    paths = {crawl.path_of(c["url"]) for c in citations}
    assert CITED_PATHS <= paths, f"citations lack {sorted(CITED_PATHS - paths)}"
    assert not paths & NOT_CITATIONS, f"non-citations listed: {sorted(paths & NOT_CITATIONS)}"
    assert not [c["url"] for c in citations if any(m in c["url"] for m in TRACKING_MARKERS)]
    anchors = {crawl.path_of(c["url"]): " ".join(c["anchor"].split()) for c in citations}
    for path, anchor in CITATION_ANCHORS.items():
        assert anchors.get(path) == anchor, f"anchor of {path}: {anchors.get(path)!r}"
    assert {c["kind"] for c in citations if crawl.path_of(c["url"]) == BARE_URL_PATH} == {"text"}


def test_article_links_not_cited_listed_with_reasons(crawl):
    """Every link of the main text that is not a citation stays visible, with why: in the text
    JSON and in the page's metadata record."""
    text = crawl.text_at(ARTICLE_PATH)
    not_cited = text["links_not_cited"]
    assert all(set(n) == {"url", "anchor", "reason"} and n["reason"] for n in not_cited), not_cited
    reasons = {crawl.path_of(n["url"]): n["reason"] for n in not_cited}
    assert reasons.get(TAG_PATH, "").startswith(TAG_REASON + ": "), reasons
    cited = {crawl.path_of(c["url"]) for c in text["citations"]}
    assert not {crawl.path_of(n["url"]) for n in not_cited} & cited
    response = crawl.response_at(ARTICLE_PATH, status=200)
    record = next(r for r in crawl.records_of("metadata") if r.get("WARC-Refers-To") == response.id)
    lines = [json.loads(line.split(":", 1)[1]) for line in record.content.decode("utf-8").splitlines()
             if line.startswith("not-cited:")]
    assert lines == not_cited, record.content[:800]


def test_written_doi_and_archive_citations_labelled(crawl):
    """A DOI written out, a Wayback link and an archive.today short link on a cited page: each a
    citation of its kind (the archive's original recorded when the link names it), not fetched at
    --depth 1."""
    citations = {c["url"]: c for c in crawl.text_at(REPORT_PATH)["citations"]}
    doi = citations.get(f"https://doi.org/{REPORT_DOI}")
    assert doi is not None and doi["kind"] == "doi" and doi["found"] == "text", citations
    wayback = citations.get(REPORT_WAYBACK)
    assert wayback is not None and wayback["kind"] == "archive" and wayback["found"] == "href", citations
    assert wayback["original"] == REPORT_WAYBACK_ORIGINAL, wayback
    short = citations.get(REPORT_ARCHIVE_SHORT)
    assert short is not None and short["kind"] == "archive" and short["original"] is None, citations
    assert "short id" in short["original_note"], short
    response = crawl.response_at(REPORT_PATH, status=200)
    record = next(r for r in crawl.records_of("metadata") if r.get("WARC-Refers-To") == response.id)
    body = record.content.decode("utf-8")
    assert f"outlink: https://doi.org/{REPORT_DOI} L =TEXT" in body, body
    assert f"outlink: {REPORT_WAYBACK} L a/@href" in body, body


def test_text_json_records_the_warc_record(crawl):
    text = crawl.text_at(ARTICLE_PATH)
    assert text["warc_record_id"] == crawl.response_at(ARTICLE_PATH).id


@pytest.mark.parametrize("path", sorted(CITED_HTML_200_PATHS))
def test_cited_page_text(crawl, path):
    text = crawl.text_at(path)
    body = " ".join(text["text"].split())
    assert PAGE_SENTENCES[path] in body, f"{path} text lacks {PAGE_SENTENCES[path]!r}"
    assert PAGE_SECOND_SENTENCES[path] in body, f"{path} text lacks its second paragraph"


@pytest.mark.parametrize("path", [CYRILLIC_PATH, JAPANESE_PATH])
def test_charsets_decoded(crawl, path):
    text = crawl.text_at(path)
    assert PAGE_SENTENCES[path] in text["text"], f"{path} mis-decoded; text starts {text['text'][:120]!r}"
    assert "\ufffd" not in text["text"] and "\ufffd" not in (text["title"] or "")


# =============================================================================================
# Error paths
# =============================================================================================


def test_seed_that_is_a_404_exits_3_and_records_the_attempt(fixture_web, citewarc_runner, tmp_path):
    run = archive(fixture_web, citewarc_runner, tmp_path, fixture_web.url(GONE_PATH))
    assert run.proc.returncode == 3, run.describe()
    assert_one_error_line(run)
    page = run.page_at(GONE_PATH)
    assert page["role"] == "seed" and page["status"] == 404, page
    assert page["warc"], f"the 404 answer should still be archived: {page}"


@pytest.mark.parametrize("bad_url", ["htp:/nonsense", "ftp://127.0.0.1/x"])
def test_malformed_url_exits_2_and_writes_nothing(fixture_web, citewarc_runner, tmp_path, bad_url):
    run = archive(fixture_web, citewarc_runner, tmp_path, bad_url)
    assert run.proc.returncode == 2, run.describe()
    assert_one_error_line(run)
    written = sorted(p.as_posix() for p in run.store.rglob("*")) if run.store.exists() else []
    assert not written, f"a usage error wrote to the store: {written}"
    assert not run.requests, run.requests


def test_dead_host_exits_3_and_records_the_error(fixture_web, citewarc_runner, tmp_path):
    seed = f"http://127.0.0.1:{closed_port()}/"
    run = archive(fixture_web, citewarc_runner, tmp_path, seed)
    assert run.proc.returncode == 3, run.describe()
    assert_one_error_line(run)
    pages = [p for p in run.manifest["pages"] if p["url"] == seed]
    assert len(pages) == 1, run.manifest["pages"]
    assert pages[0]["error"], f"the dead seed should carry an error: {pages[0]}"
    assert pages[0]["status"] is None, pages[0]


# =============================================================================================
# Options
# =============================================================================================


def test_no_requisites(fixture_web, citewarc_runner, tmp_path):
    run = archive(fixture_web, citewarc_runner, tmp_path, fixture_web.url(ARTICLE_PATH), "--no-requisites")
    assert run.proc.returncode == 0, run.describe()
    roles = [(p["role"], p["url"]) for p in run.manifest["pages"]]
    assert not [url for role, url in roles if role == "requisite"], roles
    fetched = [r for r in run.request_paths() if urlsplit(r).path.startswith("/static/")]
    fetched += [r for r in run.request_paths() if r == "/favicon.ico"]
    assert not fetched, f"requisites fetched despite --no-requisites: {fetched}"
    assert run.page_at(REPORT_PATH)["role"] == "citation"


def test_extraction_off_archives_pages_without_text(fixture_web, citewarc_runner, tmp_path):
    """CITEWARC_EXTRACT=0 (the fetch + WARC path): no text files, no citations, and the manifest
    says why rather than looking like pages with no text."""
    run = archive(fixture_web, citewarc_runner, tmp_path, fixture_web.url(ARTICLE_PATH),
                  env={"CITEWARC_EXTRACT": "0"})
    assert run.proc.returncode == 0, run.describe()
    seed = run.page_at(ARTICLE_PATH)
    assert seed["role"] == "seed" and seed["status"] == 200 and seed["warc"], seed
    assert all(p["text"] is None for p in run.manifest["pages"]), run.manifest["pages"]
    assert {p["role"] for p in run.manifest["pages"]} <= {"seed", "requisite"}
    assert "requisite" in {p["role"] for p in run.manifest["pages"]}, "requisites still found"
    assert not [f for f in run.manifest["files"] if "/text/" in f["key"]]
    assert any("text extraction off" in w for w in run.manifest["warnings"]), run.manifest


def test_depth_zero_archives_only_the_seed_and_its_requisites(fixture_web, citewarc_runner, tmp_path):
    run = archive(fixture_web, citewarc_runner, tmp_path, fixture_web.url(ARTICLE_PATH), "--depth", "0")
    assert run.proc.returncode == 0, run.describe()
    roles = {p["role"] for p in run.manifest["pages"]}
    assert roles <= {"seed", "requisite"}, f"roles at --depth 0: {roles}"
    assert run.page_at(ARTICLE_PATH)["role"] == "seed"
    assert "requisite" in roles, "the seed's requisites should still be archived"
    allowed = {ARTICLE_PATH, "/robots.txt", *REQUISITE_PATHS}
    extra = [r for r in run.request_paths() if r not in allowed]
    assert not extra, f"fetched beyond the seed at --depth 0: {extra}"
