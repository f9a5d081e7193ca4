"""``scrapy inspect``: each field, where it came from, and the alarm's warnings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newsspider.crawl.fixtures import BODY_FILE, iter_fixtures
from newsspider.crawl.status import EXIT_COVERAGE, EXIT_OK, EXIT_USAGE
from tests.conftest import FIXTURES, ROOT

ARTICLES = [
    f for f in iter_fixtures(FIXTURES) if f.page_object == "ArticlePage" and f.expected_output()
]


def inspect(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "inspect", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def fields(stdout: str) -> dict[str, tuple[str, str]]:
    """Printed field -> (origin, value)."""
    found = {}
    for line in stdout.splitlines():
        match = re.match(r"^(\w+)\s+\[([\w-]+)\] (.*)$", line)
        if match:
            found[match[1]] = (match[2], match[3])
    return found


@pytest.mark.parametrize("fixture", ARTICLES[:4], ids=lambda f: f.path.name)
def test_a_saved_fixture_is_explained_field_by_field(fixture: Any) -> None:
    done = inspect("--file", str(fixture.path / BODY_FILE))
    expected = fixture.expected_output()
    shown = fields(done.stdout)
    assert shown["id"][1] == f'"{expected["id"]}"'
    assert shown["authors"][0] == "pipeline" and shown["published_at"][0] == "pipeline"
    assert shown["title"][0] in ("dom", "json-ld", "next-data", "opengraph")
    warnings = [line for line in done.stdout.splitlines() if line.startswith("warning: ")]
    assert done.returncode == (EXIT_COVERAGE if warnings else EXIT_OK)
    assert ("warning: no source found" in warnings) == (expected["source"] is None)


def test_a_page_that_lost_its_header_warns_and_exits_7(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    html = (ARTICLES[0].path / BODY_FILE).read_text("utf-8")
    page.write_text(re.sub(r"<time\b.*?</time>", "", html, flags=re.S), "utf-8")
    done = inspect("--file", str(page), "--url", ARTICLES[0].url)
    assert done.returncode == EXIT_COVERAGE
    assert "warning: no stamp found" in done.stdout


def test_a_live_page_is_fetched_under_the_host_policy(site_server: Any) -> None:
    server = site_server()
    path = ARTICLES[0].url.split("daily8.com", 1)[1]
    done = inspect(
        f"{server.base}{path}", "-s", f"ALLOWED_HOSTS={server.allowed}", "-s", "RENDER=never"
    )
    assert done.returncode in (EXIT_OK, EXIT_COVERAGE), done.stderr
    assert fields(done.stdout)["title"][1] == f'"{ARTICLES[0].expected_output()["title"]}"'
    assert not (ROOT / ".scrapy").exists()  # nor a seen-store in the checkout
    refused = inspect("http://127.0.0.1:9/en/article/" + "a" * 32)  # not in ALLOWED_HOSTS
    assert refused.returncode == EXIT_USAGE
    assert "not a Daily8" in refused.stderr
