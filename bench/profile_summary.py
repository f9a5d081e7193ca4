"""Summarise a ``py-spy record -f raw`` profile: where the crawl's CPU goes, by owner.

    python bench/profile_summary.py PROFILE.txt [--top 30] [--frame TEXT ...]

Prints the share of the main thread's samples (idle waits and other threads left out)
spent under newsspider's own code, by part (page parsers, pipelines, spider, middlewares,
rendering), in the parsers they call (lxml, parsel, web-poet), and in Scrapy, Twisted and
asyncio; then the top frames by own time, and the inclusive share of any ``--frame``.
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

#: (name, substring of a frame): the first match, from the innermost newsspider frame out.
PARTS = (
    ("newsspider: page parsers (site/)", "newsspider/site/"),
    ("newsspider: time stamps (text/stamp*)", "newsspider/text/stamp"),
    ("newsspider: chrome (text/chrome.py)", "newsspider/text/chrome.py"),
    ("newsspider: bylines, credits, boilerplate (text/)", "newsspider/text/"),
    ("newsspider: pipelines (crawl/pipelines.py)", "newsspider/crawl/pipelines.py"),
    ("newsspider: rendering (render/)", "newsspider/render/"),
    ("newsspider: middlewares (crawl/middlewares.py)", "newsspider/crawl/middlewares.py"),
    ("newsspider: spider (daily8.py)", "newsspider/spiders/daily8.py"),
    ("newsspider: other", "newsspider/"),
)
#: newsspider frames that only hand the work on to Scrapy (the download of a page).
PASS_THROUGH = ("RenderDownloadHandler.download_request",)
IDLE = ("Condition.wait", "_do_waitpid", "EpollSelector.select", "select (selectors.py")


def owner(frames: list[str]) -> str:
    """Who a sample's time belongs to: the innermost newsspider part, else the library."""
    for frame in reversed(frames):
        if frame.startswith(PASS_THROUGH):
            break  # below a pass-through frame everything is the library's
        if "newsspider/" in frame and "newsspider/commands/" not in frame:
            for name, needle in PARTS:
                if needle in frame:
                    return name
    leaf = frames[-1] if frames else ""
    for name, needle in (
        ("feed export (scrapy/exporters, json)", "exporters.py"),
        ("feed export (scrapy/exporters, json)", "feedexport.py"),
        ("lxml / parsel (bare spider's selectors)", "parsel/"),
        ("imports (startup)", "<frozen importlib"),
    ):
        if any(needle in f for f in frames):
            return name
    if "scrapy/" in leaf:
        return "Scrapy (own frames)"
    if "twisted/" in leaf:
        return "Twisted"
    if "asyncio/" in leaf:
        return "asyncio"
    return "other (stdlib, w3lib, itemadapter, ...)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--frame", action="append", default=[])
    args = parser.parse_args()

    owners: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in args.profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if any(f.startswith(("Thread._bootstrap", "_bootstrap (threading")) for f in frames):
            continue  # other threads (thread pools, the asyncio child watcher)
        if frames and any(i in frames[-1] for i in IDLE):
            continue  # waiting, not working
        n = int(count)
        total += n
        owners[owner(frames)] += n
        own[frames[-1]] += n
        for pattern in args.frame:
            if any(pattern in f for f in frames):
                inclusive[pattern] += n
    print(f"{args.profile}: {total} samples of the main thread at work")
    print()
    print("| where | share |")
    print("|---|---:|")
    for name, n in owners.most_common():
        print(f"| {name} | {100 * n / total:.1f}% |")
    print()
    print(f"top {args.top} frames by own time:")
    for frame, n in own.most_common(args.top):
        print(f"  {100 * n / total:5.1f}%  {frame}")
    for pattern in args.frame:
        print(f"inclusive {pattern!r}: {100 * inclusive[pattern] / total:.1f}%")


if __name__ == "__main__":
    main()
