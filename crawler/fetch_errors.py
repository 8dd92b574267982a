"""Short, user-facing descriptions of why a fetch failed (for the manifest and the summary)."""

from __future__ import annotations

from OpenSSL import SSL
from scrapy import exceptions as scrapy_errors
from twisted.internet import error as net
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived


def describe_failure(exc: BaseException, timeout: float | None = None) -> str:
    """One short line: what went wrong, in words a fact-checker understands."""
    if isinstance(exc, scrapy_errors.DownloadFailedError) and exc.__cause__ is not None:
        exc = exc.__cause__  # Scrapy 2.19 wraps Twisted's ResponseFailed: describe what it wraps
    tls = _tls_failure(exc)
    if tls:
        return tls
    text = str(exc)
    if "refused: " in text and "private or reserved address" in text:  # crawler.ssrf, maybe wrapped
        return text[text.index("refused: "):][:300]
    if isinstance(exc, scrapy_errors.IgnoreRequest):
        text = str(exc) or "request ignored"
        return "forbidden by robots.txt" if "robots" in text.lower() else text[:200]
    if isinstance(exc, (net.DNSLookupError, scrapy_errors.CannotResolveHostError)):
        return "DNS lookup failed: host not found"
    if isinstance(exc, (net.ConnectionRefusedError, scrapy_errors.DownloadConnectionRefusedError)):
        return "connection refused"
    if isinstance(exc, (net.TimeoutError, net.TCPTimedOutError, scrapy_errors.DownloadTimeoutError)):
        return f"timed out after {timeout:g} s" if timeout else "timed out"
    if isinstance(exc, scrapy_errors.DownloadCancelledError):
        text = str(exc)
        if "maxsize" in text.lower() or "larger than" in text.lower():
            return "response larger than the maximum download size; download abandoned"
        return f"download cancelled: {text}"[:200]
    if isinstance(exc, ResponseNeverReceived):
        return "connection closed before any response"
    if isinstance(exc, (ResponseFailed, net.ConnectionLost, net.ConnectionDone,
                        scrapy_errors.ResponseDataLossError)):
        return "connection lost before the response was complete"
    if isinstance(exc, net.ConnectError):
        return f"could not connect: {exc.osError or exc}"[:200]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _tls_failure(exc: BaseException) -> str | None:
    """``TLS handshake failed: <OpenSSL's reason>`` when the connection died in TLS."""
    reasons = getattr(exc, "reasons", None) or []
    errors = [r.value for r in reasons if isinstance(getattr(r, "value", None), SSL.Error)]
    if isinstance(exc, SSL.Error):
        errors.append(exc)
    if not errors:
        return None
    details = [str(part[-1]) for arg in errors[0].args for part in (arg if isinstance(arg, list) else [])
               if isinstance(part, tuple) and part]
    return f"TLS handshake failed: {'; '.join(details) or errors[0]}"[:200]


def describe_redirect_limit(chain: list[str], limit: int) -> str:
    """Why a redirect chain was abandoned: a loop (a URL came back) or simply too long."""
    if len(set(chain)) < len(chain):
        first = next(url for i, url in enumerate(chain) if url in chain[:i])
        start = chain.index(first)
        loop = chain[start:chain.index(first, start + 1) + 1]
        shown = " -> ".join(loop) if sum(map(len, loop)) < 300 else f"{len(loop) - 1} URLs"
        return f"redirect loop: {shown}"[:300]
    return f"too many redirects (more than {limit})"
