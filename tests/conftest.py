"""Shared test helpers: the fixture folder and crawls run as ``scrapy crawl`` subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict[str, Any]]
    stats: dict[str, Any]
    log: str
    feed: Path

    @property
    def ids(self) -> list[str]:
        return [item["id"] for item in self.items]


def run_crawl(
    tmp_path: Path,
    *args: str,
    settings: dict[str, Any] | None = None,
    replay: Path | None = FIXTURES,
    timeout: float = 120,
    name: str = "out",
) -> CrawlResult:
    """Run ``scrapy crawl daily8`` in a subprocess and read its feed, stats and log."""
    feed = tmp_path / f"{name}.jsonl"
    stats_file = tmp_path / f"{name}-stats.json"
    command = [sys.executable, "-m", "scrapy", "crawl", "daily8", "-O", str(feed)]
    merged = {"STATS_FILE": str(stats_file), "LOG_LEVEL": "INFO"}
    if replay is not None:
        merged["REPLAY_DIR"] = str(replay)
    merged.update(settings or {})
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    command += list(args)
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    items = []
    if feed.exists():
        items = [json.loads(line) for line in feed.read_text("utf-8").splitlines() if line]
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    return CrawlResult(done.returncode, items, stats, done.stderr, feed)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


def model_fixture(name: str) -> Any:
    """The modelled fixture built from ``fixtures/model/pages/<name>.json``."""
    from newsspider.fixtures import META_FILE, iter_fixtures

    for fixture in iter_fixtures(FIXTURES):
        if json.loads((fixture.path / META_FILE).read_text("utf-8")).get("model") == name:
            return fixture
    raise LookupError(name)
