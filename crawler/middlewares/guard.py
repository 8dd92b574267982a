"""Refuse to fetch loopback, private, link-local, multicast and reserved addresses (SSRF).

A hostile page can cite ``http://169.254.169.254/latest/meta-data/`` or a name that resolves to
10.0.0.1; archiving it would make the archivist's machine probe its own network. Two checks, both
before any connection: the downloader middleware refuses IP literals in the URL (redirect targets
included: they pass through it again), and the resolver refuses names whose DNS answer is such an
address. Behind an HTTP proxy, names are the proxy's to resolve: the proxy itself is allowed and
only IP literals are refused here.
"""

from __future__ import annotations

import ipaddress
import logging
import urllib.request
from collections.abc import Iterable
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.misc import load_object
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from crawler.web.urls import without_userinfo

logger = logging.getLogger(__name__)

# Twisted's endpoint turns a resolver's error into a bare "no results for hostname lookup", so the
# resolver notes why it refused a name here, for the manifest (the resolver is process-wide too).
_REFUSED_NAMES: dict[str, str] = {}


def refusal_for_host(host: str) -> str | None:
    """Why the resolver refused ``host`` in this process, if it did."""
    return _REFUSED_NAMES.get(host.lower())


class PrivateAddressRefused(IgnoreRequest):
    """A fetch refused before any connection; the message goes to the manifest as is."""


class PrivateAddressResolved(DNSLookupError):
    """A DNS answer pointing into a private network; the connection is never made."""


def _address(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address an answer or literal names (brackets and zone dropped, IPv4-mapped IPv6 as
    IPv4), or None if it is not an address."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_forbidden(address: str) -> bool:
    """Loopback, private, link-local, multicast, reserved, unspecified, or IPv4 in IPv6 thereof."""
    ip = _address(address)
    if ip is None:
        return False
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


# Cloud instance-metadata services: they hand out the machine's credentials to whoever asks, so
# they stay refused even with CITEWARC_ALLOW_PRIVATE_ADDRESSES (a page archived on a cloud machine
# must not make it fetch its own keys into a WARC). Naming one in CITEWARC_ALLOWED_HOSTS allows it.
METADATA_ADDRESSES = frozenset({
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle ...
    "169.254.170.2",  # AWS ECS task metadata and credentials
    "fd00:ec2::254",  # AWS over IPv6
    "100.100.100.200",  # Alibaba Cloud
})


def is_metadata(address: str) -> bool:
    """A cloud metadata address, in any spelling (IPv4-mapped IPv6 included)."""
    ip = _address(address)
    return ip is not None and str(ip) in METADATA_ADDRESSES


def ip_literal(host: str) -> str | None:
    """The address if ``host`` is an IP literal in any spelling browsers accept, else None.

    ``inet_aton``-style forms (``2130706433``, ``0x7f.1``, ``017700000001``) count: a resolver would
    turn them into loopback without asking DNS.
    """
    host = host.strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    import socket  # noqa: PLC0415

    if host and all(c in "0123456789abcdefxABCDEFX." for c in host) and host[0].isdigit():
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def refusal(address: str, host: str) -> str:
    where = address if address == host else f"{host} ({address})"
    if is_metadata(address):
        return (f"refused: {where} is a cloud metadata address, a private or reserved address "
                "that hands out credentials (name it in CITEWARC_ALLOWED_HOSTS to archive it)")
    return (f"refused: {where} is a private or reserved address "
            "(--allow-private-addresses or CITEWARC_ALLOW_PRIVATE_ADDRESSES=1 archives it)")


def refused(address: str, allow_private: bool) -> bool:
    """Whether the guard refuses ``address``: every private one, or with private addresses
    allowed still the cloud metadata ones."""
    return is_metadata(address) if allow_private else is_forbidden(address)


def proxy_hosts() -> set[str]:
    """Hosts of the configured HTTP(S) proxies: the guard lets the crawler reach them."""
    hosts = set()
    for url in urllib.request.getproxies().values():
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
        if host:
            hosts.add(host.lower())
    return hosts


class PrivateAddressGuard:
    """Downloader middleware: refuse requests for forbidden IP literals (proxied or not)."""

    def __init__(self, allowed_hosts: Iterable[str], allow_private: bool = False) -> None:
        self.allowed = {h.lower().strip("[]") for h in allowed_hosts}
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getlist("CITEWARC_ALLOWED_HOSTS"),
                   crawler.settings.getbool("CITEWARC_ALLOW_PRIVATE_ADDRESSES"))

    def process_request(self, request):
        host = (urlsplit(request.url).hostname or "").lower()
        if host in self.allowed:
            return None
        address = ip_literal(host)
        if address is not None and address not in self.allowed and refused(address,
                                                                             self.allow_private):
            logger.info("Refused %s: %s", request.url, refusal(address, host))
            raise PrivateAddressRefused(refusal(address, host))
        return None


class UserinfoStripper:
    """Downloader middleware: no request leaves with a user name or password in its URL.

    Seeds and citations are cleaned before they become requests; this catches what Scrapy makes
    itself, a redirect to ``http://user:pass@host/``, which would otherwise put the credentials in
    the manifest, the WARC-Target-URI and the robots.txt request. The request is rescheduled
    without them (the redirect's own Location header stays in the WARC as received).
    """

    def process_request(self, request):
        clean = without_userinfo(request.url)
        if clean != request.url:
            logger.info("Dropped the user name and password from a request for %s", clean)
            return request.replace(url=clean)
        return None


@implementer(IResolverSimple)
class GuardedResolver:
    """Resolver that refuses answers in private networks (installed as TWISTED_DNS_RESOLVER).

    It wraps the resolver named by CITEWARC_UPSTREAM_RESOLVER (Scrapy's caching resolver by
    default; tests put a static one there so no test ever asks the machine's DNS).
    """

    def __init__(self, upstream, allowed_hosts: Iterable[str], allow_private: bool) -> None:
        self.upstream = upstream
        self.allowed = {h.lower().strip("[]") for h in allowed_hosts} | proxy_hosts()
        self.allow_private = allow_private
        self.reactor = upstream.reactor

    @classmethod
    def from_crawler(cls, crawler, reactor):
        settings = crawler.settings
        upstream_cls = load_object(settings.get("CITEWARC_UPSTREAM_RESOLVER"))
        upstream = upstream_cls.from_crawler(crawler, reactor)
        return cls(upstream, settings.getlist("CITEWARC_ALLOWED_HOSTS"),
                   settings.getbool("CITEWARC_ALLOW_PRIVATE_ADDRESSES"))

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 - Twisted's interface
        d = self.upstream.getHostByName(name, timeout)
        if name.lower() not in self.allowed:
            d.addCallback(self._check, name)
        return d

    def _check(self, address: str, name: str) -> str:
        if address not in self.allowed and refused(address, self.allow_private):
            message = refusal(address, name)
            _REFUSED_NAMES[name.lower()] = message
            logger.info("Refused %s: %s", name, message)
            raise PrivateAddressResolved(message)
        return address


