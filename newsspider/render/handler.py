"""The download handler of a crawl that may render: plain requests over Scrapy's HTTP/1.1
handler, renders through scrapy-playwright's, which starts at the first render.

It bounds renders: a hard time cap per render, and a memory cap on the process tree of the
Playwright driver and its browser (``RENDER_MAX_MEMORY``: past it the browser is killed
and the next render starts a new one). A dead driver is replaced at the next render.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import weakref
from contextlib import suppress

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.misc import build_from_crawler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from newsspider.render import memory, playwright_compat
from newsspider.render.config import MIB, RenderConfig
from newsspider.render.policy import STATE_KEY, RenderState, RenderTooLarge, RenderUnguarded

logger = logging.getLogger(__name__)

#: Seconds between two looks at the browser's memory.
MEMORY_INTERVAL = 0.5


class RenderFailed(Exception):
    """A render that failed; `reason` labels it (``timeout``, ``too_large``, ``memory``, ...)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")


class RenderDownloadHandler:
    """http(s) for a crawl that can render (installed by `RenderAddon`)."""

    lazy = False
    _shared: weakref.WeakKeyDictionary[Crawler, RenderDownloadHandler] = weakref.WeakKeyDictionary()

    def __init__(self, crawler: Crawler, config: RenderConfig, stats: StatsCollector) -> None:
        self.crawler = crawler
        self.config = config
        self.stats = stats
        self.http = build_from_crawler(HTTP11DownloadHandler, crawler)
        self.policy = config.policy()
        self.generation = 0  # one per browser; the renders of a killed one are labelled
        self._killed: dict[int, str] = {}
        self._browser: ScrapyPlaywrightDownloadHandler | None = None
        self._driver: set[int] = set()
        self._start_lock = asyncio.Lock()
        self._watch: asyncio.Task[None] | None = None
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderDownloadHandler:
        # One handler for http and https: one Playwright, one browser.
        if crawler not in cls._shared:
            assert crawler.stats is not None
            config = RenderConfig.from_settings(crawler.settings)
            cls._shared[crawler] = cls(crawler, config, crawler.stats)
        return cls._shared[crawler]

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            response: Response = await self.http.download_request(request)
            return response
        browser = await self._started()
        state = request.meta.setdefault(STATE_KEY, RenderState())
        state.generation = self.generation
        try:
            rendered: Response = await asyncio.wait_for(
                browser.download_request(request), self.config.hard_timeout
            )
        except Exception as error:
            if state.page is not None and not state.page.is_closed():
                with suppress(PlaywrightError):
                    await state.page.close()
            if browser is self._browser and not self._driver_alive():
                await self._restart("driver")
            raise RenderFailed(self._reason(error, state), _first_line(error)) from error
        if not state.guarded:
            raise RenderFailed("unguarded", "the browser's guards could not be set up")
        if not self.policy.allows(rendered.url):
            # The page navigated itself off the policy (the browser shows an error page).
            reason = "redirect_offsite" if state.refused else "navigation_offsite"
            raise RenderFailed(reason, f"the page ended at {rendered.url[:200]}")
        return rendered

    def _reason(self, error: Exception, state: RenderState) -> str:
        if state.too_large or isinstance(error, RenderTooLarge):
            return "too_large"
        if state.generation in self._killed:
            return self._killed[state.generation]
        if state.refused:
            return "redirect_offsite"
        if isinstance(error, PlaywrightTimeoutError | TimeoutError):
            return "timeout"
        if isinstance(error, RenderUnguarded):
            return "unguarded"
        if not self._driver_alive() or "closed" in str(error).lower():
            return "browser_died"
        return "error"

    async def _started(self) -> ScrapyPlaywrightDownloadHandler:
        async with self._start_lock:
            if self._browser is None:
                before = set(memory.children(os.getpid()))
                handler = ScrapyPlaywrightDownloadHandler.from_crawler(self.crawler)
                playwright_compat.fail_fast(handler)
                await playwright_compat.launch(handler)
                self._driver = set(memory.children(os.getpid())) - before
                self._browser = handler
                self.stats.inc_value("newsspider/render/playwright_starts")
                if self._watch is None:
                    self._watch = asyncio.ensure_future(self._watch_memory())
        return self._browser

    def _driver_alive(self) -> bool:
        return not self._driver or any(memory.alive(pid) for pid in self._driver)

    async def _restart(self, why: str) -> None:
        """Forget a handler whose driver died; the next render starts a new one."""
        old, self._browser = self._browser, None
        self._killed[self.generation] = "browser_died"
        self.generation += 1
        self.stats.inc_value(f"newsspider/render/restarts/{why}")
        logger.warning("The Playwright driver died; starting a new one at the next render")
        if old is not None:
            with suppress(Exception):
                await asyncio.wait_for(old.close(), 10)

    async def _watch_memory(self) -> None:
        """Kill the browser when its process tree grows past ``RENDER_MAX_MEMORY``."""
        while not self._closed:
            await asyncio.sleep(MEMORY_INTERVAL)
            if self._browser is None:
                continue
            if not self._driver_alive():
                await self._restart("driver")
                continue
            used = await asyncio.to_thread(memory.tree_memory, self._driver)
            peak = self.stats.get_value("newsspider/render/memory_peak", 0)
            if used > peak:
                self.stats.set_value("newsspider/render/memory_peak", used)
            if used > self.config.max_memory:
                self._kill_browser(used)

    def _kill_browser(self, used: int) -> None:
        self._killed[self.generation] = "memory"
        self.generation += 1
        self.stats.inc_value("newsspider/render/restarts/memory")
        logger.warning(
            "The browser uses %d MiB, over RENDER_MAX_MEMORY (%d MiB): restarting it",
            used // MIB,
            self.config.max_memory // MIB,
        )
        for pid in memory.tree(self._driver) - self._driver:  # the browser's processes
            with suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    async def close(self) -> None:
        if self._closed:  # once, though it serves two schemes
            return
        self._closed = True
        if self._watch is not None:
            self._watch.cancel()
            with suppress(asyncio.CancelledError):
                await self._watch
        await self.http.close()
        if self._browser is not None:
            await self._browser.close()
