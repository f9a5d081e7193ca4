"""Every article and listing fixture, rewritten the way redeploys do (`tests/mutate.py`), gives
the original item; a client-rendered shell gives none and is detected as a shell."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse
from web_poet import HttpResponse

from newsspider.crawl.fixtures import Fixture, iter_fixtures
from newsspider.crawl.replay import FixtureParser, build_crawler
from newsspider.render.middleware import is_shell
from newsspider.site.pages import ArticlePage, ListingPage
from tests.conftest import FIXTURES
from tests.mutate import MUTATIONS, mutate

SEEDS = range(5)
# Pages that yield an item: a 404 page yields none whatever its markup.
PAGES = [f for f in iter_fixtures(FIXTURES) if (f.info["status"] or 200) < 400]


@cache
def _parser() -> FixtureParser:
    return FixtureParser(build_crawler())


def _response(fixture: Fixture, body: bytes) -> HttpResponse:
    info = fixture.info
    return HttpResponse(url=info["url"], body=body, status=200, headers=info["headers"])


def _item(fixture: Fixture, body: bytes) -> tuple[Any, ArticlePage | None]:
    """The item the fixture's page gives with `body` (after the pipelines), and its page."""
    response = _response(fixture, body)
    if fixture.page_object == "ListingPage":
        return ItemAdapter(asyncio.run(ListingPage(response).to_item())).asdict(), None
    page = ArticlePage(response, fetch_time=fixture.captured_at)
    item: Any = asyncio.run(page.to_item())
    for pipeline in _parser().pipelines:
        item = pipeline.process_item(item)
    return ItemAdapter(item).asdict(), page


@cache
def _original(fixture: Fixture) -> tuple[Any, Any]:
    item, page = _item(fixture, fixture.response().body)
    return item, page.dom if page is not None else None


def _id(fixture: Fixture) -> str:
    return f"{fixture.page_object}/{fixture.path.name}"


def test_every_fixture_is_mutated() -> None:
    assert {f.page_object for f in PAGES} == {"ArticlePage", "ListingPage"}
    for fixture in PAGES:
        body = fixture.response().body
        for name in MUTATIONS:
            assert mutate(body, name, 0) != body, (name, _id(fixture))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(MUTATIONS))
@pytest.mark.parametrize("fixture", PAGES, ids=_id)
def test_a_redeployed_page_gives_the_original_item(fixture: Fixture, name: str, seed: int) -> None:
    expected, expected_dom = _original(fixture)
    item, page = _item(fixture, mutate(fixture.response().body, name, seed))
    assert item == expected
    if page is not None:
        # The markup alone gives it too (not only the structured data), and agrees with it.
        assert page.dom == expected_dom
        assert page.disagreements == []


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fixture", PAGES, ids=_id)
def test_a_client_rendered_shell_gives_no_item_and_is_detected(fixture: Fixture, seed: int) -> None:
    body = mutate(fixture.response().body, "shell", seed)
    response = HtmlResponse(
        fixture.url, body=body, status=200, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    assert is_shell(response)
    page_input = _response(fixture, body)
    if fixture.page_object == "ListingPage":
        assert asyncio.run(ListingPage(page_input).to_item()).article_urls == []
    else:
        page = ArticlePage(page_input, fetch_time=fixture.captured_at)
        assert page.dom.body == [] and page.dom.title == ""
