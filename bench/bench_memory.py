"""Peak RSS of a replay crawl over 1,000, 10,000 and 50,000 generated pages.

Run by hand from the project folder::

    python bench/bench_memory.py [--sizes 1000 10000 50000] [--runs 1]

For each size, ``bench/sitegen.py --format fixtures`` generates the fixture set once (under
``/tmp/bench-fixtures-N-SEED``), then ``scrapy crawl daily8`` replays it whole
(``-s REPLAY_DIR=...``, both locales, every hashtag, related articles to any depth, the
JSON-lines feed, every pipeline) with the crawl benchmark's throughput settings. The peak
RSS is the process's ``ru_maxrss`` from ``wait4()``. A second table times the replay index
that `newsspider.crawl.replay.ReplayDownloaderMiddleware` builds at start (`FixtureIndex`, and the
dict of `newsspider.crawl.fixtures.index_by_url` it replaced), each in a fresh process.
``--compare-bare`` also crawls the static site of each size over nginx with ``daily8`` and
with the bare spider of the crawl benchmark: the growth of the bare spider is Scrapy's own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "ROBOTSTXT_OBEY": "False",
    "SEEN_DB": "off",
    "CLOSESPIDER_PAGECOUNT": "0",
    "LOG_LEVEL": "INFO",
}


def ensure_fixtures(folder: Path, pages: int, seed: int) -> None:
    if (folder / "ListingPage").is_dir():
        return
    print(f"generating: python bench/sitegen.py {folder} --pages {pages} --format fixtures")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "sitegen.py"),
            str(folder),
            "--pages",
            str(pages),
            "--seed",
            str(seed),
            "--format",
            "fixtures",
        ],
        check=True,
    )


def crawl_command(fixtures: Path, out: Path) -> list[str]:
    settings = [i for k, v in SETTINGS.items() for i in ("-s", f"{k}={v}")]
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "daily8",
        "-s",
        f"REPLAY_DIR={fixtures}",
        *settings,
        "-a",
        "locale=all",
        "-a",
        "depth=1000",
        "-s",
        f"STATS_FILE={out / 'stats.json'}",
        "-O",
        str(out / "feed.jsonl"),
    ]


def replay_crawl(fixtures: Path, out: Path) -> tuple[float, int, int, float]:
    """(peak RSS in MiB, pages, items, elapsed seconds) of one replay crawl."""
    command = crawl_command(fixtures, out)
    with (out / "crawl.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the replay crawl failed; see {out / 'crawl.log'}")
    stats = json.loads((out / "stats.json").read_text())
    return (
        usage.ru_maxrss / 1024,
        int(stats["response_received_count"]),
        int(stats.get("item_scraped_count", 0)),
        float(stats["elapsed_time_seconds"]),
    )


INDEX_PROBE = """
import resource, sys, time, gc
from pathlib import Path
sys.path.insert(0, {root!r})
from newsspider.crawl.fixtures import index_by_url
from newsspider.crawl.replay import FixtureIndex
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
index = {build}(Path({folder!r}))
seconds = time.process_time() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(index), seconds, (after - before) / 1024)
"""


def index_cost(fixtures: Path, build: str) -> tuple[int, float, float]:
    """(fixtures indexed, CPU seconds, peak RSS growth in MiB) of building a replay index:
    ``FixtureIndex`` (what replay uses) or ``index_by_url`` (what it used before)."""
    code = INDEX_PROBE.format(root=str(ROOT), folder=str(fixtures), build=build)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    count, seconds, mib = result.stdout.split()
    return int(count), float(seconds), float(mib)


def network_peaks(size: int, seed: int) -> dict[str, float]:
    """Peak RSS (MiB) of `daily8` and of the bare spider crawling the static site over
    nginx, with the crawl benchmark's settings: how much of the growth is Scrapy's own."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_crawl import command_for, ensure_site
    from serve import serve

    site = Path(tempfile.gettempdir()) / f"bench-site-{size}-{seed}"
    ensure_site(site, size, seed)
    out = Path(tempfile.mkdtemp(prefix=f"bench-memory-net-{size}-"))
    peaks = {}
    with serve(site) as port:
        for config in ("a", "b"):
            command, cwd, _ = command_for(config, port, 1000, out)
            env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
            with (out / f"{config}.log").open("wb") as log:
                process = subprocess.Popen(
                    command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
                )
                _, status, usage = os.wait4(process.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"the {config} crawl failed; see {out / config}.log")
            peaks[config] = usage.ru_maxrss / 1024
            print(f"  {size} articles over nginx: {config} peak RSS {peaks[config]:.1f} MiB")
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--compare-bare",
        action="store_true",
        help="also crawl the static sites over nginx with daily8 and the bare spider",
    )
    args = parser.parse_args()

    import scrapy

    print(
        f"machine: {os.cpu_count()} cores; Python {platform.python_version()}, Scrapy "
        f"{scrapy.__version__}"
    )
    print("command: python " + shlex.join(sys.argv))
    rows = []
    index_rows = []
    network: list[tuple[int, dict[str, float]]] = []
    for size in args.sizes:
        fixtures = Path(tempfile.gettempdir()) / f"bench-fixtures-{size}-{args.seed}"
        ensure_fixtures(fixtures, size, args.seed)
        out = Path(tempfile.mkdtemp(prefix=f"bench-memory-{size}-"))
        if size == args.sizes[0]:
            print(
                "crawl: (cd " + str(ROOT) + " && " + shlex.join(crawl_command(fixtures, out)) + ")"
            )
        peaks = []
        for _ in range(args.runs):
            peak, pages, items, elapsed = replay_crawl(fixtures, out)
            peaks.append(peak)
            print(
                f"  {size} articles: {pages} pages, {items} items in {elapsed:.0f} s, "
                f"peak RSS {peak:.1f} MiB",
                flush=True,
            )
        index_rows.append(
            (index_cost(fixtures, "FixtureIndex"), index_cost(fixtures, "index_by_url"))
        )
        rows.append((size, pages, statistics.median(peaks)))
        if args.compare_bare:
            network.append((size, network_peaks(size, args.seed)))

    base = rows[0][2]
    print()
    print("| articles | pages crawled | peak RSS (MiB) | growth from the first |")
    print("|---:|---:|---:|---:|")
    for size, pages, peak in rows:
        print(f"| {size:,} | {pages:,} | {peak:.1f} | {peak - base:+.1f} |")
    print()
    print(
        "| fixtures | FixtureIndex: CPU s | RSS growth (MiB) | index_by_url: CPU s | RSS growth |"
    )
    print("|---:|---:|---:|---:|---:|")
    for (count, seconds, mib), (_, old_seconds, old_mib) in index_rows:
        print(f"| {count:,} | {seconds:.2f} | {mib:.1f} | {old_seconds:.2f} | {old_mib:.1f} |")
    if network:
        print()
        print(
            "| articles | daily8 over nginx: peak RSS | growth | bare spider: peak RSS | growth |"
        )
        print("|---:|---:|---:|---:|---:|")
        first = network[0][1]
        for size, peaks in network:
            print(
                f"| {size:,} | {peaks['a']:.1f} | {peaks['a'] - first['a']:+.1f} "
                f"| {peaks['b']:.1f} | {peaks['b'] - first['b']:+.1f} |"
            )
    growth = rows[-1][2] - base
    verdict = "met" if growth <= 50 else "NOT met"
    print()
    print(
        f"goal: peak RSS grows by at most 50 MB from {args.sizes[0]:,} to {args.sizes[-1]:,} "
        f"articles: {growth:+.1f} MiB ({verdict})"
    )


if __name__ == "__main__":
    main()
