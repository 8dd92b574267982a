"""Which pages go through the browser: the mode (``auto``, ``always``, ``never``) and its per-host
exceptions, as pure functions.

The same checks serve the command line (``--browser``, ``--browser-domain``), job files
(``browser:``) and the settings (``CITEWARC_BROWSER``, ``CITEWARC_BROWSER_DOMAINS``, a JSON object
when it comes from the environment), so a host or mode means the same thing wherever it is written.
Hosts are kept as the crawler spells URL hosts (lower case, IDNA), so a lookup is a plain dict get.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from crawler.errors import UsageError

MODES = ("auto", "always", "never")
_MODES_TEXT = "auto, always or never"
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


def check_mode(value: Any) -> str:
    """``value`` as one of ``MODES`` (any case), else ValueError saying what is allowed."""
    if isinstance(value, str) and value.strip().lower() in MODES:
        return value.strip().lower()
    if isinstance(value, bool):  # YAML reads an unquoted yes/no/on/off as a boolean
        raise ValueError(f"{str(value).lower()} is not a browser mode: write {_MODES_TEXT}")
    raise ValueError(f"{value!r} is not a browser mode: write {_MODES_TEXT}")


def check_host(value: Any) -> str:
    """``value`` as a host name the way URL hosts are compared (lower case, IDNA, no trailing
    dot; an IPv6 address without brackets), else ValueError. A host covers its subdomains, so
    it is a bare name: no scheme, no path, no port, no wildcard."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a host name is needed (example.com)")
    text = value.strip().lower()
    if "://" in text:
        bare = _hostname(text) or "example.com"
        raise ValueError(f"a URL, not a host name: write {bare}")
    if text.startswith("*.") or text.startswith("."):
        raise ValueError(f"write the domain alone ({text.lstrip('*.')}): it covers its subdomains")
    address = _ip_address(text)
    if address:
        return address
    if "/" in text or "?" in text or "#" in text:
        raise ValueError(f"holds a path: write the host name alone ({re.split('[/?#]', text)[0]})")
    if ":" in text:
        bare = _hostname("//" + text) or "example.com"
        raise ValueError(f"holds a port: write the host name alone ({bare}); a mode applies to "
                         "every port of a host")
    try:
        name = text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError:
        raise ValueError("not a valid host name") from None
    name = name.removesuffix(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
        raise ValueError("not a valid host name")
    return name


def parse_mode(value: str, where: str) -> str:
    """The mode ``value`` names, or UsageError naming ``where`` (the option or setting)."""
    try:
        return check_mode(value)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None


def parse_domain_modes(value: Any, where: str = "CITEWARC_BROWSER_DOMAINS") -> dict[str, str]:
    """``{host: mode}`` from a mapping (settings, job file) or a JSON object (the environment),
    hosts and modes checked and normalised; None or "" is no exception. UsageError naming
    ``where`` otherwise. (Scrapy's ``getdict`` would parse the JSON too, but a typo there is a
    traceback, and it checks nothing.)"""
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{where}: not a JSON object ({exc.msg} at character {exc.pos}); "
                             'write {"example.com": "always"}') from None
    if not isinstance(value, Mapping):
        raise UsageError(f'{where}: expected a mapping of host to mode, {{"example.com": "always"}}')
    return _checked_pairs(value.items(), where)


def parse_domain_options(items: Iterable[str], where: str = "--browser-domain") -> dict[str, str]:
    """``{host: mode}`` from ``HOST=MODE`` strings (a repeated command line option); UsageError
    naming ``where`` for one without ``=``."""
    pairs = []
    for item in items:
        host, sep, mode = item.partition("=")
        if not sep:
            raise UsageError(f"{where} {item!r}: write HOST=MODE (example.com=always)")
        pairs.append((host, mode))
    return _checked_pairs(pairs, where)


def _checked_pairs(pairs: Iterable[tuple[Any, Any]], where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for host, mode in pairs:
        try:
            out[check_host(host)] = check_mode(mode)
        except ValueError as exc:
            raise UsageError(f"{where}: {host}: {exc}") from None
    return out


def url_host(url: str) -> str:
    """The host of ``url`` spelt as ``check_host`` spells hosts ("" when it has none)."""
    host = _hostname(url.strip())
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return host
    return _ip_address(host) or host.removesuffix(".")


def mode_for_url(url: str, default: str, domains: Mapping[str, str]) -> str:
    """The mode for ``url``: the most specific entry of ``domains`` (as ``parse_domain_modes``
    returns them) naming its host or a parent domain of it, else ``default``.
    ``news.example.com`` falls under ``example.com``; ``badexample.com`` does not."""
    host = url_host(url)
    if not host or not domains:
        return default
    if _ip_address(host):
        return domains.get(host, default)
    labels = host.split(".")
    for i in range(len(labels)):
        mode = domains.get(".".join(labels[i:]))
        if mode is not None:
            return mode
    return default


def _ip_address(text: str) -> str | None:
    """``text`` as a normalised IP address (IPv6 without brackets), or None if it is not one."""
    try:
        return str(ipaddress.ip_address(text.removeprefix("[").removesuffix("]")))
    except ValueError:
        return None


def _hostname(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""
