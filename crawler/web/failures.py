"""Short, user-facing descriptions of why a fetch failed (for the manifest and the summary)."""

from __future__ import annotations

from urllib.parse import urlsplit

from OpenSSL import SSL
from scrapy import exceptions as scrapy_errors
from scrapy.http import Request
from twisted.internet import error as net
from twisted.web._newclient import RequestTransmissionFailed, ResponseFailed, ResponseNeverReceived

from crawler.middlewares.guard import refusal_for_host
from crawler.middlewares.limits import redirect_limit_error, size_text

_REDIRECTS_EXHAUSTED = "max redirections reached"  # RedirectMiddleware's IgnoreRequest message


def describe_failure(exc: BaseException, timeout: float | None = None,
                     request: Request | None = None) -> str:
    """One short line: what went wrong, in words a fact-checker understands."""
    if isinstance(exc, scrapy_errors.DownloadFailedError) and exc.__cause__ is not None:
        exc = exc.__cause__  # Scrapy 2.19 wraps Twisted's ResponseFailed: describe what it wraps
    tls = _tls_failure(exc)
    if tls:
        return tls
    text = str(exc)
    if "refused: " in text and "private or reserved address" in text:  # the guard, maybe wrapped
        return text[text.index("refused: "):][:300]
    limit = getattr(exc.__cause__, "max_size", None)  # HttpCompressionMiddleware's size check
    if isinstance(exc, scrapy_errors.IgnoreRequest) and isinstance(limit, int):
        return f"decompressed body exceeds {size_text(limit)} (gzip bomb?); raw bytes archived"
    if isinstance(exc, scrapy_errors.IgnoreRequest) and text == _REDIRECTS_EXHAUSTED and request:
        return redirect_limit_error(request)
    if isinstance(exc, scrapy_errors.IgnoreRequest):
        text = str(exc) or "request ignored"
        return "forbidden by robots.txt" if "robots" in text.lower() else text[:200]
    if isinstance(exc, (net.DNSLookupError, scrapy_errors.CannotResolveHostError)):
        refused = refusal_for_host(urlsplit(request.url).hostname or "") if request else None
        return refused or "DNS lookup failed: host not found"
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


def request_reached_server(exc: BaseException) -> bool:
    """Whether the HTTP request went out to a server before ``exc`` ended the fetch.

    Not when the name did not resolve (or resolved to a refused address), the connection was
    refused or never established (a connect timeout), the TLS handshake failed (the request is
    only written once it succeeds), the request could not be written, or a middleware refused it
    first (SSRF guard, robots.txt): such a fetch gets no ``request`` record, only a ``metadata``
    record saying why. A fetch that timed out or was reset after connecting did reach the server.
    """
    cause = exc.__cause__ if exc.__cause__ is not None else exc  # Scrapy 2.19 wraps Twisted's
    if isinstance(exc, scrapy_errors.IgnoreRequest) or _tls_failure(cause) or _tls_failure(exc):
        return False
    never = (net.DNSLookupError, net.ConnectError, scrapy_errors.CannotResolveHostError,
             scrapy_errors.DownloadConnectionRefusedError, RequestTransmissionFailed)
    return not isinstance(exc, never) and not isinstance(cause, never)


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

