"""Item pipelines: validation and normalization of `Article` items."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector


class ValidationPipeline:
    """Drop articles that cannot be used: no title, no body, no id."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidationPipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        reason = None
        if not adapter.get("id"):
            reason = "no_id"
        elif not adapter.get("title"):
            reason = "no_title"
        elif not adapter.get("body"):
            reason = "no_body"
        if reason:
            self.stats.inc_value(f"newsspider/dropped/{reason}")
            raise DropItem(reason)
        return item
