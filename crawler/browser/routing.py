"""What passes between Chromium and Scrapy's downloader: pure translations, no browser, no reactor.

Every request the page makes is answered by a Scrapy fetch (``crawler.browser.render``), so the
request Scrapy sends is built from the browser's, and the browser is fulfilled from what Scrapy
received. The WARC keeps the server's bytes (the capture middleware sees them before decoding); the
browser gets the decoded body, as its own network stack would have handed it to the page.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

# Headers the browser would send that Scrapy sends its own way: its User-Agent (the browser is
# given the same one), its Accept-Encoding (only what replay can decode), its cookie jar, framing.
# Client hints describe HeadlessChrome, not the crawler that actually sends the request.
_NOT_FORWARDED = {
    "user-agent", "accept-encoding", "cookie", "host", "content-length", "connection",
    "upgrade-insecure-requests", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform",
}
# Headers that describe the bytes on the wire, not the decoded body the browser is given.
_NOT_FULFILLED = {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}


def forwarded_headers(browser_headers: dict[str, str]) -> dict[str, str]:
    """The browser's request headers Scrapy sends on its behalf (Accept, Referer, Origin, the
    Content-Type of a POST, headers a script set)."""
    return {name: value for name, value in browser_headers.items()
            if name.lower() not in _NOT_FORWARDED and not name.startswith(":")}


def fulfilment_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Response headers for the browser, from Scrapy's (decoded) response: the wire framing and
    encoding dropped, repeated headers joined (Set-Cookie with newlines, as Playwright expects)."""
    out: dict[str, str] = {}
    for name, value in headers:
        low = name.lower()
        if low in _NOT_FULFILLED:
            continue
        if low in out:
            out[low] += ("\n" if low == "set-cookie" else ", ") + value
        else:
            out[low] = value
    return out


def routable(url: str) -> bool:
    """Only http(s) goes through Scrapy; anything else the page asks for is refused, never fetched
    behind the crawler's back."""
    return url.startswith(("http://", "https://"))


@dataclass
class CachedResponse:
    """What the browser is fulfilled with: status, headers for the browser, decoded body."""

    status: int
    headers: dict[str, str]
    body: bytes


class ResponseCache:
    """Responses already fetched for the browser in this crawl, so the next page that needs the
    same stylesheet or script is answered without asking the server again (as a browser's own
    cache would); bounded in bytes, least recently used out first. GET 2xx only."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, max_item: int = 2 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.max_item = max_item
        self._items: OrderedDict[str, CachedResponse] = OrderedDict()
        self._size = 0

    def get(self, url: str) -> CachedResponse | None:
        hit = self._items.get(url)
        if hit is not None:
            self._items.move_to_end(url)
        return hit

    def put(self, url: str, response: CachedResponse) -> None:
        if not 200 <= response.status < 300 or len(response.body) > self.max_item:
            return
        old = self._items.pop(url, None)
        if old is not None:
            self._size -= len(old.body)
        self._items[url] = response
        self._size += len(response.body)
        while self._size > self.max_bytes and self._items:
            _, dropped = self._items.popitem(last=False)
            self._size -= len(dropped.body)
