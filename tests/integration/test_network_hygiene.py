"""The tool talks to the pages it archives and to its store, nothing else, and honours proxies.

Every byte goes to a loopback proxy that answers all requests itself, so even a regression that
phones home (tldextract's suffix-list download, an update check) cannot leave the machine: the
proxy records it and the test fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.servers.answering_proxy import NEWS_HOST, SOURCE_HOST, AnsweringProxy

pytestmark = pytest.mark.integration


def test_crawl_through_proxy_contacts_only_archived_hosts(run_citewarc, tmp_path: Path):
    with AnsweringProxy() as proxy:
        env = {
            "http_proxy": proxy.url, "https_proxy": proxy.url,
            "HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "NO_PROXY": "", "no_proxy": "",
        }
        result = run_citewarc("archive", f"http://{NEWS_HOST}/story.html", "--store",
                              str(tmp_path / "store"), env=env)
    assert result.returncode == 0, result.stderr
    assert proxy.hosts() == {NEWS_HOST, SOURCE_HOST}, proxy.requests
    assert not any(method == "CONNECT" for method, _, _ in proxy.requests)
    # Politeness: robots.txt asked for before pages, an honest User-Agent naming tool and version.
    paths = [(host, path) for _, host, path in proxy.requests]
    assert paths.index((NEWS_HOST, "/robots.txt")) < paths.index((NEWS_HOST, "/story.html"))
    from crawler import __version__

    assert {ua.split(" ")[0] for ua in proxy.user_agents} == {f"citewarc/{__version__}"}

    crawl_id = result.stdout.strip().splitlines()[-1]
    manifest = json.loads((tmp_path / "store" / crawl_id / "manifest.json").read_text())
    urls = {p["url"]: p for p in manifest["pages"]}
    assert urls[f"http://{SOURCE_HOST}/notices/barrier.html"]["status"] == 200
    assert urls[f"http://{NEWS_HOST}/site.css"]["role"] == "requisite"
    assert f"http://{NEWS_HOST}/login" not in urls


def test_no_listening_ports_and_bundled_suffix_list():
    """Scrapy's telnet console and remote-control server are off; tldextract stays offline."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("settings.base")
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    # Not even loaded: Scrapy imports every listed extension (aiohttp for the remote control).
    from scrapy.utils.conf import build_component_list

    loaded = build_component_list(settings.getwithbase("EXTENSIONS"))
    assert not [name for name in loaded if "remote_control" in str(name) or "telnet" in str(name)]
    assert "scrapy.extensions.corestats.CoreStats" in map(str, loaded)
    assert "zstd" not in settings.getdict("DEFAULT_REQUEST_HEADERS")["Accept-Encoding"]
    # Politeness defaults: robots obeyed, AutoThrottle on, a per-host cap, archiving timeouts.
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 4
    assert settings.getint("DOWNLOAD_TIMEOUT") >= 30 and settings.getint("RETRY_TIMES") >= 2

    import scrapy.downloadermiddlewares.cookies as cookies

    from crawler.web.offline import use_bundled_suffix_list

    use_bundled_suffix_list()
    assert tuple(cookies._split_domain.suffix_list_urls) == ()
    assert cookies._split_domain("www.example.co.uk").domain == "example"


def test_proxy_credentials_stay_out_of_the_archive(run_citewarc, tmp_path: Path):
    """Proxy-Authorization goes to the proxy, never into a WARC, manifest, text or log."""
    secret = "proxy-pass-7d1e0b"
    with AnsweringProxy() as proxy:
        authed = proxy.url.replace("http://", f"http://archivist:{secret}@")
        env = {"http_proxy": authed, "HTTP_PROXY": authed, "NO_PROXY": "", "no_proxy": ""}
        result = run_citewarc("archive", f"http://{NEWS_HOST}/story.html", "--store",
                              str(tmp_path / "store"), "--depth", "0", env=env)
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout + result.stderr
    import base64
    import gzip

    encoded = base64.b64encode(f"archivist:{secret}".encode()).decode()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".warc.gz") for p in files)
    for path in files:
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        assert secret.encode() not in data and encoded.encode() not in data, path
