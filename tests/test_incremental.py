"""Cron runs: incremental feeds, atomic files, one run at a time, truthful exit statuses."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from newsspider.crawl.fixtures import iter_fixtures
from newsspider.crawl.status import (
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_NO_LISTING,
    EXIT_OK,
    EXIT_UNREACHABLE,
)
from tests.conftest import FIXTURES, ROOT, crawl_command, model_fixture, read_feed, run_crawl

ALL_IDS = sorted(
    f.expected_output()["id"]
    for f in iter_fixtures(FIXTURES)
    if f.page_object == "ArticlePage" and f.expected_output()
)
LATER = (
    "seed-article",
    "related-japan-korea-ties",
    "related-trump-russia-group",
    "related-lee-inseparable",
)


def copy_fixtures(target: Path, without: tuple[str, ...] = ()) -> Path:
    shutil.copytree(FIXTURES, target, ignore=shutil.ignore_patterns("model"))
    for name in without:
        shutil.rmtree(target / model_fixture(name).path.relative_to(FIXTURES))
    return target


def summary_line(log: str) -> str:
    """The run's summary, which must be its last log line."""
    last = log.strip().splitlines()[-1]
    assert "Summary: pages fetched" in last, log[-3000:]
    return last


def seen_ids(database: Path) -> set[str]:
    if not database.exists():
        return set()
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT id FROM seen")}


def test_each_run_emits_only_new_articles(tmp_path: Path) -> None:
    database = tmp_path / "seen.sqlite3"
    settings = {"SEEN_DB": database}
    early = copy_fixtures(tmp_path / "early", without=LATER)
    first = run_crawl(tmp_path, "-a", "locale=all", replay=early, settings=settings, name="1")
    later_ids = {model_fixture(name).expected_output()["id"] for name in LATER}
    assert first.returncode == EXIT_OK, first.log
    assert sorted(first.ids) == sorted(set(ALL_IDS) - later_ids)
    second = run_crawl(tmp_path, "-a", "locale=all", settings=settings, name="2")
    assert second.returncode == EXIT_OK, second.log
    assert sorted(second.ids) == sorted(later_ids)
    assert all(item["version"] == 1 for item in first.items + second.items)
    third = run_crawl(tmp_path, "-a", "locale=all", settings=settings, name="3")
    assert third.returncode == EXIT_OK, third.log
    assert third.ids == [] and third.feed.exists()
    assert "articles scraped 0, written 0; new 0 /" in summary_line(third.log)
    assert seen_ids(database) == set(ALL_IDS)
    full = run_crawl(tmp_path, "-a", "locale=all", "-a", "full=1", settings=settings, name="4")
    assert sorted(full.ids) == ALL_IDS


def test_revisit_emits_changed_articles_again_with_a_new_version(tmp_path: Path) -> None:
    settings = {"SEEN_DB": tmp_path / "seen.sqlite3"}
    replay = copy_fixtures(tmp_path / "fixtures")
    run_crawl(tmp_path, "-a", "locale=all", replay=replay, settings=settings, name="1")
    changed = next(f for f in iter_fixtures(replay) if f.url == model_fixture("seed-article").url)
    body = changed.path / "inputs/HttpResponse-body.html"
    body.write_bytes(body.read_bytes().replace(b"SEOUL - ", b"SEOUL (updated) - ", 1))
    again = run_crawl(
        tmp_path, "-a", "locale=all", "-a", "revisit=6h", replay=replay, settings=settings, name="2"
    )
    assert again.returncode == EXIT_OK, again.log
    assert [(item["id"], item["version"]) for item in again.items] == [
        (changed.expected_output()["id"], 2)
    ]
    assert again.stats["newsspider/articles/unchanged"] == len(ALL_IDS) - 1
    unchanged = run_crawl(tmp_path, "-a", "locale=all", replay=replay, settings=settings, name="3")
    assert unchanged.ids == []


def start_slow_crawl(
    tmp_path: Path, server: Any, name: str, database: Path
) -> subprocess.Popen[str]:
    settings = {
        "SEEN_DB": database,
        "ALLOWED_HOSTS": server.allowed,
        "LOG_LEVEL": "INFO",
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "ROBOTSTXT_OBEY": False,
    }
    command = crawl_command(tmp_path / f"{name}.jsonl", settings, ("-a", f"urls={server.base}/en"))
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, text=True)


def start_named(
    tmp_path: Path, name: str, settings: dict[str, Any], args: tuple[str, ...]
) -> subprocess.Popen[str]:
    """A crawl writing ``<name>.jsonl`` and ``<name>.log`` in `tmp_path`."""
    log = (tmp_path / f"{name}.log").open("w")
    command = crawl_command(tmp_path / f"{name}.jsonl", settings, args)
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, text=True)


def wait_for(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_run_leaves_no_feed_and_no_marks(tmp_path: Path, site_server: Any) -> None:
    server = site_server(delay=0.4)
    database = tmp_path / "seen.sqlite3"
    crawl = start_slow_crawl(tmp_path, server, "killed", database)
    partials = lambda: [p for p in tmp_path.glob(".killed.jsonl.partial-*") if p.stat().st_size]  # noqa: E731
    wait_for(lambda: bool(partials()))
    os.kill(crawl.pid, signal.SIGKILL)
    crawl.wait()
    assert not (tmp_path / "killed.jsonl").exists()
    assert seen_ids(database) == set()
    follow_up = start_slow_crawl(tmp_path, server, "next", database)
    assert follow_up.wait(timeout=120) == EXIT_OK
    emitted = [item["id"] for item in read_feed(tmp_path / "next.jsonl")]
    assert emitted and len(emitted) == len(set(emitted))
    assert seen_ids(database) == set(emitted)


def test_overlapping_runs_exit_at_once_and_never_duplicate(
    tmp_path: Path, site_server: Any
) -> None:
    server = site_server(delay=1.0)
    database = tmp_path / "seen.sqlite3"
    first = start_slow_crawl(tmp_path, server, "first", database)
    wait_for(lambda: (database.parent / "seen.sqlite3.lock").exists())
    second = start_slow_crawl(tmp_path, server, "second", database)
    assert second.wait(timeout=60) == EXIT_LOCKED
    assert first.poll() is None  # the first run was still going
    assert "another run holds" in (tmp_path / "second.log").read_text()
    assert first.wait(timeout=120) == EXIT_OK
    third = start_slow_crawl(tmp_path, server, "third", database)
    assert third.wait(timeout=120) == EXIT_OK
    ids = [
        item["id"]
        for name in ("first", "second", "third")
        for item in read_feed(tmp_path / f"{name}.jsonl")
    ]
    assert ids and len(ids) == len(set(ids))
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_exit_status_when_the_site_is_unreachable(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_crawl(
        tmp_path,
        "-a",
        f"urls=http://127.0.0.1:{port}/en",
        replay=None,
        settings={"ALLOWED_HOSTS": f"127.0.0.1:{port}", "RETRY_TIMES": 0},
    )
    assert result.returncode == EXIT_UNREACHABLE, result.log
    assert "exit status 3 (the site was unreachable)" in result.log


def test_exit_status_when_every_page_fails(tmp_path: Path, site_server: Any) -> None:
    paths = {"/en", "/en/hashtag/sanitation"}
    server = site_server(faults={path: "500" for path in paths})
    result = run_crawl(
        tmp_path,
        "-a",
        f"urls={server.base}/en",
        replay=None,
        settings={"ALLOWED_HOSTS": server.allowed, "RETRY_TIMES": 0},
    )
    assert result.returncode == EXIT_NO_LISTING, result.log
    assert result.ids == []
    assert json.loads(json.dumps(result.stats))["newsspider/pages/failed/http_500"] == 1


def test_a_paused_jobdir_crawl_resumes_without_loss_or_duplicates(
    tmp_path: Path, site_server: Any
) -> None:
    server = site_server(delay=0.5)
    database = tmp_path / "seen.sqlite3"
    settings = {
        "SEEN_DB": database,
        "ALLOWED_HOSTS": server.allowed,
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "AUTOTHROTTLE_ENABLED": False,
        "JOBDIR": tmp_path / "job",
        "LOG_LEVEL": "DEBUG",
    }
    args = ("-a", f"urls={server.base}/en,{server.base}/", "-a", "locale=all")

    first = start_named(tmp_path, "part1", settings, args)
    wait_for(
        lambda: "Scraped http" in (tmp_path / "part1.log").read_text() or first.poll() is not None
    )
    first.send_signal(signal.SIGINT)
    assert first.wait(timeout=60) == EXIT_INTERRUPTED
    part1 = [item["id"] for item in read_feed(tmp_path / "part1.jsonl")]
    assert part1 and seen_ids(database) == set(part1)
    second = start_named(tmp_path, "part2", settings, args)
    assert second.wait(timeout=120) == EXIT_OK
    part2 = [item["id"] for item in read_feed(tmp_path / "part2.jsonl")]
    assert sorted(part1 + part2) == ALL_IDS


def test_a_retry_waiting_when_a_jobdir_crawl_stops_is_made_when_it_resumes(
    tmp_path: Path, site_server: Any
) -> None:
    busy = "/en/article/" + "d" * 32
    server = site_server(faults={busy: "503-retry-after:4"})
    settings = {
        "SEEN_DB": tmp_path / "seen.sqlite3",
        "ALLOWED_HOSTS": server.allowed,
        "ROBOTSTXT_OBEY": False,
        "JOBDIR": tmp_path / "job",
        "LOG_LEVEL": "DEBUG",
    }
    args = ("-a", f"urls={server.base}{busy}", "-a", "depth=0")

    first = start_named(tmp_path, "part1", settings, args)
    log = tmp_path / "part1.log"
    wait_for(lambda: "Retrying <GET" in log.read_text() or first.poll() is not None)
    first.send_signal(signal.SIGINT)  # stopped while the retry waits for its Retry-After
    assert first.wait(timeout=60) == EXIT_INTERRUPTED, log.read_text()[-3000:]
    assert "kept in JOBDIR for the resumed run" in log.read_text()
    assert read_feed(tmp_path / "part1.jsonl") == []
    second = start_named(tmp_path, "part2", settings, args)
    assert second.wait(timeout=60) == EXIT_OK, (tmp_path / "part2.log").read_text()[-3000:]
    assert "Resumed 1 retries" in (tmp_path / "part2.log").read_text()
    assert [item["id"] for item in read_feed(tmp_path / "part2.jsonl")] == ["d" * 32]
