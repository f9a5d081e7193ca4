"""``scrapy regenerate``: recompute fixtures' expected outputs and show the diff."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from newsspider.crawl.fixtures import OUTPUT_FILE, dumps, iter_fixtures
from newsspider.crawl.replay import FixtureParser, build_crawler


class Command(ScrapyCommand):
    """Parse every fixture again; print how its output differs from ``output.json``."""

    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--write] [FIXTURES_DIR]"

    def short_desc(self) -> str:
        return "Recompute fixtures' expected outputs, print the diff (--write saves them)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--write", action="store_true", help="save the new outputs")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        base = Path(args[0] if args else "fixtures")
        allowed = self.settings.get("ALLOWED_HOSTS")
        parser = FixtureParser(build_crawler({"ALLOWED_HOSTS": allowed}))
        changed = 0
        for fixture in iter_fixtures(base):
            new = dumps(parser.output(fixture))
            path = fixture.path / OUTPUT_FILE
            old = path.read_text("utf-8") if path.exists() else ""
            if new == old:
                continue
            changed += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(True), new.splitlines(True), str(path), str(path)
                )
            )
            if opts.write:
                path.write_text(new, "utf-8")
        verb = "updated" if opts.write else "differ"
        print(f"{changed} fixture output(s) {verb}", file=sys.stderr)
        self.exitcode = 1 if changed and not opts.write else 0
