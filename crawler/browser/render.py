"""One page in Chromium: load it with every request answered by Scrapy, scroll, let the network go
quiet, then keep its rendered DOM and a full-page screenshot, all within the page's time limit.

The browser never touches the network: ``page.route`` hands each request to ``fetch`` (the spider's
``BrowserFetcher``, which sends it through Scrapy's downloader: SSRF guard, robots, limits,
politeness and the WARC capture middleware), and fulfils the browser with what came back. The
page's own document is answered from the static capture already made, so the browser renders the
very bytes the WARC holds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from crawler.browser.routing import CachedResponse, routable
from pipelines.page import BrowserView

logger = logging.getLogger(__name__)

VIEWPORT = {"width": 1280, "height": 900}
MAX_SCROLL_STEPS = 25  # viewport heights scrolled at most per round (infinite feeds never end)
MAX_SCROLL_ROUNDS = 3  # scroll again while content keeps arriving below, at most this often
SCROLL_PAUSE = 0.05  # seconds between scroll steps: a few frames, for scroll handlers and observers
CAPTURE_RESERVE = 0.25  # share of the page's time limit kept for the DOM and the screenshot
MAX_SCREENSHOT_HEIGHT = 16384  # Chromium cannot capture taller in one bitmap


@dataclass
class FetchOutcome:
    """What ``fetch`` got for one browser request: a response for the browser, or why none."""

    response: CachedResponse | None = None
    error: str | None = None


Fetch = Callable[[str, str, dict[str, str], bytes | None, str], Awaitable[FetchOutcome]]


class NetworkWatch:
    """Requests in flight through the route handler, and when the last one ended."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.last_change = time.monotonic()

    def started(self) -> None:
        self.in_flight += 1
        self.last_change = time.monotonic()

    def ended(self) -> None:
        self.in_flight -= 1
        self.last_change = time.monotonic()

    def quiet_for(self) -> float:
        return 0.0 if self.in_flight else time.monotonic() - self.last_change


async def render_page(context, url: str, document: CachedResponse, fetch: Fetch,
                      time_limit: float, quiet: float) -> BrowserView:
    """Load ``url`` in a new tab of ``context`` (a Playwright BrowserContext); ``document`` answers
    the main frame's first navigation. Never raises for the page's sake (a browser that dies, a tab
    that will not open): the view's outcome says what went wrong and what was kept."""
    render = BrowserView(url=url, started_at=datetime.now(UTC))
    watch = NetworkWatch()
    pending: set[asyncio.Task] = set()
    served_document = False

    async def handle(route) -> None:
        nonlocal served_document
        request = route.request
        render.requests += 1
        watch.started()
        try:
            # The first navigation of the main frame is the page itself (Chromium may spell its
            # URL differently, e.g. with a trailing slash): answered from the static capture.
            if (not served_document and request.is_navigation_request()
                    and request.frame.parent_frame is None):
                served_document = True
                await _fulfil(route, document)
                return
            if not routable(request.url):
                render.refused.append({"url": request.url[:300],
                                       "reason": "not http(s): refused, never fetched"})
                await route.abort("blockedbyclient")
                return
            task = asyncio.ensure_future(fetch(request.url, request.method, await request.all_headers(),
                                               request.post_data_buffer, request.resource_type))
            pending.add(task)
            try:
                outcome = await task
            finally:
                pending.discard(task)
            if outcome.response is None:
                await route.abort("failed")
            else:
                await _fulfil(route, outcome.response)
        except asyncio.CancelledError:  # the page's time is up: its fetch was cancelled
            await _quietly(route.abort("aborted"))
        except Exception as exc:  # noqa: BLE001 - the page is closing or the browser is gone
            logger.debug("route %s: %s", request.url, exc)
            await _quietly(route.abort("failed"))
        finally:
            watch.ended()

    async def refuse_websocket(ws) -> None:
        # Never connected to the server: a WebSocket is not HTTP and cannot be archived here.
        render.refused.append({"url": ws.url[:300], "reason": "WebSocket: not archived, never opened"})
        await _quietly(ws.close(code=1008, reason="not archived"))

    try:
        page = await context.new_page()
    except Exception as exc:  # noqa: BLE001 - the browser died between two pages
        render.outcome = f"failed: {_failure(exc)} (while opening a tab)"
        return render
    deadline = time.monotonic() + time_limit * (1 - CAPTURE_RESERVE)
    step = "loading the page"
    try:
        await page.route("**/*", handle)
        await page.route_web_socket("**/*", refuse_websocket)
        async with asyncio.timeout_at(_loop_time(deadline)):
            await page.goto(url, wait_until="load", timeout=0)
            step = "waiting for the network to go quiet"
            await _wait_quiet(watch, quiet)  # scripts that build the page fetch after "load"
            for _ in range(MAX_SCROLL_ROUNDS):
                step = "scrolling to the bottom"
                height = await _scroll_to_bottom(page)
                step = "waiting for the network to go quiet"
                await _wait_quiet(watch, quiet)
                if await _page_height(page) <= height:
                    break  # nothing more arrived below: the page is complete
    except TimeoutError:
        render.outcome = (f"cut short: page time limit ({time_limit:g} s) reached while {step}; "
                          "captured as it stood")
    except Exception as exc:  # noqa: BLE001 - a crash, a closed page: keep what can be kept
        render.outcome = f"failed: {_failure(exc)} (while {step})"
    for task in list(pending):
        task.cancel()  # Scrapy drops the connection; the capture middleware records the attempt
    await _capture(page, render, time_limit * CAPTURE_RESERVE)
    await _quietly(page.close(), timeout=5)
    return render


async def _capture(page, render: BrowserView, budget: float) -> None:
    """The DOM and a full-page screenshot, each within half of what is left of ``budget``."""
    if render.outcome.startswith("failed") and page.is_closed():
        return
    try:
        render.final_url = page.url
        render.captured_at = datetime.now(UTC)
        async with asyncio.timeout(budget / 2):
            render.dom = await page.content()
        async with asyncio.timeout(budget / 2):
            await page.evaluate("window.scrollTo(0, 0)")
            height = await _page_height(page)
            clip = None
            if height > MAX_SCREENSHOT_HEIGHT:
                clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": MAX_SCREENSHOT_HEIGHT}
            render.screenshot = await page.screenshot(full_page=True, clip=clip, type="png",
                                                      animations="disabled", timeout=0)
    except Exception as exc:  # noqa: BLE001 - the browser died or hung: say so, keep what came
        missing = "DOM and screenshot" if render.dom is None else "screenshot"
        note = f"{missing} not captured: {_failure(exc)}"
        render.outcome = f"failed: {note}" if render.outcome == "complete" else f"{render.outcome}; {note}"


async def _scroll_to_bottom(page) -> int:
    """Scroll a viewport at a time to the bottom, so lazy images and sections start loading (at
    most ``MAX_SCROLL_STEPS`` steps); the page's height when the bottom was reached."""
    for _ in range(MAX_SCROLL_STEPS):
        at_bottom = await page.evaluate(
            "() => { window.scrollBy(0, window.innerHeight);"
            " return window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2; }")
        await asyncio.sleep(SCROLL_PAUSE)
        if at_bottom:
            break
    return await _page_height(page)


async def _page_height(page) -> int:
    return int(await page.evaluate("document.documentElement.scrollHeight"))


async def _wait_quiet(watch: NetworkWatch, quiet: float) -> None:
    while watch.quiet_for() < quiet:
        await asyncio.sleep(min(0.05, quiet / 4))


async def _fulfil(route, response: CachedResponse) -> None:
    await route.fulfill(status=response.status, headers=response.headers, body=response.body)


async def _quietly(awaitable: Awaitable, timeout: float = 2.0) -> None:
    try:
        async with asyncio.timeout(timeout):
            await awaitable
    except Exception:  # noqa: BLE001, S110 - best effort on a page or browser going away
        pass


def _loop_time(deadline: float) -> float:
    """``deadline`` (time.monotonic) on the running loop's clock."""
    loop = asyncio.get_running_loop()
    return loop.time() + (deadline - time.monotonic())


def _failure(exc: BaseException) -> str:
    """One line for the manifest: a dead browser said plainly, anything else as Playwright put it."""
    text = _one_line(exc)
    if "has been closed" in text or "crashed" in text.lower():
        return f"Chromium crashed or closed the page ({text})"
    if isinstance(exc, TimeoutError):
        return "the browser did not answer in time"
    return text or type(exc).__name__


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split("\n")[0].split())[:200]
