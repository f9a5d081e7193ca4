"""Offline replay: serve responses from fixtures; compute a fixture's expected output."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request, Spider
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

from newsspider.crawl.config import run_config
from newsspider.crawl.fixtures import BODY_FILE, INFO_FILE, Fixture

logger = logging.getLogger(__name__)


_NUMBERED = re.compile(r"test-([1-9][0-9]{0,8})")


class FixtureIndex:
    """Every fixture under a folder by canonical URL, as `newsspider.crawl.fixtures.index_by_url`
    finds them (in its order: of two fixtures of one URL, the later one), in little memory.

    The index holds two arrays: the hash of each fixture's canonical URL, sorted, and where
    the fixture is (its page-object folder and number). A lookup reads the ``info.json`` of
    the fixtures of that hash to tell a fixture of the URL from a hash collision. 50,000
    fixtures take about 1 MB, where a dict of URLs to `Fixture` objects took about 40 MB.
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        self.folders: list[str] = []  # page-object folder names
        self.names: list[tuple[int, str]] = []  # fixture folders not named test-<number>
        hashes, places = array("q"), array("q")  # in the order index_by_url reads them
        for folder in sorted(self._subfolders(str(base))):
            folder_path = os.path.join(str(base), folder)
            for name in sorted(n for n in self._subfolders(folder_path) if n.startswith("test-")):
                info = os.path.join(folder_path, name, INFO_FILE)
                if not os.path.exists(info):
                    continue
                with open(info, encoding="utf-8") as file:
                    url = canonicalize_url(str(json.load(file)["url"]))
                hashes.append(hash(url))
                places.append(self._where(folder, name))
        by_hash = sorted(range(len(hashes)), key=hashes.__getitem__)  # stable: keeps order
        self.hashes = array("q", (hashes[i] for i in by_hash))
        self.places = array("q", (places[i] for i in by_hash))

    @staticmethod
    def _subfolders(path: str) -> list[str]:
        try:
            with os.scandir(path) as scan:
                return [entry.name for entry in scan if entry.is_dir()]
        except OSError:
            return []

    def _where(self, folder: str, name: str) -> int:
        if not self.folders or self.folders[-1] != folder:
            self.folders.append(folder)
        numbered = _NUMBERED.fullmatch(name)
        if numbered:
            return (len(self.folders) - 1) << 32 | int(numbered[1])
        self.names.append((len(self.folders) - 1, name))
        return -len(self.names)

    def _fixture(self, where: int) -> Fixture:
        if where < 0:
            folder_index, name = self.names[-where - 1]
            return Fixture(self.base / self.folders[folder_index] / name)
        folder = self.base / self.folders[where >> 32]
        return Fixture(folder / f"test-{where & 0xFFFFFFFF}")

    def __len__(self) -> int:
        return len(self.hashes)

    def lookup(self, url: str) -> tuple[Fixture, dict[str, Any]] | None:
        """The fixture of a canonical URL and its ``info.json``, or None."""
        key = hash(url)
        start = bisect_left(self.hashes, key)
        end = start
        while end < len(self.hashes) and self.hashes[end] == key:
            end += 1
        for position in range(end - 1, start - 1, -1):  # the later fixture wins
            fixture = self._fixture(self.places[position])
            info = fixture.info
            if canonicalize_url(str(info["url"])) == url:
                return fixture, info
        return None

    def get(self, url: str) -> Fixture | None:
        """The fixture of a canonical URL, or None."""
        found = self.lookup(url)
        return found[0] if found else None


class ReplayDownloaderMiddleware:
    """Serve every response from saved fixtures (``REPLAY_DIR``); never touch the network.

    A URL without a fixture gets an empty 404 and a log line. The fixture's capture
    time becomes ``request.meta["fetched_at"]``, so replayed output is the same every day.
    """

    def __init__(self, fixtures: FixtureIndex, stats: StatsCollector) -> None:
        self.fixtures = fixtures
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayDownloaderMiddleware:
        folder = run_config(crawler).replay_dir
        if folder is None:
            raise NotConfigured("REPLAY_DIR is not set")
        assert crawler.stats is not None
        return cls(FixtureIndex(folder), crawler.stats)

    def process_request(self, request: Request) -> Response:
        url = canonicalize_url(request.url)
        found = self.fixtures.lookup(url)
        if found is None:
            if not request.url.endswith("/robots.txt"):
                logger.warning("Replay: no fixture for %s, answering 404", request.url)
                self.stats.inc_value("newsspider/replay/missing")
            return Response(request.url, status=404, request=request, flags=["replay"])
        fixture, info = found
        headers = Headers(info["headers"])
        body = (fixture.path / BODY_FILE).read_bytes()  # what fixture.response().body holds
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        request.meta["fetched_at"] = fixture.captured_at
        self.stats.inc_value("newsspider/replay/served")
        return cls(
            url=info["url"],
            status=info["status"],
            headers=headers,
            body=body,
            request=request,
            flags=["replay"],
        )


class _ProjectSpider(Spider):
    """A stand-in carrying the project spider's name (Redis keys are named after it)."""

    name = "daily8"


def build_crawler(settings: dict[str, Any] | None = None) -> Crawler:
    """A crawler of the project's settings, for building components outside a crawl."""
    project = get_project_settings()
    # No reactor: this crawler only builds components, it never crawls.
    project.setdict({"TWISTED_REACTOR_ENABLED": False, **(settings or {})}, priority="cmdline")
    crawler = Crawler(_ProjectSpider, project)
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
        item = self.item(fixture)
        return None if item is None else ItemAdapter(item).asdict()

    def item(self, fixture: Fixture) -> Any:
        """The item a fixture yields (`Article` after the pipelines, or `Listing`), or None."""
        from newsspider.site.pages import ArticlePage, ListingPage

        response = fixture.response()
        if (response.status or 200) >= 400:
            return None
        if fixture.page_object == "ListingPage":
            return asyncio.run(ListingPage(response).to_item())
        item: Any = asyncio.run(ArticlePage(response, fetch_time=fixture.captured_at).to_item())
        return self.process(item)[0]

    def process(self, item: Any) -> tuple[Any, str | None]:
        """An article through the stateless pipelines: (item, None), or (None, drop reason)."""
        for pipeline in self.pipelines:
            try:
                item = pipeline.process_item(item)
            except DropItem as drop:
                return None, str(drop)
        return item, None
