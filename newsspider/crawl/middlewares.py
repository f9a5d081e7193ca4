"""Downloader middlewares of newsspider (replay lives in `newsspider.crawl.replay`)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from newsspider.crawl.seen import SeenStore, store_for
from newsspider.site.urls import HostPolicy


class RenderDropped(IgnoreRequest):
    """A page dropped because it needed a render that could not happen; `reason` says why.

    `failed` names the failure of a render that was tried (``render_timeout``, ...): such a
    page counts as failed (``newsspider/pages/failed/<failed>``)."""

    def __init__(self, reason: str, failed: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.failed = failed


class AlreadySeen(IgnoreRequest):
    """An article page an earlier run emitted."""


class SeenStoreDownloaderMiddleware:
    """Skip article pages that an earlier run emitted, unless revisited or ``-a full=1``."""

    def __init__(self, crawler: Crawler, store: SeenStore, stats: StatsCollector) -> None:
        self.crawler = crawler
        self.store = store
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenStoreDownloaderMiddleware:
        store = store_for(crawler)
        if store is None:
            raise NotConfigured("the seen-store is off (SEEN_DB)")
        assert crawler.stats is not None
        return cls(crawler, store, crawler.stats)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        article_id = request.meta.get("article_id")
        if not article_id:
            return
        arguments = getattr(self.crawler.spider, "arguments", None)
        if getattr(arguments, "full", False):
            return
        record = self.store.get(article_id)
        if record is None:
            return
        revisit: timedelta | None = getattr(arguments, "revisit", None)
        if revisit is not None and record.first_seen >= datetime.now(UTC) - revisit:
            request.meta["revisit"] = True
            self.stats.inc_value("newsspider/articles/revisited")
            return
        self.stats.inc_value("newsspider/articles/already_seen")
        raise AlreadySeen(f"already emitted: {article_id}")


class RefusedHost(IgnoreRequest):
    """A request to a host newsspider must not contact."""


class HostPolicyDownloaderMiddleware:
    """Refuse requests (and redirects) to hosts outside the policy, before any connection.

    Daily8's hosts and ``ALLOWED_HOSTS`` pass. IP-literal hosts, and hosts that resolve
    to loopback, private, link-local, reserved or metadata addresses, are refused unless
    listed in ``ALLOWED_HOSTS``. In replay nothing is resolved.
    """

    def __init__(self, policy: HostPolicy, stats: StatsCollector, resolve: bool) -> None:
        self.policy = policy
        self.stats = stats
        self.resolve = resolve
        self._verdicts: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPolicyDownloaderMiddleware:
        assert crawler.stats is not None
        policy = HostPolicy.from_setting(crawler.settings.get("ALLOWED_HOSTS"))
        return cls(policy, crawler.stats, resolve=not crawler.settings.get("REPLAY_DIR"))

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        redirected = bool(request.meta.get("redirect_urls"))
        reason = None
        if not self.policy.allows(request.url):
            reason = "redirect_offsite" if redirected else "offsite"
        elif not self.policy.listed(request.url) and not await self._public(request.url):
            reason = "private_address"
        if reason:
            self.stats.inc_value(f"newsspider/refused/{reason}")
            raise RefusedHost(f"{reason}: {request.url}")

    async def _public(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        if host not in self._verdicts:
            literal = _ip(host)
            if literal is not None:
                self._verdicts[host] = False  # IP literals only when listed
            elif not self.resolve:
                self._verdicts[host] = True
            else:
                self._verdicts[host] = await _resolves_public(host)
        return self._verdicts[host]


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def _resolves_public(host: str) -> bool:
    """True when every address `host` resolves to is a public one."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return True  # unresolvable: let the download fail and be counted as such
    for info in infos:
        address = _ip(str(info[4][0]).split("%", 1)[0])
        if address is None or not address.is_global or address.is_multicast:
            return False
    return True


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, spaced out: exponential backoff, and ``Retry-After`` on 429/503.

    ``RETRY_BACKOFF_BASE`` seconds doubles per attempt up to ``RETRY_BACKOFF_MAX``; a
    ``Retry-After`` above ``RETRY_AFTER_MAX`` gives up at once.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX")
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX")

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        delay = None
        if response.status in (429, 503) and b"Retry-After" in response.headers:
            delay = _retry_after(response.headers.get(b"Retry-After") or b"")
            if delay is None or delay > self.retry_after_max:
                return response
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await _sleep(delay if delay is not None else self._backoff(request))
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await _sleep(self._backoff(request))
        return result

    def _backoff(self, request: Request) -> float:
        attempt = int(request.meta.get("retry_times", 0))
        return float(min(self.backoff_max, self.backoff_base * 2**attempt))


def _retry_after(value: bytes) -> float | None:
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        from twisted.internet import reactor

        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))  # type: ignore[arg-type]


class ContactUserAgentMiddleware(UserAgentMiddleware):
    """``USER_AGENT`` with ``{contact}`` replaced by ``CONTACT_URL``."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContactUserAgentMiddleware:
        agent = crawler.settings.get("USER_AGENT", "").replace(
            "{contact}", crawler.settings.get("CONTACT_URL", "")
        )
        middleware = cls(agent)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware
