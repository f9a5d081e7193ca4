"""Stamps per second: ``parse_stamp`` against ``dateparser.parse`` on the same 10,000 stamps.

Run by hand: ``python bench/bench_stamps.py``. Two workloads:

(a) crawl: 40 distinct stamp texts as Daily8 prints them, repeated to 10,000;
(b) distinct: 10,000 different texts (varied N, glued source names, dates).

The parse_stamp cache is cleared before each measurement; each figure is the median of 5 runs.
dateparser.parse is timed with Daily8's languages and the settings parse_stamp uses; add
``--defaults`` to time it with no arguments too (language detection over all its locales:
about 150 stamps/s, so that adds some 12 minutes).
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dateparser  # type: ignore[import-untyped, unused-ignore]
from machine import cpu_model

from newsspider.text.stamps import clear_cache, parse_stamp

NOW = datetime(2025, 7, 20, 12, 0, tzinfo=UTC)
COUNT = 10_000
RUNS = 5
DATEPARSER_SETTINGS = {
    "RELATIVE_BASE": NOW.replace(tzinfo=None),
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "DATE_ORDER": "DMY",
    "PREFER_DATES_FROM": "past",
}

CRAWL = [
    "timean hour ago",
    "timea day ago",
    "timea few seconds ago",
    "time20 hours ago",
    "time36 minutes ago",
    "time6 days ago",
    "time3 hours ago",
    "time14-06-2025",
    "an hour ago",
    "a minute ago",
    "5 hours ago",
    "2 hours ago",
    "4 hours ago",
    "30 minutes ago",
    "44 minutes ago",
    "11 hours ago",
    "Straits Times6 hours ago",
    "Straits Times13 hours ago",
    "The Nationala day ago",
    "Sky News AU20 hours ago",
    "SBS Australiaa day ago",
    "Sharjah 246 days ago",
    "Newsweek2 days ago",
    "CNN3 days ago",
    "The Sun7 hours ago",
    "Axios12-03-2025",
    "France 2418-07-2025",
    "Yahoo27-05-2025",
    "RNZ News21-05-2025",
    "12-03-2025",
    "منذ 5 دقائق",
    "منذ ساعة واحدة",
    "منذ 3 ساعات",
    "منذ ساعتين",
    "منذ يوم واحد",
    "منذ 11 ساعة",
    "تليكسبريسمنذ يوم واحد",
    "الشرق الأوسط٠٩-٠٦-٢٠٢٥",
    "بوابة الأهرام١٨-٠٧-٢٠٢٥",
    "٠٩-٠٦-٢٠٢٥",
]
SOURCES = ["", "time", "Straits Times", "The National", "Yahoo", "CNN", "Sharjah 24", "Zawya"]
AR_SOURCES = ["", "الشرق الأوسط", "تليكسبريس", "عكاظ"]
AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def crawl_workload() -> list[str]:
    assert len(set(CRAWL)) == 40
    return [CRAWL[i % len(CRAWL)] for i in range(COUNT)]


def distinct_workload() -> list[str]:
    texts: list[str] = []
    for source in SOURCES:
        texts += [f"{source}{n} minutes ago" for n in range(2, 60)]
        texts += [f"{source}{n} hours ago" for n in range(2, 24)]
        texts += [f"{source}{n} days ago" for n in range(2, 30)]
    for source in AR_SOURCES:
        texts += [f"{source}منذ {n} ساعة" for n in range(11, 24)]
        texts += [f"{source}منذ {n} دقيقة" for n in range(11, 60)]
    day = date(1998, 1, 1)
    while len(texts) < COUNT:
        stamp = day.strftime("%d-%m-%Y")
        kind = day.toordinal() % 3
        if kind == 0:
            texts.append(SOURCES[day.day % len(SOURCES)] + stamp)
        elif kind == 1:
            texts.append(AR_SOURCES[day.day % len(AR_SOURCES)] + stamp.translate(AR_DIGITS))
        else:
            texts.append(stamp.replace("-", "/"))
        day += timedelta(days=1)
    texts = texts[:COUNT]
    assert len(set(texts)) == COUNT, len(set(texts))
    return texts


def rate(parse: Callable[[str], Any], texts: list[str], clear: bool) -> float:
    """Median stamps per second over RUNS runs."""
    rates = []
    for _ in range(RUNS):
        if clear:
            clear_cache()
        start = time.perf_counter()
        for text in texts:
            parse(text)
        rates.append(len(texts) / (time.perf_counter() - start))
    return statistics.median(rates)


def main(with_defaults: bool) -> None:
    python, version = platform.python_version(), dateparser.__version__
    print(f"CPU: {cpu_model()}; Python {python}; dateparser {version}")
    print(
        f"{COUNT} stamps per run, median of {RUNS} runs, parse_stamp cache cleared before each run"
    )
    parsers: list[tuple[str, Callable[[str], Any], bool]] = [
        ("parse_stamp", lambda t: parse_stamp(t, NOW), True),
        (
            "dateparser.parse (en+ar, settings)",
            lambda t: dateparser.parse(t, languages=["en", "ar"], settings=DATEPARSER_SETTINGS),
            False,
        ),
    ]
    if with_defaults:
        parsers.append(("dateparser.parse (defaults)", dateparser.parse, False))
    dateparser.parse("5 minutes ago")  # load dateparser's data before timing
    parse_stamp("5 minutes ago", NOW)
    print(f"{'workload':<16}{'parser':<38}{'stamps/s':>12}{'parse_stamp is':>16}")
    sys.stdout.flush()
    for name, texts in (("(a) crawl", crawl_workload()), ("(b) distinct", distinct_workload())):
        results = [(label, rate(fn, texts, clear)) for label, fn, clear in parsers]
        ours = results[0][1]
        for label, value in results:
            ratio = "" if label == "parse_stamp" else f"{ours / value:.1f}x"
            print(f"{name:<16}{label:<38}{value:>12,.0f}{ratio:>16}")


if __name__ == "__main__":
    main(with_defaults="--defaults" in sys.argv[1:])
