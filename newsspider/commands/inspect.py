"""``scrapy inspect URL`` (or ``--file PAGE``): what each field of one page reads, and from where.

For a user fixing the markup rules after a redeploy: the page is fetched once under the
crawl's host policy (or read from a saved file), parsed by the same page object, passed
through the same normalizing pipelines, and each field is printed with the source that
produced it (the DOM, JSON-LD, Next.js data, OpenGraph, a pipeline) and the warnings the
coverage alarm would raise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from itemadapter import ItemAdapter
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response
from twisted.python.failure import Failure
from web_poet import HttpResponse

from newsspider.crawl.config import ConfigError, RunConfig
from newsspider.crawl.coverage import FIELDS
from newsspider.crawl.fixtures import BODY_FILE, INFO_FILE, Fixture
from newsspider.crawl.replay import FixtureParser, build_crawler
from newsspider.crawl.responses import to_page_input
from newsspider.crawl.status import EXIT_COVERAGE, EXIT_ERROR, EXIT_OK
from newsspider.site.pages import ArticlePage, ListingPage
from newsspider.site.urls import page_kind

#: Fields filled by the normalizing pipelines, not read from the page.
PIPELINE_FIELDS = (
    "published_at",
    "published_earliest",
    "published_latest",
    "stamp_unit",
    "authors",
    "agencies",
    "contributors",
    "source_link",
)


class InspectSpider(scrapy.Spider):
    """Fetch one URL under the crawl's settings and keep the response."""

    name = "inspect"

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.response: Response | None = None
        self.error = ""

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(
            self.url,
            self.keep,
            errback=self.fail,
            dont_filter=True,
            meta={"handle_httpstatus_all": True},
        )

    def keep(self, response: Response) -> None:
        self.response = response

    def fail(self, failure: Failure) -> None:
        self.error = failure.getErrorMessage()


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 160 else text[:157] + "..."


def report(
    page_input: HttpResponse, fetched_at: datetime, parser: FixtureParser
) -> tuple[str, int]:
    """The printed report of one page and its exit status (7 when a field is missing)."""
    url = str(page_input.url)
    lines = [f"url: {url}", f"status: {page_input.status}"]
    if page_kind(url) == "listing":
        listing = asyncio.run(ListingPage(page_input).to_item())
        lines.append(f"page: listing, {len(listing.article_urls)} article link(s) [dom]")
        lines += [f"  {link}" for link in listing.article_urls]
        lines.append(f"hashtag links: {len(listing.hashtag_urls)} [dom]")
        if not listing.article_urls:
            lines.append("warning: no article links: the listing markup may have changed")
            return "\n".join(lines), EXIT_COVERAGE
        return "\n".join(lines), EXIT_OK
    page = ArticlePage(page_input, fetch_time=fetched_at)
    item = asyncio.run(page.to_item())
    provenance = page.provenance
    lines.append("page: article")
    normalized, dropped = parser.process(item)
    values = ItemAdapter(normalized if normalized is not None else item).asdict()
    for name, value in values.items():
        origin = provenance.get(name, "pipeline" if name in PIPELINE_FIELDS else "dom")
        lines.append(f"{name:<20} [{origin}] {_show(value)}")
    warnings = [f"no {name} found" for name, has in FIELDS.items() if not has(values)]
    warnings += [f"structured data and the page disagree on {name}" for name in page.disagreements]
    if dropped:
        warnings.append(f"a crawl would drop this article: {dropped}")
    lines += [f"warning: {warning}" for warning in warnings]
    return "\n".join(lines), EXIT_COVERAGE if warnings else EXIT_OK


class Command(ScrapyCommand):
    """Show what each field of one page reads, the rule or data it came from, and warnings."""

    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "URL | --file PAGE.html [--url URL]"

    def short_desc(self) -> str:
        return "Parse one page (fetched under the host policy, or saved) and explain each field"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--file", help="a saved page (HTML) instead of fetching")
        parser.add_argument("--url", help="the URL of the saved page (default: its fixture's)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            policy = RunConfig.from_settings(self.settings).policy
        except ConfigError as error:
            raise UsageError(str(error), print_help=False) from None
        if opts.file:
            page_input, fetched_at = self._saved(
                Path(opts.file), opts.url or (args[0] if args else None)
            )
        else:
            if len(args) != 1:
                raise UsageError("give one URL, or --file PAGE")
            url = args[0]
            if not policy.allows(url) or page_kind(url) is None:
                raise UsageError(f"not a Daily8 article, hashtag or home URL: {url}")
            fetched = self._fetch(url)
            if fetched is None:
                return
            page_input, fetched_at = fetched
        parser = FixtureParser(build_crawler({"ALLOWED_HOSTS": self.settings.get("ALLOWED_HOSTS")}))
        text, self.exitcode = report(page_input, fetched_at, parser)
        print(text)

    def _saved(self, path: Path, url: str | None) -> tuple[HttpResponse, datetime]:
        """A saved page; a fixture's body file brings its URL, headers and capture time."""
        if not path.is_file():
            raise UsageError(f"--file: {path} is not a file", print_help=False)
        headers: list[tuple[str, str]] = [("Content-Type", "text/html; charset=utf-8")]
        captured = datetime.now(UTC)
        folder = path.parent.parent
        if path.name == Path(BODY_FILE).name and (folder / INFO_FILE).is_file():
            fixture = Fixture(folder)
            url = url or fixture.url
            headers = [(str(k), str(v)) for k, v in fixture.info["headers"]]
            captured = fixture.captured_at
        if not url or page_kind(url) is None:
            raise UsageError("--url: give the page's Daily8 URL", print_help=False)
        return HttpResponse(url, path.read_bytes(), status=200, headers=headers), captured

    def _fetch(self, url: str) -> tuple[HttpResponse, datetime] | None:
        assert self.crawler_process is not None and self.settings is not None
        # The page is fetched whether or not a crawl emitted it: no seen-store.
        self.settings.set("SEEN_DB", "off", "cmdline")
        crawler = self.crawler_process.create_crawler(InspectSpider)
        self.crawler_process.crawl(crawler, url=url)
        self.crawler_process.start()
        spider = crawler.spider
        assert isinstance(spider, InspectSpider)
        if spider.response is None:
            print(f"scrapy inspect: {url}: {spider.error or 'refused'}", file=sys.stderr)
            self.exitcode = EXIT_ERROR
            return None
        return to_page_input(spider.response), datetime.now(UTC)
