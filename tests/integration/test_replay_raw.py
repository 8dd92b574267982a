"""Raw replay (``id_``): pywb hands back exactly the payload each WARC response record holds.

For every 200 response in the crawl's WARCs, at the record's own timestamp:
- asked with the Accept-Encoding the crawler sent, pywb returns the stored bytes as stored
  (still gzip where the site sent gzip) with the stored Content-Encoding;
- asked without it (urllib's ``identity``), pywb decodes; the result must equal warcio's decoded
  payload of the same record.
"""

from __future__ import annotations

import gzip
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, CITED_HTML_200_PATHS, REQUISITE_PATHS, FixtureWeb
from tests.servers.replay_server import ReplayProcess

pytestmark = pytest.mark.integration
CRAWLER_ACCEPT_ENCODING = "gzip, deflate, br"


@dataclass
class Stored:
    url: str
    timestamp: str  # 14 digits, from WARC-Date
    content_type: str | None
    content_encoding: str | None
    raw: bytes  # the HTTP payload as stored (content-encoded, if it was sent so)
    decoded: bytes  # after content decoding


def stored_200s(warc_paths: list[Path]) -> list[Stored]:
    found = []
    for path in warc_paths:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if record.http_headers.get_statuscode() != "200":
                    continue
                date = record.rec_headers.get_header("WARC-Date")
                raw = record.raw_stream.read()
                encoding = record.http_headers.get_header("Content-Encoding")
                found.append(Stored(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    timestamp="".join(ch for ch in date if ch.isdigit())[:14],
                    content_type=record.http_headers.get_header("Content-Type"),
                    content_encoding=encoding,
                    raw=raw,
                    decoded=decode(raw, encoding),
                ))
    return found


def decode(body: bytes, encoding: str | None) -> bytes:
    for coding in reversed([c.strip().lower() for c in (encoding or "").split(",") if c.strip()]):
        if coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif coding == "br":
            body = brotli.decompress(body)
        elif coding != "identity":
            raise AssertionError(f"unexpected Content-Encoding {coding!r}")
    return body


def fetch(url: str, accept_encoding: str | None) -> tuple[int, dict[str, str], bytes]:
    """GET without any automatic decoding (urllib never decodes)."""
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as resp:
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()


@dataclass
class Crawl:
    base_url: str
    records: list[Stored]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Crawl, ReplayProcess]]:
    workdir = tmp_path_factory.mktemp("replay-raw")
    store = workdir / "store"
    with FixtureWeb() as web:
        result = run_citewarc_in(workdir, ["archive", web.url(ARTICLE_PATH), "--store", store])
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    records = stored_200s(sorted((store / crawl_id / "warc").glob("*.warc.gz")))
    with ReplayProcess(workdir, [crawl_id, "--store", str(store)]) as replay:
        yield Crawl(web.base_url, records), replay


def test_the_crawl_has_what_we_compare(crawl):
    data, _ = crawl
    urls = {r.url for r in data.records}
    expected = {data.base_url + p for p in {ARTICLE_PATH, *CITED_HTML_200_PATHS, *REQUISITE_PATHS}}
    assert expected <= urls, f"200 responses missing from the WARCs: {sorted(expected - urls)}"
    assert any(r.content_encoding == "gzip" for r in data.records), "the gzip-served page is stored gzip"


def test_every_200_replays_raw_byte_for_byte(crawl):
    data, replay = crawl
    problems = []
    for record in data.records:
        url = replay.memento(record.timestamp, record.url, "id_")
        status, headers, body = fetch(url, CRAWLER_ACCEPT_ENCODING)
        if status != 200:
            problems.append(f"{record.url}: HTTP {status}")
            continue
        if headers.get("content-encoding") != record.content_encoding:
            problems.append(f"{record.url}: Content-Encoding {headers.get('content-encoding')!r}, "
                            f"stored {record.content_encoding!r}")
        if body != record.raw:
            problems.append(f"{record.url}: {len(body)} bytes replayed, {len(record.raw)} stored, differ")
        if record.content_type and headers.get("content-type") != record.content_type:
            problems.append(f"{record.url}: Content-Type {headers.get('content-type')!r}, "
                            f"stored {record.content_type!r}")
        if headers.get("memento-datetime") is None:
            problems.append(f"{record.url}: no Memento-Datetime")
    assert not problems, "\n".join(problems)


def test_every_200_replays_decoded_for_a_client_without_gzip(crawl):
    data, replay = crawl
    problems = []
    for record in data.records:
        status, headers, body = fetch(replay.memento(record.timestamp, record.url, "id_"), None)
        got = decode(body, headers.get("content-encoding"))
        if status != 200 or got != record.decoded:
            problems.append(f"{record.url}: HTTP {status}, {len(got)} bytes after decoding, "
                            f"{len(record.decoded)} archived")
    assert not problems, "\n".join(problems)
