"""``scrapy crawl``, with spider arguments validated before anything starts."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newsspider.hosts import HostPolicy
from newsspider.spiders.daily8 import ArgumentError, CrawlArguments, Daily8Spider


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command; a bad ``-a`` value exits 2 with a one-line error."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if args and args[0] == Daily8Spider.name:
            assert self.settings is not None
            policy = HostPolicy.from_setting(self.settings.get("ALLOWED_HOSTS"))
            try:
                CrawlArguments.parse(policy, **opts.spargs)
            except ArgumentError as error:
                print(f"scrapy crawl {args[0]}: error: {error}", file=sys.stderr)
                raise SystemExit(2) from None
