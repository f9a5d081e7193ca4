"""A bare Scrapy spider that follows the links `daily8` follows and yields only URLs.

It measures Scrapy's own cost per page in the crawl benchmark (`bench/bench_crawl.py`):
no page objects, no item pipelines, no project middlewares or extensions. Run it outside
the project (a folder without ``scrapy.cfg``) so that newsspider's settings do not load::

    cd /tmp && scrapy runspider /work/main/bench/bare_spider.py -a urls=http://127.0.0.1:PORT/en \\
        -s CONCURRENT_REQUESTS=32 ... -O bare.jsonl

Written the fast way: each link is yielded once per page, and links already requested are
skipped here (``dont_filter=True``), as `daily8` does, instead of leaving the dedup to the
scheduler's fingerprints. Links followed, as in `daily8` with ``-a locale=all -a depth=N``:

- listing pages (``/en``, ``/``, ``/en/hashtag/<tag>``): the article links under ``<main>``;
  on start pages also the hashtag links;
- article pages: the article links of the page (the related cards), up to ``depth`` hops.

``-a stats=PATH`` writes the final stats as JSON (like newsspider's ``STATS_FILE``);
``-s GC_FREEZE=True`` freezes the startup heap at spider open, as newsspider's
`GcFreezeExtension` does.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response

ARTICLE = re.compile(r"^/(?:en/)?article/[0-9a-f]{32}/?$")
HASHTAG = re.compile(r"^/(?:en/)?hashtag/[^/?#]+/?$")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: str = "", depth: str = "1", stats: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.start_urls_ = [u.strip() for u in urls.split(",") if u.strip()]
        self.depth = int(depth)
        self.stats_path = stats
        self.netloc = urlsplit(self.start_urls_[0]).netloc if self.start_urls_ else ""
        self.requested: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BareSpider:
        spider: BareSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.write_stats, signal=signals.engine_stopped)
        if crawler.settings.getbool("GC_FREEZE"):
            crawler.signals.connect(spider.freeze_heap, signal=signals.spider_opened)
        return spider

    def freeze_heap(self) -> None:
        gc.collect()
        gc.freeze()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls_:
            self.requested.add(url)
            yield scrapy.Request(url, self.parse_listing, meta={"start": True}, dont_filter=True)

    def _new(self, hrefs: list[str], response: Response, pattern: re.Pattern[str]) -> Iterator[str]:
        for href in hrefs:
            url = response.urljoin(href)
            parts = urlsplit(url)
            if parts.netloc != self.netloc or not pattern.match(parts.path):
                continue
            if url not in self.requested:
                self.requested.add(url)
                yield url

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        hrefs = response.xpath("//main//a[contains(@href, '/article/')]/@href").getall()
        for url in self._new(hrefs, response, ARTICLE):
            yield scrapy.Request(url, self.parse_article, meta={"hops": 0}, dont_filter=True)
        if response.meta.get("start"):
            hrefs = response.xpath("//a[contains(@href, '/hashtag/')]/@href").getall()
            for url in self._new(hrefs, response, HASHTAG):
                yield scrapy.Request(url, self.parse_listing, dont_filter=True)

    def parse_article(self, response: Response) -> Iterator[Any]:
        yield {"url": response.url}
        hops = response.meta["hops"]
        if hops < self.depth:
            hrefs = response.xpath("//a[contains(@href, '/article/')]/@href").getall()
            for url in self._new(hrefs, response, ARTICLE):
                yield scrapy.Request(
                    url, self.parse_article, meta={"hops": hops + 1}, dont_filter=True
                )

    def write_stats(self) -> None:
        if self.stats_path:
            stats = {
                key: value if isinstance(value, int | float) else str(value)
                for key, value in self.crawler.stats.get_stats().items()
            }
            Path(self.stats_path).write_text(json.dumps(stats, indent=2, sort_keys=True))
