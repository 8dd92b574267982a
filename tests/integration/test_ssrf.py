"""No SSRF: private, loopback, link-local and reserved addresses are refused by default.

The crawl runs in a network namespace of its own (only loopback), with DNS answers from a static
table, so this test cannot send a packet beyond 127.0.0.0/8 even if the guard were broken.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import REPO_ROOT
from tests.servers.answering_proxy import NEWS_HOST, AnsweringProxy

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("ssrf")
    assert shutil.which("unshare"), "util-linux unshare is needed to isolate this test"
    script = f"ip link set lo up && exec {sys.executable} -m tests.servers.ssrf_scenario {out}"
    done = subprocess.run(["unshare", "-n", "sh", "-c", script], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"scenario failed to run:\n{done.stderr[-3000:]}"
    result = json.loads((out / "result.json").read_text())
    crawl_id = result["stdout"].strip().splitlines()[-1]
    result["manifest"] = json.loads((out / "store" / crawl_id / "manifest.json").read_text())
    result["records"] = warc_records(out / "store" / crawl_id)
    return result


def warc_records(root: Path) -> list[tuple[str, str, str, bytes]]:
    """(type, WARC-Target-URI, WARC-Record-ID, block) of every record of the crawl."""
    out = []
    for path in sorted(root.glob("warc/*.warc.gz")):
        with path.open("rb") as f:
            for rec in ArchiveIterator(f):
                out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"),
                            rec.rec_headers.get_header("WARC-Record-ID"), rec.content_stream().read()))
    return out


def test_seed_archived_and_nothing_private_fetched(hostile_crawl):
    assert hostile_crawl["returncode"] == 0, hostile_crawl["stderr"]
    secrets = [r for r in hostile_crawl["requests"] if "/secret" in r]
    assert secrets == [], f"the guard let these through: {secrets}"


@pytest.mark.parametrize("path", [
    "http://127.0.0.1:{port}/secret/loopback",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/secret/ipv6",
    "http://internal.test:{port}/secret/resolved-private",
    "http://127.0.0.1:{port}/secret/redirect",
])
def test_each_refusal_is_recorded(hostile_crawl, path):
    url = path.format(port=hostile_crawl["port"])
    pages = {p["url"]: p for p in hostile_crawl["manifest"]["pages"]}
    assert url in pages, f"{url} missing from the manifest: {sorted(pages)}"
    assert pages[url]["status"] is None
    assert pages[url]["error"].startswith("refused:"), pages[url]["error"]
    assert "private or reserved" in pages[url]["error"]


@pytest.mark.parametrize("path", [
    "http://127.0.0.1:{port}/secret/loopback",  # refused by the guard (an IP literal)
    "http://169.254.169.254/latest/meta-data/",
    "http://internal.test:{port}/secret/resolved-private",  # refused by the resolver
])
def test_refused_request_has_no_request_record_only_a_metadata_record(hostile_crawl, path):
    url = path.format(port=hostile_crawl["port"])
    page = next(p for p in hostile_crawl["manifest"]["pages"] if p["url"] == url)
    records = [r for r in hostile_crawl["records"] if r[1] == url]
    assert [kind for kind, *_ in records if kind != "metadata"] == [], records
    assert records, f"nothing in the WARC says why {url} was not fetched"
    for _, _, _, block in records:
        assert block.decode().startswith(f"fetch-error: {page['error']}\r\nrequest-sent: no"), block
    assert page["warc_record_id"] == records[-1][2], page


def test_decimal_ip_spelling_is_refused(hostile_crawl):
    refused = [p for p in hostile_crawl["manifest"]["pages"] if "/secret/decimal" in p["url"]]
    assert refused and all((p["error"] or "").startswith("refused:") for p in refused), refused


def test_redirect_hop_is_kept_and_its_target_refused(hostile_crawl):
    port = hostile_crawl["port"]
    pages = {p["url"]: p for p in hostile_crawl["manifest"]["pages"]}
    hop = pages[f"http://news.test:{port}/redirect-to-private"]
    assert hop["status"] == 302
    assert hop["redirect_to"] == f"http://127.0.0.1:{port}/secret/redirect"


def test_ip_literals_refused_even_through_a_proxy(run_citewarc, tmp_path: Path):
    """Behind a proxy the crawler resolves nothing itself; IP literals are still refused."""
    with AnsweringProxy() as proxy:
        proxy.extra_pages[(NEWS_HOST, "/private-links.html")] = (
            "text/html",
            "<html><body><article><p>Officials pointed to <a href='http://10.0.0.1/admin'>the "
            "intranet page</a> and to <a href='http://127.0.0.1:9/x'>a local service</a> and to "
            "<a href='http://[fd00::1]/y'>another one</a> during the long briefing on Tuesday."
            "</p></article></body></html>",
        )
        env = {"http_proxy": proxy.url, "HTTP_PROXY": proxy.url, "NO_PROXY": "", "no_proxy": "",
               "CITEWARC_ALLOW_PRIVATE_ADDRESSES": "0"}
        result = run_citewarc("archive", f"http://{NEWS_HOST}/private-links.html", "--store",
                              str(tmp_path / "store"), "--no-requisites", env=env)
    assert result.returncode == 0, result.stderr
    assert proxy.hosts() == {NEWS_HOST}, proxy.requests
    crawl_id = result.stdout.strip().splitlines()[-1]
    manifest = json.loads((tmp_path / "store" / crawl_id / "manifest.json").read_text())
    refused = [p for p in manifest["pages"] if (p["error"] or "").startswith("refused:")]
    assert len(refused) == 3, manifest["pages"]


# --- cloud metadata: refused even with --allow-private-addresses --------------------------------

METADATA_SETUP = ("ip link set lo up && ip addr add 169.254.169.254/32 dev lo && "
                  "ip -6 addr add fd00:ec2::254/128 dev lo && ")


def metadata_crawl(out: Path, allowed: str = "") -> dict:
    """A crawl that cites metadata endpoints which really answer (inside the namespace)."""
    script = f"{METADATA_SETUP}exec {sys.executable} -m tests.servers.metadata_scenario {out} {allowed}"
    done = subprocess.run(["unshare", "-n", "sh", "-c", script], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"scenario failed to run:\n{done.stderr[-3000:]}"
    result = json.loads((out / "result.json").read_text())
    assert result["returncode"] == 0, result["stderr"]
    crawl_id = result["stdout"].strip().splitlines()[-1]
    manifest = json.loads((out / "store" / crawl_id / "manifest.json").read_text())
    result["pages"] = {p["url"]: p for p in manifest["pages"]}
    return result


def test_metadata_addresses_refused_with_private_addresses_allowed(tmp_path: Path):
    result = metadata_crawl(tmp_path)
    asked = [r for r in result["requests"] if "meta" in r.lower() or "token" in r]
    assert asked == [], f"the metadata service was asked: {asked}"
    *metadata, private = result["cited"]
    for url in metadata:
        page = result["pages"][url]
        assert page["status"] is None and page["error"].startswith("refused:"), page
        assert "metadata" in page["error"] and "CITEWARC_ALLOWED_HOSTS" in page["error"]
    assert result["pages"][private]["status"] == 200, "other private addresses are allowed"


def test_metadata_address_named_in_allowed_hosts_is_fetched(tmp_path: Path):
    result = metadata_crawl(tmp_path, "169.254.169.254")
    v4, v6, by_name, _ = result["cited"]
    assert result["pages"][v4]["status"] == 200
    assert result["pages"][by_name]["status"] == 200, "the name resolves to the allowed address"
    assert result["pages"][v6]["error"].startswith("refused:"), "only what is named"
