"""Extensions of newsspider."""

from __future__ import annotations

import gc
import json
import logging
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsspider.crawl.status import summary

logger = logging.getLogger(__name__)


class StatsFileExtension:
    """Write the crawl's final stats as JSON to ``STATS_FILE`` (for monitoring and tests)."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFileExtension:
        path = crawler.settings.get("STATS_FILE")
        if not path:
            raise NotConfigured("STATS_FILE is not set")
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = {
            key: str(value) if not isinstance(value, int | float) else value
            for key, value in self.crawler.stats.get_stats().items()
        }
        stats["finish_reason"] = reason
        self.path.write_text(json.dumps(stats, indent=2, sort_keys=True), "utf-8")


class GcFreezeExtension:
    """Leave what exists when the spider opens out of later garbage collections (``GC_FREEZE``).

    CPython's full collections walk every tracked object. A crawler starts with a large heap
    that lives until exit (Scrapy, Twisted, lxml, Playwright, dateparser, compiled patterns):
    without this, each full collection walks it again (about 70 ms, some 20 times a crawl of
    5,000 pages). Frozen objects are still freed by reference counting; they are unfrozen
    when the spider closes.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GcFreezeExtension:
        if not crawler.settings.getbool("GC_FREEZE"):
            raise NotConfigured("GC_FREEZE is off")
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        assert self.crawler.stats is not None
        gc.collect()  # startup's garbage first: frozen cycles would never be collected
        gc.freeze()
        self.crawler.stats.set_value("newsspider/gc/frozen_objects", gc.get_freeze_count())

    def spider_closed(self) -> None:
        gc.unfreeze()


class RunSummaryExtension:
    """Log one summary line when the engine stops."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.threshold = crawler.settings.getfloat("FAILURE_THRESHOLD")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummaryExtension:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        logger.info("Summary: %s", summary(stats, self.threshold))
