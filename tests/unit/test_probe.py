"""The soft-404 probe's address (crawler/web/probe.py)."""

import re

from crawler.web.probe import is_probe, probe_url
from pipelines.ledger.domains import site_of


def test_site_is_scheme_host_and_port():
    assert site_of("https://News.Example:8443/a/b?c#d") == "https://news.example:8443"
    assert site_of("http://user:pw@example.org/x") == "http://example.org"
    assert site_of("ftp://example.org/x") is None
    assert site_of("not a url") is None


def test_probe_is_a_16_hex_path_on_the_same_site_the_same_on_every_site():
    url = probe_url("http://127.0.0.2:8080")
    assert re.fullmatch(r"http://127\.0\.0\.2:8080/citewarc-probe-[0-9a-f]{16}", url)
    assert probe_url("http://127.0.0.2:8081") == url.replace(":8080", ":8081")
    assert is_probe(url) and not is_probe("http://127.0.0.2:8080/news/story.html")
