"""``scrapy record URL...``: save live pages as fixtures, with their current output."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response
from twisted.python.failure import Failure

from newsspider.crawl.config import ConfigError, RunConfig
from newsspider.crawl.fixtures import Fixture
from newsspider.crawl.replay import FixtureParser, build_crawler
from newsspider.crawl.responses import to_page_input
from newsspider.site.urls import page_kind

SUMMARY_EXTENSION = "newsspider.crawl.extensions.RunSummaryExtension"


class RecorderSpider(scrapy.Spider):
    """Fetch the given URLs once and save each response as a fixture."""

    name = "record"

    def __init__(self, urls: list[str], base: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.base = base
        self.saved: list[Fixture] = []
        self.failed: list[str] = []

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(
                url,
                self.save,
                errback=self.fail,
                dont_filter=True,
                meta={"handle_httpstatus_all": True},
            )

    def fail(self, failure: Failure) -> None:
        """One line per page that could not be fetched (no traceback)."""
        url = failure.request.url  # type: ignore[attr-defined]
        self.failed.append(url)
        self.logger.warning("Failed %s: %s", url, failure.getErrorMessage())

    def save(self, response: Response) -> None:
        # The folder name comes from the page type, never from the URL: no path traversal.
        page_object = "ListingPage" if page_kind(response.url) == "listing" else "ArticlePage"
        fixture = Fixture.save(self.base, page_object, to_page_input(response), datetime.now(UTC))
        self.saved.append(fixture)
        self.logger.info("Recorded %s as %s", response.url, fixture.path)


class Command(ScrapyCommand):
    """Record live Daily8 pages as fixtures (body, headers, capture time, expected output)."""

    requires_project = True
    default_settings = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "URL [URL ...] [--dir FIXTURES_DIR]"

    def short_desc(self) -> str:
        return "Record live pages as fixtures, with their current output as expected output"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--dir", default="fixtures", help="fixture folder (default: fixtures)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        try:
            policy = RunConfig.from_settings(self.settings).policy
        except ConfigError as error:
            raise UsageError(str(error), print_help=False) from None
        for url in args:
            if not policy.allows(url) or page_kind(url) is None:
                raise UsageError(
                    f"not a Daily8 article, hashtag or home URL: {url}", print_help=False
                )
        if not args:
            raise UsageError("give at least one URL")
        # The crawl's summary and exit status describe a crawl, not a recording; and a page
        # is recorded whether or not a crawl emitted it (no seen-store).
        self.settings["EXTENSIONS"].set(SUMMARY_EXTENSION, None, "cmdline")
        self.settings.set("SEEN_DB", "off", "cmdline")
        base = Path(opts.dir)
        crawler = self.crawler_process.create_crawler(RecorderSpider)
        self.crawler_process.crawl(crawler, urls=args, base=base)
        self.crawler_process.start()
        spider = crawler.spider
        assert isinstance(spider, RecorderSpider)
        parser = FixtureParser(build_crawler({"ALLOWED_HOSTS": self.settings.get("ALLOWED_HOSTS")}))
        for fixture in spider.saved:
            fixture.write_output(parser.output(fixture))
            print(fixture.path)
        self.exitcode = 0 if len(spider.saved) == len(args) else 1
        print(
            f"recorded {len(spider.saved)} of {len(args)} page(s), failed {len(spider.failed)};"
            f" exit status {self.exitcode}",
            file=sys.stderr,
        )
