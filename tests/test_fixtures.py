"""Every fixture, parsed as a crawl parses it, equals its expected output field by field."""

from __future__ import annotations

from typing import Any

import pytest

from newsspider.fixtures import Fixture, iter_fixtures
from newsspider.replay import FixtureParser, build_crawler
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
