"""How a run went: its exit status and its one-line summary, both read from the stats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_NO_LISTING = 4
EXIT_TOO_MANY_FAILURES = 5
EXIT_INTERRUPTED = 6
EXIT_COVERAGE = 7  # a field's coverage fell under its floor: the markup may have changed
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the lock; try again later
#: Statuses of a run that ran to its end but failed: its feed is not published.
FAILED_RUN = (EXIT_UNREACHABLE, EXIT_NO_LISTING, EXIT_TOO_MANY_FAILURES)
#: Close reasons after which a feed is complete.
NORMAL_FINISH = ("finished", "closespider_pagecount", "closespider_itemcount")
#: Errors logged during the run, close included (``log_count/ERROR`` stops at spider_closed).
ERRORS = "newsspider/errors"
#: The exit status the summary printed; the ``crawl`` command exits with it.
EXIT_STATUS = "newsspider/exit_status"


def finished_normally(reason: object) -> bool:
    return isinstance(reason, str) and reason.startswith(NORMAL_FINISH)


def feed_complete(reason: object, resumable: bool) -> bool:
    """Whether a run closed for `reason` left a complete feed to keep and mark seen.

    A graceful shutdown (one Ctrl-C) of a ``JOBDIR`` run finishes its pages in flight and
    will be resumed from the saved frontier, so what it scraped so far is kept.
    """
    return finished_normally(reason) or (resumable and reason == "shutdown")


def failure_share(stats: Mapping[str, Any]) -> float:
    """The share of pages that failed to download or parse, between 0 and 1."""
    fetched = int(stats.get("newsspider/pages/fetched", 0))
    failed = int(stats.get("newsspider/pages/failed", 0))
    unparsed = int(stats.get("newsspider/pages/unparsed", 0))
    total = fetched + failed
    if total <= 0:
        return 0.0
    # A page can be counted unparsed by the spider and again by a pipeline: cap at every page.
    return min(failed + min(unparsed, fetched), total) / total


def crawl_status(stats: Mapping[str, Any], failure_threshold: float) -> tuple[int, str]:
    """The status the crawl itself earned (3, 4 or 5 when it failed), errors aside."""
    reason = stats.get("finish_reason")
    if not finished_normally(reason):
        return EXIT_INTERRUPTED, f"interrupted ({reason})"
    if stats.get("downloader/response_count", 0) == 0 and stats.get(
        "downloader/exception_count", 0
    ):
        return EXIT_UNREACHABLE, "the site was unreachable"
    if stats.get("newsspider/listings/requested", 0) and not stats.get(
        "newsspider/listings/parsed", 0
    ):
        return EXIT_NO_LISTING, "no listing page could be parsed"
    share = failure_share(stats)
    if share > failure_threshold:
        return EXIT_TOO_MANY_FAILURES, (
            f"{share:.0%} of pages failed (threshold {failure_threshold:.0%})"
        )
    return EXIT_OK, "ok"


def run_status(stats: Mapping[str, Any], failure_threshold: float) -> tuple[int, str]:
    """The exit status of a finished run and why."""
    code, why = crawl_status(stats, failure_threshold)
    if code in (EXIT_INTERRUPTED, EXIT_UNREACHABLE, EXIT_NO_LISTING):
        return code, why
    if stats.get("newsspider/coverage/alarm", 0):
        # Its lines are logged as errors; the status says which kind of error it is.
        return EXIT_COVERAGE, "field coverage under its floor (the markup may have changed)"
    errors = int(stats.get(ERRORS, stats.get("log_count/ERROR", 0)))
    if errors:
        return EXIT_ERROR, f"{errors} error(s) logged"
    return code, why


def _written(stats: Mapping[str, Any]) -> str:
    written = int(stats.get("newsspider/articles/written", 0))
    published = int(stats.get("newsspider/feeds/published", 0))
    unpublished = int(stats.get("newsspider/feeds/failed", 0)) + int(
        stats.get("newsspider/feeds/withheld", 0)
    )
    if not stats.get("newsspider/feeds/configured", 0):
        return f"written {written} (no feed)"
    text = f"written {written}" + (f" to {published} feeds" if published > 1 else "")
    if unpublished:
        text += f" ({unpublished} feed(s) not published)"
    return text


def _coverage(stats: Mapping[str, Any]) -> str:
    shares = [
        f"{name} {float(stats[key]):.0%}"
        for name in ("title", "body", "source", "stamp", "related", "images")
        if (key := f"newsspider/coverage/{name}") in stats
    ]
    return "coverage " + (" ".join(shares) if shares else "n/a")


def summary(stats: Mapping[str, Any], failure_threshold: float) -> tuple[int, str]:
    """The exit status and one line: pages, articles written and seen, drops, errors, status."""
    drops = ", ".join(
        f"{key.rsplit('/', 1)[-1]}={value}"
        for key, value in sorted(stats.items())
        if key.startswith("newsspider/dropped/")
    )
    code, why = run_status(stats, failure_threshold)

    def count(key: str) -> int:
        return int(stats.get(f"newsspider/{key}", 0))

    if stats.get("newsspider/seen/store"):
        seen = (
            f"new {count('articles/new')} / changed {count('articles/changed')} / "
            f"unchanged {count('articles/unchanged')} / revisited {count('articles/revisited')} "
            f"/ already seen {count('articles/already_seen')}; marked seen {count('seen/marked')}"
        )
    else:
        seen = "no seen-store"
    errors = int(stats.get(ERRORS, stats.get("log_count/ERROR", 0)))
    return code, (
        f"pages fetched {count('pages/fetched')}, failed {count('pages/failed')}; "
        f"articles scraped {int(stats.get('item_scraped_count', 0))}, {_written(stats)}; "
        f"{seen}; {_coverage(stats)}; dropped {drops or 'none'}; errors {errors}; "
        f"exit status {code} ({why})"
    )
