"""End to end: the provenance of a crawl in its WARCs, over real HTTPS with a real chain.

A local HTTPS server (tests/servers/tls_site.py) presents leaf + intermediate from a local root
that no trust store holds; `citewarc archive` captures a story and its citation from it. The WARC
must hold the chain as presented (``urn:tls-certificate:127.0.0.1``, once), its verification result
(false, and why), the run's ``urn:citewarc:provenance`` record, and the static provenance in the
warcinfo; and a crawl given credentials of every kind (proxy, Authorization, S3, Redis) leaves
none of them in any WARC byte.
"""

from __future__ import annotations

import base64
import gzip
import json
import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.kill_hook import KILL_ENV
from tests.conftest import citewarc_env, run_killable
from tests.servers.answering_proxy import NEWS_HOST, AnsweringProxy
from tests.servers.secret_settings import TEST_TOKEN
from tests.servers.tls_site import SOURCE_PATH, STORY_PATH, TlsSite
from tests.warc_files import assert_crawl_whole, records

pytestmark = pytest.mark.integration
OPERATOR = "Verification desk (test)"


@dataclass
class Crawl:
    site: TlsSite
    store: Path
    crawl_id: str
    workdir: Path
    before: datetime
    after: datetime

    def warcs(self) -> list[Path]:
        return sorted((self.store / self.crawl_id / "warc").glob("*.warc.gz"))

    def records(self) -> list:
        out = []
        for path in self.warcs():
            with open(path, "rb") as fh:
                for record in ArchiveIterator(fh):
                    out.append((record.rec_type, record.rec_headers,
                                record.content_stream().read()))
        return out


@pytest.fixture(scope="module")
def crawl(citewarc_runner, tmp_path_factory) -> Crawl:
    root = tmp_path_factory.mktemp("provenance")
    with TlsSite(root / "certs") as site:
        before = datetime.now(UTC)
        result = citewarc_runner(root / "work", ["archive", site.url(STORY_PATH), "--store",
                                                 str(root / "store")],
                                 env={"CITEWARC_OPERATOR": OPERATOR})
        after = datetime.now(UTC)
    assert result.returncode == 0, result.stderr
    return Crawl(site, root / "store", result.stdout.strip().splitlines()[-1], root / "work",
                 before, after)


def test_the_chain_presented_is_archived_once_with_its_verification(crawl: Crawl) -> None:
    tls = [(h, body) for kind, h, body in crawl.records()
           if kind == "resource" and h.get_header("WARC-Target-URI").startswith("urn:tls-certificate:")]
    assert len(tls) == 1, "one record per host per crawl (two pages and robots.txt were fetched)"
    headers, body = tls[0]
    assert headers.get_header("WARC-Target-URI") == "urn:tls-certificate:127.0.0.1"
    assert headers.get_header("Content-Type") == "application/x-pem-file"
    assert body.decode("ascii") == "".join(crawl.site.chain_pems), "leaf first, as presented"
    verified = headers.get_header("WARC-Citewarc-TLS-Verified")
    assert verified.startswith("false; no path to a trusted root")
    assert "citewarc test root CA" in verified
    assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert headers.get_header("WARC-Citewarc-TLS-Port") == crawl.site.base_url.rsplit(":", 1)[1]
    date = datetime.fromisoformat(headers.get_header("WARC-Date").replace("Z", "+00:00"))
    assert crawl.before <= date <= crawl.after


def test_the_run_ends_with_its_provenance_record(crawl: Crawl) -> None:
    records = crawl.records()
    kind, headers, body = records[-1]
    assert (kind, headers.get_header("WARC-Target-URI")) == ("resource", "urn:citewarc:provenance")
    assert headers.get_header("Content-Type") == "application/json"
    assert sum(1 for _, h, _ in records if h.get_header("WARC-Target-URI") == "urn:citewarc:provenance") == 1
    prov = json.loads(body)
    assert prov["crawl_id"] == crawl.crawl_id and prov["operator"] == OPERATOR
    assert prov["software"]["Scrapy"] and prov["software"]["warcio"] and prov["software"]["Python"]
    assert prov["user_agent"].startswith("citewarc/")
    settings = prov["capture_settings"]
    assert settings["CITEWARC_DEPTH"] == 1 and settings["CITEWARC_REQUISITES"] is True
    assert settings["ROBOTSTXT_OBEY"] is True and settings["proxy_used"] is False
    assert settings["DEFAULT_REQUEST_HEADERS"]["Accept-Encoding"] == "gzip, deflate, br"
    started = datetime.fromisoformat(prov["run_started"].replace("Z", "+00:00"))
    ended = datetime.fromisoformat(prov["run_ended"].replace("Z", "+00:00"))
    assert crawl.before <= started <= ended <= crawl.after
    assert prov["run_end_reason"] == "finished"
    host = prov["hosts"]["127.0.0.1"]
    assert host["ips"] == ["127.0.0.1"]
    assert host["tls"]["verified"] is False and "no path to a trusted root" in host["tls"]["problem"]
    assert len(host["tls"]["chain_sha256"]) == 2


def test_every_warcinfo_carries_the_static_provenance(crawl: Crawl) -> None:
    infos = [body.decode() for kind, _, body in crawl.records() if kind == "warcinfo"]
    assert len(infos) == len(crawl.warcs()) >= 1
    for info in infos:
        assert f"operator: {OPERATOR}" in info
        assert "software-Twisted: " in info and "software-trafilatura: " in info
        line = next(x for x in info.splitlines() if x.startswith("citewarc-capture-settings: "))
        assert json.loads(line.split(": ", 1)[1])["CITEWARC_DEPTH"] == 1


def test_both_pages_captured_and_the_warcs_pass_the_checks(crawl: Crawl) -> None:
    uris = {h.get_header("WARC-Target-URI") for kind, h, _ in crawl.records() if kind == "response"}
    assert {crawl.site.url(STORY_PATH), crawl.site.url(SOURCE_PATH)} <= uris
    manifest = json.loads((crawl.store / crawl.crawl_id / "manifest.json").read_text())
    story = next(p for p in manifest["pages"] if p["url"] == crawl.site.url(STORY_PATH))
    assert story["status"] == 200 and story["tls_note"] is None  # the leaf alone is sound
    assert_crawl_whole(crawl.store, crawl.crawl_id, crawl.workdir)


def test_no_credential_in_any_warc_byte(run_citewarc, tmp_path: Path) -> None:
    """Proxy userinfo, an Authorization header and S3 keys, all given to the crawl; none may
    reach a WARC (warcinfo, provenance record, TLS or any other record). (A Redis URL makes the
    crawl a shared one: its password is tested in tests/unit/test_provenance.py.)"""
    secrets = {"proxy": "proxy-pass-2f9e61", "s3": "s3-secret-provenance-5a7c"}
    with AnsweringProxy() as proxy:
        authed = proxy.url.replace("http://", f"http://archivist:{secrets['proxy']}@")
        env = {"http_proxy": authed, "HTTP_PROXY": authed, "NO_PROXY": "", "no_proxy": "",
               "CITEWARC_SETTINGS": "tests.servers.secret_settings",
               "AWS_ACCESS_KEY_ID": "AKIAPROVENANCE00TEST", "AWS_SECRET_ACCESS_KEY": secrets["s3"]}
        result = run_citewarc("archive", f"http://{NEWS_HOST}/story.html", "--store",
                              str(tmp_path / "store"), "--depth", "0", env=env)
    assert result.returncode == 0, result.stderr
    forbidden = [s.encode() for s in (*secrets.values(), TEST_TOKEN, "AKIAPROVENANCE00TEST")]
    forbidden.append(base64.b64encode(f"archivist:{secrets['proxy']}".encode()))
    warcs = sorted(tmp_path.rglob("*.warc.gz"))
    assert warcs
    provenance = None
    for path in warcs:
        data = gzip.decompress(path.read_bytes())
        for secret in forbidden:
            assert secret not in data, f"{secret!r} in {path.name}"
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_headers.get_header("WARC-Target-URI") == "urn:citewarc:provenance":
                    provenance = json.loads(record.content_stream().read())
    assert provenance is not None
    port = proxy.url.rsplit(":", 1)[1]
    assert provenance["capture_settings"]["proxy_used"] is True
    assert provenance["capture_settings"]["proxies"]["http"] == f"127.0.0.1:{port}"
    assert provenance["capture_settings"]["DEFAULT_REQUEST_HEADERS"]["Authorization"] == (
        "[redacted by citewarc]")
    assert "proxy" in provenance["hosts_note"]


def test_a_resumed_crawl_records_each_chain_once_and_a_provenance_per_run(tmp_path: Path) -> None:
    """Killed right after the host's chain record, then resumed: still one chain record for the
    host; the resumed run ends with its own provenance record (the killed run wrote none)."""
    with TlsSite(tmp_path / "certs") as site:
        env = citewarc_env(tmp_path, {KILL_ENV: "3"})  # robots.txt response, request, the chain
        code, out, err = run_killable(["archive", site.url(STORY_PATH), "--store",
                                       str(tmp_path / "store")], tmp_path, env, 120)
        assert code == -signal.SIGKILL, f"not killed: {code}\n{err}"
        folders = [p for p in (tmp_path / "spool").glob("*/*") if p.is_dir()]
        assert len(folders) == 1
        crawl_id = folders[0].name
        killed = records(folders[0] / "warc", "*.warc.gz*")
        assert [k for k, u, _ in killed if u.startswith("urn:tls-certificate:")] == ["resource"]
        code, out, err = run_killable(["archive", "--resume", crawl_id, "--store",
                                       str(tmp_path / "store")], tmp_path, citewarc_env(tmp_path), 120)
        assert code == 0, err
    got = records(tmp_path / "store" / crawl_id / "warc")
    uris = [u for _, u, _ in got]
    assert uris.count("urn:tls-certificate:127.0.0.1") == 1
    assert uris.count("urn:citewarc:provenance") == 1
    assert site.url(STORY_PATH) in uris and site.url(SOURCE_PATH) in uris
    assert_crawl_whole(tmp_path / "store", crawl_id, tmp_path)
