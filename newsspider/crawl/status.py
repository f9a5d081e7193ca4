"""How a run went: its exit status and its one-line summary, both read from the stats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from newsspider.crawl.feeds import finished_normally

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_NO_LISTING = 4
EXIT_TOO_MANY_FAILURES = 5
EXIT_INTERRUPTED = 6
EXIT_COVERAGE = 7  # a field's coverage fell under its floor: the markup may have changed
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the lock; try again later


def run_status(stats: Mapping[str, Any], failure_threshold: float) -> tuple[int, str]:
    """The exit status of a finished run and why."""
    reason = stats.get("finish_reason")
    if not finished_normally(reason):
        return EXIT_INTERRUPTED, f"interrupted ({reason})"
    fetched = int(stats.get("newsspider/pages/fetched", 0))
    failed = int(stats.get("newsspider/pages/failed", 0))
    if stats.get("downloader/response_count", 0) == 0 and stats.get(
        "downloader/exception_count", 0
    ):
        return EXIT_UNREACHABLE, "the site was unreachable"
    if stats.get("newsspider/listings/requested", 0) and not stats.get(
        "newsspider/listings/parsed", 0
    ):
        return EXIT_NO_LISTING, "no listing page could be parsed"
    if stats.get("newsspider/coverage/alarm", 0):
        return EXIT_COVERAGE, "field coverage under its floor (layout drift?)"
    errors = int(stats.get("log_count/ERROR", 0))
    if errors:
        return EXIT_ERROR, f"{errors} error(s) logged"
    unparsed = int(stats.get("newsspider/pages/unparsed", 0))
    total = fetched + failed
    share = (failed + unparsed) / total if total else 0.0
    if share > failure_threshold:
        return EXIT_TOO_MANY_FAILURES, (
            f"{share:.0%} of pages failed (threshold {failure_threshold:.0%})"
        )
    return EXIT_OK, "ok"


def summary(stats: Mapping[str, Any], failure_threshold: float) -> str:
    """One line: pages, articles new/revisited/changed/already seen, drops, errors, status."""
    drops = ", ".join(
        f"{key.rsplit('/', 1)[-1]}={value}"
        for key, value in sorted(stats.items())
        if key.startswith("newsspider/dropped/")
    )
    code, why = run_status(stats, failure_threshold)

    def count(key: str) -> int:
        return int(stats.get(f"newsspider/{key}", 0))

    return (
        f"pages fetched {count('pages/fetched')}, failed {count('pages/failed')}; "
        f"articles new {count('articles/new')} / revisited {count('articles/revisited')} / "
        f"changed {count('articles/changed')} / already seen {count('articles/already_seen')}; "
        f"dropped {drops or 'none'}; errors {int(stats.get('log_count/ERROR', 0))}; "
        f"exit status {code} ({why})"
    )
