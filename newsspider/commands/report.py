"""``scrapy report FEED [FEED ...] [--stats FILE] [-o report.html]``: a run report page."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsspider.crawl.status import EXIT_ERROR, EXIT_USAGE


class Command(ScrapyCommand):
    """Write one self-contained HTML page about what feeds (and a run's stats) hold."""

    requires_project = False
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "FEED [FEED ...] [--stats FILE] [-o report.html]"

    def short_desc(self) -> str:
        return "Write an HTML report of feeds: sources, locales, times, coverage, drops, failures"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o", "--output", default="report.html", help="the page to write (default report.html)"
        )
        parser.add_argument(
            "--stats",
            action="append",
            default=[],
            metavar="FILE",
            help="a STATS_FILE of the crawl (drops, renders, failures); repeat to sum several",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("give at least one feed (a JSON-lines file of articles)")
        # Imported here: matplotlib loads only for this command, never for a crawl.
        from newsspider.report import ReportError, build_report

        try:
            page, feeds = build_report([Path(a) for a in args], [Path(s) for s in opts.stats])
        except ReportError as error:
            self._fail(EXIT_USAGE, str(error))
        output = Path(opts.output)
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
            partial.write_text(page, "utf-8")
            partial.replace(output)
        except OSError as error:
            self._fail(EXIT_ERROR, f"cannot write {output}: {error.strerror or error}")
        print(
            f"wrote {output}: {len(feeds.articles)} articles from {feeds.lines} lines"
            f" of {len(args)} feed(s)"
            + (f"; {feeds.bad_count} bad line(s) skipped" if feeds.bad_count else "")
        )
        for bad in feeds.bad:
            print(f"scrapy report: bad line {bad.path}:{bad.line}: {bad.reason}", file=sys.stderr)
        if feeds.bad_count > len(feeds.bad):
            print(
                f"scrapy report: ... and {feeds.bad_count - len(feeds.bad)} more bad line(s)",
                file=sys.stderr,
            )

    @staticmethod
    def _fail(status: int, message: str) -> None:
        print(f"scrapy report: error: {message}", file=sys.stderr)
        raise SystemExit(status)
