"""Run reports: one self-contained HTML page from feeds and stats (``scrapy report``).

An add-on on top of ``site/`` and ``text/``: only ``newsspider.commands.report`` imports it,
so a crawl never loads matplotlib.
"""

from __future__ import annotations

from pathlib import Path

from newsspider.report.figures import Feeds, ReportError, read_feeds, read_stats
from newsspider.report.page import render_page

__all__ = ["Feeds", "ReportError", "build_report", "read_feeds", "read_stats", "render_page"]


def build_report(feeds: list[Path], stats: list[Path]) -> tuple[str, Feeds]:
    """The report page of `feeds` (and `stats` files, if any) and the feeds as read."""
    read = read_feeds(feeds)
    numbers = read_stats(stats) if stats else None
    return render_page(read, numbers, [str(path) for path in stats]), read
