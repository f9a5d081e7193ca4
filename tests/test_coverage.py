"""The layout-drift alarm: coverage per field, floors, one line per field, exit status 7."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from newsspider.crawl.coverage import below_floor, coverage
from newsspider.crawl.fixtures import BODY_FILE, iter_fixtures
from newsspider.crawl.status import EXIT_COVERAGE, EXIT_OK
from tests.conftest import FIXTURES, run_crawl


def drifted_fixtures(tmp_path: Path, pattern: str) -> Path:
    """A copy of the fixtures whose article pages lost every element matching `pattern`."""
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy)
    for fixture in iter_fixtures(copy):
        if fixture.page_object == "ArticlePage":
            body = fixture.path / BODY_FILE
            body.write_text(re.sub(pattern, "", body.read_text("utf-8"), flags=re.S), "utf-8")
    return copy


def test_the_offline_demo_is_covered_and_passes(tmp_path: Path) -> None:
    result = run_crawl(tmp_path, "-a", "locale=all")
    assert result.returncode == EXIT_OK
    stats = result.stats
    assert stats["newsspider/coverage/articles"] == len(result.items) == 12
    for field in ("title", "body", "related"):
        assert stats[f"newsspider/coverage/{field}"] == 1.0
    with_source = sum(1 for item in result.items if item["source"])
    assert stats["newsspider/coverage/source"] == round(with_source / 12, 4)
    assert "newsspider/coverage/alarm" not in stats


def test_a_redeploy_that_loses_the_header_trips_the_alarm(tmp_path: Path) -> None:
    # The header's time element vanishes (a redeploy renders it client-side, say).
    replay = drifted_fixtures(tmp_path, r"<time\b.*?</time>")
    result = run_crawl(tmp_path, "-a", "locale=all", replay=replay)
    assert result.returncode == EXIT_COVERAGE, result.log
    alarms = [line for line in result.log.splitlines() if "Coverage alarm:" in line]
    assert len(alarms) == len({line.split("Coverage alarm: ")[1].split()[0] for line in alarms})
    assert any("Coverage alarm: stamp 0% (floor 70%)" in line for line in alarms)
    assert result.stats["newsspider/coverage/stamp"] == 0.0
    assert result.items  # the articles are still written: the alarm is about the markup


def test_small_runs_are_measured_but_not_judged(tmp_path: Path) -> None:
    replay = drifted_fixtures(tmp_path, r"<time\b.*?</time>")
    result = run_crawl(
        tmp_path, "-a", "locale=all", replay=replay, settings={"COVERAGE_MIN_ARTICLES": 100}
    )
    assert result.returncode == EXIT_OK
    assert result.stats["newsspider/coverage/stamp"] == 0.0


def test_floors_and_disagreement() -> None:
    stats = {
        "newsspider/coverage/articles": 10,
        "newsspider/coverage/with/title": 10,
        "newsspider/coverage/with/body": 9,
        "newsspider/structured/disagreeing_pages": 3,
    }
    shares = coverage(stats)
    assert shares["title"] == 1.0 and shares["body"] == 0.9 and shares["source"] == 0.0
    lines = below_floor(shares, {"title": 1.0, "body": 0.95, "source": 0.0}, 0.2)
    assert lines == [
        "body 90% (floor 95%)",
        "structured data disagreed with the page on 30% of pages (at most 20%)",
    ]
    assert coverage({}) == {}
