"""Offline replay: serve responses from fixtures; compute a fixture's expected output."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import Response
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.statscollectors import MemoryStatsCollector, StatsCollector
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.project import get_project_settings
from w3lib.url import canonicalize_url

from newsspider.fixtures import Fixture, index_by_url

logger = logging.getLogger(__name__)


class ReplayDownloaderMiddleware:
    """Serve every response from saved fixtures (``REPLAY_DIR``); never touch the network.

    A URL without a fixture gets an empty 404 and a log line. The fixture's capture
    time becomes ``request.meta["fetched_at"]``, so replayed output is the same every day.
    """

    def __init__(self, fixtures: dict[str, Fixture], stats: StatsCollector) -> None:
        self.fixtures = fixtures
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayDownloaderMiddleware:
        folder = crawler.settings.get("REPLAY_DIR")
        if not folder:
            raise NotConfigured("REPLAY_DIR is not set")
        path = Path(folder)
        if not path.is_dir():
            raise NotConfigured(f"REPLAY_DIR {folder} is not a folder")
        assert crawler.stats is not None
        return cls(index_by_url(path), crawler.stats)

    def process_request(self, request: Request) -> Response:
        fixture = self.fixtures.get(canonicalize_url(request.url))
        if fixture is None:
            if not request.url.endswith("/robots.txt"):
                logger.warning("Replay: no fixture for %s, answering 404", request.url)
                self.stats.inc_value("newsspider/replay/missing")
            return Response(request.url, status=404, request=request, flags=["replay"])
        info = fixture.info
        headers = Headers(info["headers"])
        body = fixture.response().body
        cls = responsetypes.from_args(headers=headers, url=request.url, body=bytes(body))
        request.meta["fetched_at"] = fixture.captured_at
        self.stats.inc_value("newsspider/replay/served")
        return cls(
            url=info["url"],
            status=info["status"],
            headers=headers,
            body=bytes(body),
            request=request,
            flags=["replay"],
        )


def build_crawler(settings: dict[str, Any] | None = None) -> Crawler:
    """A crawler of the project's spider and settings, for use outside a crawl."""
    from newsspider.spiders.daily8 import Daily8Spider

    project = get_project_settings()
    # No reactor: this crawler only builds components, it never crawls.
    project.setdict({"TWISTED_REACTOR_ENABLED": False, **(settings or {})}, priority="cmdline")
    crawler = Crawler(Daily8Spider, project)
    crawler.stats = MemoryStatsCollector(crawler)
    return crawler


class FixtureParser:
    """Parse fixtures as a crawl would: page parser, then the stateless item pipelines."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pipelines = [
            build_from_crawler(load_object(path), crawler)
            for path in build_component_list(crawler.settings.getwithbase("ITEM_PIPELINES"))
            if not getattr(load_object(path), "stateful", False)
        ]

    def output(self, fixture: Fixture) -> Any:
        """The feed item (as JSON data) a fixture yields, or None when it yields none."""
        from newsspider.pages import ArticlePage, ListingPage

        response = fixture.response()
        if (response.status or 200) >= 400:
            return None
        if fixture.page_object == "ListingPage":
            return ItemAdapter(asyncio.run(ListingPage(response).to_item())).asdict()
        item: Any = asyncio.run(ArticlePage(response, fetch_time=fixture.captured_at).to_item())
        for pipeline in self.pipelines:
            try:
                item = pipeline.process_item(item)
            except DropItem:
                return None
        return ItemAdapter(item).asdict()
