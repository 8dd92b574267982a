"""The crawl's headless Chromium: found, launched on first need, relaunched after a crash, closed
(and, if it will not close, killed) when the crawl ends.

Debian's ``chromium`` driven by Playwright's Python package with its executable path: nothing is
downloaded at install. A crawl that never needs the browser (``auto`` with only static pages)
never starts it.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

from crawler.browser.processes import kill_browsers_below
from crawler.browser.render import VIEWPORT

logger = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Chromium flags for a headless crawler: no sandbox when run as root (containers, CI), no first-run
# prompts, no GPU, no traffic of its own (updates, metrics, sync, safe browsing, DNS prefetching and
# preconnects: every byte it needs comes through Scrapy).
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--dns-prefetch-disable",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--metrics-recording-only", "--disable-domain-reliability",
    "--safebrowsing-disable-auto-update",
    "--disable-features=Translate,OptimizationHints,MediaRouter,NetworkPrediction,Prerender2",
)
MAX_LAUNCHES = 4  # a browser that keeps crashing is given up: the rest of the crawl is static


class BrowserUnavailable(Exception):
    """No Chromium to drive (not installed, Playwright missing, or it would not start)."""


def find_chromium(configured: str = "") -> Path | None:
    """The Chromium executable: the configured one if it exists, else the first on PATH."""
    if configured:
        path = Path(configured).expanduser()
        return path if path.exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def why_unavailable(configured: str = "") -> str | None:
    """One line saying why there is no browser to drive, or None when there is one."""
    try:
        import playwright  # noqa: F401, PLC0415
    except ImportError:
        return "Playwright's Python package is not installed (make install)"
    if find_chromium(configured) is None:
        if configured:
            return f"CITEWARC_BROWSER_EXECUTABLE={configured} does not exist"
        return "no Chromium on PATH (make install installs Debian's chromium)"
    return None


# Playwright's driver (node) starts in citewarc's process group, so a Ctrl-C or a SIGTERM sent to
# the group (a terminal, cron, a container stop) would kill it at once and every page in a tab
# with it, recorded as failed although nothing failed: the crawl stops gracefully and closes the
# browser itself. The driver is started through ``setsid`` instead (Chromium already gets a session
# of its own); it still ends with citewarc, even a killed one, when its stdin pipe closes.
_DETACHED_NODE = """#!/bin/sh
exec setsid "$CITEWARC_PLAYWRIGHT_NODE" "$@"
"""


async def start_detached_driver():
    """Playwright started with its driver in a session of its own (when ``setsid`` exists)."""
    import os  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from playwright.async_api import async_playwright  # noqa: PLC0415

    try:  # Playwright's own, not public: without it the driver starts the ordinary way
        from playwright._impl._driver import compute_driver_executable  # noqa: PLC0415
    except ImportError:
        compute_driver_executable = None
    if (compute_driver_executable is not None and shutil.which("setsid")
            and "PLAYWRIGHT_NODEJS_PATH" not in os.environ):
        node, _ = compute_driver_executable()
        wrapper = Path(tempfile.mkdtemp(prefix="citewarc-driver-")) / "node"
        wrapper.write_text(_DETACHED_NODE)
        wrapper.chmod(0o700)
        os.environ["CITEWARC_PLAYWRIGHT_NODE"] = node
        os.environ["PLAYWRIGHT_NODEJS_PATH"] = str(wrapper)
        try:
            return await async_playwright().start()
        finally:
            del os.environ["PLAYWRIGHT_NODEJS_PATH"]
            shutil.rmtree(wrapper.parent, ignore_errors=True)
    return await async_playwright().start()


class BrowserService:
    """One Chromium for the crawl, and a tab budget: a caller holding one of the ``pages`` slots
    asks ``new_context()`` for a fresh context (cookies, cache and storage of its own)."""

    def __init__(self, executable: str, pages: int, user_agent: str) -> None:
        self.executable = executable
        self.user_agent = user_agent
        self.slots = asyncio.Semaphore(max(1, pages))
        self._playwright = None
        self._browser = None
        self._launch_lock = asyncio.Lock()
        self.launches = 0
        self.gave_up: str | None = None
        self.closed = False

    async def _launched(self):
        async with self._launch_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self.closed:
                raise BrowserUnavailable("the crawl is closing")
            if self.gave_up:
                raise BrowserUnavailable(self.gave_up)
            if self.launches >= MAX_LAUNCHES:
                self.gave_up = f"Chromium crashed {self.launches} times; the rest of the crawl is static"
                raise BrowserUnavailable(self.gave_up)
            await self._drop_browser()
            self.launches += 1
            try:
                if self._playwright is None:
                    self._playwright = await start_detached_driver()
                self._browser = await self._playwright.chromium.launch(
                    executable_path=self.executable, args=list(CHROMIUM_ARGS),
                    handle_sigint=False, handle_sigterm=False, handle_sighup=False, timeout=30_000)
            except Exception as exc:
                self.gave_up = f"Chromium would not start: {str(exc).splitlines()[0][:200]}"
                raise BrowserUnavailable(self.gave_up) from exc
            if self.launches > 1:
                logger.warning("Chromium relaunched (launch %d of at most %d)", self.launches,
                               MAX_LAUNCHES)
            return self._browser

    async def new_context(self):
        """A fresh browser context (the caller holds a slot and closes it)."""
        browser = await self._launched()
        return await browser.new_context(
            user_agent=self.user_agent, viewport=VIEWPORT, service_workers="block",
            accept_downloads=False, java_script_enabled=True)

    async def _drop_browser(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            try:
                async with asyncio.timeout(5):
                    await browser.close()
            except Exception:  # noqa: BLE001 - already dead, or hung: killed below
                pass
            kill_browsers_below(driver_too=False)  # a crashed one's helpers

    async def close(self) -> None:
        """End the browser and Playwright's driver; whatever will not end is killed."""
        self.closed = True
        await self._drop_browser()
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            try:
                async with asyncio.timeout(5):
                    await playwright.stop()
            except Exception:  # noqa: BLE001
                pass
        killed = kill_browsers_below()
        if killed:
            logger.warning("Killed %d browser process(es) that did not exit", len(killed))
