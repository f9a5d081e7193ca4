"""``scrapy crawl``: validated arguments, one run at a time, an exit status that tells the truth."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newsspider.crawl.seen import RunLock, seen_db_path
from newsspider.crawl.status import EXIT_ERROR, EXIT_LOCKED, EXIT_USAGE, run_status
from newsspider.render.config import RenderSettingsError, check_render_settings
from newsspider.scaleout.config import (
    RedisSettingsError,
    check_redis_settings,
    redis_unreachable,
    redis_url,
)
from newsspider.site.urls import HostPolicy
from newsspider.spiders.daily8 import ArgumentError, CrawlArguments, Daily8Spider


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command, made fit for cron (exit statuses in the README)."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if args and args[0] == Daily8Spider.name:
            assert self.settings is not None
            policy = HostPolicy.from_setting(self.settings.get("ALLOWED_HOSTS"))
            try:
                CrawlArguments.parse(policy, **opts.spargs)
                check_render_settings(self.settings)
                check_redis_settings(self.settings)
            except (ArgumentError, RenderSettingsError, RedisSettingsError) as error:
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
        database = None if redis_url(self.settings) else seen_db_path(self.settings)
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
        threshold = self.settings.getfloat("FAILURE_THRESHOLD")
        self.exitcode, _ = run_status(crawler.stats.get_stats(), threshold)
