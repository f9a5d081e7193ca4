"""Render client-rendered pages with scrapy-playwright, only when a page needs it.

``RENDER=auto`` (default) fetches every page over plain HTTP first. An article or
listing whose page parser finds nothing (no title or body; no article links) is a
client-rendered shell: it is fetched once more in headless Chromium and the rendered
DOM goes through the same parser. ``RENDER=always`` renders every page, ``RENDER=never``
never starts a browser. Offline replay (``REPLAY_DIR``) never renders.

`RenderAddon` routes http(s) through scrapy-playwright only when rendering is possible
(a browser was found); `RenderDownloaderMiddleware` decides which requests render,
bounds their cost (each page closed after its render, each browser context after
``RENDER_CONTEXT_PAGES`` renders; at most ``RENDER_MAX_PAGES`` pages at once; images,
fonts and media never downloaded; a timeout) and counts them in stats. The browser
requests only hosts the crawl may request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import time
import weakref
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import playwright
from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request as PlaywrightRequest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from newsspider.crawl.middlewares import RenderDropped
from newsspider.site import markup
from newsspider.site.pages import ArticlePage, ListingPage
from newsspider.site.urls import HostPolicy, page_kind
from newsspider.spiders.daily8 import to_page_input

logger = logging.getLogger(__name__)

MODES = ("auto", "always", "never")
#: Resource types a render never downloads.
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})
#: Chromium flags for a headless browser in a (root) container, without background traffic.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
#: Debian's Chromium: the binary itself, then its launcher script.
SYSTEM_CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
INSTALL_HINT = (
    "install one with `apt-get install chromium` or `playwright install chromium`, "
    "or point RENDER_BROWSER_PATH at a Chromium executable"
)
PLAYWRIGHT_HANDLER = "newsspider.render.middleware.PlaywrightDownloadHandler"

#: Request meta key of a request to render; its value says why (``shell`` or ``always``).
RENDER_KEY = "newsspider_render"
_STARTED_KEY = "newsspider_render_started"
_HOLDS_PAGE_KEY = "newsspider_render_holds_page"
_CONTEXT_KEY = "newsspider_render_context"

#: What a rendered page is waited for: the element the page parser anchors on.
WAIT_FOR = markup.RENDERED


class RenderSettingsError(ValueError):
    """A bad rendering setting, or ``RENDER=always`` without a browser; one line."""


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def playwright_chromium() -> str | None:
    """The Chromium that ``playwright install chromium`` put in Playwright's cache, if any."""
    package = Path(playwright.__file__).parent / "driver" / "package"
    try:
        browsers = json.loads((package / "browsers.json").read_text("utf-8"))["browsers"]
        revisions = {str(b["name"]): str(b["revision"]) for b in browsers}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH", "")
    if configured == "0":
        root = package / ".local-browsers"
    elif configured:
        root = Path(configured)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"
    patterns = []
    if shell := revisions.get("chromium-headless-shell"):
        patterns += [
            f"chromium_headless_shell-{shell}/*/chrome-headless-shell",
            f"chromium_headless_shell-{shell}/*/headless_shell",
        ]
    if full := revisions.get("chromium"):
        patterns.append(f"chromium-{full}/*/chrome")
    for pattern in patterns:
        for candidate in sorted(root.glob(pattern)):
            if _is_executable(candidate):
                return str(candidate)
    return None


def find_browser(configured: str = "") -> str | None:
    """The Chromium to render with: `configured` if given, else Playwright's, else Debian's."""
    if configured:
        return configured if _is_executable(Path(configured)) else None
    found = playwright_chromium()
    if found:
        return found
    for candidate in (*SYSTEM_CHROMIUM, shutil.which("chromium")):
        if candidate and _is_executable(Path(candidate)):
            return candidate
    return None


def _browser_args(value: object) -> tuple[str, ...]:
    """``RENDER_BROWSER_ARGS``: a list, a JSON list, or one flag as a string."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return ()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise RenderSettingsError(
                    f"RENDER_BROWSER_ARGS: expected a JSON list of flags, got {text!r}"
                ) from None
        else:
            return (text,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RenderSettingsError(f"RENDER_BROWSER_ARGS: expected a list of flags, got {value!r}")


@dataclass(frozen=True, slots=True)
class RenderConfig:
    """The rendering settings of a crawl, validated, and the browser they resolve to."""

    mode: str
    browser: str | None
    browser_setting: str
    max_pages: int
    context_pages: int
    timeout: float
    browser_args: tuple[str, ...]
    allowed_hosts: object
    replay: bool

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RenderConfig:
        """Read the ``RENDER*`` settings; `RenderSettingsError` names a bad one."""
        mode = str(settings.get("RENDER") or "auto").strip().lower()
        if mode not in MODES:
            raise RenderSettingsError(
                f"RENDER: expected one of auto, always, never, got {settings.get('RENDER')!r}"
            )
        max_pages = _positive_int(settings, "RENDER_MAX_PAGES", 4)
        context_pages = _positive_int(settings, "RENDER_CONTEXT_PAGES", 50)
        try:
            timeout = settings.getfloat("RENDER_TIMEOUT", 30.0)
        except ValueError:
            timeout = 0.0
        if not timeout > 0:
            raise RenderSettingsError(
                f"RENDER_TIMEOUT: expected seconds > 0, got {settings.get('RENDER_TIMEOUT')!r}"
            )
        browser_setting = str(settings.get("RENDER_BROWSER_PATH") or "").strip()
        replay = bool(settings.get("REPLAY_DIR"))
        rendering = mode != "never" and not replay
        return cls(
            mode=mode,
            browser=find_browser(browser_setting) if rendering else None,
            browser_setting=browser_setting,
            max_pages=max_pages,
            context_pages=context_pages,
            timeout=timeout,
            browser_args=_browser_args(settings.get("RENDER_BROWSER_ARGS")),
            allowed_hosts=settings.get("ALLOWED_HOSTS"),
            replay=replay,
        )

    @property
    def can_render(self) -> bool:
        """True when this crawl may render: not ``never``, not replay, a browser found."""
        return self.mode != "never" and not self.replay and self.browser is not None

    def missing_browser(self) -> str:
        """One line saying that no browser was found, and how to install one."""
        where = (
            f"RENDER_BROWSER_PATH={self.browser_setting} is not an executable"
            if self.browser_setting
            else "no Chromium found (Playwright's or /usr/bin/chromium)"
        )
        return f"{where}; {INSTALL_HINT}"

    def playwright_settings(self) -> dict[str, Any]:
        """The scrapy-playwright settings that enforce these rendering settings."""
        return {
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {
                "executable_path": self.browser,
                "headless": True,
                "args": [*CHROMIUM_FLAGS, *self.browser_args],
            },
            # The middleware caps pages in all contexts; a context in use, one closing.
            "PLAYWRIGHT_MAX_CONTEXTS": 2,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": self.max_pages,
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": self.timeout * 1000,
            "PLAYWRIGHT_ABORT_REQUEST": ResourceFilter(self.allowed_hosts),
        }


def check_render_settings(settings: BaseSettings) -> None:
    """Raise `RenderSettingsError` for bad settings or ``RENDER=always`` without a browser."""
    config = RenderConfig.from_settings(settings)
    if config.mode == "always" and not config.replay and config.browser is None:
        raise RenderSettingsError(f"RENDER=always needs a browser: {config.missing_browser()}")


class PlaywrightDownloadHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """scrapy-playwright's download handler, one for http and https, that starts Playwright
    at the first render rather than with the engine: a crawl that renders nothing runs none.
    """

    _shared: weakref.WeakKeyDictionary[Crawler, PlaywrightDownloadHandler] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._start_lock = asyncio.Lock()
        self._started = False
        self._closed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PlaywrightDownloadHandler:
        if crawler not in cls._shared:
            cls._shared[crawler] = cls(crawler)
        return cls._shared[crawler]

    async def _maybe_launch_in_thread(self) -> None:
        """Connected to ``engine_started`` by scrapy-playwright: start nothing yet."""

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright") and not self._started:
            async with self._start_lock:
                if not self._started:
                    await self._maybe_future_from_coro(self._launch())
                    self._started = True
        response: Response = await super().download_request(request)
        return response

    async def close(self) -> None:
        if not self._closed:  # once, though it serves two schemes
            self._closed = True
            await super().close()


class RenderAddon:
    """Send http(s) through scrapy-playwright's handler, only when this crawl can render.

    The handler starts Playwright and the browser at the first page to render; with
    ``RENDER=never``, in replay or without a browser it is not installed at all.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        try:
            config = RenderConfig.from_settings(settings)
        except RenderSettingsError:
            return  # the middleware stops the crawl with the message
        if not config.can_render:
            return
        handlers = settings["DOWNLOAD_HANDLERS"]
        for scheme in ("http", "https"):
            handlers.set(scheme, PLAYWRIGHT_HANDLER, "addon")
        for name, value in config.playwright_settings().items():
            settings.set(name, value, "addon")


class ResourceFilter:
    """What a render never downloads (``PLAYWRIGHT_ABORT_REQUEST``).

    Images, fonts and media, and anything from a host the crawl may not request
    (Daily8's hosts and ``ALLOWED_HOSTS``).
    """

    def __init__(self, allowed_hosts: object = None) -> None:
        self.allowed_hosts = allowed_hosts
        self.policy = HostPolicy.from_setting(allowed_hosts)

    def __call__(self, request: PlaywrightRequest) -> bool:
        if request.resource_type in BLOCKED_RESOURCES:
            return True
        url = request.url
        return not url.startswith(("data:", "blob:")) and not self.policy.allows(url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.allowed_hosts!r})"


async def remember_context(page: Page, request: Request) -> None:
    """Page init callback: note the render's browser context, for `ContextPool` to close."""
    request.meta[_CONTEXT_KEY] = page.context


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


async def wait_for_content(page: Page, selector: str, timeout_ms: float) -> None:
    """Wait until `selector` is in the DOM or the network is idle, at most `timeout_ms`.

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


def is_shell(response: Response) -> bool:
    """True for a 200 HTML article or listing in which the page parser finds nothing."""
    if response.status != 200 or not isinstance(response, TextResponse):
        return False
    kind = page_kind(response.url)
    if kind == "article":
        article = ArticlePage(to_page_input(response))
        return not article.title or not article.body
    if kind == "listing":
        return not ListingPage(to_page_input(response)).article_urls
    return False


def _positive_int(settings: BaseSettings, name: str, default: int) -> int:
    """An integer setting that must be at least 1; `RenderSettingsError` names it if not."""
    try:
        value = settings.getint(name, default)
    except ValueError:
        value = 0
    if value < 1:
        raise RenderSettingsError(
            f"{name}: expected a positive integer, got {settings.get(name)!r}"
        )
    return value


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")


class RenderDownloaderMiddleware:
    """Render the pages that need it (``RENDER``); count renders in ``newsspider/render/*``.

    Stats: ``pages`` rendered, ``shells`` found (auto), ``empty`` renders still without
    an article, ``failures``, ``seconds`` spent rendering, and
    ``newsspider/dropped/render_unavailable`` (a shell without a browser to render it).
    """

    def __init__(self, config: RenderConfig, stats: StatsCollector) -> None:
        self.config = config
        self.stats = stats
        self.contexts = ContextPool(config.context_pages)
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
        request.meta.update(
            {
                RENDER_KEY: reason,
                _STARTED_KEY: time.monotonic(),
                _HOLDS_PAGE_KEY: True,
                "playwright": True,
                "playwright_include_page": False,
                "playwright_context": self.contexts.assign(),
                "playwright_context_kwargs": {"service_workers": "block"},
                "playwright_page_init_callback": f"{__name__}.remember_context",
                "playwright_page_methods": [
                    PageMethod(wait_for_content, WAIT_FOR[kind], self.config.timeout * 1000)
                ],
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
        self.stats.inc_value("newsspider/render/failures")
        self.stats.inc_value("newsspider/dropped/render_failed")
        self._add_seconds(request, None)
        logger.warning("Dropped %s: render_failed (%s)", request.url, _first_line(exception))
        raise RenderDropped("render_failed")

    async def _finish(self, request: Request) -> None:
        """Free the render's page slot; close its context when that context is done with."""
        context = request.meta.pop(_CONTEXT_KEY, None)
        if not request.meta.pop(_HOLDS_PAGE_KEY, False):
            return
        self._pages.release()
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
