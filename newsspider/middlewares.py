"""Downloader middlewares of newsspider (replay lives in `newsspider.replay`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.statscollectors import StatsCollector

from newsspider.seen import SeenStore, store_for


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
        raise IgnoreRequest(f"already emitted: {article_id}")
