"""URL handling as pure functions: the URL we fetch, the key we dedupe on, the ids we store under.

Two forms matter. The *clean* URL is what we fetch: the URL as cited, minus its fragment and
tracking parameters, with scheme and host lower-cased and the default port dropped, so it is
still the address the author linked. The *canonical* URL (w3lib's canonicalisation of the clean
URL: sorted query, normalised escapes) is only a dedup key and the input of page keys.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from pipelines import keys

SUPPORTED_SCHEMES = ("http", "https")

# Query parameters that identify a campaign or a click, never the document.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid",
        "yclid", "twclid", "ttclid", "li_fat_id", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "rb_clickid", "s_cid", "ncid", "cmpid", "ocid", "at_medium",
        "at_campaign", "guccounter", "guce_referrer", "guce_referrer_sig",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?\.?")
_SPACE = re.compile(r"\s")  # what str.isspace() calls whitespace, in one C call per URL


class InvalidURL(ValueError):
    """A URL we cannot or will not fetch; the message says why in words a user understands."""


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def has_userinfo(url: str) -> bool:
    """Whether ``url`` carries a user name or password (``http://user:pass@host/``)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in SUPPORTED_SCHEMES and "@" in parts.netloc


def shown(url: str) -> str:
    """``url`` fit for a message or a log: its user name and password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is not None and parts.netloc and "@" in parts.netloc:
        return url.replace(parts.netloc, "***@" + parts.netloc.rsplit("@", 1)[1], 1)
    if "@" in url and "://" in url:  # unparsable: hide everything up to the last @ of the authority
        scheme, rest = url.split("://", 1)
        authority, slash, tail = rest.partition("/")
        if "@" in authority:
            return f"{scheme}://***@{authority.rsplit('@', 1)[1]}{slash}{tail}"
    return url


def without_userinfo(url: str) -> str:
    """``url`` without ``user:pass@`` (anything else kept as written); unchanged if it has none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def refuse_userinfo(url: str) -> None:
    """InvalidURL for a seed that carries credentials (``http://user:pass@host/``).

    Refused rather than quietly stripped: the person meant them to be used, and archiving the
    URL without them would store a login page under the story's name. Sending them is no
    better: they would end up in the WARC, the manifest and the log.
    """
    if has_userinfo(url):
        raise InvalidURL(f"{shown(url.strip())!r} holds a user name or password: citewarc never "
                         "sends or records credentials in a URL; give the URL without them")


def clean_url(url: str, strip_tracking: bool = True) -> str:
    """The URL to fetch: fragment (and tracking parameters) removed, scheme/host normalised.

    Requisites keep their tracking parameters: a replaying browser asks for them as written.
    A user name and password (``user:pass@``) are dropped: never sent, never recorded.

    Raises InvalidURL for anything that is not an absolute http(s) URL with a host.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"malformed URL {shown(url)!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if not scheme:
        hint = f" (did you mean http://{url}?)" if "." in url and url[0].isalnum() else ""
        raise InvalidURL(f"malformed URL {shown(url)!r}: no scheme{hint}")
    if scheme not in SUPPORTED_SCHEMES:
        raise InvalidURL(f"unsupported URL scheme {scheme!r} in {shown(url)!r} (only http and https)")
    host = parts.hostname
    if not host or _SPACE.search(host):
        raise InvalidURL(f"malformed URL {shown(url)!r}: no host")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise InvalidURL(f"malformed URL {shown(url)!r}: host is not a valid domain name") from None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    elif not _HOST_RE.fullmatch(host):
        raise InvalidURL(f"malformed URL {shown(url)!r}: {host!r} is not a valid host name")
    netloc = host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username or parts.password:
        if any(c in parts.netloc.rsplit("@", 1)[0] for c in "[]/\\ "):
            raise InvalidURL(f"malformed URL {shown(url)!r}: invalid user name in the address")
        # Dropped: a user name or password in a URL is never sent, nor recorded anywhere.
    query = parts.query
    if query and strip_tracking:
        # Filter the raw segments so what remains keeps its original spelling.
        query = "&".join(
            seg for seg in query.split("&") if not is_tracking_param(unquote_plus(seg.split("=")[0]))
        )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def canonical_url(url: str) -> str:
    """The dedup key of a URL: two spellings of one document give the same string."""
    clean = clean_url(url)
    try:
        return keys.strict_url_key(clean)
    except ValueError as exc:
        raise InvalidURL(f"malformed URL {url!r}: {exc}") from None


def page_key(url: str) -> str:
    """A stable, path-safe name for a page's files (see pipelines.keys)."""
    return keys.page_key(clean_url(url))


_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int = 48) -> str:
    """Lower-case ``[a-z0-9-]`` only; never empty."""
    slug = _SLUG_STRIP.sub("-", text.lower()).strip("-")
    slug = slug[:max_length].rstrip("-")
    return slug or "crawl"


def seed_slug(url: str) -> str:
    """Slug from a seed's host and path, e.g. ``example-com-news-2026-story``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    path = re.sub(r"\.(s?html?|php|aspx?)$", "", parts.path)
    return slugify(f"{host} {path}")


def crawl_id(when: datetime, slug: str) -> str:
    """``YYYYMMDDTHHMMSSZ-<slug>``: UTC, sortable, path-safe."""
    return f"{when.strftime('%Y%m%dT%H%M%SZ')}-{slugify(slug)}"
