"""The daily8 spider: arguments, link following, replay crawls and the command line."""

from __future__ import annotations

import asyncio
import gc
import json
import re
import shutil
import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from web_poet import HttpResponse as WebPoetResponse

from newsspider.crawl.config import ArgumentError
from newsspider.crawl.extensions import GcFreezeExtension
from newsspider.crawl.fixtures import Fixture, index_by_url, iter_fixtures
from newsspider.spiders.daily8 import Daily8Spider
from tests.conftest import (
    FIXTURES,
    ROOT,
    assert_crawl_fails_with_one_line,
    model_fixture,
    run_crawl,
)

ARTICLES = [
    f for f in iter_fixtures(FIXTURES) if f.page_object == "ArticlePage" and f.info["status"] == 200
]


def make_spider(**arguments: str) -> Daily8Spider:
    crawler = get_crawler(Daily8Spider, {"ALLOWED_HOSTS": "127.0.0.1:8123"})
    return Daily8Spider.from_crawler(crawler, **arguments)


def scrapy_response(fixture: Fixture, url: str | None = None, **meta: Any) -> HtmlResponse:
    info = fixture.info
    request = Request(url or info["url"], meta=meta)
    return HtmlResponse(
        url=url or info["url"],
        status=info["status"],
        headers=info["headers"],
        body=bytes(fixture.response().body),
        request=request,
    )


def run(spider: Daily8Spider, callback: Any, response: HtmlResponse) -> list[Any]:
    async def collect() -> list[Any]:
        return [out async for out in callback(response)]

    return asyncio.run(collect())


def requests_of(outputs: list[Any]) -> list[Request]:
    return [out for out in outputs if isinstance(out, Request)]


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"depth": "-1"}, "depth"),
        ({"depth": "two"}, "depth"),
        ({"locale": "fr"}, "locale"),
        ({"urls": "https://example.com/en/article/" + "a" * 32}, "urls"),
        ({"urls": "https://www.daily8.com/en/about"}, "urls"),
        ({"url_file": "/nonexistent/urls.txt"}, "url_file"),
    ],
)
def test_bad_arguments_name_the_argument(arguments: dict[str, str], named: str) -> None:
    with pytest.raises(ArgumentError, match=rf"^{named}:"):
        make_spider(**arguments)


def test_bad_argument_stops_the_command_with_one_line() -> None:
    assert_crawl_fails_with_one_line(
        "-a",
        "depth=-1",
        line="scrapy crawl daily8: error: depth: expected a non-negative integer, got '-1'",
    )


def test_start_points_by_locale_and_url_file(tmp_path: Path) -> None:
    assert make_spider().arguments.urls == ("https://www.daily8.com/en",)
    assert make_spider(locale="ar").arguments.urls == ("https://www.daily8.com/",)
    assert len(make_spider(locale="all").arguments.urls) == 2
    url_file = tmp_path / "urls.txt"
    article = "https://test.daily8.com/en/article/" + "b" * 32
    url_file.write_text(f"# comment\n{article}\n\nhttp://127.0.0.1:8123/en\n")
    spider = make_spider(url_file=str(url_file), urls="https://www.daily8.com/en/hashtag/x")
    assert spider.arguments.urls == (
        "https://www.daily8.com/en/hashtag/x",
        article,
        "http://127.0.0.1:8123/en",
    )


def test_related_links_follow_the_depth_limit() -> None:
    seed = model_fixture("seed-article")
    spider = make_spider(depth="1")
    followed = requests_of(run(spider, spider.parse_article, scrapy_response(seed, hops=0)))
    assert len(followed) == 3
    assert all(request.meta["hops"] == 1 for request in followed)
    deeper = requests_of(run(spider, spider.parse_article, scrapy_response(seed, hops=1)))
    assert deeper == []


def test_only_allowed_hosts_are_followed() -> None:
    seed = model_fixture("seed-article")
    body = bytes(seed.response().body).replace(
        b'href="/en/article/', b'href="https://evil.example/en/article/'
    )
    spider = make_spider(depth="3")
    response = scrapy_response(seed, hops=0).replace(body=body)
    urls = [r.url for r in requests_of(run(spider, spider.parse_article, response))]
    assert urls and all(not u.startswith("https://evil.example") for u in urls)
    assert spider.crawler.stats.get_value("newsspider/links/offsite") >= 1


def test_same_article_id_on_two_hosts_is_requested_once() -> None:
    seed = model_fixture("seed-article")
    spider = make_spider(depth="2")
    first = requests_of(run(spider, spider.parse_article, scrapy_response(seed, hops=0)))
    other_host = seed.url.replace("www.daily8.com", "main.d358xbzettaslu.amplifyapp.com")
    again = requests_of(
        run(spider, spider.parse_article, scrapy_response(seed, url=other_host, hops=0))
    )
    assert first and again == []


def test_locale_decides_which_articles_are_followed() -> None:
    home = model_fixture("home-en")
    english = make_spider(locale="en")
    arabic_url = "https://www.daily8.com/article/" + "d" * 32
    body = bytes(home.response().body).replace(
        b"</main>", f'<a href="{arabic_url}">x</a></main>'.encode()
    )
    response = scrapy_response(home, start=True).replace(body=body)
    urls = [r.url for r in requests_of(run(english, english.parse_listing, response))]
    assert arabic_url not in urls and any("/en/article/" in u for u in urls)
    both = make_spider(locale="all")
    assert arabic_url in [r.url for r in requests_of(run(both, both.parse_listing, response))]


def reachable(start: list[str], depth: int, locale: str) -> set[str]:
    """The article ids a crawl must reach, computed from the fixtures' expected outputs."""
    by_url = index_by_url(FIXTURES)
    queue: deque[tuple[str, int, bool]] = deque((url, 0, True) for url in start)
    seen_urls: set[str] = set()
    ids: set[str] = set()
    while queue:
        url, hops, is_start = queue.popleft()
        if url in seen_urls:
            continue
        seen_urls.add(url)
        fixture = by_url.get(url)
        output = fixture.expected_output() if fixture else None
        if output is None:
            continue
        if fixture.page_object == "ListingPage":
            queue.extend((u, 0, False) for u in output["article_urls"])
            if is_start:
                queue.extend((u, 0, False) for u in output["hashtag_urls"])
            continue
        if not is_start and locale != "all" and output["locale"] != locale:
            continue
        ids.add(output["id"])
        if hops < depth:
            queue.extend((card["url"], hops + 1, False) for card in output["related"])
    return ids


@pytest.mark.parametrize(("depth", "locale"), [(0, "en"), (1, "en"), (1, "all"), (2, "ar")])
def test_replay_crawl_emits_exactly_the_reachable_articles(
    tmp_path: Path, depth: int, locale: str
) -> None:
    start = ["https://www.daily8.com/en", "https://www.daily8.com/"]
    start = start if locale == "all" else start[:1] if locale == "en" else start[1:]
    result = run_crawl(tmp_path, "-a", f"depth={depth}", "-a", f"locale={locale}")
    assert result.returncode == 0, result.log
    assert len(result.ids) == len(set(result.ids))
    assert set(result.ids) == reachable(start, depth, locale)
    assert result.stats.get("newsspider/replay/missing", 0) <= 1  # only the dead related link


def test_default_replay_crawl_of_all_locales_visits_every_article(tmp_path: Path) -> None:
    result = run_crawl(tmp_path, "-a", "locale=all")
    assert sorted(result.ids) == sorted(f.expected_output()["id"] for f in ARTICLES)
    seed_related = {
        model_fixture(n).expected_output()["id"]
        for n in (
            "related-japan-korea-ties",
            "related-trump-russia-group",
            "related-lee-inseparable",
        )
    }
    shallow = run_crawl(tmp_path, "-a", "locale=all", "-a", "depth=0", name="shallow")
    assert seed_related.isdisjoint(shallow.ids)
    # GC_FREEZE is on by default: the startup heap was frozen when the spider opened.
    assert result.stats["newsspider/gc/frozen_objects"] > 100_000


def test_gc_freeze_holds_while_the_spider_runs_and_can_be_switched_off() -> None:
    crawler = get_crawler(Daily8Spider, {"GC_FREEZE": True})
    extension = GcFreezeExtension.from_crawler(crawler)
    try:
        extension.spider_opened()
        assert gc.get_freeze_count() > 0
        assert crawler.stats.get_value("newsspider/gc/frozen_objects") == gc.get_freeze_count()
    finally:
        extension.spider_closed()
    assert gc.get_freeze_count() == 0
    with pytest.raises(NotConfigured):
        GcFreezeExtension.from_crawler(get_crawler(Daily8Spider, {"GC_FREEZE": False}))


def test_command_line_feed_matches_the_fixtures(tmp_path: Path) -> None:
    feed = tmp_path / "out.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "daily8",
            "-s",
            "REPLAY_DIR=fixtures",
            "-a",
            "locale=all",
            "-O",
            str(feed),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    text = feed.read_text("utf-8")
    assert "\\u06" not in text  # Arabic written as text
    expected = {f.expected_output()["id"]: f.expected_output() for f in ARTICLES}
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == len(expected)
    for line in lines:
        assert line == expected[line["id"]]


def add_broken_copy(replay: Path, source: Fixture, new_id: str, breakage: str) -> str:
    """Save a copy of `source` under a new id, broken as `breakage` says; return its URL."""
    url = source.url.replace(source.expected_output()["id"], new_id)
    body = bytes(source.response().body)
    headers = source.info["headers"]
    if breakage == "no_title":
        body = re.sub(rb"<h1[^>]*>.*?</h1>", b"", body, count=1, flags=re.S)
        # No title in the structured data either (og:title, Next.js data): it would fill one.
        body = re.sub(rb'<meta property="og:title"[^>]*>', b"", body)
        body = re.sub(rb'"title": "(?:[^"\\]|\\.)*"', b'"title": ""', body)
    elif breakage == "no_body":
        body = re.sub(
            rb"<(p|figure)[ >].*?</\1>", b"", body.split(b"<section", 1)[0], flags=re.S
        ) + (b"<section" + body.split(b"<section", 1)[1])
    elif breakage == "non_html":
        headers = [[k, "application/pdf" if k == "Content-Type" else v] for k, v in headers]
        body = b"%PDF-1.4 not a page"
    response = WebPoetResponse(url, body, status=200, headers=headers)
    Fixture.save(replay, "ArticlePage", response, source.captured_at)
    return url


def test_pages_without_title_or_body_are_dropped_and_the_crawl_goes_on(tmp_path: Path) -> None:
    replay = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, replay, ignore=shutil.ignore_patterns("model"))
    seed = model_fixture("seed-article")
    broken = {
        reason: add_broken_copy(replay, seed, f"{n:032x}", reason)
        for n, reason in enumerate(("no_title", "no_body", "non_html"), start=1)
    }
    homes = "https://www.daily8.com/en,https://www.daily8.com/"
    urls = ",".join([homes, *broken.values()])
    # Two broken pages in fourteen trip the layout-drift alarm (tests/test_coverage.py);
    # here only the drops are judged.
    result = run_crawl(
        tmp_path,
        "-a",
        "locale=all",
        "-a",
        f"urls={urls}",
        replay=replay,
        settings={"COVERAGE_MIN_ARTICLES": 1000},
    )
    assert result.returncode == 0, result.log
    assert sorted(result.ids) == sorted(f.expected_output()["id"] for f in ARTICLES)
    assert result.stats["newsspider/dropped/no_title"] == 1
    assert result.stats["newsspider/dropped/no_body"] == 1
    assert result.stats["newsspider/skipped/non_html"] == 1
    assert f"Dropped {broken['no_title']}: no_title" in result.log
    assert f"Dropped {broken['no_body']}: no_body" in result.log
    assert f"Skipping non-HTML response {broken['non_html']}" in result.log
