"""What captured a crawl, how and from where: the provenance an archivist reads beside the records.

Pure functions over values (settings, library versions, the hosts the crawl reached) returning
JSON-ready dicts, so the same facts go into every WARC's ``warcinfo``, the ``urn:citewarc:provenance``
resource record at the end of each run and the WACZ's ``datapackage.json``. Nothing here may carry
a credential: proxy URLs are cut to ``host:port``, request headers that are secrets are left out,
and only settings named in ``CAPTURE_SETTINGS`` are read at all (never S3 keys or store URLs).
"""

from __future__ import annotations

import hashlib
import json
import platform
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from pipelines.warc.records import PROVENANCE_URI, TLS_CERTIFICATE_PREFIX

PROVENANCE_FORMAT = "citewarc-provenance/1"
# Distribution names as the issue lists them; Python (and OpenSSL) come from the interpreter.
LIBRARIES = ("Scrapy", "Twisted", "warcio", "trafilatura", "lxml", "cryptography", "pyOpenSSL")

# Every setting that changes what a crawl captures (which URLs, which bytes, how it asked for
# them, how politely), and nothing else: a setting not named here never reaches a record.
CAPTURE_SETTINGS = (
    "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_MAX_DELAY", "AUTOTHROTTLE_START_DELAY",
    "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "CITEWARC_ALLOW_PRIVATE_ADDRESSES", "CITEWARC_ALLOWED_HOSTS", "CITEWARC_ARCHIVE_LOOKUPS",
    "CITEWARC_BROWSER", "CITEWARC_BROWSER_DOMAINS", "CITEWARC_BROWSER_PAGE_TIMEOUT",
    "CITEWARC_BROWSER_QUIET",
    "CITEWARC_DEPTH", "CITEWARC_EXTRACT", "CITEWARC_EXTRACT_MAX_CHARS",
    "CITEWARC_FEEDS", "CITEWARC_JOB_NAME",
    "CITEWARC_MAX_BODY_SIZE", "CITEWARC_MAX_DECOMPRESSED_SIZE", "CITEWARC_MAX_ENTRY_AGE_DAYS",
    "CITEWARC_MAX_FEED_ENTRIES", "CITEWARC_MAX_PAGES", "CITEWARC_MAX_REQUISITES_PER_PAGE",
    "CITEWARC_REDACT_HEADERS", "CITEWARC_REDIS_MAX_WORKERS", "CITEWARC_REQUISITES", "CITEWARC_RESUME",
    "CITEWARC_SEEDS", "CITEWARC_SITEMAPS", "CITEWARC_SOFT404_PROBE", "CITEWARC_TIME_LIMIT",
    "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_REQUESTS_PER_IP",
    "COOKIES_ENABLED",
    "DOWNLOAD_DELAY", "DOWNLOAD_FAIL_ON_DATALOSS", "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_VERIFY_CERTIFICATES", "HTTPERROR_ALLOW_ALL", "RANDOMIZE_DOWNLOAD_DELAY",
    "REDIRECT_MAX_TIMES", "RETRY_HTTP_CODES", "RETRY_TIMES", "ROBOTSTXT_OBEY", "USER_AGENT",
)
# Request headers whose values are credentials whatever CITEWARC_REDACT_HEADERS says.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def software_versions(citewarc_version: str | None = None) -> dict[str, str]:
    """The tool and the libraries whose behaviour shaped the records, by name."""
    versions = {"citewarc": citewarc_version or _installed("citewarc")}
    for name in LIBRARIES:
        versions[name] = _installed(name)
    versions["Python"] = platform.python_version()
    versions["OpenSSL"] = _openssl_version()
    return versions


def _installed(name: str) -> str:
    try:
        return dist_version(name)
    except PackageNotFoundError:
        return "not installed"


def _openssl_version() -> str:
    try:
        from cryptography.hazmat.backends.openssl.backend import backend  # noqa: PLC0415

        return backend.openssl_version_text()
    except Exception:  # an exotic build: the interpreter's own OpenSSL is the next best answer
        import ssl  # noqa: PLC0415

        return ssl.OPENSSL_VERSION


def host_port(url: str) -> str | None:
    """``host:port`` of a URL (a proxy's), never its user name or password; None if it has none."""
    if not url:
        return None
    parts = urlsplit(url if "://" in url else f"http://{url}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number: say nothing rather than echo the text
        return None
    if not host:
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def proxy_summary(proxies: Mapping[str, str]) -> dict[str, Any]:
    """Whether the crawl went through a proxy, and which (``host:port`` per scheme, no userinfo).

    ``proxies`` as ``urllib.request.getproxies()`` returns them (what Scrapy's proxy middleware
    reads); ``no`` (the bypass list) is not a proxy."""
    used = {scheme: host_port(url) for scheme, url in sorted(proxies.items())
            if scheme in ("http", "https", "all") and url}
    return {"proxy_used": bool(used), "proxies": {k: v for k, v in used.items() if v}}


def _json_value(value: Any) -> Any:
    if hasattr(value, "copy_to_dict"):  # a Scrapy BaseSettings (a dict setting)
        value = value.copy_to_dict()
    if isinstance(value, (set, frozenset)):
        return sorted(_json_value(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def request_headers(configured: Mapping[str, Any], redact: Iterable[str]) -> dict[str, str]:
    """The default request headers sent with every fetch (Accept-Encoding and the like), with the
    names of credential headers kept and their values replaced: a reader learns one was sent."""
    secret = SECRET_HEADERS | {h.lower() for h in redact}
    out = {}
    for name, value in configured.items():
        name = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        out[name] = "[redacted by citewarc]" if name.lower() in secret else str(value)
    return out


def capture_settings(settings: Any, proxies: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every option and setting that changes what is captured, as JSON values, plus the request
    headers sent by default, the proxy (whether; ``host:port`` at most) and the distributed mode.

    ``settings``: Scrapy ``Settings`` or a plain dict. Only the names in ``CAPTURE_SETTINGS`` are
    read, so a store URL, S3 keys or a Redis password can never come along."""
    out: dict[str, Any] = {}
    for name in CAPTURE_SETTINGS:
        if name in settings:
            out[name] = _json_value(settings.get(name))
    redact = _json_value(settings.get("CITEWARC_REDACT_HEADERS")) or []
    headers = _json_value(settings.get("DEFAULT_REQUEST_HEADERS")) or {}
    out["DEFAULT_REQUEST_HEADERS"] = request_headers(headers, redact)
    out.update(proxy_summary(proxies or {}))
    frontier = str(settings.get("CITEWARC_FRONTIER") or "")
    distributed = "Redis" in frontier or bool(settings.get("CITEWARC_REDIS_WORKER"))
    out["distributed"] = distributed
    if distributed:
        out["redis"] = host_port(str(settings.get("REDIS_URL") or "")) or "configured"
    return out


@dataclass(frozen=True)
class TlsChain:
    """A TLS certificate chain as the server presented it on a capturing connection (leaf first,
    PEM), where it came from and what verifying it against the system trust store said."""

    host: str
    port: int
    peer_ip: str | None
    seen_at: datetime
    pems: tuple[str, ...]
    verified: bool | None = None  # None: not verified (no chain, or not tried)
    problem: str | None = None

    @property
    def sha256(self) -> list[str]:
        """Each certificate's SHA-256 over its DER (the fingerprint browsers show)."""
        return [pem_sha256(p) for p in self.pems]

    def summary(self) -> dict[str, Any]:
        return {"port": self.port, "peer_ip": self.peer_ip, "chain_sha256": self.sha256,
                "verified": self.verified, "problem": self.problem,
                "record": TLS_CERTIFICATE_PREFIX + self.host}


def pem_sha256(pem: str) -> str:
    der = x509.load_pem_x509_certificate(pem.encode("ascii")).public_bytes(Encoding.DER)
    return hashlib.sha256(der).hexdigest()


@dataclass
class HostLedger:
    """Per host, the IP addresses that answered the crawl and the TLS chain recorded for it.

    Shared by the capture middleware (the reactor and writer threads) and the finalizer."""

    ips: dict[str, set[str]] = field(default_factory=dict)
    tls: dict[str, TlsChain] = field(default_factory=dict)
    tls_claimed: set[str] = field(default_factory=set)  # hosts whose chain is (being) written
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def answered(self, host: str, ip: str | None) -> None:
        if not host:
            return
        with self._lock:
            addresses = self.ips.setdefault(host.lower(), set())
            if ip:
                addresses.add(ip)

    def claim_tls(self, host: str) -> bool:
        """True once per host: the caller writes its chain record."""
        with self._lock:
            if host.lower() in self.tls_claimed:
                return False
            self.tls_claimed.add(host.lower())
            return True

    def recorded_tls(self, chain: TlsChain) -> None:
        with self._lock:
            self.tls[chain.host.lower()] = chain

    def hosts(self) -> dict[str, Any]:
        """``{host: {"ips": [...], "tls": {...} | None}}``, sorted: the provenance's ``hosts``."""
        with self._lock:
            names = sorted(set(self.ips) | set(self.tls))
            return {h: {"ips": sorted(self.ips.get(h, ())),
                        "tls": self.tls[h].summary() if h in self.tls else None} for h in names}


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class StaticProvenance:
    """What is known before the first fetch: the same in every WARC file of a run."""

    software: dict[str, str]
    operator: str | None
    user_agent: str | None
    settings: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"software": self.software, "operator": self.operator, "user_agent": self.user_agent,
                "capture_settings": self.settings}


def static_provenance(settings: Any, proxies: Mapping[str, str] | None = None,
                      citewarc_version: str | None = None) -> StaticProvenance:
    """The provenance of a run from its settings (the operator from ``CITEWARC_OPERATOR``)."""
    operator = str(settings.get("CITEWARC_OPERATOR") or "").strip() or None
    return StaticProvenance(
        software=software_versions(citewarc_version or settings.get("CITEWARC_VERSION")),
        operator=operator, user_agent=settings.get("USER_AGENT") or None,
        settings=capture_settings(settings, proxies),
    )


def warcinfo_fields(static: StaticProvenance) -> dict[str, str]:
    """The static provenance as warcinfo fields (``key: value`` lines; the settings as one line of
    JSON, which stays machine-readable inside application/warc-fields)."""
    fields = {f"software-{name}": value for name, value in static.software.items()}
    if static.operator:
        fields["operator"] = static.operator
    fields["citewarc-capture-settings"] = json.dumps(static.settings, sort_keys=True,
                                                     separators=(",", ":"))
    fields["citewarc-provenance"] = f"{PROVENANCE_URI} record at the end of each run"
    return fields


def build_provenance(static: StaticProvenance, *, crawl_id: str, run_started: datetime,
                     run_ended: datetime, crawl_started: datetime | None = None,
                     hosts: Mapping[str, Any] | None = None, ended_how: str | None = None,
                     ) -> dict[str, Any]:
    """The full provenance of one run (the ``urn:citewarc:provenance`` record's JSON)."""
    out: dict[str, Any] = {"format": PROVENANCE_FORMAT, "crawl_id": crawl_id}
    out.update(static.as_dict())
    out["crawl_started"] = iso(crawl_started or run_started)
    out["run_started"] = iso(run_started)
    out["run_ended"] = iso(run_ended)
    if ended_how:
        out["run_end_reason"] = ended_how
    out["hosts"] = dict(hosts or {})
    if static.settings.get("proxy_used"):
        out["hosts_note"] = PROXY_NOTE
    return out


PROXY_NOTE = ("fetched through a proxy: the addresses are those of the proxy that answered, and an "
              "https host's chain is the one presented through the proxy's tunnel")


def merge_hosts(parts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The hosts of several runs or workers as one: IPs unioned, the first TLS chain kept."""
    merged: dict[str, dict[str, Any]] = {}
    for hosts in parts:
        for host, entry in hosts.items():
            into = merged.setdefault(host, {"ips": [], "tls": None})
            into["ips"] = sorted(set(into["ips"]) | set(entry.get("ips") or ()))
            if into["tls"] is None and entry.get("tls"):
                into["tls"] = entry["tls"]
    return dict(sorted(merged.items()))
