"""Render client-rendered pages with scrapy-playwright, only when a page needs it.

``RENDER=auto`` (default) fetches every page over plain HTTP first. An article or
listing whose page parser finds nothing (no title or body; no article links) is a
client-rendered shell: it is fetched once more in headless Chromium and the rendered
DOM goes through the same parser. ``RENDER=always`` renders every page, ``RENDER=never``
never starts a browser. Offline replay (``REPLAY_DIR``) never renders.

`RenderDownloaderMiddleware` decides which requests render, bounds their cost (each page
closed after its render, each browser context after ``RENDER_CONTEXT_PAGES`` renders; at
most ``RENDER_MAX_PAGES`` pages at once; images, fonts and media never downloaded) and
counts them in stats. Settings: `newsspider.render.config`; the handler and its bounds:
`newsspider.render.handler`; the host policy in the browser: `newsspider.render.policy`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from contextlib import suppress

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector
from scrapy_playwright.page import PageMethod

from newsspider.crawl.middlewares import RenderDropped
from newsspider.crawl.responses import to_page_input
from newsspider.render.config import RenderConfig, RenderSettingsError
from newsspider.render.handler import RenderFailed
from newsspider.render.policy import STATE_KEY, BrowserGuard, RenderState, check_dom_size
from newsspider.site import markup
from newsspider.site.pages import ArticlePage, ListingPage
from newsspider.site.urls import page_kind

logger = logging.getLogger(__name__)

#: Request meta key of a request to render; its value says why (``shell`` or ``always``).
RENDER_KEY = "newsspider_render"
_STARTED_KEY = "newsspider_render_started"
_HOLDS_PAGE_KEY = "newsspider_render_holds_page"

_SCRIPT = re.compile(rb"<script\b", re.IGNORECASE)
#: What a rendered page is waited for: the element the page parser anchors on.
WAIT_FOR = markup.RENDERED


class ContextPool:
    """The browser contexts of renders: each serves `size` renders, then is closed once
    they are all done, so neither a context nor Playwright's record of it grows for ever.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._generation = 0
        self._assigned = 0
        self._pending: Counter[str] = Counter()
        self._full: set[str] = set()
        self._contexts: dict[str, BrowserContext] = {}

    def assign(self) -> str:
        """The name of the context for the next render."""
        name = f"render-{self._generation}"
        self._pending[name] += 1
        self._assigned += 1
        if self._assigned == self.size:
            self._full.add(name)
            self._generation += 1
            self._assigned = 0
        return name

    def finish(self, name: str, context: BrowserContext | None) -> BrowserContext | None:
        """Note a finished render; return its context when that context is done with."""
        if context is not None:
            self._contexts[name] = context
        self._pending[name] -= 1
        if self._pending[name] > 0 or name not in self._full:
            return None
        del self._pending[name]
        self._full.discard(name)
        return self._contexts.pop(name, None)


async def wait_for_content(page: Page, selector: str, timeout_ms: float, max_bytes: int) -> None:
    """Wait until `selector` is in the DOM or the network is idle, at most `timeout_ms`;
    then refuse a DOM over `max_bytes` before anything reads it.

    A page that never shows `selector` is returned as it is; the page parser decides.
    """
    waits = [
        asyncio.ensure_future(
            page.wait_for_selector(selector, state="attached", timeout=timeout_ms)
        ),
        asyncio.ensure_future(page.wait_for_load_state("networkidle", timeout=timeout_ms)),
    ]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
    await check_dom_size(page, max_bytes)


def is_shell(response: Response) -> bool:
    """True for a 200 HTML article or listing in which the page parser finds nothing, and
    which has a script that could build it (a page without one renders to itself)."""
    if response.status != 200 or not isinstance(response, TextResponse):
        return False
    kind = page_kind(response.url)
    if kind == "article":
        article = ArticlePage(to_page_input(response))
        empty = not article.title or not article.body
    elif kind == "listing":
        empty = not ListingPage(to_page_input(response)).article_urls
    else:
        return False
    return empty and _SCRIPT.search(response.body) is not None


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")


class RenderDownloaderMiddleware:
    """Render the pages that need it (``RENDER``); count renders in ``newsspider/render/*``.

    Stats: ``pages`` rendered, ``shells`` found (auto), ``empty`` renders still without
    an article, ``failures`` (and ``failures/<reason>``), ``seconds`` spent rendering,
    ``refused/<kind>`` connections the browser was refused, ``restarts/<why>``;
    ``newsspider/dropped/render_unavailable`` (a shell without a browser to render it). A
    failed render is a failed page: ``newsspider/pages/failed/render_<reason>``.
    """

    def __init__(self, config: RenderConfig, stats: StatsCollector) -> None:
        self.config = config
        self.stats = stats
        self.contexts = ContextPool(config.context_pages)
        self.guard = BrowserGuard(config.policy(), config.max_bytes, stats)
        self._pages = asyncio.Semaphore(config.max_pages)
        self._warned = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderDownloaderMiddleware:
        config = RenderConfig.from_settings(crawler.settings)
        if config.mode == "never":
            raise NotConfigured("RENDER=never")
        if config.replay:
            raise NotConfigured("replay (REPLAY_DIR) serves saved pages, nothing to render")
        if config.mode == "always" and config.browser is None:
            raise RenderSettingsError(f"RENDER=always needs a browser: {config.missing_browser()}")
        if config.browser is not None:
            logger.info("Rendering pages (RENDER=%s) with %s", config.mode, config.browser)
        assert crawler.stats is not None
        return cls(config, crawler.stats)

    async def process_request(self, request: Request) -> None:
        reason = request.meta.get(RENDER_KEY)
        if reason is None and self.config.mode == "always" and page_kind(request.url):
            reason = "always"
        if reason is None:
            return
        await self._pages.acquire()  # released when the render is done
        kind = page_kind(request.url) or "article"
        wait = PageMethod(
            wait_for_content, WAIT_FOR[kind], self.config.timeout * 1000, self.config.max_bytes
        )
        request.meta.update(
            {
                RENDER_KEY: reason,
                STATE_KEY: RenderState(),
                _STARTED_KEY: time.monotonic(),
                _HOLDS_PAGE_KEY: True,
                "playwright": True,
                "playwright_include_page": False,
                "playwright_context": self.contexts.assign(),
                "playwright_context_kwargs": {
                    "service_workers": "block",
                    "accept_downloads": False,
                },
                "playwright_page_init_callback": self.guard,
                "playwright_page_methods": [wait],
            }
        )

    async def process_response(self, request: Request, response: Response) -> Response | Request:
        reason = request.meta.get(RENDER_KEY)
        if reason is not None:
            await self._finish(request)
            self.stats.inc_value("newsspider/render/pages")
            self._add_seconds(request, request.meta.get("download_latency"))
            if reason == "shell" and is_shell(response):
                self.stats.inc_value("newsspider/render/empty")
                logger.warning("Rendered %s, but it still shows no article", response.url)
            return response
        if self.config.mode != "auto" or not is_shell(response):
            return response
        self.stats.inc_value("newsspider/render/shells")
        if self.config.browser is None:
            if not self._warned:
                self._warned = True
                logger.warning(
                    "Cannot render client-rendered pages: %s", self.config.missing_browser()
                )
            self.stats.inc_value("newsspider/dropped/render_unavailable")
            logger.warning("Dropped %s: render_unavailable", response.url)
            raise RenderDropped("render_unavailable")
        logger.info("Rendering %s: client-rendered page", response.url)
        meta = {k: v for k, v in request.meta.items() if k != "download_latency"}
        return request.replace(meta={**meta, RENDER_KEY: "shell"}, dont_filter=True)

    async def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get(RENDER_KEY) is None:
            return
        await self._finish(request)
        if isinstance(exception, IgnoreRequest):
            return
        why = exception.reason if isinstance(exception, RenderFailed) else "error"
        self.stats.inc_value("newsspider/render/failures")
        self.stats.inc_value(f"newsspider/render/failures/{why}")
        self.stats.inc_value("newsspider/dropped/render_failed")
        self._add_seconds(request, None)
        detail = exception.detail if isinstance(exception, RenderFailed) else None
        logger.warning(
            "Dropped %s: render_failed (%s)", request.url, detail or _first_line(exception)
        )
        raise RenderDropped("render_failed", failed=f"render_{why}")

    async def _finish(self, request: Request) -> None:
        """Free the render's page slot; close its context when that context is done with."""
        state = request.meta.get(STATE_KEY)
        page = state.page if isinstance(state, RenderState) else None
        request.meta.pop(STATE_KEY, None)
        if not request.meta.pop(_HOLDS_PAGE_KEY, False):
            return
        self._pages.release()
        context = page.context if page is not None else None
        done = self.contexts.finish(request.meta["playwright_context"], context)
        if done is not None:
            with suppress(PlaywrightError):
                await done.close()

    def _add_seconds(self, request: Request, latency: object) -> None:
        if not isinstance(latency, int | float):
            started = request.meta.get(_STARTED_KEY)
            latency = time.monotonic() - started if isinstance(started, float) else 0.0
        total = self.stats.get_value("newsspider/render/seconds", 0.0)
        self.stats.set_value("newsspider/render/seconds", round(total + latency, 3))
