"""A new user's first hour: the README's commands as pasted, quiet logs, progress, defaults."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import shlex
import shutil
import sqlite3
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, ROOT, crawl_command, read_feed, run_crawl

README = (ROOT / "README.md").read_text("utf-8")
SCRAPY = [sys.executable, "-m", "scrapy"]


def readme_block(language: str) -> str:
    """The README's first fenced block of `language`."""
    match = re.search(rf"```{language}\n(.*?)```", README, re.S)
    assert match, language
    return match[1]


def new_project(tmp_path: Path) -> Path:
    """A fresh folder holding only the project's scrapy.cfg (the package comes from PYTHONPATH)."""
    project = tmp_path / "srv" / "newsspider"
    project.mkdir(parents=True)
    shutil.copy(ROOT / "scrapy.cfg", project)
    return project


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def scrapy(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``scrapy ARGS`` in `cwd`, with this checkout on the path; its output captured."""
    return subprocess.run(
        [*SCRAPY, *args], cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout
    )


def test_readme_cron_line_runs_as_pasted(tmp_path: Path) -> None:
    block = readme_block("cron").strip().splitlines()
    path_line = next(line for line in block if line.startswith("PATH="))
    entry = next(line for line in block if line.startswith("*/"))
    command = entry.split(None, 5)[5]
    assert "'" in command  # the %(time)s name is quoted for the shell
    # What cron does with the entry: `\\%` becomes `%`, then /bin/sh -c runs it.
    project = new_project(tmp_path)
    command = command.replace("\\%", "%").replace("/srv/newsspider", str(project))
    command += f" -s REPLAY_DIR={shlex.quote(str(FIXTURES))} -a locale=all"
    cron_path = path_line.split("=", 1)[1] + ":" + os.path.dirname(sys.executable)
    for run in (1, 2):
        done = subprocess.run(
            ["/bin/sh", "-c", command],
            env=env(PATH=cron_path + ":" + os.environ["PATH"]),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (run, done.stderr)
    feeds = sorted((project / "feeds").glob("daily8-*.jsonl"))
    assert feeds and all(read_feed(feed) for feed in feeds)
    log = (project / "logs" / "daily8.log").read_text("utf-8").strip().splitlines()
    assert "] INFO: Summary: " in log[-1] and "exit status 0" in log[-1]
    assert not any("Traceback" in line for line in log)


def test_readme_systemd_exec_start_runs_as_pasted(tmp_path: Path) -> None:
    service = readme_block("ini")
    workdir = re.search(r"^WorkingDirectory=(.*)$", service, re.M)
    exec_start = re.search(r"^ExecStart=(.*)$", service, re.M)
    assert workdir and exec_start
    project = new_project(tmp_path)
    # systemd: `%%` is a literal `%`; no shell; the first word is an absolute path.
    argv = shlex.split(exec_start[1].replace("%%", "%"))
    assert argv[0].startswith("/") and argv[0].endswith("/scrapy")
    argv = [*SCRAPY, *argv[1:], "-s", f"REPLAY_DIR={FIXTURES}"]
    assert workdir[1] == "/srv/newsspider"
    done = subprocess.run(argv, cwd=project, env=env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert read_feed(next((project / "feeds").glob("daily8-*.jsonl")))
    assert (project / "logs" / "daily8.log").exists()


def test_default_seen_store_lives_with_the_project_not_the_install(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    code = "from newsspider.crawl.config import default_seen_db; print(default_seen_db())"
    inside = subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=env(), capture_output=True, text=True
    )
    assert Path(inside.stdout.strip()) == project.resolve() / ".scrapy" / "seen.sqlite3"
    data_home = tmp_path / "xdg"
    away = subprocess.run(
        [sys.executable, "-c", code],
        cwd=outside,
        env=env(XDG_DATA_HOME=str(data_home), SCRAPY_SETTINGS_MODULE=""),
        capture_output=True,
        text=True,
    )
    assert Path(away.stdout.strip()) == data_home / "newsspider" / "seen.sqlite3"
    assert "site-packages" not in inside.stdout + away.stdout


def test_a_live_crawl_without_seen_db_uses_the_project_store(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, fixtures)
    # Replay with SEEN_DB unset keeps the store off; a crawl that names no store but is not
    # a replay uses the project's. Here: replay, with the store asked for by its default path.
    store = project / ".scrapy" / "seen.sqlite3"
    done = scrapy(
        "crawl",
        "daily8",
        "-O",
        "out.jsonl",
        "-s",
        f"REPLAY_DIR={fixtures}",
        "-s",
        f"SEEN_DB={store}",
        "-a",
        "locale=all",
        cwd=project,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    ids = {row[0] for row in sqlite3.connect(store).execute("SELECT id FROM seen")}
    assert ids == {item["id"] for item in read_feed(project / "out.jsonl")}


@pytest.mark.parametrize(
    ("arguments", "line"),
    [
        (
            ["-s", "REPLAY_DIR=/nonexistent/fixtures"],
            "scrapy crawl daily8: error: REPLAY_DIR: /nonexistent/fixtures is not a folder",
        ),
        (
            ["-a", "dept=3"],
            "scrapy crawl daily8: error: dept: unknown argument; the spider takes urls, "
            "url_file, locale, depth, revisit, full",
        ),
        (
            ["-s", "FAILURE_THRESHOLD=abc"],
            "scrapy crawl daily8: error: FAILURE_THRESHOLD: expected a number, got 'abc'",
        ),
        (
            ["-a", "revisit=99999999999999999w"],
            "scrapy crawl daily8: error: revisit: expected a duration like 30m, 6h, 2d, "
            "got '99999999999999999w'",
        ),
        (
            ["-s", "CLOSESPIDER_ITEMCOUNT=ten"],
            "scrapy crawl daily8: error: CLOSESPIDER_ITEMCOUNT: expected an integer, got 'ten'",
        ),
        (
            ["-s", "DOWNLOAD_DELAY=soon"],
            "scrapy crawl daily8: error: DOWNLOAD_DELAY: expected a number, got 'soon'",
        ),
        (
            ["-s", "AUTOTHROTTLE_ENABLED=maybe"],
            "scrapy crawl daily8: error: AUTOTHROTTLE_ENABLED: expected true or false (1 or 0), "
            "got 'maybe'",
        ),
        (
            ["-s", "LOG_LEVEL=LOUD"],
            "scrapy crawl daily8: error: LOG_LEVEL: expected one of CRITICAL, ERROR, WARNING, "
            "INFO, DEBUG, got 'LOUD'",
        ),
        (
            ["-s", "STATS_FILE=/proc/none/stats.json"],
            "scrapy crawl daily8: error: STATS_FILE: cannot create /proc/none: No such file or "
            "directory",
        ),
        (
            ["-s", "JOBDIR=/proc/none"],
            "scrapy crawl daily8: error: JOBDIR: cannot create /proc/none: No such file or "
            "directory",
        ),
        (
            ["-s", "STATS_FILE=/"],
            "scrapy crawl daily8: error: STATS_FILE: / is a directory",
        ),
        (
            ["-s", "FEED_EXPORT_BATCH_ITEM_COUNT=5", "-O", "out-%(batch_id)d.jsonl"],
            "scrapy crawl daily8: error: FEED_EXPORT_BATCH_ITEM_COUNT: batched feeds are not "
            "supported (a feed is published only once the run succeeded); got 5",
        ),
        (
            ["-s", 'FEEDS={"out-%(batch_id)d.jsonl": {"format": "jsonl", "batch_item_count": 2}}'],
            "scrapy crawl daily8: error: FEEDS['out-%(batch_id)d.jsonl'] batch_item_count: "
            "batched feeds are not supported (a feed is published only once the run "
            "succeeded); got 2",
        ),
    ],
)
def test_bad_settings_and_arguments_stop_with_one_line(arguments: list[str], line: str) -> None:
    done = scrapy("crawl", "daily8", *arguments, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [line]


def test_an_empty_replay_dir_is_an_error_not_a_live_crawl(tmp_path: Path) -> None:
    done = scrapy("crawl", "daily8", "-s", f"REPLAY_DIR={tmp_path}", timeout=60)
    assert done.returncode == 2
    assert "REPLAY_DIR" in done.stderr and "holds no fixtures" in done.stderr


@pytest.mark.parametrize("kind", ["fifo", "binary", "latin1", "directory", "huge"])
def test_a_bad_url_file_is_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "urls.txt"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "binary":
        path.write_bytes(b"\x00\x01\x02https://www.daily8.com/en\n")
    elif kind == "latin1":
        path.write_bytes("https://www.daily8.com/en/hashtag/Caf\xe9\n".encode("latin-1"))
    elif kind == "directory":
        path.mkdir()
    else:
        with path.open("wb") as file:
            file.truncate(11 * 1024 * 1024)
    done = scrapy("crawl", "daily8", "-a", f"url_file={path}", timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scrapy crawl daily8: error: url_file: ")


def test_an_unreachable_site_logs_one_line_per_host_and_cause(tmp_path: Path) -> None:
    base = "http://127.0.0.1:9"  # discard port: nothing listens
    urls = ",".join(f"{base}/en/hashtag/Tag{n}" for n in range(6))
    result = run_crawl(
        tmp_path,
        "-a",
        f"urls={base}/en,{urls}",
        settings={"ALLOWED_HOSTS": "127.0.0.1:9", "RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.05},
        replay=None,
    )
    assert result.returncode == 3
    lines = result.log.strip().splitlines()
    assert "Traceback" not in result.log
    failures = [line for line in lines if "127.0.0.1:9" in line and "WARNING" in line]
    assert 1 <= len(failures) <= 3, failures  # robots.txt, give-up, failed: one each at most
    assert "] INFO: Summary: " in lines[-1] or "Summary: " in lines[-2]
    assert result.stats["newsspider/log/repeated_failures"] > 0


def test_default_log_has_no_item_dumps(tmp_path: Path) -> None:
    feed = tmp_path / "d.jsonl"
    done = scrapy(
        "crawl",
        "daily8",
        "-O",
        str(feed),
        "-s",
        f"REPLAY_DIR={FIXTURES}",
        "-a",
        "locale=all",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert read_feed(feed)
    assert "DEBUG" not in done.stderr and "Scraped" not in done.stderr
    assert "Summary: " in done.stderr.strip().splitlines()[-1]


def _run_on_terminal(command: list[str], cwd: Path) -> str:
    """Run with stderr on a pseudo-terminal; what the terminal showed."""
    main, secondary = pty.openpty()
    # A terminal 100 columns wide, 30 rows high.
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env(),
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
    )
    os.close(secondary)
    shown = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=60)
    os.close(main)
    return shown.decode("utf-8", "replace")


def test_progress_shows_on_a_terminal_only(tmp_path: Path) -> None:
    command = [
        *SCRAPY,
        "crawl",
        "daily8",
        "-O",
        str(tmp_path / "t.jsonl"),
        "-s",
        f"REPLAY_DIR={FIXTURES}",
        "-a",
        "locale=all",
    ]
    shown = _run_on_terminal(command, ROOT)
    assert re.search(r"pages \d+ \| articles \d+ \| [\d.]+ pages/s \| queue \d+", shown), shown
    piped = subprocess.run(
        [str(tmp_path / "p.jsonl") if part.endswith("t.jsonl") else part for part in command],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0
    assert "pages/s | queue" not in piped.stderr


def test_stats_file_counts_are_json(tmp_path: Path) -> None:
    result = run_crawl(tmp_path, "-a", "locale=all")
    assert json.dumps(result.stats)
    assert result.stats["item_scraped_count"] == len(result.items)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_rebuilding_fixtures_keeps_outputs_and_survives_a_failure(tmp_path: Path) -> None:
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _tree(copy)
    build = [sys.executable, str(copy / "model" / "build.py")]
    done = subprocess.run(build, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "0 expected output(s) changed" in done.stderr
    assert _tree(copy) == before  # same pages, same numbers, same expected outputs
    # A spec that breaks halfway through the build: nothing in place is touched.
    specs = sorted((copy / "model" / "pages").glob("*.json"))
    broken = json.loads(specs[-1].read_text("utf-8"))
    del broken["captured_at"]
    specs[-1].write_text(json.dumps(broken), "utf-8")
    before = _tree(copy)
    done = subprocess.run(build, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert _tree(copy) == before
    assert not [p for p in copy.iterdir() if p.name.startswith(".")]


def test_record_reports_each_failure_on_one_line_and_its_real_status(tmp_path: Path) -> None:
    urls = ["http://127.0.0.1:9/en", "http://127.0.0.1:9/en/hashtag/Sport"]
    done = scrapy(
        "record",
        *urls,
        "--dir",
        str(tmp_path / "rec"),
        "-s",
        "ALLOWED_HOSTS=127.0.0.1:9",
        "-s",
        "RETRY_TIMES=0",
        "-s",
        "RENDER=never",
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    for url in urls:
        assert sum(f"Failed {url}:" in line for line in done.stderr.splitlines()) == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == "recorded 0 of 2 page(s), failed 2; exit status 1"
    assert not (tmp_path / "rec").exists() or not any((tmp_path / "rec").rglob("*.html"))


@pytest.mark.parametrize("with_store", [False, True])
def test_a_resumed_jobdir_crawl_neither_emits_nor_fetches_twice(
    tmp_path: Path, site_server: Any, with_store: bool
) -> None:
    import signal
    import time

    server = site_server(delay=0.3)
    settings: dict[str, Any] = {
        "ALLOWED_HOSTS": server.allowed,
        "ROBOTSTXT_OBEY": False,
        # One request in the downloader at a time: a graceful stop finishes only that one.
        "CONCURRENT_REQUESTS": 1,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "AUTOTHROTTLE_ENABLED": False,
        "JOBDIR": tmp_path / "job",
        "LOG_LEVEL": "DEBUG",
        "SEEN_DB": tmp_path / "seen.sqlite3" if with_store else "off",
    }
    args = ("-a", f"urls={server.base}/en,{server.base}/", "-a", "locale=all", "-a", "depth=3")

    def run(name: str) -> subprocess.Popen[str]:
        settings["STATS_FILE"] = tmp_path / f"{name}-stats.json"
        log = (tmp_path / f"{name}.log").open("w")
        command = crawl_command(tmp_path / f"{name}.jsonl", settings, args)
        return subprocess.Popen(command, cwd=ROOT, env=env(), stdout=log, stderr=log, text=True)

    first = run("part1")
    deadline = time.monotonic() + 60
    while "Scraped http" not in (tmp_path / "part1.log").read_text() and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)
    assert first.wait(timeout=60) == 6
    part1 = [item["id"] for item in read_feed(tmp_path / "part1.jsonl")]
    second = run("part2")
    assert second.wait(timeout=120) == 0, (tmp_path / "part2.log").read_text()
    part2 = [item["id"] for item in read_feed(tmp_path / "part2.jsonl")]
    assert part1 and part2
    assert len(part1 + part2) == len(set(part1 + part2))  # nothing emitted twice
    resumed = json.loads((tmp_path / "part2-stats.json").read_text("utf-8"))
    # The paused run's articles were not requested again (with a store they would be
    # skipped as already seen; without one, emitted again).
    assert resumed.get("newsspider/articles/already_seen", 0) == 0
    fetched_articles = [
        line
        for line in (tmp_path / "part2.log").read_text().splitlines()
        if "Crawled (200)" in line and "/article/" in line
    ]
    assert not any(any(aid in line for aid in part1) for line in fetched_articles)


UNITS = {"s": 1, "min": 60, "h": 3600, "d": 86400}


def test_the_readme_error_window_table_is_what_the_feed_gives() -> None:
    from datetime import UTC, datetime

    from newsspider.text.stamps import parse_stamp

    now = datetime(2025, 6, 18, 12, tzinfo=UTC)
    rows = re.findall(r"^\| `([^`]+)`(?:, `([^`]+)`)? \| ([^|]+) \| ([^|;]+) \|$", README, re.M)
    checked = 0
    for first, second, window, at in rows:
        low_high = re.fullmatch(r"([\d.]+) – ([\d.]+) (s|min|h)", window.strip())
        shown = re.fullmatch(r"([\d.]+) (s|min|h|d)", at.strip())
        if not (shown and "N" not in first):
            continue
        for wording in filter(None, (first, second)):
            stamp = parse_stamp(wording, now, "en")
            assert stamp is not None, wording
            before = (now - stamp.at).total_seconds()
            assert before == pytest.approx(float(shown[1]) * UNITS[shown[2]], rel=1e-3), wording
            if low_high:
                unit = UNITS[low_high[3]]
                assert (now - stamp.latest).total_seconds() == pytest.approx(
                    float(low_high[1]) * unit, abs=1
                ), wording
                assert (now - stamp.earliest).total_seconds() == pytest.approx(
                    float(low_high[2]) * unit, abs=1
                ), wording
            checked += 1
    assert checked >= 7
