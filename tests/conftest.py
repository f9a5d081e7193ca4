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


def crawl_command(feed: Path, settings: dict[str, Any], args: tuple[str, ...]) -> list[str]:
    """The ``scrapy crawl daily8`` command line."""
    command = [sys.executable, "-m", "scrapy", "crawl", "daily8", "-O", str(feed)]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    return command + list(args)


def assert_crawl_fails_with_one_line(*args: str, line: str) -> None:
    """``scrapy crawl daily8 ARGS`` exits with status 2 and `line` as its whole stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "daily8", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [line]


def read_feed(feed: Path) -> list[dict[str, Any]]:
    if not feed.exists():
        return []
    return [json.loads(line) for line in feed.read_text("utf-8").splitlines() if line]


def run_crawl(
    tmp_path: Path,
    *args: str,
    settings: dict[str, Any] | None = None,
    replay: Path | None = FIXTURES,
    timeout: float = 120,
    name: str = "out",
    own_memory: bool = False,
) -> CrawlResult:
    """Run ``scrapy crawl daily8`` in a subprocess and read its feed, stats and log.

    `own_memory`: start it from a shell that forks, so that its ``memusage/max`` (Linux
    ``ru_maxrss``, kept across exec) counts the crawl alone, not this test process's size.
    """
    feed = tmp_path / f"{name}.jsonl"
    stats_file = tmp_path / f"{name}-stats.json"
    merged = {"STATS_FILE": str(stats_file), "LOG_LEVEL": "INFO", "SEEN_DB": "off"}
    if replay is not None:
        merged["REPLAY_DIR"] = str(replay)
    merged.update(settings or {})
    command = crawl_command(feed, merged, args)
    if own_memory:
        command = ["/bin/sh", "-c", '"$@"; exit $?', "sh", *command]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    items = read_feed(feed)
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    return CrawlResult(done.returncode, items, stats, done.stderr, feed)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


def model_fixture(name: str) -> Any:
    """The modelled fixture built from ``fixtures/model/pages/<name>.json``."""
    from newsspider.crawl.fixtures import META_FILE, iter_fixtures

    for fixture in iter_fixtures(FIXTURES):
        if json.loads((fixture.path / META_FILE).read_text("utf-8")).get("model") == name:
            return fixture
    raise LookupError(name)


class SiteServer:
    """`tests.site_server` in a subprocess on 127.0.0.1."""

    def __init__(self, fixtures: Path, delay: float = 0.0, faults: dict[str, str] | None = None):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.site_server",
                str(fixtures),
                "--delay",
                str(delay),
                "--faults",
                json.dumps(faults or {}),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.base = f"http://127.0.0.1:{self.port}"
        self.allowed = f"127.0.0.1:{self.port}"

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def site_server() -> Any:
    """A factory of local sites; all are stopped after the test."""
    servers: list[SiteServer] = []

    def start(fixtures: Path = FIXTURES, **kwargs: Any) -> SiteServer:
        servers.append(SiteServer(fixtures, **kwargs))
        return servers[-1]

    yield start
    for running in servers:
        running.close()
