"""``scrapy report``: one self-contained HTML page whose numbers match the feed and stats.

The page is opened in Chromium (Playwright) with every request intercepted: only the file
itself may load. Its tables are read from the rendered DOM and compared with counts the
tests compute from the feed lines themselves.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsspider.report import ReportError, build_report
from newsspider.report.figures import MAX_BINS, Window, histogram
from tests.conftest import FIXTURES, ROOT

CHROMIUM = "/usr/bin/chromium"
ROOT_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CHART_SECTIONS = ("sources", "locales", "times", "coverage")


def scrapy(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )


# What the page's coverage rows mean, written here again from the feed schema.
def _has(item: dict[str, Any], field: str) -> bool:
    return {
        "title": bool(item.get("title")),
        "body": bool(item.get("body")),
        "source": item.get("source") is not None,
        "stamp": item.get("stamp_raw") is not None,
        "stamp read": item.get("published_at") is not None,
        "related cards": len(item.get("related") or []) > 0,
        "images": len(item.get("images") or []) > 0,
        "authors": len(item.get("authors") or []) > 0,
    }[field]


COVERAGE_FIELDS = (
    "title",
    "body",
    "source",
    "stamp",
    "stamp read",
    "related cards",
    "images",
    "authors",
)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%"


@dataclass
class Opened:
    """A report page as Chromium rendered it, and every request the page made."""

    page: Any
    requests: list[str]
    url: str

    def table(self, table_id: str) -> dict[str, tuple[int, str]]:
        """Rows of a table: ``data-key`` -> (count, share text or "")."""
        rows: list[list[str]] = self.page.evaluate(
            """id => [...document.querySelectorAll(`#${id} tbody tr`)].map(row => [
                row.dataset.key,
                row.querySelector('td.count').textContent,
                (row.querySelector('td.share') || {textContent: ''}).textContent])""",
            table_id,
        )
        return {key: (int(count), text) for key, count, text in rows}

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).inner_text())

    def charts(self, section: str) -> list[dict[str, float]]:
        """Size and drawn shapes of each chart of a section."""
        found: list[dict[str, float]] = self.page.evaluate(
            """s => [...document.querySelectorAll(`section#${s} figure.chart svg`)].map(svg => {
                const box = svg.getBoundingClientRect();
                return {width: box.width, height: box.height,
                        shapes: svg.querySelectorAll('path, rect, use').length,
                        texts: svg.querySelectorAll('text').length};
            })""",
            section,
        )
        return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "report tests need Chromium: apt-get install chromium"
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ROOT_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def open_report(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_page(path: Path) -> Opened:
        context = browser.new_context()
        contexts.append(context)
        url = path.resolve().as_uri()
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))

        def route(handle: Any) -> None:
            if handle.request.url == url:
                handle.continue_()
            else:
                handle.abort()

        context.route("**/*", route)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url, wait_until="load")
        assert not errors
        return Opened(page, requests, url)

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The offline demo crawl's feed and stats, and the report of them."""
    tmp = tmp_path_factory.mktemp("replay")
    feed, stats_file, page = tmp / "demo.jsonl", tmp / "stats.json", tmp / "out" / "report.html"
    done = scrapy(
        "crawl",
        "daily8",
        "-s",
        f"REPLAY_DIR={FIXTURES.relative_to(ROOT)}",
        "-a",
        "locale=all",
        "-O",
        str(feed),
        "-s",
        f"STATS_FILE={stats_file}",
        "-s",
        "SEEN_DB=off",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = scrapy("report", str(feed), "--stats", str(stats_file), "-o", str(page))
    assert report.returncode == 0, report.stderr
    items = [json.loads(line) for line in feed.read_text("utf-8").splitlines() if line]
    stats = json.loads(stats_file.read_text("utf-8"))
    return {"items": items, "stats": stats, "page": page, "stdout": report.stdout}


def assert_numbers_match(opened: Opened, items: list[dict[str, Any]]) -> None:
    """Sources, locales and coverage on the page are those of `items` (one per id)."""
    total = len(items)
    sources = Counter(item.get("source") or "(no source)" for item in items)
    assert opened.table("sources-table") == {
        name: (n, percent(n, total)) for name, n in sources.items()
    }
    locales = Counter(item.get("locale") or "(no locale)" for item in items)
    assert opened.table("locales-table") == {
        name: (n, percent(n, total)) for name, n in locales.items()
    }
    expected = {}
    for field in COVERAGE_FIELDS:
        n = sum(1 for item in items if _has(item, field))
        expected[field] = (n, percent(n, total))
    assert opened.table("coverage-table") == expected
    unread = sum(1 for item in items if item.get("published_at") is None)
    assert opened.text("#unread-stamps").endswith(f": {unread}")


def assert_self_contained(html: str) -> None:
    """No scripts, and nothing to load: references point only inside the page (``#id``)."""
    lowered = html.lower()
    for needle in ("<script", "@import", "<link", "<iframe", "<img"):
        assert needle not in lowered, needle
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)|url\(\s*["']?([^)"']*)""", lowered)
    assert references and all(a.startswith("#") or b.startswith("#") for a, b in references)


def test_report_of_a_replayed_crawl_renders_offline_and_matches_the_feed(
    replayed: dict[str, Any], open_report: Any
) -> None:
    items, stats, page = replayed["items"], replayed["stats"], replayed["page"]
    assert f"{len(items)} articles from {len(items)} lines" in replayed["stdout"]
    assert_self_contained(page.read_text("utf-8"))
    opened = open_report(page)
    assert opened.requests == [opened.url]  # nothing but the file itself
    for section in CHART_SECTIONS:
        [chart] = opened.charts(section)
        assert chart["width"] > 300 and chart["height"] > 100 and chart["shapes"] > 5
    assert_numbers_match(opened, items)
    # The run's own numbers, from its stats file.
    fetched, failed = stats["newsspider/pages/fetched"], stats["newsspider/pages/failed"]
    assert opened.text("#failed-total") == f"pages failed: {failed} of {fetched + failed}"
    hosts = {
        key.rsplit("/", 1)[1]: (value, "")
        for key, value in stats.items()
        if key.startswith("newsspider/pages/failed_host/")
    }
    assert sum(count for count, _ in hosts.values()) == failed > 0
    assert opened.table("failures-host-table") == hosts
    assert len(opened.charts("failures")) == 1
    assert opened.text("#render-share") == "render share: 0.0% of pages parsed"
    assert opened.table("render-table")["pages parsed"] == (fetched, "")
    assert "nothing was dropped" in opened.text("section#drops")


def test_the_same_feeds_give_the_same_page(replayed: dict[str, Any]) -> None:
    page, _ = build_report([replayed["page"].parent.parent / "demo.jsonl"], [])
    again, _ = build_report([replayed["page"].parent.parent / "demo.jsonl"], [])
    assert page == again


NAMES = [
    "Straits Times",
    "CNN",
    "الشرق الأوسط",
    "新华社",
    "Sharjah 24",
    'A <b>"&amp;</b> & Co',
    None,
]
UNITS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "date": timedelta(days=1)}


def synthetic_feed(rng: random.Random, count: int, base: dict[str, Any]) -> list[dict[str, Any]]:
    """Articles like `base` with random sources, locales, times and missing fields."""
    now = datetime(2025, 6, 18, 9, tzinfo=UTC)
    items = []
    for _ in range(count):
        item = json.loads(json.dumps(base))
        item["id"] = f"{rng.getrandbits(128):032x}"
        item["source"] = rng.choice([*NAMES, f"Source {rng.randrange(40)}"])
        item["locale"] = rng.choice(["en", "ar"])
        for field in ("title", "body", "related", "images", "authors"):
            if rng.random() < 0.3:
                item[field] = "" if field == "title" else []
        if rng.random() < 0.2:
            item["stamp_raw"] = None
        if rng.random() < 0.25 or item["stamp_raw"] is None:
            item.update(published_at=None, published_earliest=None, published_latest=None)
        else:
            unit = rng.choice(list(UNITS))
            at = now - timedelta(minutes=rng.randrange(60 * 24 * rng.choice([1, 10, 400])))
            spread = UNITS[unit] * rng.uniform(0.1, 1.5)
            item["published_at"] = at.isoformat().replace("+00:00", "Z")
            item["published_earliest"] = (at - spread).isoformat().replace("+00:00", "Z")
            item["published_latest"] = (at + spread / 2).isoformat().replace("+00:00", "Z")
            item["stamp_unit"] = unit
        items.append(item)
    return items


# A line that is not an article, and what the report says of it.
BAD = {
    b"{not json\n": "not JSON (Expecting property name enclosed in double quotes)",
    b"[1, 2, 3]\n": "a JSON list, not an object",
    b'{"title": "no id"}\n': "no id",
    b'{"id": "ab", "published_at": "yesterday"}\n': "published_at is not an ISO time: 'yesterday'",
    b'{"id": "\xff\xfe"}\n': "not UTF-8",
    b"42\n": "a JSON int, not an object",
}
BAD_LINES = list(BAD)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_report_of_varied_feeds_matches_them(
    seed: int, replayed: dict[str, Any], tmp_path: Path, open_report: Any
) -> None:
    rng = random.Random(seed)
    items = synthetic_feed(rng, rng.randrange(5, 120), rng.choice(replayed["items"]))
    # Two feeds; some ids come again in the second with a new version (the last counts).
    again = [dict(item, version=2, source="Reissued") for item in rng.sample(items, 3)]
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    bad = rng.sample(BAD_LINES, rng.randrange(1, len(BAD_LINES)))
    lines = [json.dumps(item, ensure_ascii=False).encode() + b"\n" for item in items]
    for line in bad:
        lines.insert(rng.randrange(len(lines) + 1), line)
    first.write_bytes(b"".join(lines))
    second.write_text("".join(json.dumps(item) + "\n" for item in again), "utf-8")
    drops = {f"reason_{i}": rng.randrange(1, 50) for i in range(rng.randrange(1, 5))}
    hosts = {f"host{i}.daily8.com": rng.randrange(1, 9) for i in range(rng.randrange(1, 4))}
    fetched, rendered = rng.randrange(100, 1000), rng.randrange(0, 100)
    stats = {
        "newsspider/pages/fetched": fetched,
        "newsspider/render/pages": rendered,
        "newsspider/pages/failed": sum(hosts.values()),
        **{f"newsspider/dropped/{key}": value for key, value in drops.items()},
        **{f"newsspider/pages/failed_host/{key}": value for key, value in hosts.items()},
        "start_time": "2025-06-18 09:00:00+00:00",
    }
    stats_file = tmp_path / "stats.json"
    stats_file.write_text(json.dumps(stats), "utf-8")
    page = tmp_path / "report.html"
    html, feeds = build_report([first, second], [stats_file])
    page.write_text(html, "utf-8")
    assert feeds.bad_count == len(bad) and feeds.repeated == len(again)
    assert_self_contained(html)
    opened = open_report(page)
    assert opened.requests == [opened.url]
    assert opened.page.locator("script").count() == 0  # names with markup stay text
    latest = {item["id"]: item for item in [*items, *again]}
    assert_numbers_match(opened, list(latest.values()))
    overview = opened.table("overview-table")
    assert overview["bad lines (skipped)"][0] == len(bad)
    assert overview["lines read"][0] == len(items) + len(bad) + len(again)
    assert opened.table("drops-table") == {key: (value, "") for key, value in drops.items()}
    assert opened.table("failures-host-table") == {k: (v, "") for k, v in hosts.items()}
    assert opened.text("#render-share").startswith(f"render share: {percent(rendered, fetched)}")
    for section in (*CHART_SECTIONS, "drops", "failures"):
        assert opened.charts(section), section


def test_a_report_without_stats_or_articles_says_so(tmp_path: Path, open_report: Any) -> None:
    feed = tmp_path / "empty.jsonl"
    feed.write_text("", "utf-8")
    page = tmp_path / "report.html"
    page.write_text(build_report([feed], [])[0], "utf-8")
    opened = open_report(page)
    assert opened.requests == [opened.url]
    for section in ("drops", "render", "failures"):
        assert "no stats file given" in opened.text(f"section#{section}")
    for section in ("sources", "locales", "coverage"):
        assert "no articles" in opened.text(f"section#{section}")
    assert "no article has a readable stamp" in opened.text("section#times")


@pytest.mark.parametrize("seed", range(20))
def test_histogram_bins_hold_every_article_within_its_window_bounds(seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**8))
    span = timedelta(seconds=rng.choice([60, 3600, 86400, 86400 * 400, 86400 * 365 * 30]))
    found = []
    for _ in range(rng.randrange(1, 200)):
        at = start + span * rng.random()
        found.append(Window(at, at - span * rng.random() / 3, at + span * rng.random() / 5, "x"))
    _, bins = histogram(found)
    assert 1 <= len(bins) <= MAX_BINS
    assert sum(b.count for b in bins) == len(found)
    for b in bins:
        assert b.low <= b.count <= b.high
        assert b.high == sum(1 for w in found if w.earliest < b.end and w.latest >= b.start)
        assert b.low == sum(1 for w in found if b.start <= w.earliest and w.latest < b.end)
    assert all(a.end == b.start for a, b in itertools.pairwise(bins))


def test_bad_lines_are_counted_and_listed_not_a_traceback(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    # A name matplotlib's own font cannot draw: the browser draws it, with no warning here.
    good = {"id": "a" * 32, "locale": "en", "title": "T", "source": "新华社"}
    feed.write_bytes(json.dumps(good).encode() + b"\n" + b"".join(BAD_LINES))
    page = tmp_path / "deep" / "report.html"
    done = scrapy("report", str(feed), "-o", str(page))
    assert done.returncode == 0 and page.exists()
    assert f"1 articles from {1 + len(BAD_LINES)} lines" in done.stdout
    assert f"{len(BAD_LINES)} bad line(s) skipped" in done.stdout
    assert done.stderr.strip().splitlines() == [
        f"scrapy report: bad line {feed}:{number}: {BAD[line]}"
        for number, line in enumerate(BAD_LINES, 2)
    ]
    assert "no stats file given" in page.read_text("utf-8")


def test_unusable_inputs_are_one_line_and_exit_status_2(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "x"}\n', "utf-8")
    (tmp_path / "list.json").write_text("[1]", "utf-8")
    (tmp_path / "broken.json").write_text("{", "utf-8")
    cases = {
        (tmp_path / "missing.jsonl",): "cannot read feed",
        (tmp_path,): "is a folder",
        (feed, tmp_path / "nope.json"): "cannot read stats",
        (feed, tmp_path / "list.json"): "not a JSON object",
        (feed, tmp_path / "broken.json"): "is not JSON",
    }
    for (feed_path, *stats), message in cases.items():
        with pytest.raises(ReportError, match=message):
            build_report([feed_path], stats)
    # The command says it in one line, with exit status 2, and writes nothing.
    done = scrapy(
        "report", str(feed), "--stats", str(tmp_path / "list.json"), "-o", str(tmp_path / "r.html")
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"scrapy report: error: stats {tmp_path / 'list.json'} is not a JSON object of stats"
    ]
    assert not (tmp_path / "r.html").exists()
    assert scrapy("report").returncode == 2  # no feed: a usage error


def test_a_crawl_does_not_load_matplotlib() -> None:
    code = (
        "import sys, scrapy.cmdline, newsspider.commands.report, newsspider.spiders.daily8;"
        "assert 'matplotlib' not in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_report_writes_report_html_in_the_current_folder_by_default(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "x", "locale": "ar"}\n', "utf-8")
    done = scrapy("report", feed.name, cwd=tmp_path, SCRAPY_SETTINGS_MODULE="newsspider.settings")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
