"""The ``daily8`` spider: builds requests and follows links; page parsers extract."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsspider.crawl.middlewares import AlreadySeen, RefusedHost, RenderDropped
from newsspider.crawl.responses import release_page_input, to_page_input
from newsspider.site.pages import ArticlePage, ListingPage
from newsspider.site.urls import ARTICLE_PATH, HOME_URL, HostPolicy, listing_kind, page_kind

LOCALES = ("en", "ar", "all")


class ArgumentError(ValueError):
    """A bad spider argument; the message names it and fits on one line."""


@dataclass(frozen=True, slots=True)
class CrawlArguments:
    """The validated ``-a`` arguments of the spider."""

    urls: tuple[str, ...]
    locale: str
    depth: int
    revisit: timedelta | None = None
    full: bool = False

    @classmethod
    def parse(cls, policy: HostPolicy, **kwargs: Any) -> CrawlArguments:
        locale = str(kwargs.get("locale", "en")).strip().lower()
        if locale not in LOCALES:
            raise ArgumentError(f"locale: expected one of en, ar, all, got {kwargs['locale']!r}")
        raw_depth = str(kwargs.get("depth", "1")).strip()
        if not raw_depth.isdigit():
            raise ArgumentError(f"depth: expected a non-negative integer, got {raw_depth!r}")
        urls = [u.strip() for u in str(kwargs.get("urls") or "").split(",") if u.strip()]
        if kwargs.get("url_file"):
            path = Path(str(kwargs["url_file"]))
            try:
                lines = path.read_text("utf-8").splitlines()
            except OSError as error:
                raise ArgumentError(f"url_file: cannot read {path}: {error.strerror}") from None
            urls += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        for url in urls:
            if not policy.allows(url):
                raise ArgumentError(f"urls: not a Daily8 URL (or a host in ALLOWED_HOSTS): {url}")
            if page_kind(url) is None:
                raise ArgumentError(f"urls: not an article, hashtag or home page: {url}")
        if not urls:
            urls = [HOME_URL[lc] for lc in (("en", "ar") if locale == "all" else (locale,))]
        revisit = None
        if kwargs.get("revisit"):
            revisit = parse_duration(str(kwargs["revisit"]))
            if revisit is None:
                raise ArgumentError(
                    f"revisit: expected a duration like 30m, 6h, 2d, got {kwargs['revisit']!r}"
                )
        full = str(kwargs.get("full", "0")).strip().lower()
        if full not in ("0", "1", "true", "false", "yes", "no", ""):
            raise ArgumentError(f"full: expected 0 or 1, got {kwargs['full']!r}")
        return cls(
            urls=tuple(urls),
            locale=locale,
            depth=int(raw_depth),
            revisit=revisit,
            full=full in ("1", "true", "yes"),
        )


#: Download errors as stats reasons (Scrapy 2.19 names; older Twisted ones too).
_FAILURE_REASONS = {
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "DownloadConnectionRefusedError": "connection_refused",
    "ConnectionRefusedError": "connection_refused",
    "DownloadFailedError": "connection_lost",
    "ResponseFailed": "connection_lost",
    "ResponseDataLossError": "truncated",
    "DownloadCancelledError": "too_large",
    "DNSLookupError": "dns",
}
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype html|html)[\s>]", re.I)
_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta | None:
    """``30m``, ``6h``, ``2d``, ``1w`` as a timedelta; None when not a duration."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        return None
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


class Daily8Spider(scrapy.Spider):
    """Crawl Daily8: listings, article pages and their related articles.

    Arguments: ``urls=URL,URL``, ``url_file=PATH``, ``locale=en|ar|all`` (default
    ``en``), ``depth=N`` related-article hops to follow (default 1), ``revisit=6h``
    (re-fetch articles first seen that recently), ``full=1`` (ignore the seen-store).
    """

    name = "daily8"

    def __init__(self, *args: Any, arguments: CrawlArguments, policy: HostPolicy, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.arguments = arguments
        self.policy = policy
        self._requested_ids: set[str] = set()
        self._requested_listings: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Daily8Spider:
        policy = HostPolicy.from_setting(crawler.settings.get("ALLOWED_HOSTS"))
        arguments = CrawlArguments.parse(policy, **kwargs)
        spider = cls(*args, arguments=arguments, policy=policy, **kwargs)
        spider._set_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.arguments.urls:
            for request in self._follow(url, hops=0, from_listing=False, start=True):
                yield request

    def requests_for_start_url(self, url: str) -> Iterator[scrapy.Request]:
        """Requests for a start page given while crawling (e.g. pushed to a shared list)."""
        if page_kind(url) is None:
            self.logger.warning("Ignoring start URL %s: not an article, hashtag or home page", url)
            return
        yield from self._follow(url, hops=0, from_listing=False, start=True)

    def _follow(
        self, url: str, hops: int, from_listing: bool, start: bool = False
    ) -> Iterator[scrapy.Request]:
        """Yield a request for `url` unless its host, locale or id rule it out."""
        if not self.policy.allows(url):
            self.crawler.stats.inc_value("newsspider/links/offsite")
            return
        path = urlsplit(url).path or "/"
        article = ARTICLE_PATH.match(path)
        kind = "article" if article else listing_kind(path)
        if article:
            aid = article["id"]
            if aid in self._requested_ids:
                return
            locale = "en" if article["en"] else "ar"
            if not start and self.arguments.locale not in ("all", locale):
                return
            self._requested_ids.add(aid)
            meta = {"hops": hops, "article_id": aid}
            yield scrapy.Request(
                url, self.parse_article, errback=self.failed, meta=meta, dont_filter=True
            )
        elif kind == "listing" and (start or from_listing):
            key = url.rstrip("/")
            if key in self._requested_listings:
                return
            self._requested_listings.add(key)
            meta = {"hops": hops, "start": start}
            self.crawler.stats.inc_value("newsspider/listings/requested")
            yield scrapy.Request(
                url, self.parse_listing, errback=self.failed, meta=meta, dont_filter=True
            )

    def _html(self, response: Response) -> HtmlResponse | None:
        """The response as HTML, or None (counted and logged) when it is not HTML."""
        self.crawler.stats.inc_value("newsspider/pages/fetched")
        if isinstance(response, HtmlResponse):
            return response
        if _HTML_START.match(response.body[:512]):
            # HTML served under a wrong Content-Type: parse it anyway, but count it.
            self.crawler.stats.inc_value("newsspider/pages/content_type_mismatch")
            return HtmlResponse(
                response.url,
                status=response.status,
                headers=response.headers,
                body=response.body,
                request=response.request,
            )
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        self.logger.warning("Skipping non-HTML response %s (%s)", response.url, content_type)
        self.crawler.stats.inc_value("newsspider/skipped/non_html")
        self.crawler.stats.inc_value("newsspider/pages/unparsed")
        return None

    def failed(self, failure: Failure) -> None:
        """Count and log a page that could not be downloaded (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        error = failure.value
        if isinstance(error, HttpError):  # a subclass of IgnoreRequest: test it first
            reason = f"http_{error.response.status}"
        elif isinstance(error, AlreadySeen) or "robots.txt" in str(error):
            return  # skipped on purpose: not a failure
        elif isinstance(error, RenderDropped) and error.failed:
            reason = error.failed  # a render that failed: a failed page
        elif isinstance(error, RenderDropped):
            # Counted (newsspider/dropped/<reason>) and logged by the render middleware.
            self.crawler.stats.inc_value("newsspider/pages/unparsed")
            return
        elif isinstance(error, RefusedHost):
            reason = str(error).split(":", 1)[0]
        elif isinstance(error, IgnoreRequest):
            reason = "redirect_loop" if "redirections" in str(error) else "ignored"
        else:
            name = type(error).__name__
            reason = _FAILURE_REASONS.get(name, name)
        self.crawler.stats.inc_value("newsspider/pages/failed")
        self.crawler.stats.inc_value(f"newsspider/pages/failed/{reason}")
        first_url = request.meta.get("redirect_urls", [request.url])[0]
        if first_url != request.url:
            self.logger.warning("Failed %s (redirected to %s): %s", first_url, request.url, reason)
        else:
            self.logger.warning("Failed %s: %s", request.url, reason)

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        html = self._html(response)
        if html is None:
            return
        response = html
        fetch_time = response.meta.get("fetched_at") or datetime.now(UTC)
        article = await ArticlePage(to_page_input(response), fetch_time=fetch_time).to_item()
        release_page_input(response)
        yield article
        hops = response.meta.get("hops", 0)
        if hops < self.arguments.depth:
            for request in self._follow_all((c.url for c in article.related), hops + 1):
                yield request

    async def parse_listing(self, response: Response) -> AsyncIterator[Any]:
        html = self._html(response)
        if html is None:
            return
        response = html
        listing = await ListingPage(to_page_input(response)).to_item()
        release_page_input(response)
        self.crawler.stats.inc_value("newsspider/listings/parsed")
        for request in self._follow_all(listing.article_urls, 0):
            yield request
        if response.meta.get("start"):
            for url in listing.hashtag_urls:
                for request in self._follow(url, hops=0, from_listing=True):
                    yield request

    def _follow_all(self, urls: Iterable[str], hops: int) -> Iterator[scrapy.Request]:
        for url in urls:
            yield from self._follow(url, hops, from_listing=False)
