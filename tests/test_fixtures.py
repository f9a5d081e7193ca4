"""Every fixture, parsed as a crawl parses it, equals its expected output field by field."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from scrapy.exporters import JsonLinesItemExporter

from newsspider.crawl.feeds import DataclassJsonLinesItemExporter
from newsspider.crawl.fixtures import Fixture, iter_fixtures
from newsspider.crawl.replay import FixtureParser, build_crawler
from newsspider.site.items import Article
from tests.conftest import FIXTURES

ALL = list(iter_fixtures(FIXTURES))


@pytest.fixture(scope="module")
def parser() -> FixtureParser:
    return FixtureParser(build_crawler())


def test_there_are_fixtures_of_every_page_type() -> None:
    assert {f.page_object for f in ALL} == {"ArticlePage", "ListingPage"}
    assert len(ALL) >= 16


@pytest.mark.parametrize("fixture", ALL, ids=lambda f: f"{f.page_object}/{f.path.name}")
def test_fixture_output(parser: FixtureParser, fixture: Fixture) -> None:
    expected: Any = fixture.expected_output()
    actual = parser.output(fixture)
    if expected is None or actual is None:
        assert actual == expected
        return
    assert sorted(actual) == sorted(expected), "fields differ"
    for name in expected:
        assert actual[name] == expected[name], f"field {name!r}"


@pytest.mark.parametrize(
    "fixture",
    [f for f in ALL if f.page_object == "ArticlePage"],
    ids=lambda f: f.path.name,
)
def test_feed_line_is_the_one_scrapy_writes(parser: FixtureParser, fixture: Fixture) -> None:
    """The project's JSON-lines exporter writes the bytes of Scrapy's own, faster."""
    item = parser.item(fixture)
    if item is None:
        pytest.skip("the fixture yields no item")
    for encoding in ("utf-8", None):  # None: Scrapy escapes non-ASCII (ensure_ascii)
        lines = []
        for exporter_class in (DataclassJsonLinesItemExporter, JsonLinesItemExporter):
            out = io.BytesIO()
            exporter = exporter_class(out, encoding=encoding)
            exporter.export_item(item)
            lines.append(out.getvalue())
        assert lines[0] == lines[1]
        assert json.loads(lines[0]) == parser.output(fixture)


def test_feed_exporter_honours_fields_to_export() -> None:
    item = Article(
        id="a" * 32, url="u", locale="en", title="t", source=None, stamp_raw=None, body=[]
    )
    out = io.BytesIO()
    DataclassJsonLinesItemExporter(
        out, encoding="utf-8", fields_to_export=["id", "title"]
    ).export_item(item)
    assert json.loads(out.getvalue()) == {"id": "a" * 32, "title": "t"}
