"""Limits that hold: body size, decompression, timeouts, redirects, pages, requisites.

Three real crawls (the CLI as a subprocess) against tests/servers/limits_server.py, each limit set
low through CITEWARC_* environment variables (DOWNLOAD_TIMEOUT through a settings module): what
hitting it leaves in the manifest and the WARC, and that the crawler's memory stays small while a
256 MiB gzip bomb arrives.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import CLI_TIMEOUT, citewarc_command, citewarc_env
from tests.servers.limits_server import (
    BIG_FIRST_SENTENCE,
    BIG_SIZE,
    BOMB_DECODED_SIZE,
    CHAIN_LENGTH,
    CITED_COUNT,
    CUT_DECLARED,
    CUT_PREFIX,
    DECLARED_SIZE,
    EXACT_SIZE,
    IMAGE_COUNT,
    SLOW_BODY_SECONDS,
    STALL_BODY_PREFIX,
    LimitsServer,
    exact_body,
    gzip_bomb,
)

pytestmark = pytest.mark.integration

MiB = 1024 * 1024
MAX_BODY = 1 * MiB
MAX_DECOMPRESSED = 2 * MiB  # differs from MAX_BODY: the error must name this one
TIMEOUT = 2  # DOWNLOAD_TIMEOUT in tests/servers/limits_settings.py
MAX_PAGES = 10
MAX_REQUISITES = 5
# Peak RSS of the crawler process. An archive of one small page peaks near 100 MB here; letting the
# bomb expand (CITEWARC_MAX_DECOMPRESSED_SIZE=0) peaked at 1.1 GB.
MAX_RSS = 350 * MiB
# Twisted reads at most 64 KiB at a time: a body stopped at the limit overshoots by less than that.
READ_SIZE = 64 * 1024


@dataclass
class Record:
    type: str
    url: str
    headers: dict[str, str]  # WARC headers
    http_headers: list[tuple[str, str]]
    raw: bytes  # the HTTP body as stored


@dataclass
class Crawl:
    proc: subprocess.CompletedProcess[str]
    store: Path
    web: LimitsServer
    max_rss: int  # bytes
    requests: list[str] = field(default_factory=list)  # paths the server was asked for

    def describe(self) -> str:
        return (f"\n--- exit {self.proc.returncode}\n--- stdout:\n{self.proc.stdout[-1000:]}"
                f"\n--- stderr:\n{self.proc.stderr[-3000:]}")

    @property
    def root(self) -> Path:
        crawl_id = self.proc.stdout.strip().splitlines()[-1]
        return self.store / crawl_id

    @property
    def manifest(self) -> dict:
        path = self.root / "manifest.json"
        assert path.is_file(), f"no manifest{self.describe()}"
        return json.loads(path.read_text(encoding="utf-8"))

    def final_page(self, path: str) -> dict:
        """The manifest entry of the fetch that ended the chain started at ``path``: the one with
        the error (its ``redirect_to`` says where the last, unfollowed redirect pointed)."""
        found = [p for p in self.manifest["pages"]
                 if urlsplit(p["url"]).path == path and (p["error"] or not p["redirect_to"])]
        assert len(found) == 1, f"{len(found)} final entries for {path}: {found}"
        return found[0]

    def records(self, type_: str, path: str) -> list[Record]:
        out = []
        for warc in sorted((self.root / "warc").glob("*.warc.gz")):
            with warc.open("rb") as f:
                for rec in ArchiveIterator(f):
                    url = rec.rec_headers.get_header("WARC-Target-URI") or ""
                    if rec.rec_type != type_ or urlsplit(url).path != path:
                        continue
                    out.append(Record(rec.rec_type, url, dict(rec.rec_headers.headers),
                                      list(rec.http_headers.headers) if rec.http_headers else [],
                                      rec.raw_stream.read()))
        return out

    def response(self, path: str) -> Record:
        found = self.records("response", path)
        assert len(found) == 1, f"{len(found)} response records for {path}"
        return found[0]

    def text_of(self, path: str) -> dict:
        key = self.final_page(path)["text"]
        assert key, f"no text extracted for {path}"
        return json.loads((self.store / key).read_text(encoding="utf-8"))


def run_crawl(web: LimitsServer, workdir: Path, paths: list[str], env: dict[str, str],
              *args: str) -> Crawl:
    """`citewarc archive`, reaped with wait4 so the crawler's own peak RSS is known."""
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "store"
    command = [*citewarc_command(), "archive", *(web.url(p) for p in paths), "--store", str(store),
               *args]
    out, err = workdir / "stdout", workdir / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.Popen(command, cwd=workdir, env=citewarc_env(workdir, env),
                                stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
    deadline = time.monotonic() + CLI_TIMEOUT
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            pytest.fail(f"citewarc did not finish in {CLI_TIMEOUT} s: {err.read_text()[-3000:]}")
        time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    done = subprocess.CompletedProcess(command, proc.returncode, out.read_text(), err.read_text())
    return Crawl(done, store, web, usage.ru_maxrss * 1024)  # ru_maxrss: KiB on Linux


@pytest.fixture(scope="module")
def web():
    with LimitsServer() as server:
        yield server


@pytest.fixture(scope="module")
def sizes(web, tmp_path_factory) -> Crawl:
    """Seven seeds, each breaking a size or time limit (one small control page)."""
    env = {
        "CITEWARC_SETTINGS": "tests.servers.limits_settings",
        "CITEWARC_MAX_BODY_SIZE": str(MAX_BODY),
        "CITEWARC_MAX_DECOMPRESSED_SIZE": str(MAX_DECOMPRESSED),
    }
    paths = ["/ok.html", "/big.html", "/declared.bin", "/bomb.html", "/stall-body.html",
             "/stall-headers.html", "/trickle.html", "/close.html", "/cut-length.html",
             "/cut-chunked.html", "/exact-length.bin", "/exact-chunked.bin"]
    crawl = run_crawl(web, tmp_path_factory.mktemp("limits-sizes"), paths, env, "--depth", "0")
    assert crawl.proc.returncode == 0, crawl.describe()
    return crawl


# ---- maximum body size ---------------------------------------------------------------------------


def test_body_over_the_limit_is_archived_up_to_it_marked_length(sizes):
    page = sizes.final_page("/big.html")
    assert (page["status"], page["error"], page["truncated"]) == (200, None, "length"), page
    record = sizes.response("/big.html")
    assert record.headers.get("WARC-Truncated") == "length"
    assert MAX_BODY <= len(record.raw) < MAX_BODY + READ_SIZE < BIG_SIZE, len(record.raw)
    assert sizes.web.sent["/big.html"].startswith(record.raw), "stored bytes are not what arrived"
    assert ("Content-Length", str(len(record.raw))) in record.http_headers
    assert page["bytes"] == len(record.raw)


def test_truncated_html_is_still_text_extracted(sizes):
    text = sizes.text_of("/big.html")["text"]
    assert BIG_FIRST_SENTENCE in text
    assert len(text) < MAX_BODY + READ_SIZE


def test_declared_length_over_the_limit_keeps_the_headers_only(sizes):
    page = sizes.final_page("/declared.bin")
    assert (page["status"], page["error"], page["truncated"]) == (200, None, "length"), page
    record = sizes.response("/declared.bin")
    assert record.headers.get("WARC-Truncated") == "length"
    assert record.raw == b""
    notes = [v for k, v in record.headers.items() if k.startswith("WARC-Citewarc-Header-Change")]
    assert any(str(DECLARED_SIZE) in note for note in notes), record.headers


def test_small_page_is_not_marked(sizes):
    page = sizes.final_page("/ok.html")
    assert (page["status"], page["error"], page["truncated"]) == (200, None, None), page
    assert "WARC-Truncated" not in sizes.response("/ok.html").headers


@pytest.mark.parametrize("path", ["/exact-length.bin", "/exact-chunked.bin"])
def test_body_of_exactly_the_limit_is_complete(sizes, path):
    assert EXACT_SIZE == MAX_BODY
    page = sizes.final_page(path)
    assert (page["status"], page["error"], page["truncated"]) == (200, None, None), page
    record = sizes.response(path)
    assert "WARC-Truncated" not in record.headers
    assert record.raw == exact_body()


# ---- truncation only when it happened -----------------------------------------------------------


def header_changes(record: Record) -> list[str]:
    return [v for k, v in record.headers.items() if k.startswith("WARC-Citewarc-Header-Change-")]


def test_body_ended_by_the_server_closing_is_complete(sizes):
    """No Content-Length, not chunked: RFC 9112 section 6.3 says the close ends the body."""
    page = sizes.final_page("/close.html")
    assert (page["status"], page["error"], page["truncated"]) == (200, None, None), page
    record = sizes.response("/close.html")
    assert "WARC-Truncated" not in record.headers, record.headers
    assert record.raw == sizes.web.sent["/close.html"]
    assert ("Content-Length", str(len(record.raw))) in record.http_headers
    notes = header_changes(record)
    assert any(n.startswith(f"added Content-Length: {len(record.raw)} ") and "closed the connection" in n
               for n in notes), notes


def test_content_length_body_cut_short_is_marked_disconnect(sizes):
    page = sizes.final_page("/cut-length.html")
    assert (page["status"], page["error"], page["truncated"]) == (200, None, "disconnect"), page
    record = sizes.response("/cut-length.html")
    assert record.headers.get("WARC-Truncated") == "disconnect"
    assert record.raw == CUT_PREFIX
    notes = header_changes(record)
    assert f"Content-Length {CUT_DECLARED} replaced by {len(CUT_PREFIX)} (bytes received)" in notes
    assert any("Title-Case" in n for n in notes), notes  # the client's own normalisation, said


def test_chunked_body_without_its_last_chunk_is_marked_disconnect(sizes):
    page = sizes.final_page("/cut-chunked.html")
    assert (page["status"], page["error"], page["truncated"]) == (200, None, "disconnect"), page
    record = sizes.response("/cut-chunked.html")
    assert record.headers.get("WARC-Truncated") == "disconnect"
    assert record.raw == CUT_PREFIX
    notes = header_changes(record)
    assert any(n.startswith(f"added Content-Length: {len(CUT_PREFIX)} ") and "chunked" in n
               for n in notes), notes


# ---- decompression -------------------------------------------------------------------------------


def test_gzip_bomb_is_refused_with_a_reason(sizes):
    page = sizes.final_page("/bomb.html")
    assert page["status"] == 200, page
    assert page["error"] and page["error"].startswith("decompressed body exceeds 2 MiB (gzip bomb?)"), page
    assert page["text"] is None


def test_gzip_bomb_raw_bytes_are_archived_byte_exact(sizes):
    record = sizes.response("/bomb.html")
    assert record.raw == gzip_bomb()
    assert ("Content-Encoding", "gzip") in record.http_headers
    assert "WARC-Truncated" not in record.headers


def test_memory_stays_bounded_while_a_bomb_arrives(sizes):
    assert 0 < sizes.max_rss < MAX_RSS, (
        f"crawler peaked at {sizes.max_rss / MiB:.0f} MiB (bomb: {BOMB_DECODED_SIZE / MiB:.0f} MiB "
        f"decoded, limit {MAX_DECOMPRESSED / MiB:.0f} MiB)"
    )


# ---- timeouts ------------------------------------------------------------------------------------


def test_body_that_stalls_times_out(sizes):
    page = sizes.final_page("/stall-body.html")
    assert page["error"] == f"timed out after {TIMEOUT} s", page
    assert sizes.web.sent["/stall-body.html"].startswith(STALL_BODY_PREFIX)
    # Scrapy's DOWNLOAD_TIMEOUT fails the download and drops what arrived: a request record only.
    assert sizes.records("request", "/stall-body.html")
    assert sizes.records("response", "/stall-body.html") == []


def test_server_that_never_answers_times_out(sizes):
    page = sizes.final_page("/stall-headers.html")
    assert (page["status"], page["error"]) == (None, f"timed out after {TIMEOUT} s"), page
    assert sizes.records("request", "/stall-headers.html")


def test_body_still_arriving_at_the_timeout_is_kept_marked_time(sizes):
    page = sizes.final_page("/trickle.html")
    assert (page["status"], page["error"], page["truncated"]) == (200, None, "time"), page
    record = sizes.response("/trickle.html")
    assert record.headers.get("WARC-Truncated") == "time"
    assert record.raw and sizes.web.sent["/trickle.html"].startswith(record.raw)
    assert b"<p>Line 0 " in record.raw


# ---- redirects -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redirects(web, tmp_path_factory) -> Crawl:
    """A redirect loop and a chain of 15 with the default REDIRECT_MAX_TIMES (10)."""
    before = len(web.requests)
    crawl = run_crawl(web, tmp_path_factory.mktemp("limits-redirects"), ["/loop/a", "/chain/0"],
                      {}, "--depth", "0")
    crawl.requests = web.requests[before:]
    return crawl


def test_redirect_loop_is_reported_as_a_loop(redirects):
    page = redirects.final_page("/loop/a")
    assert page["error"] == "redirect loop (gave up after 10 redirects)", page


def test_redirect_chain_stops_at_the_maximum(redirects):
    page = redirects.final_page("/chain/10")
    assert page["error"] == "too many redirects (10)", page
    assert "/chain/11" not in redirects.requests, "followed an 11th redirect"
    assert CHAIN_LENGTH > 11


def test_each_redirect_fetch_is_archived_once(redirects):
    for prefix in ("/loop/", "/chain/"):
        fetched = [p for p in redirects.requests if p.startswith(prefix)]
        assert len(fetched) == 11, fetched  # the seed and 10 redirects
        for path in set(fetched):
            records = redirects.records("response", path)
            assert len(records) == fetched.count(path), path
            assert all(r.http_headers and r.headers.get("WARC-Truncated") is None for r in records)


def test_no_seed_archived_exits_3_with_one_error_line(redirects):
    assert redirects.proc.returncode == 3, redirects.describe()
    lines = redirects.proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), redirects.describe()
    assert "redirect loop" in lines[0] and "too many redirects (10)" in lines[0]


# ---- pages and requisites ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(web, tmp_path_factory) -> Crawl:
    """A page citing 50 pages with 300 images: at most 10 pages, 5 requisites a page."""
    before = len(web.requests)
    env = {"CITEWARC_MAX_PAGES": str(MAX_PAGES), "CITEWARC_MAX_REQUISITES_PER_PAGE": str(MAX_REQUISITES)}
    crawl = run_crawl(web, tmp_path_factory.mktemp("limits-pages"), ["/cites.html"], env,
                      "--depth", "1")
    crawl.requests = web.requests[before:]
    assert crawl.proc.returncode == 0, crawl.describe()
    return crawl


def test_max_pages_stops_fetching_and_lists_the_rest_as_skipped(pages):
    fetched = [p for p in pages.requests if p.startswith("/cited/")]
    assert len(fetched) == MAX_PAGES - 1, fetched  # the seed counts as a page
    skipped = [s for s in pages.manifest["skipped"] if "/cited/" in s["url"]]
    assert len(skipped) == CITED_COUNT - (MAX_PAGES - 1)
    assert {s["reason"] for s in skipped} == {f"max_pages ({MAX_PAGES}) reached"}
    assert not {urlsplit(s["url"]).path for s in skipped} & set(fetched)
    cited = [p for p in pages.manifest["pages"] if p["role"] == "citation"]
    assert len(cited) == MAX_PAGES - 1


def test_max_requisites_per_page_stops_fetching_and_lists_the_rest(pages):
    fetched = [p for p in pages.requests if p.startswith("/img/")]
    assert len(fetched) == MAX_REQUISITES, fetched
    skipped = [s for s in pages.manifest["skipped"] if "/img/" in s["url"]]
    assert len(skipped) == IMAGE_COUNT - MAX_REQUISITES
    assert {s["reason"] for s in skipped} == {f"max_requisites_per_page ({MAX_REQUISITES}) reached"}
    assert not {urlsplit(s["url"]).path for s in skipped} & set(fetched)


# ---- WARC-Date is the fetch start; no request record for a request that never went out -------


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def warc_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@pytest.fixture(scope="module")
def honest(web, tmp_path_factory) -> Crawl:
    """A body trickled over SLOW_BODY_SECONDS, a refused connection and a name that does not
    resolve (answered from a static table: no DNS server is asked), names mapped to loopback."""
    port = int(web.base_url.rsplit(":", 1)[1])
    env = {"CITEWARC_UPSTREAM_RESOLVER": "tests.servers.static_dns.StaticResolver",
           "CITEWARC_TEST_DNS": json.dumps({"limits.test": "127.0.0.1"})}
    workdir = tmp_path_factory.mktemp("limits-honest")
    seeds = [f"http://limits.test:{port}/slow-body.html",
             f"http://limits.test:{closed_port()}/refused.html",
             "http://no-such-host.invalid/story.html"]
    command = [*citewarc_command(), "archive", *seeds, "--store", str(workdir / "store"),
               "--depth", "0"]
    proc = subprocess.run(command, cwd=workdir, env=citewarc_env(workdir, env), capture_output=True,
                          text=True, timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL)
    crawl = Crawl(proc, workdir / "store", web, 0)
    assert proc.returncode == 0, crawl.describe()
    return crawl


def test_warc_date_is_when_the_request_went_out_not_when_the_body_ended(honest):
    received = honest.web.received_at["/slow-body.html"]
    response = honest.response("/slow-body.html")
    (request,) = honest.records("request", "/slow-body.html")
    assert response.headers["WARC-Date"] == request.headers["WARC-Date"]
    dated = warc_time(response.headers["WARC-Date"])
    assert abs(dated - received) < 1.0, (
        f"WARC-Date {response.headers['WARC-Date']} is {dated - received:.2f} s after the server "
        f"got the request (the body took {SLOW_BODY_SECONDS} s)")
    page = honest.final_page("/slow-body.html")
    assert abs(warc_time(page["fetched_at"]) - dated) < 0.001, page


@pytest.mark.parametrize(("path", "error"), [
    ("/refused.html", "connection refused"),
    ("/story.html", "DNS lookup failed"),
])
def test_request_that_never_reached_a_server_has_only_a_metadata_record(honest, path, error):
    page = honest.final_page(path)
    assert page["status"] is None and error in page["error"], page
    assert honest.records("request", path) == []
    assert honest.records("response", path) == []
    metas = honest.records("metadata", path)  # one per attempt (failures are retried once)
    assert metas and len(metas) == page["attempts"], (len(metas), page)
    for meta in metas:
        fields = meta.raw.decode()
        assert f"fetch-error: {page['error']}\r\n" in fields, fields
        assert "request-sent: no" in fields, fields
        assert "WARC-Refers-To" not in meta.headers
    assert page["warc_record_id"] == metas[-1].headers["WARC-Record-ID"], page
    assert page["warc"] and (honest.store / page["warc"]).is_file(), page
