"""The layout-drift alarm: per-field coverage of a run, and floors that make it fail loudly.

`CoveragePipeline` counts, for every article page parsed (before validation drops any),
which fields it has. `CoverageMonitorExtension` turns the counts into shares when the
spider closes (stats ``newsspider/coverage/<field>``, 0.0-1.0), and logs one line per field
under its floor (``COVERAGE_FLOORS``), setting ``newsspider/coverage/alarm``: the exit status
is then `EXIT_COVERAGE`. Runs with fewer than ``COVERAGE_MIN_ARTICLES`` articles are
measured but not judged (a cron run may find only a few new articles).

Why not spidermon: its field coverage counts fields *present*, and every `Article` has
every field (an empty list, a null), so it reports 100% for a page whose body vanished;
and its runner still calls ``Spider.log()``, deprecated in Scrapy 2.19.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from newsspider.crawl.pipelines import item_fields

logger = logging.getLogger(__name__)

PREFIX = "newsspider/coverage/"
ARTICLES = PREFIX + "articles"
ALARM = PREFIX + "alarm"
#: Pages whose structured data (JSON-LD, Next.js data) disagreed with the DOM on some field.
DISAGREEMENT_PAGES = "newsspider/structured/disagreeing_pages"

#: Field -> what an article must hold to count as having it.
FIELDS: dict[str, Callable[[Any], bool]] = {
    "title": lambda a: bool(a.get("title")),
    "body": lambda a: bool(a.get("body")),
    "source": lambda a: bool(a.get("source")),
    "stamp": lambda a: bool(a.get("stamp_raw")),
    "related": lambda a: bool(a.get("related")),
    "images": lambda a: bool(a.get("images")),
}


class CoveragePipeline:
    """Count which fields each parsed article has (placed before `ValidationPipeline`)."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CoveragePipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = item_fields(item)  # ItemAdapter's get, without its per-item lookups
        self.stats.inc_value(ARTICLES)
        for name, has in FIELDS.items():
            if has(adapter):
                self.stats.inc_value(f"{PREFIX}with/{name}")
        return item


def coverage(stats: Mapping[str, Any]) -> dict[str, float]:
    """Share of articles with each field, and the share of pages whose data disagreed."""
    articles = int(stats.get(ARTICLES, 0))
    if not articles:
        return {}
    shares = {name: int(stats.get(f"{PREFIX}with/{name}", 0)) / articles for name in FIELDS}
    shares["disagreement"] = min(1.0, int(stats.get(DISAGREEMENT_PAGES, 0)) / articles)
    return shares


def below_floor(
    shares: Mapping[str, float], floors: Mapping[str, float], max_disagreement: float
) -> list[str]:
    """One line per field whose coverage is under its floor (or disagreement over its cap)."""
    lines = [
        f"{name} {shares[name]:.0%} (floor {floor:.0%})"
        for name, floor in floors.items()
        if name in shares and shares[name] < floor
    ]
    if shares.get("disagreement", 0.0) > max_disagreement:
        lines.append(
            f"structured data disagreed with the page on {shares['disagreement']:.0%} of pages"
            f" (at most {max_disagreement:.0%})"
        )
    return lines


class CoverageMonitorExtension:
    """Compute coverage when the spider closes; log and flag fields under their floors."""

    def __init__(
        self,
        stats: StatsCollector,
        floors: dict[str, float],
        max_disagreement: float,
        min_articles: int,
    ) -> None:
        self.stats = stats
        self.floors = floors
        self.max_disagreement = max_disagreement
        self.min_articles = min_articles

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CoverageMonitorExtension:
        settings = crawler.settings
        floors = {k: float(v) for k, v in settings.getdict("COVERAGE_FLOORS").items()}
        unknown = sorted(set(floors) - set(FIELDS))
        if unknown:
            raise NotConfigured(f"COVERAGE_FLOORS: unknown field {unknown[0]!r}")
        assert crawler.stats is not None
        extension = cls(
            crawler.stats,
            floors,
            settings.getfloat("COVERAGE_MAX_DISAGREEMENT"),
            settings.getint("COVERAGE_MIN_ARTICLES"),
        )
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self) -> None:
        stats = self.stats.get_stats()
        shares = coverage(stats)
        for name, share in shares.items():
            self.stats.set_value(PREFIX + name, round(share, 4))
        if int(stats.get(ARTICLES, 0)) < self.min_articles:
            return
        for line in below_floor(shares, self.floors, self.max_disagreement):
            logger.error("Coverage alarm: %s: the site's markup may have changed", line)
            self.stats.inc_value(ALARM)
