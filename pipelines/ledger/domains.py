"""Which site a URL belongs to (pure): its registrable domain, for the ledger's ``moved`` fate.

A citation redirected from ``www.example.org`` to ``example.org`` stayed on its site; one
redirected to ``example.com`` moved. The public suffix list decides where the registrable part
starts (``bbc.co.uk``, ``user.github.io``), read from the snapshot bundled with tldextract: a
ledger is built offline, and pipelines never ask the network for the list.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from urllib.parse import urlsplit

from tldextract import TLDExtract


@cache
def _extract() -> TLDExtract:
    return TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def registrable_domain(url: str) -> str:
    """``example.co.uk`` for ``https://news.example.co.uk/x``; the host itself for an IP address,
    ``localhost`` or a name under no public suffix; ``""`` for a URL without a host."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    if not host:
        return ""
    if _is_ip(host):  # no public suffix to look up (and no list to load for it)
        return host
    parts = _extract()(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def same_site(a: str, b: str) -> bool:
    """Whether two URLs share a registrable domain (scheme and port aside)."""
    return registrable_domain(a) == registrable_domain(b)


def site_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL (None: anything else): the unit the soft-404
    probe is asked for (crawler/web/probe.py) and the ledger compares a citation with."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"
