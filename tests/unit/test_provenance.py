"""pipelines.evidence.provenance and tls_chain: what captured a crawl, never a credential.

Pure functions over values; the TLS chain is a real one made with ``cryptography`` (a local root,
an intermediate, a leaf for 127.0.0.1: tests/servers/tls_site.py), verified by the real verifier.
"""

from __future__ import annotations

import ast
import io
import json
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings

from crawler.web.tls_chain import PresentedChain, PresentedChains
from pipelines.distributed_finalize import read_provenance
from pipelines.evidence.provenance import (
    CAPTURE_SETTINGS,
    HostLedger,
    TlsChain,
    build_provenance,
    capture_settings,
    host_port,
    merge_hosts,
    pem_sha256,
    proxy_summary,
    software_versions,
    static_provenance,
    warcinfo_fields,
)
from pipelines.evidence.provenance_read import provenance_from_warcs
from pipelines.evidence.tls_chain import store_from_pem, verify_chain
from pipelines.warc.records import (
    Exchange,
    build_exchange_records,
    build_tls_certificate_record,
    build_warcinfo_record,
    serialize_record,
)
from tests.servers.tls_site import TlsSite

REPO = Path(__file__).resolve().parents[2]
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PROXY_PASSWORD = "pr0xy-s3cret-71d2"
AWS_KEY_ID = "AKIAPROVENANCETEST01"
AWS_SECRET = "aws-secret-provenance-9c1e55"
REDIS_PASSWORD = "redis-pass-4b8a0f"
TOKEN = "Bearer bearer-token-e3a91c"
SECRETS = [PROXY_PASSWORD, "proxyuser", AWS_KEY_ID, AWS_SECRET, REDIS_PASSWORD, TOKEN, "bearer-token"]


def settings(**extra) -> Settings:
    s = Settings()
    s.setmodule("settings.base", priority="project")
    for name, value in extra.items():
        s.set(name, value, priority="cmdline")
    return s


def secret_laden() -> tuple[Settings, dict[str, str]]:
    """Settings and proxies carrying every kind of credential a crawl can be given."""
    s = settings(
        AWS_ACCESS_KEY_ID=AWS_KEY_ID, AWS_SECRET_ACCESS_KEY=AWS_SECRET,
        CITEWARC_STORE=f"s3://{AWS_KEY_ID}:{AWS_SECRET}@bucket/prefix",
        REDIS_URL=f"redis://:{REDIS_PASSWORD}@redis.example:6380/2",
        CITEWARC_FRONTIER="crawler.distributed.frontier.RedisFrontier",
        CITEWARC_OPERATOR="Verification desk",
        DEFAULT_REQUEST_HEADERS={"Accept-Encoding": "gzip, deflate, br", "Authorization": TOKEN,
                                 "Cookie": "session=bearer-token-e3a91c"},
    )
    proxies = {"http": f"http://proxyuser:{PROXY_PASSWORD}@proxy.example:3128",
               "https": f"http://proxyuser:{PROXY_PASSWORD}@proxy.example:3128",
               "no": "localhost"}
    return s, proxies


def test_software_versions_name_the_installed_libraries() -> None:
    versions = software_versions("9.9.9")
    assert versions["citewarc"] == "9.9.9"
    for dist in ("Scrapy", "Twisted", "warcio", "trafilatura", "lxml", "cryptography", "pyOpenSSL"):
        assert versions[dist] == version(dist)
    assert versions["Python"].count(".") == 2
    assert versions["OpenSSL"].startswith("OpenSSL")


@pytest.mark.parametrize(("url", "expected"), [
    (f"http://proxyuser:{PROXY_PASSWORD}@proxy.example:3128", "proxy.example:3128"),
    ("http://proxy.example", "proxy.example"),
    (f"proxyuser:{PROXY_PASSWORD}@10.0.0.1:8080", "10.0.0.1:8080"),
    ("http://[2001:db8::1]:3128", "[2001:db8::1]:3128"),
    (f"http://u:{PROXY_PASSWORD}@proxy.example:notaport", None),
    ("", None),
])
def test_host_port_never_keeps_userinfo(url: str, expected: str | None) -> None:
    assert host_port(url) == expected


def test_proxy_summary() -> None:
    assert proxy_summary({}) == {"proxy_used": False, "proxies": {}}
    assert proxy_summary({"no": "localhost"}) == {"proxy_used": False, "proxies": {}}
    _, proxies = secret_laden()
    assert proxy_summary(proxies) == {"proxy_used": True, "proxies": {
        "http": "proxy.example:3128", "https": "proxy.example:3128"}}


def test_no_credential_reaches_any_provenance_field() -> None:
    s, proxies = secret_laden()
    static = static_provenance(s, proxies)
    full = build_provenance(static, crawl_id="c", run_started=WHEN, run_ended=WHEN,
                            hosts={"news.test": {"ips": ["192.0.2.7"], "tls": None}})
    text = json.dumps(full) + json.dumps(warcinfo_fields(static))
    for secret in SECRETS:
        assert secret not in text
    assert full["capture_settings"]["proxy_used"] is True
    assert full["capture_settings"]["proxies"] == {"http": "proxy.example:3128",
                                                   "https": "proxy.example:3128"}
    assert full["capture_settings"]["redis"] == "redis.example:6380"
    assert full["capture_settings"]["distributed"] is True
    headers = full["capture_settings"]["DEFAULT_REQUEST_HEADERS"]
    assert headers["Authorization"] == headers["Cookie"] == "[redacted by citewarc]"
    assert headers["Accept-Encoding"] == "gzip, deflate, br"
    assert full["operator"] == "Verification desk"


def test_capture_settings_say_how_the_crawl_was_told_to_capture() -> None:
    out = capture_settings(settings(CITEWARC_DEPTH=3, CITEWARC_REQUISITES=False,
                                    ROBOTSTXT_OBEY=False, CITEWARC_BROWSER="always",
                                    CITEWARC_TIME_LIMIT=600))
    assert out["CITEWARC_DEPTH"] == 3 and out["CITEWARC_REQUISITES"] is False
    assert out["ROBOTSTXT_OBEY"] is False and out["CITEWARC_BROWSER"] == "always"
    assert out["CITEWARC_TIME_LIMIT"] == 600
    assert out["USER_AGENT"].startswith("citewarc/")
    assert out["proxy_used"] is False and out["distributed"] is False
    json.dumps(out)  # JSON values only


def _literal_keys(path: Path, function: str) -> set[str]:
    """The string keys of the dict literals in ``function`` (the settings a command sets)."""
    tree = ast.parse(path.read_text())
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    return {k.value for d in ast.walk(node) if isinstance(d, ast.Dict)
            for k in d.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}


# Set by commands, but they change where a crawl goes or how it is shown, not what it captures.
NOT_CAPTURE = {"CITEWARC_STORE", "CITEWARC_PROGRESS", "CITEWARC_LOG_FILE", "CITEWARC_CRAWL_ID"}


def test_every_setting_a_command_or_job_sets_is_in_the_provenance() -> None:
    """A new option that changes the capture must be added to CAPTURE_SETTINGS: this fails."""
    set_by_commands = (_literal_keys(REPO / "crawler/commands/archive.py", "run")
                       | _literal_keys(REPO / "crawler/jobs/settings.py", "job_overrides"))
    set_by_commands = {k for k in set_by_commands if k.isupper()} - NOT_CAPTURE
    assert len(set_by_commands) > 15
    assert set_by_commands <= set(CAPTURE_SETTINGS)
    limits = {n for n in settings().attributes if n.startswith("CITEWARC_MAX_")}
    assert limits <= set(CAPTURE_SETTINGS)


def test_host_ledger_notes_ips_and_claims_each_host_once() -> None:
    ledger = HostLedger()
    ledger.answered("News.Test", "192.0.2.7")
    ledger.answered("news.test", "192.0.2.8")
    ledger.answered("news.test", "192.0.2.7")
    ledger.answered("cdn.test", None)
    assert ledger.claim_tls("news.test") is True
    assert ledger.claim_tls("NEWS.test") is False
    chain = TlsChain(host="news.test", port=443, peer_ip="192.0.2.7", seen_at=WHEN, pems=(),
                     verified=False, problem="no certificate chain was presented")
    ledger.recorded_tls(chain)
    hosts = ledger.hosts()
    assert list(hosts) == ["cdn.test", "news.test"]
    assert hosts["cdn.test"] == {"ips": [], "tls": None}
    assert hosts["news.test"]["ips"] == ["192.0.2.7", "192.0.2.8"]
    assert hosts["news.test"]["tls"]["verified"] is False
    assert hosts["news.test"]["tls"]["record"] == "urn:tls-certificate:news.test"


def test_merge_hosts_unions_ips_and_keeps_the_first_chain() -> None:
    a = {"news.test": {"ips": ["192.0.2.7"], "tls": {"chain_sha256": ["aa"]}}}
    b = {"news.test": {"ips": ["192.0.2.8"], "tls": {"chain_sha256": ["bb"]}},
         "cdn.test": {"ips": ["192.0.2.9"], "tls": None}}
    merged = merge_hosts([a, b])
    assert merged == {"cdn.test": {"ips": ["192.0.2.9"], "tls": None},
                      "news.test": {"ips": ["192.0.2.7", "192.0.2.8"], "tls": {"chain_sha256": ["aa"]}}}


def test_build_provenance_times_and_hosts() -> None:
    static = static_provenance(settings(CITEWARC_OPERATOR="  "))
    later = WHEN + timedelta(minutes=5)
    out = build_provenance(static, crawl_id="c1", run_started=later, run_ended=later + timedelta(1),
                           crawl_started=WHEN, ended_how="finished")
    assert out["operator"] is None  # blank is none
    assert out["crawl_started"] == "2026-03-01T12:00:00Z"
    assert out["run_started"] == "2026-03-01T12:05:00Z"
    assert out["run_ended"] == "2026-03-02T12:05:00Z"
    assert out["run_end_reason"] == "finished" and out["hosts"] == {}


# ---- The TLS chain: a real one, verified by the real verifier ------------------------------------


@pytest.fixture(scope="module")
def site_chain(tmp_path_factory) -> TlsSite:
    site = TlsSite(tmp_path_factory.mktemp("tls"))
    site._make_chain()  # the certificates only: no server is needed to verify them
    return site


def test_chain_from_a_local_ca_is_not_verified_against_the_system_store(site_chain) -> None:
    verified, problem = verify_chain(site_chain.chain_pems, "127.0.0.1", datetime.now(UTC))
    assert verified is False
    assert "no path to a trusted root" in problem and "citewarc test root CA" in problem


def test_chain_verifies_against_its_own_root(site_chain) -> None:
    root = store_from_pem(site_chain.root_pem.encode())
    assert verify_chain(site_chain.chain_pems, "127.0.0.1", datetime.now(UTC), root) == (True, None)
    assert verify_chain(site_chain.chain_pems, "localhost", datetime.now(UTC), root) == (True, None)


@pytest.mark.parametrize(("host", "shift", "cut", "words"), [
    ("news.test", 0, False, "subjectAltName"),  # another name
    ("127.0.0.1", 60, False, "expired"),  # seen after the leaf expired
    ("127.0.0.1", 0, True, "no path to a trusted root"),  # the intermediate not sent
])
def test_what_is_wrong_with_a_chain(site_chain, host, shift, cut, words) -> None:
    root = store_from_pem(site_chain.root_pem.encode())
    pems = site_chain.chain_pems[:1] if cut else site_chain.chain_pems
    verified, problem = verify_chain(pems, host, datetime.now(UTC) + timedelta(days=shift), root,
                                     "the test root")
    assert verified is False
    assert words.lower() in problem.lower(), problem
    assert "\n" not in problem


def test_no_chain_is_not_verified() -> None:
    assert verify_chain([], "news.test", WHEN) == (False, "no certificate chain was presented")


def test_provenance_read_back_from_warcs(tmp_path: Path, site_chain) -> None:
    """What the distributed finalizer reads from its workers' WARCs."""
    static = static_provenance(settings(CITEWARC_OPERATOR="Desk B"))
    info = build_warcinfo_record("w.warc.gz", {"software": "citewarc", **warcinfo_fields(static)}, WHEN)
    tls = build_tls_certificate_record("127.0.0.1", WHEN, site_chain.chain_pems, False, "untrusted",
                                       "system", "127.0.0.1", 8443, "<urn:uuid:1>")
    response, _ = build_exchange_records(Exchange(
        url="https://127.0.0.1:8443/a", method="GET", request_headers=[], fetched_at=WHEN,
        status=200, body=b"x", ip_address="127.0.0.1"))
    other, _ = build_exchange_records(Exchange(
        url="http://news.test/b", method="GET", request_headers=[], fetched_at=WHEN, status=200,
        body=b"y", ip_address="192.0.2.7"))
    buf = io.BytesIO()
    for record in [info, tls, *response, *other]:
        buf.write(serialize_record(record))
    path = tmp_path / "w.warc.gz"
    path.write_bytes(buf.getvalue())
    out = provenance_from_warcs([path], "c2", WHEN, WHEN)
    assert out["operator"] == "Desk B"
    assert out["software"] == static.software
    assert out["capture_settings"] == static.settings
    assert out["hosts"]["news.test"] == {"ips": ["192.0.2.7"], "tls": None}
    entry = out["hosts"]["127.0.0.1"]
    assert entry["ips"] == ["127.0.0.1"]
    assert entry["tls"]["chain_sha256"] == [pem_sha256(p) for p in site_chain.chain_pems]
    assert entry["tls"]["verified"] is False and entry["tls"]["problem"] == "untrusted"
    assert entry["tls"]["port"] == 8443


def test_presented_chains_keep_the_first_and_every_distinct_one() -> None:
    chains = PresentedChains()
    first = PresentedChain(("A",), "192.0.2.7", WHEN)
    chains.add("News.Test", 443, first)
    chains.add("news.test", 443, PresentedChain(("A",), "192.0.2.8", WHEN))  # same chain again
    chains.add("news.test", 443, PresentedChain(("B",), "192.0.2.9", WHEN))
    assert chains.first("news.test", 443) == first
    assert chains.first("news.test", 8443) is None
    assert len(chains._chains[("news.test", 443)]) == 2


def test_unreadable_warcs_give_no_provenance_rather_than_no_crawl(tmp_path: Path) -> None:
    """The distributed finalizer never fails a crawl over its provenance."""
    bad = tmp_path / "gone.warc.gz"  # a WARC that cannot be read
    announced = SimpleNamespace(crawl_id="c3", started=WHEN)
    assert read_provenance([bad], announced) is None
    assert read_provenance([], announced)["hosts"] == {}
