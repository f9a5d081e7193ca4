"""``scrapy push URL...``: queue start pages for scaled-out workers (``REDIS_URL``)."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newsspider.crawl.config import ConfigError, CrawlArguments, RunConfig, redis_url
from newsspider.crawl.status import EXIT_USAGE
from newsspider.scaleout.config import RedisSettingsError, check_redis_settings


class Command(ScrapyCommand):
    """Append start URLs to ``<spider>:[<namespace>:]start_urls``, where idle workers take them."""

    requires_project = True
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[URL ...] [--file PATH]"

    def short_desc(self) -> str:
        return "Push start URLs (articles, hashtags, home pages) to the workers' Redis list"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--file", help="also push the URLs of this file, one per line")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if not redis_url(self.settings):
            raise UsageError("set REDIS_URL (-s REDIS_URL=redis://host:port/db or the env var)")
        try:
            policy = RunConfig.from_settings(self.settings).policy
            check_redis_settings(self.settings)
            kwargs = {"urls": ",".join(args), "url_file": opts.file or ""}
            urls = CrawlArguments.parse(policy, **kwargs).urls if args or opts.file else ()
        except (ConfigError, RedisSettingsError) as error:
            print(f"scrapy push: error: {error}", file=sys.stderr)
            raise SystemExit(EXIT_USAGE) from None
        if not urls:
            raise UsageError("give at least one URL")
        from newsspider.scaleout.frontier import push_start_urls  # imports redis: only when used

        key, length = push_start_urls(self.settings, "daily8", urls)
        print(f"pushed {len(urls)} start URL(s) to {key} ({length} waiting)")
