"""Bad input: every hostile case ends in a recorded outcome and at most one clear line, never a traceback.

The crawls (tests/servers/hostile_server.py) run the real CLI inside a network namespace of their own
(only loopback) with DNS answered by tests.servers.static_dns, so an unresolvable name fails from
the test table and nothing can reach the machine's resolver or the internet.

Contract checked here (DESIGN.md, exit codes): 0 when the seed is archived, however degenerate its
body; 3 when the seed itself cannot be archived (DNS, TLS handshake, reset, redirect loop); 2 for a
seed that is not an http(s) URL. Citations that fail are recorded in the manifest with a short
``error``; links that are not fetchable (``javascript:``, ``data:``, ``mailto:``, ``tel:``,
malformed) are not citations and are never requested.

TLS: Scrapy 2.19 does not verify certificates (``DOWNLOAD_VERIFY_CERTIFICATES = False``, and its
hostname check only logs), which is what evidence wants: the page behind a self-signed or expired
certificate is captured, and what is wrong with the certificate is recorded in the manifest page's
``tls_note`` and the page's WARC metadata record (``tls-note``). A connection that fails *in* the
handshake (here: https to a plain-HTTP port) is an ``error``: "TLS handshake failed: <reason>".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from filelock import FileLock
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO_ROOT
from tests.servers.hostile_server import DEAD_HOST, DEEP_AFTER, HTML_CASES, IDN_ASCII, SCHEME_HREFS

pytestmark = pytest.mark.integration

ARCHIVED = ["all", "empty", "binary", "truncated", "deep", "invalid-utf8", "cp1252-as-utf8",
            "utf8-as-latin1", "idn", "self-signed", "expired", "long-url"]
NOT_ARCHIVED = {  # seed -> words its one error line and manifest error carry
    "dns": "DNS lookup failed",
    "loop": "redirect loop",
    "reset": "connection closed before any response",
    "tls-to-plain-port": "TLS handshake failed: wrong version number",
}
USAGE = [f"usage-{i}" for i in range(9)]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    """The crawls, run once per test session even when xdist spreads this module over workers."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run_id:
        return run_scenario(tmp_path_factory.mktemp("hostile"))
    shared = tmp_path_factory.getbasetemp().parent  # one folder for every worker of this run
    out = shared / f"hostile-{run_id}"
    with FileLock(str(shared / f"hostile-{run_id}.lock")):
        if (out / "result.json").exists():
            return json.loads((out / "result.json").read_text())
        return run_scenario(out)


def run_scenario(out: Path) -> dict:
    assert shutil.which("unshare"), "util-linux unshare is needed to isolate these crawls"
    script = f"ip link set lo up && exec {sys.executable} -m tests.servers.hostile_server {out}"
    done = subprocess.run(["unshare", "-n", "sh", "-c", script], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, f"scenario failed to run:\n{done.stderr[-3000:]}"
    return json.loads((out / "result.json").read_text())


class Crawl:
    def __init__(self, run: dict) -> None:
        self.run = run
        self.store = Path(run["store"])

    def describe(self) -> str:
        return (f"\n--- citewarc archive {' '.join(a[:80] for a in self.run['args'])}"
                f"\n--- exit {self.run['returncode']}\n--- stderr:\n{self.run['stderr'][-2000:]}")

    @property
    def root(self) -> Path:
        return self.store / self.run["stdout"].strip().splitlines()[-1]

    @property
    def manifest(self) -> dict:
        return json.loads((self.root / "manifest.json").read_text(encoding="utf-8"))

    def page(self, url_part: str) -> dict:
        found = [p for p in self.manifest["pages"]  # a chain's end: no redirect_to, or its error
                 if url_part in p["url"] and (not p["redirect_to"] or p["error"])
                 and p["role"] != "probe"]  # a site's soft-404 probe is no page of the story
        assert len(found) == 1, f"{len(found)} final pages match {url_part!r}: " + str(
            [p["url"][:100] for p in self.manifest["pages"]])
        return found[0]

    @property
    def seed(self) -> dict:
        return self.page(urlsplit(self.manifest["seeds"][0]).path[:60])

    def text(self, page: dict) -> dict:
        assert page["text"], f"no text JSON for {page['url']}: {page}"
        return json.loads((self.store / page["text"]).read_text(encoding="utf-8"))

    def records(self) -> list:
        out = []
        for path in sorted((self.root / "warc").glob("*.warc.gz")):
            with path.open("rb") as f:
                for rec in ArchiveIterator(f):
                    out.append((rec.rec_type, rec.rec_headers, rec.content_stream().read()))
        return out


def crawl(hostile: dict, name: str) -> Crawl:
    return Crawl(hostile["runs"][name])


# ---- exit codes and the one line ----------------------------------------------------------------


@pytest.mark.parametrize("name", ARCHIVED)
def test_archived_seed_exits_0_silently(hostile, name):
    c = crawl(hostile, name)
    assert c.run["returncode"] == 0, c.describe()
    assert c.run["stderr"].strip() == "", c.describe()


@pytest.mark.parametrize("name", sorted(NOT_ARCHIVED))
def test_unarchivable_seed_exits_3_with_one_line(hostile, name):
    c = crawl(hostile, name)
    assert c.run["returncode"] == 3, c.describe()
    lines = c.run["stderr"].strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in c.run["stderr"], c.describe()
    assert lines[0].startswith("citewarc: error: could not archive "), lines[0]
    assert NOT_ARCHIVED[name] in lines[0], lines[0]
    assert NOT_ARCHIVED[name] in (c.seed["error"] or ""), c.seed
    # No answer, except the loop, whose last answer was one more 302 (each hop is its own entry).
    assert c.seed["status"] == (302 if name == "loop" else None), c.seed


@pytest.mark.parametrize("name", USAGE)
def test_unusable_seed_exits_2_with_one_line_and_writes_nothing(hostile, name):
    c = crawl(hostile, name)
    assert c.run["returncode"] == 2, c.describe()
    lines = c.run["stderr"].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), c.describe()
    assert "malformed URL" in lines[0] or "unsupported URL scheme" in lines[0], lines[0]
    assert "http:////" not in lines[0] and "http://:::" not in lines[0], f"silly hint: {lines[0]}"
    assert not c.store.exists() or not any(c.store.rglob("*")), "a usage error wrote to the store"


def test_no_crawl_prints_a_traceback_or_a_giant_line(hostile):
    for name, run in hostile["runs"].items():
        assert "Traceback" not in run["stderr"], f"{name}: {run['stderr'][-2000:]}"
        for line in run["stderr"].splitlines():
            assert len(line) < 600, f"{name}: stderr line of {len(line)} characters"


@pytest.mark.parametrize(("name", "sent"), [
    ("dns", False), ("tls-to-plain-port", False),  # the HTTP request never reached a server
    ("reset", True),  # read by the server, which then reset the connection
])
def test_request_record_only_for_a_request_that_reached_a_server(hostile, name, sent):
    c = crawl(hostile, name)
    seed_url = c.manifest["seeds"][0]
    mine = [(kind, headers, body) for kind, headers, body in c.records()
            if headers.get_header("WARC-Target-URI") == seed_url]
    kinds = {kind for kind, _, _ in mine}
    assert ("request" in kinds) is sent, (name, [k for k, _, _ in mine])
    assert "response" not in kinds
    metadata = [body.decode() for kind, _, body in mine if kind == "metadata"]
    assert metadata and all(f"fetch-error: {c.seed['error']}" in m for m in metadata), metadata
    assert all(("request-sent: no" in m) is not sent for m in metadata), metadata


# ---- degenerate seeds: archived, with text JSON saying why it is thin ----------------------------


@pytest.mark.parametrize("name, note", [
    ("empty", "empty page"),
    ("binary", None),
    ("truncated", None),
    ("deep", "nested deeper than"),
    ("invalid-utf8", None),
])
def test_degenerate_seed_archived_with_text_json(hostile, name, note):
    c = crawl(hostile, name)
    seed = c.seed
    assert (seed["status"], seed["error"]) == (200, None), seed
    assert seed["warc"], seed
    text = c.text(seed)
    assert "extraction_note" in text
    if not text["text"]:
        assert text["extraction_note"], f"empty text without a note: {text}"
    if note:
        assert note in (text["extraction_note"] or ""), text["extraction_note"]


def test_deep_page_keeps_what_follows_the_nest(hostile):
    c = crawl(hostile, "deep")
    text = c.text(c.seed)
    assert DEEP_AFTER in text["text"], text["text"][:500]
    assert [urlsplit(x["url"]).path for x in text["citations"]] == ["/source.html"], text["citations"]
    assert c.page("/source.html")["status"] == 200


@pytest.mark.parametrize("name, expected", [
    ("invalid-utf8", "\ufffd"),  # undecodable bytes become U+FFFD, as in a browser
    ("cp1252-as-utf8", "\ufffd"),  # the server's (wrong) utf-8 wins, as in a browser
    ("utf8-as-latin1", "ZÃ¼rich"),  # the header's iso-8859-1 wins over the bytes, as in a browser
])
def test_wrong_charsets_decode_as_a_browser_would(hostile, name, expected):
    c = crawl(hostile, name)
    text = c.text(c.seed)
    assert "regional water authority" in text["text"], text
    assert expected in (text["title"] or "") + text["text"], text


def test_idn_seed_fetched_by_its_ascii_name(hostile):
    c = crawl(hostile, "idn")
    assert c.manifest["seeds"][0].startswith(f"http://{IDN_ASCII}:"), c.manifest["seeds"]
    assert c.seed["status"] == 200, c.seed


def test_long_url_seed_fetched(hostile):
    c = crawl(hostile, "long-url")
    assert c.seed["status"] == 200 and len(c.seed["url"]) > 10_000, c.seed["url"][:100]


# ---- TLS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, problem", [("self-signed", "self-signed"), ("expired", "expired on")])
def test_bad_certificate_captured_and_noted(hostile, name, problem):
    c = crawl(hostile, name)
    seed = c.seed
    assert (seed["status"], seed["error"]) == (200, None), seed
    assert problem in (seed["tls_note"] or ""), seed
    metadata = [body.decode() for kind, _, body in c.records() if kind == "metadata"]
    assert any("tls-note: TLS certificate problem" in m and problem in m for m in metadata), metadata


# ---- one story citing every case ----------------------------------------------------------------


CITED_OUTCOMES = {  # a part of the URL -> (status, words in error, words in tls_note)
    **{path: (200, None, None) for path in HTML_CASES},
    "/loop-a": (302, "redirect loop", None),
    "/reset": (None, "connection closed before any response", None),
    f"{IDN_ASCII}:": (200, None, None),
    DEAD_HOST: (None, "DNS lookup failed", None),
    "/secure.html": (200, None, "self-signed"),
    "/expired.html": (200, None, "expired"),
    "/plain-port.html": (None, "TLS handshake failed", None),
    "/xxxxxxxxxx": (None, "connection refused", None),  # the 10,000-character href, on port 80
}


@pytest.mark.parametrize("part", sorted(CITED_OUTCOMES))
def test_each_citation_has_a_recorded_outcome(hostile, part):
    c = crawl(hostile, "all")
    status, error, note = CITED_OUTCOMES[part]
    page = c.page(part)
    assert page["role"] == "citation", page
    assert page["status"] == status, page
    if error:
        assert error in (page["error"] or ""), page
        assert len(page["error"]) <= 300, page["error"]
    else:
        assert page["error"] is None, page
    if note:
        assert note in (page["tls_note"] or ""), page
    if page["content_type"] and "text/html" in page["content_type"] and page["status"] == 200:
        assert page["text"], f"HTML page without text JSON: {page}"


def test_unfetchable_links_are_neither_citations_nor_requests(hostile):
    c = crawl(hostile, "all")
    schemes = {urlsplit(p["url"]).scheme for p in c.manifest["pages"]}
    assert schemes <= {"http", "https"}, schemes
    requested = " ".join(hostile["requests"])
    for bad in ["exa mple", "exa%20mple", "%zz", "[bad", "99999", *SCHEME_HREFS]:
        assert bad not in requested, f"{bad!r} reached the server"
    citations = c.text(c.seed)["citations"]
    assert all(urlsplit(x["url"]).scheme in ("http", "https") for x in citations), citations


def test_relative_and_protocol_relative_links_resolve(hostile):
    c = crawl(hostile, "all")
    links = c.page("/links.html")
    text = c.text(links)
    urls = {x["url"] for x in text["citations"]}
    base = hostile["base_url"]
    assert f"{base}/relative/doc.html" in urls, urls
    assert f"{base}/up.html" in urls, urls
    assert f"{base}/source.html" in urls, urls  # the //host:port/source.html link
    assert f"http://{IDN_ASCII}:{hostile['port']}/idn.html" in urls, urls
    assert all(urlsplit(u).scheme in ("http", "https") for u in urls), urls


# ---- the files are still sound ------------------------------------------------------------------


def test_every_warc_passes_warcio_check_and_gzip_t(hostile):
    script = Path(sys.executable).with_name("warcio")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "warcio.cli"]
    checked = 0
    for name in [*ARCHIVED, *NOT_ARCHIVED]:
        for path in sorted(crawl(hostile, name).root.glob("warc/*.warc.gz")):
            done = subprocess.run([*command, "check", str(path)], capture_output=True, text=True)
            assert done.returncode == 0, f"{name}: warcio check {path.name}:\n{done.stdout}{done.stderr}"
            done = subprocess.run(["gzip", "-t", str(path)], capture_output=True, text=True)
            assert done.returncode == 0, f"{name}: gzip -t {path.name}: {done.stderr}"
            checked += 1
    assert checked >= len(ARCHIVED), checked


def test_binary_body_stored_exactly(hostile):
    c = crawl(hostile, "binary")
    bodies = [body for kind, headers, body in c.records()
              if kind == "response" and headers.get_header("WARC-Target-URI").endswith("/binary.html")]
    assert len(bodies) == 1 and bodies[0].startswith(b"\x89PNG\r\n\x1a\n"), bodies
