"""The ``daily8`` spider: builds requests and follows links; page parsers extract."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsspider.crawl.config import RunConfig, configure
from newsspider.crawl.middlewares import (
    AlreadySeen,
    RefusedHost,
    RenderDropped,
    RetryScheduled,
)
from newsspider.crawl.responses import release_page_input, to_page_input
from newsspider.site.pages import ArticlePage, ListingPage
from newsspider.site.urls import ARTICLE_PATH, listing_kind, page_kind

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
    "CannotResolveHostError": "dns",
}


def _ignored_reason(message: str) -> str:
    """The reason of an `IgnoreRequest` raised by one of Scrapy's own middlewares."""
    if "redirections" in message:
        return "redirect_loop"
    if "DOWNLOAD_MAXSIZE" in message:  # HttpCompressionMiddleware: a decompression bomb
        return "too_large"
    return "ignored"


_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype html|html)[\s>]", re.I)


class Daily8Spider(scrapy.Spider):
    """Crawl Daily8: listings, article pages and their related articles.

    Arguments: ``urls=URL,URL``, ``url_file=PATH``, ``locale=en|ar|all`` (default
    ``en``), ``depth=N`` related-article hops to follow (default 1), ``revisit=6h``
    (re-fetch articles first seen that recently), ``full=1`` (ignore the seen-store).
    """

    name = "daily8"

    def __init__(self, *args: Any, config: RunConfig, **kwargs: Any):
        super().__init__(*args, **kwargs)
        assert config.arguments is not None
        self.arguments = config.arguments
        self.policy = config.policy
        self._requested_ids: set[str] = set()
        self._requested_listings: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Daily8Spider:
        config = configure(crawler, kwargs)
        return super().from_crawler(crawler, *args, config=config, **kwargs)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        state = getattr(self, "state", None)  # set by Scrapy's SpiderState with JOBDIR
        if isinstance(state, dict):
            # A resumed job: the article pages the paused run requested (and emitted) are
            # neither requested nor emitted again; the scheduler's saved queue has the rest.
            self._requested_ids = state.setdefault("requested_ids", self._requested_ids)
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
        if request.callback == self.parse_listing:
            self.crawler.stats.inc_value("newsspider/listings/requested")
        if isinstance(error, HttpError):  # a subclass of IgnoreRequest: test it first
            reason = f"http_{error.response.status}"
        elif isinstance(error, AlreadySeen | RetryScheduled) or "robots.txt" in str(error):
            return  # skipped on purpose, or retried later: not a failure
        elif isinstance(error, RenderDropped) and error.failed:
            reason = error.failed  # a render that failed: a failed page
        elif isinstance(error, RenderDropped):
            # Counted (newsspider/dropped/<reason>) and logged by the render middleware.
            self.crawler.stats.inc_value("newsspider/pages/unparsed")
            return
        elif isinstance(error, RefusedHost):
            reason = str(error).split(":", 1)[0]
        elif isinstance(error, IgnoreRequest):
            reason = _ignored_reason(str(error))
        else:
            name = type(error).__name__
            reason = _FAILURE_REASONS.get(name, name)
        self.crawler.stats.inc_value("newsspider/pages/failed")
        self.crawler.stats.inc_value(f"newsspider/pages/failed/{reason}")
        self.crawler.stats.inc_value(f"newsspider/pages/failed_host/{urlsplit(request.url).netloc}")
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
        page = ArticlePage(to_page_input(response), fetch_time=fetch_time)
        article = await page.to_item()
        disagreements = page.disagreements
        if disagreements:
            self.crawler.stats.inc_value("newsspider/structured/disagreeing_pages")
        for field in disagreements:
            self.crawler.stats.inc_value(f"newsspider/structured/disagree/{field}")
        release_page_input(response)
        yield article
        hops = response.meta.get("hops", 0)
        if hops < self.arguments.depth:
            for request in self._follow_all((c.url for c in article.related), hops + 1):
                yield request

    async def parse_listing(self, response: Response) -> AsyncIterator[Any]:
        # Counted here and in failed(), by the process that fetched it: with scale-out, a
        # listing one worker yields may be fetched by another.
        self.crawler.stats.inc_value("newsspider/listings/requested")
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
