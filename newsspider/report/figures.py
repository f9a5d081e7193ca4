"""The figures of a run report, read from JSON-lines feeds and ``STATS_FILE`` stats."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from newsspider.site.items import parse_iso

NO_SOURCE = "(no source)"
NO_LOCALE = "(no locale)"
TIME_FIELDS = ("published_at", "published_earliest", "published_latest")
BAD_LINES_KEPT = 20  # bad lines listed by place; all of them are counted

Article = Mapping[str, Any]


class ReportError(Exception):
    """A feed or stats file that cannot be used; the message names it and why."""


@dataclass(frozen=True, slots=True)
class BadLine:
    """A feed line that is not an article: where it is and why."""

    path: str
    line: int
    reason: str


@dataclass(slots=True)
class Feeds:
    """The articles of one or more feeds, one per id (the last line of an id wins)."""

    articles: list[Article] = field(default_factory=list)
    lines: int = 0
    bad_count: int = 0
    bad: list[BadLine] = field(default_factory=list)
    repeated: int = 0
    files: list[tuple[str, int]] = field(default_factory=list)


def _check_article(value: Any) -> str | None:
    """Why a parsed line is not an article, or None."""
    if not isinstance(value, dict):
        return f"a JSON {type(value).__name__}, not an object"
    if not isinstance(value.get("id"), str) or not value["id"]:
        return "no id"
    for name in TIME_FIELDS:
        moment = value.get(name)
        if moment is None:
            continue
        try:
            parse_iso(moment)
        except (TypeError, ValueError):
            return f"{name} is not an ISO time: {moment!r:.40}"
    return None


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with path.open("rb") as stream:
            yield from enumerate(stream, 1)
    except OSError as error:
        raise ReportError(f"cannot read feed {path}: {error.strerror or error}") from None


def read_feeds(paths: Sequence[Path]) -> Feeds:
    """Read feeds in order; a bad line is counted and remembered, never fatal."""
    feeds = Feeds()
    by_id: dict[str, Article] = {}
    for path in paths:
        if path.is_dir():
            raise ReportError(f"cannot read feed {path}: is a folder")
        count = 0
        for number, raw in _lines(path):
            if not raw.strip():
                continue
            count += 1
            try:
                value = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                reason: str | None = "not UTF-8"
            except json.JSONDecodeError as error:
                reason = f"not JSON ({error.msg})"
            else:
                reason = _check_article(value)
            if reason is not None:
                feeds.bad_count += 1
                if len(feeds.bad) < BAD_LINES_KEPT:
                    feeds.bad.append(BadLine(str(path), number, reason))
                continue
            if value["id"] in by_id:
                feeds.repeated += 1
                del by_id[value["id"]]  # keep the order of last appearance
            by_id[value["id"]] = value
        feeds.lines += count
        feeds.files.append((str(path), count))
    feeds.articles = list(by_id.values())
    return feeds


def read_stats(paths: Sequence[Path]) -> dict[str, float]:
    """The numeric stats of ``STATS_FILE`` files, summed key by key."""
    total: dict[str, float] = {}
    for path in paths:
        try:
            value = json.loads(path.read_text("utf-8"))
        except OSError as error:
            raise ReportError(f"cannot read stats {path}: {error.strerror or error}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ReportError(f"stats {path} is not JSON: {error}") from None
        if not isinstance(value, dict):
            raise ReportError(f"stats {path} is not a JSON object of stats")
        for key, number in value.items():
            if isinstance(number, int | float) and not isinstance(number, bool):
                total[key] = total.get(key, 0) + number
    return total


def counts_by(articles: Iterable[Article], name: str, missing: str) -> list[tuple[str, int]]:
    """Articles per value of field `name`, most first (ties by name)."""
    counts = Counter(str(article.get(name) or missing) for article in articles)
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def _present(name: str) -> Callable[[Article], bool]:
    return lambda article: bool(article.get(name))


# (label, test) per row of the coverage table: what "the article has it" means.
COVERAGE: tuple[tuple[str, Callable[[Article], bool]], ...] = (
    ("title", _present("title")),
    ("body", _present("body")),
    ("source", _present("source")),
    ("stamp", _present("stamp_raw")),
    ("stamp read", lambda article: article.get("published_at") is not None),
    ("related cards", _present("related")),
    ("images", _present("images")),
    ("authors", _present("authors")),
)


def coverage(articles: Sequence[Article]) -> list[tuple[str, int]]:
    """How many articles have each field of `COVERAGE`."""
    return [(label, sum(1 for a in articles if test(a))) for label, test in COVERAGE]


def share(part: float, whole: float) -> str:
    """A percentage as the report prints it (one decimal), or a dash for 0 of 0."""
    return f"{100 * part / whole:.1f}%" if whole else "–"


@dataclass(frozen=True, slots=True)
class Window:
    """An article's publication time and the interval consistent with its stamp."""

    at: datetime
    earliest: datetime
    latest: datetime
    unit: str


def windows(articles: Iterable[Article]) -> list[Window]:
    """The windows of the articles whose stamp was read."""
    found = []
    for article in articles:
        if article.get("published_at") is None:
            continue
        at = parse_iso(article["published_at"])
        earliest = parse_iso(article.get("published_earliest") or article["published_at"])
        latest = parse_iso(article.get("published_latest") or article["published_at"])
        found.append(
            Window(at, min(earliest, at), max(latest, at), article.get("stamp_unit") or "?")
        )
    return found


@dataclass(frozen=True, slots=True)
class Bin:
    """One histogram bin: articles whose best estimate falls in it, and the bounds the
    windows allow (`low`: windows wholly inside, `high`: windows that touch it)."""

    start: datetime
    end: datetime
    count: int
    low: int
    high: int


# Bin widths to choose from, smallest first.
BIN_WIDTHS = (
    ("minute", timedelta(minutes=1)),
    ("5 minutes", timedelta(minutes=5)),
    ("15 minutes", timedelta(minutes=15)),
    ("hour", timedelta(hours=1)),
    ("3 hours", timedelta(hours=3)),
    ("6 hours", timedelta(hours=6)),
    ("day", timedelta(days=1)),
    ("week", timedelta(weeks=1)),
    ("30 days", timedelta(days=30)),
    ("year", timedelta(days=365)),
)
MAX_BINS = 60


def histogram(found: Sequence[Window]) -> tuple[str, list[Bin]]:
    """Bins of the smallest width that keeps them at most `MAX_BINS`, and that width's name."""
    if not found:
        return "", []
    first = min(w.at for w in found)
    span = max(w.at for w in found) - first
    name, width = next(
        ((n, w) for n, w in BIN_WIDTHS if span / w < MAX_BINS), ("10 years", timedelta(3652))
    )
    epoch = datetime(2000, 1, 1, tzinfo=first.tzinfo)
    start = epoch + width * ((first - epoch) // width)
    size = int((span + (first - start)) // width) + 1
    count, low, high = [0] * size, [0] * size, [0] * size
    for window in found:
        count[(window.at - start) // width] += 1
        first_bin = max(0, (window.earliest - start) // width)
        last_bin = min(size - 1, (window.latest - start) // width)
        if (
            first_bin == last_bin
            and window.earliest >= start
            and window.latest < start + width * size
        ):
            low[first_bin] += 1
        for index in range(first_bin, last_bin + 1):
            high[index] += 1
    bins = [
        Bin(start + width * i, start + width * (i + 1), count[i], low[i], high[i])
        for i in range(size)
    ]
    return name, bins


def window_widths(found: Iterable[Window]) -> list[tuple[str, int, timedelta, timedelta]]:
    """Per stamp unit: articles, median and widest window."""
    by_unit: dict[str, list[timedelta]] = {}
    for window in found:
        by_unit.setdefault(window.unit, []).append(window.latest - window.earliest)
    return [
        (unit, len(widths), statistics.median_low(widths), max(widths))
        for unit, widths in sorted(by_unit.items(), key=lambda pair: (-len(pair[1]), pair[0]))
    ]


def with_prefix(stats: Mapping[str, float], prefix: str) -> list[tuple[str, int]]:
    """Stats under `prefix` (one level: ``prefix<name>``), largest first."""
    found = [
        (key[len(prefix) :], int(value))
        for key, value in stats.items()
        if key.startswith(prefix) and "/" not in key[len(prefix) :]
    ]
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))
