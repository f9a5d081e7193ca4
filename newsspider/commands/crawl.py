"""``scrapy crawl``: validated arguments, one run at a time, an exit status that tells the truth."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newsspider.crawl.config import (
    ConfigError,
    RunConfig,
    check_scrapy_settings,
    prepare_output_paths,
)
from newsspider.crawl.seen import RunLock
from newsspider.crawl.status import (
    EXIT_ERROR,
    EXIT_LOCKED,
    EXIT_STATUS,
    EXIT_USAGE,
    run_status,
)
from newsspider.render.config import RenderSettingsError, check_render_settings
from newsspider.scaleout.config import RedisSettingsError, check_redis_settings, redis_unreachable

SPIDER = "daily8"


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command, made fit for cron (exit statuses in the README)."""

    config: RunConfig | None = None
    default_settings = {**ScrapyCrawlCommand.default_settings, "LOG_LEVEL": "INFO"}

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        try:
            # Scrapy opens the log file before any component runs: its folder must exist.
            prepare_output_paths(self.settings)
            check_scrapy_settings(self.settings)
        except ConfigError as error:
            command = " ".join(["scrapy crawl", *args[:1]])
            print(f"{command}: error: {error}", file=sys.stderr)
            raise SystemExit(EXIT_USAGE) from None
        if args and args[0] == SPIDER:
            try:
                self.config = RunConfig.from_settings(self.settings, opts.spargs)
                check_render_settings(self.settings)
                check_redis_settings(self.settings)
            except (ConfigError, RenderSettingsError, RedisSettingsError) as error:
                print(f"scrapy crawl {args[0]}: error: {error}", file=sys.stderr)
                raise SystemExit(EXIT_USAGE) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.settings is not None and self.crawler_process is not None
        unreachable = redis_unreachable(self.settings)
        if unreachable:
            print(f"scrapy crawl {args[0]}: error: {unreachable}", file=sys.stderr)
            self.exitcode = EXIT_ERROR
            return
        # The lock guards the SQLite seen-store; with Redis many workers share one crawl.
        database = self.config.seen_db if self.config is not None else None
        lock = RunLock(database.with_name(database.name + ".lock")) if database else None
        if lock is not None and not lock.acquire():
            print(
                f"scrapy crawl {args[0]}: another run holds {lock.path}; exiting",
                file=sys.stderr,
            )
            self.exitcode = EXIT_LOCKED
            return
        try:
            crawler = self.crawler_process.create_crawler(args[0])
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            if lock is not None:
                lock.release()
        if self.crawler_process.bootstrap_failed or crawler.stats is None:
            self.exitcode = EXIT_ERROR
            return
        stats = crawler.stats.get_stats()
        if EXIT_STATUS in stats:  # the status the summary printed, close-time errors included
            self.exitcode = int(stats[EXIT_STATUS])
        else:
            self.exitcode, _ = run_status(stats, self.settings.getfloat("FAILURE_THRESHOLD"))
