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
from scrapy.statscollectors import StatsCollector

from newsspider.crawl.config import run_config
from newsspider.crawl.feeds import ledger_for
from newsspider.crawl.status import ERRORS, EXIT_STATUS, summary

logger = logging.getLogger(__name__)

#: Sent once the run's exit status is computed and its summary logged.
run_summarized = object()


class StatsFileExtension:
    """Write the crawl's final stats as JSON to ``STATS_FILE`` (for monitoring and tests).

    Written when the engine stops and again once the run is summarized (`run_summarized`),
    so the file holds the exit status and every close-time count.
    """

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFileExtension:
        path = crawler.settings.get("STATS_FILE")
        if not path:
            raise NotConfigured("STATS_FILE is not set")
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.write, signal=signals.engine_stopped)
        crawler.signals.connect(extension.write, signal=run_summarized)
        return extension

    def write(self) -> None:
        assert self.crawler.stats is not None
        stats = {
            key: str(value) if not isinstance(value, int | float) else value
            for key, value in self.crawler.stats.get_stats().items()
        }
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


class _ErrorCounter(logging.Handler):
    """Counts ERROR records into the stats for the whole run, close included."""

    def __init__(self, stats: StatsCollector) -> None:
        super().__init__(level=logging.ERROR)
        self.stats = stats

    def emit(self, record: logging.LogRecord) -> None:
        self.stats.inc_value(ERRORS)


class RunSummaryExtension:
    """Compute the run's exit status once and log it in one summary line, last.

    Scrapy stops counting log records at ``spider_closed``, before feeds are stored and
    seen marks written; errors are counted here until the summary (``newsspider/errors``).
    The summary is computed when the engine stops, after every other ``engine_stopped``
    handler (it connects when the spider opens), and stored as ``newsspider/exit_status``,
    which the ``crawl`` command exits with.
    """

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        self.threshold = run_config(crawler).failure_threshold
        self.counter = _ErrorCounter(crawler.stats)
        ledger_for(crawler)  # feeds are accounted for from the first one on

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummaryExtension:
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def engine_started(self) -> None:
        self.stats.set_value(ERRORS, self.stats.get_value(ERRORS, 0))
        logging.getLogger().addHandler(self.counter)

    def spider_opened(self, spider: Any) -> None:
        self.crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    def engine_stopped(self) -> None:
        code, line = summary(self.stats.get_stats(), self.threshold)
        self.stats.set_value(EXIT_STATUS, code)
        logging.getLogger().removeHandler(self.counter)
        logger.info("Summary: %s", line)
        self.crawler.signals.send_catch_log(run_summarized)
