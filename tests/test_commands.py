"""The fixture commands: ``scrapy record`` and ``scrapy regenerate``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from newsspider.crawl.fixtures import iter_fixtures
from tests.conftest import FIXTURES, ROOT, model_fixture


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_record_saves_a_fixture_with_its_current_output(tmp_path: Path, site_server: Any) -> None:
    server = site_server()
    seed = model_fixture("seed-article")
    url = server.base + seed.url.split("daily8.com", 1)[1]
    done = scrapy(
        "record",
        url,
        "--dir",
        str(tmp_path),
        "-s",
        f"ALLOWED_HOSTS={server.allowed}",
        "-s",
        "ROBOTSTXT_OBEY=False",
    )
    assert done.returncode == 0, done.stderr
    [recorded] = list(iter_fixtures(tmp_path))
    assert recorded.path.parent.name == "ArticlePage" and recorded.url == url
    assert any(name.lower() == "date" for name, _ in recorded.info["headers"])
    output = recorded.expected_output()
    expected = seed.expected_output()
    assert output["id"] == expected["id"] and output["body"] == expected["body"]


def test_record_refuses_urls_outside_daily8() -> None:
    done = scrapy("record", "https://example.com/en/article/" + "a" * 32)
    assert done.returncode == 2 and "not a Daily8" in done.stderr


def test_regenerate_prints_the_diff_and_write_saves_it(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, fixtures, ignore=shutil.ignore_patterns("model", "shell"))
    assert scrapy("regenerate", str(fixtures)).returncode == 0
    changed = next(f for f in iter_fixtures(fixtures) if f.page_object == "ArticlePage")
    stale = changed.expected_output()
    stale["title"] = "An outdated title"
    changed.write_output(stale)
    done = scrapy("regenerate", str(fixtures))
    assert done.returncode == 1
    assert '-  "title": "An outdated title"' in done.stdout
    assert scrapy("regenerate", "--write", str(fixtures)).returncode == 0
    assert json.loads((changed.path / "output.json").read_text())["title"] != "An outdated title"
    assert scrapy("regenerate", str(fixtures)).returncode == 0
