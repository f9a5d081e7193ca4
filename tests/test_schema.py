"""The feed schema: each broken field drops the item with its reason, dataclass or dict."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from newsspider.crawl.fixtures import iter_fixtures
from newsspider.crawl.pipelines import ValidationPipeline
from newsspider.crawl.replay import FixtureParser, build_crawler
from newsspider.site.items import Article, Image
from tests.conftest import FIXTURES

PARSER = FixtureParser(build_crawler())


def valid_article() -> Article:
    """The first fixture article with related cards and images, through every pipeline."""
    for fixture in iter_fixtures(FIXTURES):
        if fixture.page_object != "ArticlePage" or not fixture.expected_output():
            continue
        item = PARSER.item(fixture)
        if item is not None and item.related and item.images and item.published_at:
            return item
    raise AssertionError("no fixture article with related cards, images and a time")


VALID = valid_article()
FUTURE = "2999-01-01T00:00:00Z"


def card(article: Article, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(article.related[0], name, value)


def swap(article: Article, first: str, second: str) -> None:
    values = getattr(article, first), getattr(article, second)
    assert values[0] != values[1]
    setattr(article, first, values[1])
    setattr(article, second, values[0])


#: reason -> how to break a valid article so that it has exactly that reason
BREAKS: dict[str, Callable[[Article], None]] = {
    "no_id": lambda a: setattr(a, "id", ""),
    "invalid_id": lambda a: setattr(a, "id", "ABC"),
    "no_title": lambda a: setattr(a, "title", " \n "),
    "invalid_title": lambda a: setattr(a, "title", "x" * 1001),
    "no_body": lambda a: setattr(a, "body", []),
    "invalid_body": lambda a: a.body.append(""),
    "invalid_locale": lambda a: setattr(a, "locale", "fr"),
    "invalid_source": lambda a: setattr(a, "source", 7),
    "invalid_images": lambda a: a.images.append(Image(src="data:image/png;base64,AA")),
    "invalid_hashtags": lambda a: setattr(a, "hashtags", ["ok", None]),
    "invalid_related": lambda a: setattr(a, "related", {"not": "a list"}),
    "invalid_comment_count": lambda a: setattr(a, "comment_count", -1),
    "invalid_fetched_at": lambda a: setattr(a, "fetched_at", "yesterday"),
    "invalid_contributors": lambda a: setattr(a, "contributors", {"photo": "Jane Doe"}),
    "invalid_version": lambda a: setattr(a, "version", 0),
    "invalid_url": lambda a: setattr(a, "url", a.url.replace(a.id, "b" * 32)),
    "invalid_published_at": lambda a: setattr(a, "published_at", FUTURE),
    "invalid_published_interval": lambda a: swap(a, "published_earliest", "published_latest"),
}


def broken(reason: str) -> Article:
    article = copy.deepcopy(VALID)
    BREAKS[reason](article)
    return article


@pytest.fixture
def pipeline() -> ValidationPipeline:
    return ValidationPipeline.from_crawler(build_crawler())


@pytest.mark.parametrize("as_dict", [False, True], ids=["dataclass", "dict"])
def test_a_valid_article_passes(pipeline: ValidationPipeline, as_dict: bool) -> None:
    item = ItemAdapter(VALID).asdict() if as_dict else VALID
    assert pipeline.process_item(item) is item


@pytest.mark.parametrize("as_dict", [False, True], ids=["dataclass", "dict"])
@pytest.mark.parametrize("reason", BREAKS)
def test_a_broken_field_drops_the_item_with_its_reason(
    pipeline: ValidationPipeline, reason: str, as_dict: bool
) -> None:
    item: Any = broken(reason)
    if as_dict:
        item = ItemAdapter(item).asdict()
    with pytest.raises(DropItem, match=rf"^{reason}$"):
        pipeline.process_item(item)
    assert pipeline.stats.get_value(f"newsspider/dropped/{reason}") == 1


def test_a_related_card_from_the_future_is_dropped_not_its_article(
    pipeline: ValidationPipeline,
) -> None:
    article = copy.deepcopy(VALID)
    card(article, published_at=FUTURE)
    cards = len(article.related)
    assert pipeline.process_item(article) is article
    assert len(article.related) == cards - 1
    assert pipeline.stats.get_value("newsspider/related/dropped/invalid_published_at") == 1
