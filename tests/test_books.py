"""Feed and seen marks together, exactly once, under every failure (fault injection).

Every crawl here is a real ``scrapy crawl daily8`` process on `tmp_path`; kills are
``kill -9`` at chosen instants, held still by ``NEWSSPIDER_TEST_PAUSE_AT``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsspider.crawl.fixtures import iter_fixtures
from newsspider.crawl.seen import SeenRecord, SqliteSeenStore, StagedFeed, file_sha256
from newsspider.crawl.status import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NO_LISTING,
    EXIT_OK,
    EXIT_TOO_MANY_FAILURES,
    EXIT_UNREACHABLE,
    failure_share,
    summary,
)
from tests.conftest import FIXTURES, ROOT, read_feed
from tests.ftp_server import PASSWORD, USER

# Every article the replayed fixtures of both locales yield.
BASE = {
    "REPLAY_DIR": str(FIXTURES),
    "LOG_LEVEL": "INFO",
    "AUTOTHROTTLE_ENABLED": False,
    "SEEN_DB_TIMEOUT": 0.5,
}
ARGS = ("-a", "locale=all")


def command(feed: str | None, settings: dict[str, Any], args: tuple[str, ...] = ARGS) -> list[str]:
    line = [sys.executable, "-m", "scrapy", "crawl", "daily8"]
    if feed is not None:
        line += ["-O", feed]
    for key, value in {**BASE, **settings}.items():
        line += ["-s", f"{key}={value}"]
    return line + list(args)


ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run(
    feed: str | None, settings: dict[str, Any], args: tuple[str, ...] = ARGS
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(feed, settings, args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
    )


def start(
    feed: str, settings: dict[str, Any], log: Path, args: tuple[str, ...] = ARGS
) -> subprocess.Popen[str]:
    out = log.open("w")
    return subprocess.Popen(
        command(feed, settings, args), cwd=ROOT, stdout=out, stderr=out, text=True, env=ENV
    )


def summary_line(log: str) -> str:
    last = log.strip().splitlines()[-1]
    assert "Summary: pages fetched" in last, log[-3000:]
    return last


def seen_ids(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT id FROM seen")}


def staged_runs(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT count(*) FROM staged_run").fetchone()[0])


def wait_for(condition: Any, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 90
    while not condition():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.02)


def old_feed(path: Path, rng: random.Random) -> bytes:
    """An earlier feed of that name, of random size and content."""
    lines = [json.dumps({"id": f"{rng.getrandbits(128):032x}"}) for _ in range(rng.randint(0, 5))]
    data = ("\n".join(lines) + "\n").encode() if lines else b""
    path.write_bytes(data)
    return data


@pytest.fixture(scope="module")
def all_ids() -> list[str]:
    """Every article a ``locale=all`` replay emits (tests/test_incremental.py checks it)."""
    return sorted(
        f.expected_output()["id"]
        for f in iter_fixtures(FIXTURES)
        if f.page_object == "ArticlePage" and f.expected_output()
    )


@pytest.mark.parametrize(
    ("point", "earlier_feed"),
    [("before_stage", False), ("after_stage", True), ("after_rename", True)],
)
def test_kill_at_any_instant_loses_and_duplicates_nothing(
    tmp_path: Path, all_ids: list[str], point: str, earlier_feed: bool
) -> None:
    rng = random.Random(f"{point}{earlier_feed}")
    database = tmp_path / "seen.sqlite3"
    feed = tmp_path / "feeds" / "daily8.jsonl"
    feed.parent.mkdir()
    before = old_feed(feed, rng) if earlier_feed else None
    settings = {"SEEN_DB": database, "NEWSSPIDER_TEST_PAUSE_AT": point}
    crawl = start(str(feed), settings, tmp_path / "killed.log")
    marker = feed.with_name(f".{feed.name}.paused-{point}")
    wait_for(marker.exists, crawl, tmp_path / "killed.log")
    os.kill(crawl.pid, signal.SIGKILL)
    crawl.wait()
    partials = list(feed.parent.glob(".daily8.jsonl.partial-*"))
    if point == "after_rename":
        emitted = [item["id"] for item in read_feed(feed)]
        assert sorted(emitted) == all_ids and not partials
    else:
        assert (feed.read_bytes() if feed.exists() else None) == before
        assert len(partials) == 1  # left by the kill; removed by the next run
        emitted = []
    marker.unlink()
    # The next run writes a time-stamped feed into the same folder.
    done = run(str(tmp_path / "feeds" / "daily8-%(time)s.jsonl"), {"SEEN_DB": database})
    assert done.returncode == EXIT_OK, done.stderr
    later = [
        item["id"]
        for path in sorted(feed.parent.glob("daily8-*.jsonl"))
        for item in read_feed(path)
    ]
    assert sorted(emitted + later) == all_ids  # nothing lost, nothing twice
    assert seen_ids(database) == set(all_ids) and staged_runs(database) == 0
    assert not list(feed.parent.glob(".*.partial-*"))
    assert f"written {len(later)};" in summary_line(done.stderr)
    if point == "after_rename":
        assert "mark(s) confirmed (its feed is in place)" in done.stderr


@pytest.mark.parametrize(
    ("point", "fault"),
    [("before_stage", "lock"), ("after_rename", "lock"), ("after_rename", "drop")],
)
def test_a_locked_or_broken_store_at_commit_is_an_error_and_never_duplicates(
    tmp_path: Path, all_ids: list[str], point: str, fault: str
) -> None:
    database = tmp_path / "seen.sqlite3"
    feed = tmp_path / "daily8.jsonl"
    before = old_feed(feed, random.Random(point + fault))
    settings = {
        "SEEN_DB": database,
        "NEWSSPIDER_TEST_PAUSE_AT": point,
        "STATS_FILE": tmp_path / "s.json",
    }
    log = tmp_path / "first.log"
    crawl = start(str(feed), settings, log)
    marker = feed.with_name(f".{feed.name}.paused-{point}")
    wait_for(marker.exists, crawl, log)
    holder = sqlite3.connect(database, isolation_level=None)
    if fault == "lock":
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    else:
        holder.execute("DROP TABLE seen")
    marker.unlink()
    assert crawl.wait(timeout=60) == EXIT_ERROR, log.read_text()
    holder.close()
    text = log.read_text()
    line = summary_line(text)
    assert "exit status 1" in line and "errors 0" not in line
    stats = json.loads((tmp_path / "s.json").read_text())
    assert stats["newsspider/exit_status"] == EXIT_ERROR and stats["newsspider/errors"] >= 1
    if fault == "lock":
        assert seen_ids(database) == set()
    assert not list(tmp_path.glob(".*.partial-*"))
    if point == "before_stage":
        assert feed.read_bytes() == before  # not published: nothing could be staged
        assert staged_runs(database) == 0
        first: list[str] = []
    else:
        first = [item["id"] for item in read_feed(feed)]
        assert sorted(first) == all_ids and staged_runs(database) == 1
    done = run(str(tmp_path / "next.jsonl"), {"SEEN_DB": database})
    assert done.returncode == EXIT_OK, done.stderr
    second = [item["id"] for item in read_feed(tmp_path / "next.jsonl")]
    assert sorted(first + second) == all_ids
    assert seen_ids(database) == set(all_ids) and staged_runs(database) == 0


def test_storage_errors_at_the_end_mark_nothing(tmp_path: Path, all_ids: list[str]) -> None:
    database = tmp_path / "seen.sqlite3"
    directory = tmp_path / "existing.jsonl"
    directory.mkdir()
    (directory / "keep.txt").write_text("untouched")
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for target in (str(directory), f"ftp://user:pass@127.0.0.1:{port}/feed.jsonl"):
        stats_file = tmp_path / "stats.json"
        done = run(
            target, {"SEEN_DB": database, "STATS_FILE": stats_file}, (*ARGS, "-a", "depth=0")
        )
        assert done.returncode == EXIT_ERROR, done.stderr
        line = summary_line(done.stderr)
        assert "written 0 (1 feed(s) not published)" in line and "marked seen 0" in line
        assert "Error storing" in done.stderr
        stats = json.loads(stats_file.read_text())
        assert stats["newsspider/feeds/failed"] == 1 and stats["newsspider/errors"] >= 1
        assert seen_ids(database) == set() and staged_runs(database) == 0
    assert [p.name for p in directory.iterdir()] == ["keep.txt"]
    assert not list(tmp_path.glob(".*.partial-*"))


def test_no_feed_marks_nothing_and_stdout_marks_after_its_flush(
    tmp_path: Path, all_ids: list[str]
) -> None:
    database = tmp_path / "seen.sqlite3"
    none = run(None, {"SEEN_DB": database})
    assert none.returncode == EXIT_OK, none.stderr
    assert "not marked seen" in none.stderr
    assert f"written 0 (no feed); new {len(all_ids)} /" in summary_line(none.stderr)
    assert seen_ids(database) == set()
    # A reader that goes away at once: the writes fail, nothing is marked.
    broken = subprocess.Popen(
        command("-:jsonl", {"SEEN_DB": database}),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert broken.stdout is not None
    broken.stdout.close()
    _, err = broken.communicate(timeout=120)
    assert broken.returncode == EXIT_ERROR, err
    assert seen_ids(database) == set() and "marked seen 0" in summary_line(err)
    out = run("-:jsonl", {"SEEN_DB": database})
    assert out.returncode == EXIT_OK, out.stderr
    emitted = sorted(json.loads(line)["id"] for line in out.stdout.splitlines())
    assert emitted == all_ids and seen_ids(database) == set(all_ids)
    assert f"written {len(all_ids)};" in summary_line(out.stderr)
    full = run("-:jsonl", {"SEEN_DB": database}, (*ARGS, "-a", "full=1"))
    assert len(full.stdout.splitlines()) == len(all_ids)
    line = summary_line(full.stderr)
    assert f"written {len(all_ids)}; new 0 / changed 0 / unchanged {len(all_ids)}" in line


def test_leftover_partials_of_dead_runs_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    rng = random.Random(7)
    stamps = [
        f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T0{i}-00-00" for i in range(4)
    ]
    leftovers = [folder / f".daily8-{stamp}.jsonl.partial-{dead.pid}" for stamp in stamps]
    leftovers.append(folder / f".other.jsonl.partial-{dead.pid}-append")
    alive = folder / f".daily8-{stamps[0]}.jsonl.partial-{os.getpid()}"  # a live run's
    unrelated = [folder / ".notes.partial-x", folder / "daily8-old.jsonl"]
    for path in [*leftovers, alive, *unrelated]:
        path.write_bytes(os.urandom(rng.randint(1, 4096)))
    done = run(str(folder / "daily8-%(time)s.jsonl"), {"SEEN_DB": "off"}, (*ARGS, "-a", "depth=0"))
    assert done.returncode == EXIT_OK, done.stderr
    (written,) = set(folder.glob("daily8-2*.jsonl"))
    count = len(read_feed(written))
    assert count and f"scraped {count}, written {count}; no seen-store" in summary_line(done.stderr)
    assert not any(path.exists() for path in leftovers)
    assert alive.exists() and all(path.exists() for path in unrelated)


def test_failed_runs_leave_an_existing_feed_byte_identical(
    tmp_path: Path, site_server: Any
) -> None:
    rng = random.Random(5)
    database = tmp_path / "seen.sqlite3"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    listings = site_server(faults={"/en": "500", "/en/hashtag/sanitation": "500"})
    one_bad = site_server(faults={"/en/hashtag/sanitation": "500"})
    cases = [
        (closed, EXIT_UNREACHABLE, {}),
        (listings.port, EXIT_NO_LISTING, {}),
        (one_bad.port, EXIT_TOO_MANY_FAILURES, {"FAILURE_THRESHOLD": 0.01}),
    ]
    for port, expected, extra in cases:
        feed = tmp_path / f"feed-{expected}.jsonl"
        before = old_feed(feed, rng) + os.urandom(rng.randint(0, 64))
        feed.write_bytes(before)
        settings = {
            "SEEN_DB": database,
            "REPLAY_DIR": "",
            "ALLOWED_HOSTS": f"127.0.0.1:{port}",
            "ROBOTSTXT_OBEY": False,
            "RETRY_TIMES": 0,
            **extra,
        }
        done = run(str(feed), settings, ("-a", f"urls=http://127.0.0.1:{port}/en"))
        assert done.returncode == expected, done.stderr
        assert f"exit status {expected} (" in summary_line(done.stderr)
        assert feed.read_bytes() == before
        assert not list(tmp_path.glob(".*.partial-*"))
        assert seen_ids(database) == set()


class FtpServer:
    """`tests.ftp_server` in a subprocess on 127.0.0.1: its folder and what clients did."""

    def __init__(self, root: Path, log: Path) -> None:
        self.root = root
        self.log = log
        root.mkdir()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.ftp_server", str(root), str(log)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def uri(self, path: str) -> str:
        return f"ftp://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{path}"

    def files(self) -> dict[str, bytes]:
        return {
            path.relative_to(self.root).as_posix(): path.read_bytes()
            for path in sorted(self.root.rglob("*"))
            if path.is_file()
        }

    def events(self) -> list[str]:
        """``connect`` per connection and ``STOR name`` per upload, in order."""
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def ftp_server(tmp_path: Path) -> Iterator[FtpServer]:
    server = FtpServer(tmp_path / "ftp-root", tmp_path / "ftp.log")
    yield server
    server.process.kill()
    server.process.wait()


def test_a_remote_feed_is_uploaded_with_the_bytes_of_a_local_feed(
    tmp_path: Path, all_ids: list[str], ftp_server: FtpServer
) -> None:
    local = tmp_path / "local.jsonl"
    done = run(str(local), {"SEEN_DB": tmp_path / "local.sqlite3"})
    assert done.returncode == EXIT_OK, done.stderr
    (ftp_server.root / "feeds").mkdir()
    (ftp_server.root / "feeds" / "daily8.jsonl").write_bytes(b'{"id": "an earlier run"}\n')
    database = tmp_path / "seen.sqlite3"
    stats_file = tmp_path / "stats.json"
    up = run(ftp_server.uri("feeds/daily8.jsonl"), {"SEEN_DB": database, "STATS_FILE": stats_file})
    assert up.returncode == EXIT_OK, up.stderr
    assert ftp_server.files() == {"feeds/daily8.jsonl": local.read_bytes()}
    assert ftp_server.events() == ["connect", "STOR daily8.jsonl"]
    assert sorted(item["id"] for item in read_feed(local)) == all_ids
    assert seen_ids(database) == set(all_ids) and staged_runs(database) == 0
    stats = json.loads(stats_file.read_text())
    assert stats["newsspider/feeds/published"] == 1
    assert "newsspider/feeds/withheld" not in stats
    line = summary_line(up.stderr)
    assert f"written {len(all_ids)};" in line and f"marked seen {len(all_ids)};" in line
    assert "not uploaded" not in up.stderr
    assert "Stored jsonl feed" in up.stderr and PASSWORD not in up.stderr  # redacted


@pytest.mark.parametrize("fault", ["too_many_failures", "unreachable", "interrupted"])
def test_a_remote_feed_of_a_failed_or_unfinished_run_is_not_uploaded(
    tmp_path: Path, all_ids: list[str], ftp_server: FtpServer, site_server: Any, fault: str
) -> None:
    rng = random.Random(fault)
    (ftp_server.root / "feeds").mkdir()
    before = old_feed(ftp_server.root / "feeds" / "daily8.jsonl", rng) + os.urandom(50)
    (ftp_server.root / "feeds" / "daily8.jsonl").write_bytes(before)
    remote = {"feeds/daily8.jsonl": before}
    database = tmp_path / "seen.sqlite3"
    stats_file = tmp_path / "stats.json"
    settings: dict[str, Any] = {"SEEN_DB": database, "STATS_FILE": stats_file}
    uri = ftp_server.uri("feeds/daily8.jsonl")
    if fault == "too_many_failures":  # one replayed page fails: over a 1% threshold
        done = run(uri, {**settings, "FAILURE_THRESHOLD": 0.01})
        code, why, err = EXIT_TOO_MANY_FAILURES, "the run failed (exit status 5:", done.stderr
        assert done.returncode == code, err
    elif fault == "unreachable":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = probe.getsockname()[1]
        site = {"REPLAY_DIR": "", "ALLOWED_HOSTS": f"127.0.0.1:{closed}", "RETRY_TIMES": 0}
        args = ("-a", f"urls=http://127.0.0.1:{closed}/en")
        done = run(uri, {**settings, **site, "ROBOTSTXT_OBEY": False}, args)
        code, why, err = EXIT_UNREACHABLE, "the run failed (exit status 3:", done.stderr
        assert done.returncode == code, err
    else:  # Ctrl-C once an article was scraped, pages still to come
        server = site_server(delay=0.5)
        site = {"REPLAY_DIR": "", "ALLOWED_HOSTS": server.allowed, "ROBOTSTXT_OBEY": False}
        log = tmp_path / "interrupted.log"
        args = ("-a", f"urls={server.base}/en", "-a", "locale=all")
        crawl = start(
            uri,
            {**settings, **site, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "LOG_LEVEL": "DEBUG"},
            log,
            args,
        )
        wait_for(lambda: "Scraped http" in log.read_text(), crawl, log)
        crawl.send_signal(signal.SIGINT)
        code, why = EXIT_INTERRUPTED, "the run did not finish (shutdown)"
        assert crawl.wait(timeout=60) == code, log.read_text()
        err = log.read_text()
    assert ftp_server.files() == remote and ftp_server.events() == []
    warnings = [line for line in err.splitlines() if "not uploaded" in line]
    assert len(warnings) == 1 and "WARNING" in warnings[0] and why in warnings[0], err[-3000:]
    assert PASSWORD not in err and "Stored jsonl feed" not in err
    assert "Not stored (withheld, see above) jsonl feed" in err
    stats = json.loads(stats_file.read_text())
    assert stats["newsspider/feeds/withheld"] == 1 and stats["newsspider/exit_status"] == code
    assert "newsspider/feeds/published" not in stats
    line = summary_line(err)
    assert "written 0 (1 feed(s) not published)" in line and f"exit status {code} (" in line
    if fault != "unreachable":
        assert stats["item_scraped_count"] > 0  # there was something to upload
    assert seen_ids(database) == set() and staged_runs(database) == 0
    # The next run that succeeds uploads every article: the failed one marked nothing.
    again = run(uri, {"SEEN_DB": database})
    assert again.returncode == EXIT_OK, again.stderr
    uploaded = ftp_server.files()["feeds/daily8.jsonl"].splitlines()
    assert sorted(json.loads(line)["id"] for line in uploaded) == all_ids
    assert f"new {len(all_ids)} / changed 0 / unchanged 0" in summary_line(again.stderr)
    assert seen_ids(database) == set(all_ids)


# --- the pieces, without processes -------------------------------------------------------------


def _records(rng: random.Random, count: int) -> list[SeenRecord]:
    now = datetime.now(UTC).replace(microsecond=0)
    return [
        SeenRecord(f"{rng.getrandbits(128):032x}", now, now, f"{rng.getrandbits(64):x}", 1)
        for _ in range(count)
    ]


@pytest.mark.parametrize("seed", range(6))
def test_recovery_confirms_only_runs_whose_every_feed_is_in_place(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    store = SqliteSeenStore(tmp_path / "seen.sqlite3", timeout=1)
    expected: set[str] = set()
    outcomes = ("in_place", "missing", "other_content_same_size", "truncated", "one_feed_unstaged")
    for number, outcome in enumerate(rng.sample(outcomes, len(outcomes))):
        run_id = f"run{number}"
        records = _records(rng, rng.randint(1, 20))
        feeds = []
        for index in range(rng.randint(1, 3)):
            path = tmp_path / f"{run_id}-{index}.jsonl"
            path.write_bytes(os.urandom(rng.randint(1, 5000)))
            feeds.append(StagedFeed(str(path), path.stat().st_size, file_sha256(path)))
        staged = feeds[:-1] if outcome == "one_feed_unstaged" and len(feeds) > 1 else feeds
        if outcome == "one_feed_unstaged" and len(feeds) == 1:
            staged, outcome = feeds, "missing"
            Path(feeds[0].path).unlink()
        for feed in staged:
            store.stage(run_id, len(feeds), feed, records)
        victim = Path(rng.choice(staged).path)
        if outcome == "missing":
            victim.unlink(missing_ok=True)
        elif outcome == "other_content_same_size":
            victim.write_bytes(os.urandom(victim.stat().st_size))
        elif outcome == "truncated":
            victim.write_bytes(victim.read_bytes()[:-1])
        if outcome == "in_place":
            expected |= {r.id for r in records}
    confirmed, dropped = store.recover()
    assert confirmed == len(expected)
    assert {row[0] for row in store.db.execute("SELECT id FROM seen")} == expected
    assert staged_runs(tmp_path / "seen.sqlite3") == 0 and dropped > 0
    assert store.recover() == (0, 0)
    store.close()


def test_failure_share_is_never_over_one_and_summary_status_is_the_exit_status() -> None:
    rng = random.Random(11)
    for _ in range(500):
        stats = {
            "finish_reason": rng.choice(["finished", "shutdown", "closespider_pagecount"]),
            "newsspider/pages/fetched": rng.randint(0, 50),
            "newsspider/pages/failed": rng.randint(0, 50),
            "newsspider/pages/unparsed": rng.randint(0, 120),
            "newsspider/errors": rng.choice([0, 0, 1, 3]),
            "downloader/response_count": rng.randint(0, 3),
            "newsspider/feeds/configured": rng.randint(0, 2),
        }
        share = failure_share(stats)
        assert 0.0 <= share <= 1.0
        code, line = summary(stats, rng.random())
        assert line.endswith(")") and f"exit status {code} (" in line
        assert "%" not in line or f"{share:.0%}" in line


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_staged_feed_matches_only_its_own_bytes(tmp_path: Path) -> None:
    rng = random.Random(3)
    for _ in range(20):
        data = os.urandom(rng.randint(0, 3000))
        path = tmp_path / "f.jsonl"
        path.write_bytes(data)
        feed = StagedFeed(str(path), len(data), _sha(data))
        assert feed.matches()
        if data:
            flipped = bytearray(data)
            flipped[rng.randrange(len(data))] ^= 0xFF
            path.write_bytes(bytes(flipped))
            assert not feed.matches()
        path.unlink()
        assert not feed.matches()


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("ftp://u:p%40ss@127.0.0.1:2121/a/b.jsonl", {"use_active_mode": True}),
        ("s3://bucket/b.jsonl", {"endpoint_url": "http://127.0.0.1:9", "acl": "private"}),
        ("gs://bucket/b.jsonl", {"project_id": "p1", "acl": "publicRead"}),
    ],
)
def test_remote_storages_keep_scrapys_settings_and_upload_nothing_for_a_failed_run(
    uri: str, expected: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    if uri.startswith("s3:"):
        pytest.importorskip("boto3")  # Scrapy's S3 storage needs it to be built
    from scrapy.utils.misc import load_object
    from scrapy.utils.test import get_crawler

    from newsspider.settings import FEED_STORAGES
    from newsspider.spiders.daily8 import Daily8Spider

    crawler = get_crawler(
        Daily8Spider,
        {
            "FEED_STORAGE_FTP_ACTIVE": True,
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_ACCESS_KEY_ID": "key",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_REGION_NAME": "us-east-1",
            "FEED_STORAGE_S3_ACL": "private",
            "GCS_PROJECT_ID": "p1",
            "FEED_STORAGE_GCS_ACL": "publicRead",
        },
    )
    spider = Daily8Spider.from_crawler(crawler)
    assert crawler.stats is not None
    for reason, failed, why in [
        ("shutdown", 0, "the run did not finish (shutdown)"),
        ("finished", 1, "the run failed (exit status 3: the site was unreachable)"),
    ]:
        crawler.stats.set_value("finish_reason", reason)
        crawler.stats.set_value("downloader/exception_count", failed)
        storage = load_object(FEED_STORAGES[uri.split(":")[0]]).from_crawler(
            crawler, uri, feed_options={}
        )
        assert {name: getattr(storage, name) for name in expected} == expected
        uploads: list[Any] = []
        storage._store_in_thread = uploads.append
        file = storage.open(spider)
        file.write(b'{"id": "x"}\n')
        caplog.clear()
        stored = storage.store(file)
        assert stored.called and stored.result is None  # fired at once: nothing in a thread
        assert uploads == [] and file.closed and storage.published is False
        (record,) = [r for r in caplog.records if "not uploaded" in r.getMessage()]
        assert record.levelname == "WARNING" and why in record.getMessage()
        message = record.getMessage()
        assert "p@ss" not in message and "p%40ss" not in message  # no credentials logged


def test_remote_storages_import_no_cloud_library() -> None:
    code = (
        "import sys, newsspider.settings, newsspider.crawl.feeds\n"
        "cloud = ('boto3', 'botocore', 'google')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in cloud))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=ENV
    )
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_a_run_killed_after_its_upload_is_settled_by_the_next(
    tmp_path: Path, all_ids: list[str], ftp_server: FtpServer
) -> None:
    database = tmp_path / "seen.sqlite3"
    log = tmp_path / "killed.log"
    uri = ftp_server.uri("daily8.jsonl")
    crawl = start(uri, {"SEEN_DB": database, "NEWSSPIDER_TEST_PAUSE_AT": "after_upload"}, log)
    marker = tmp_path / ".paused-after_upload"
    wait_for(marker.exists, crawl, log)
    os.kill(crawl.pid, signal.SIGKILL)  # uploaded and recorded; marks not yet confirmed
    crawl.wait()
    uploaded = ftp_server.files()["daily8.jsonl"].splitlines()
    assert sorted(json.loads(line)["id"] for line in uploaded) == all_ids
    assert seen_ids(database) == set() and staged_runs(database) == 1
    marker.unlink()
    done = run(str(tmp_path / "next.jsonl"), {"SEEN_DB": database})
    assert done.returncode == EXIT_OK, done.stderr
    assert read_feed(tmp_path / "next.jsonl") == []  # nothing twice
    assert f"{len(all_ids)} mark(s) confirmed (its feed is in place)" in done.stderr
    assert seen_ids(database) == set(all_ids) and staged_runs(database) == 0


def test_a_run_killed_between_its_local_and_remote_feeds_loses_nothing(
    tmp_path: Path, all_ids: list[str], ftp_server: FtpServer
) -> None:
    database = tmp_path / "seen.sqlite3"
    log = tmp_path / "killed.log"
    local = tmp_path / "daily8.jsonl"
    uri = ftp_server.uri("daily8.jsonl")
    settings = {"SEEN_DB": database, "NEWSSPIDER_TEST_PAUSE_AT": "after_rename"}
    crawl = start(str(local), settings, log, (*ARGS, "-O", uri))
    marker = local.with_name(f".{local.name}.paused-after_rename")
    wait_for(marker.exists, crawl, log)
    os.kill(crawl.pid, signal.SIGKILL)  # the local feed is in place, the upload never ran
    crawl.wait()
    assert sorted(item["id"] for item in read_feed(local)) == all_ids
    assert ftp_server.files() == {}
    assert staged_runs(database) == 1
    marker.unlink()
    done = run(uri, {"SEEN_DB": database})  # the remote reader's next run
    assert done.returncode == EXIT_OK, done.stderr
    assert f"0 mark(s) confirmed (its feed is in place), {len(all_ids)} dropped" in done.stderr
    uploaded = ftp_server.files()["daily8.jsonl"].splitlines()
    assert sorted(json.loads(line)["id"] for line in uploaded) == all_ids  # none lost there
    assert seen_ids(database) == set(all_ids) and staged_runs(database) == 0
