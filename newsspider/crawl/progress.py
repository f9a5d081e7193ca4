"""Live progress on a terminal, and one log line per host and cause for download failures."""

from __future__ import annotations

import logging
import shutil
import sys
import time
from typing import IO
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet.task import LoopingCall

#: Loggers whose download-failure lines are folded to one per host and cause.
FAILURE_LOGGERS = (
    "scrapy.downloadermiddlewares.retry",
    "scrapy.downloadermiddlewares.robotstxt",
    "daily8",
)
_FAILURE_PREFIXES = ("Gave up retrying", "Error downloading", "Failed ")


def _failure_key(record: logging.LogRecord) -> tuple[str, str] | None:
    """(host, cause) of a download-failure log record, else None."""
    message = str(record.msg)
    if not message.startswith(_FAILURE_PREFIXES):
        return None
    args = record.args
    if isinstance(args, dict):
        request = args.get("request")
        url = str(getattr(request, "url", request))
        cause = str(args.get("reason") or args.get("f_exception") or "")
    elif isinstance(args, tuple) and args:
        url, cause = str(args[0]), str(args[-1])
    else:
        return None
    try:
        host = urlsplit(url).netloc or url
    except ValueError:
        host = url
    return host, cause


class FailureLogFilter(logging.Filter):
    """Let the first failure of each host and cause through, without its traceback.

    The rest are counted, not logged; the summary line gives the totals. A robots.txt that
    cannot be downloaded is a warning, not an error: whether the site was reachable is what
    the exit status says.
    """

    def __init__(self, stats: StatsCollector) -> None:
        super().__init__()
        self.stats = stats
        self.seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        key = _failure_key(record)
        if key is None:
            return True
        record.exc_info = None
        record.exc_text = None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        if key in self.seen:
            self.stats.inc_value("newsspider/log/repeated_failures")
            return False
        self.seen.add(key)
        return True


class FailureLogExtension:
    """Install `FailureLogFilter` while the crawl runs, unless the log level is DEBUG."""

    def __init__(self, stats: StatsCollector) -> None:
        self.filter = FailureLogFilter(stats)
        for name in FAILURE_LOGGERS:
            logging.getLogger(name).addFilter(self.filter)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureLogExtension:
        level = str(crawler.settings.get("LOG_LEVEL") or "DEBUG").upper()
        if level in ("DEBUG", "10"):
            raise NotConfigured("LOG_LEVEL is DEBUG: every failure is logged with its traceback")
        assert crawler.stats is not None
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        for name in FAILURE_LOGGERS:
            logging.getLogger(name).removeFilter(self.filter)


class ProgressExtension:
    """A live progress line on a terminal: pages, articles, rate, queue, failures, renders.

    Off (`NotConfigured`) when stderr is not a terminal (cron, systemd, pipes) or with
    ``PROGRESS=False``.
    """

    def __init__(self, stats: StatsCollector, stream: IO[str], interval: float) -> None:
        from tqdm import tqdm

        self.stats = stats
        self.interval = interval
        self.started = time.monotonic()
        self.bar = tqdm(
            file=stream,
            bar_format="{desc}",
            desc="starting",
            leave=True,
            # A terminal that reports no width (0 columns) would get an empty line.
            ncols=shutil.get_terminal_size((120, 24)).columns or 120,
        )
        self.loop = LoopingCall(self.refresh)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        if not crawler.settings.getbool("PROGRESS", True):
            raise NotConfigured("PROGRESS is off")
        if not sys.stderr.isatty():
            raise NotConfigured("stderr is not a terminal")
        assert crawler.stats is not None
        extension = cls(
            crawler.stats, sys.stderr, crawler.settings.getfloat("PROGRESS_INTERVAL", 1)
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.loop.start(self.interval, now=True)

    def spider_closed(self) -> None:
        if self.loop.running:
            self.loop.stop()
        self.refresh()
        self.bar.close()

    def line(self) -> str:
        """The progress line, from the stats."""

        def count(key: str) -> int:
            return int(self.stats.get_value(key, 0) or 0)

        pages = count("newsspider/pages/fetched")
        elapsed = max(time.monotonic() - self.started, 1e-6)
        queued = count("scheduler/enqueued") - count("scheduler/dequeued")
        return (
            f"pages {pages} | articles {count('item_scraped_count')} | "
            f"{pages / elapsed:.1f} pages/s | queue {max(queued, 0)} | "
            f"failed {count('newsspider/pages/failed')} | "
            f"rendered {count('newsspider/render/pages')}"
        )

    def refresh(self) -> None:
        self.bar.set_description_str(self.line(), refresh=True)
