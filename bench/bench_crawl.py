"""Pages per second: ``scrapy crawl daily8`` against a bare Scrapy spider, same site, same settings.

Run by hand from the project folder::

    python bench/bench_crawl.py [--pages 5000] [--runs 5] [--render-never] [--py-spy DIR]
                                [--set NAME=VALUE ...]

The synthetic site of ``bench/sitegen.py --format static`` (``--pages`` articles, about a
quarter Arabic, hashtag listings and home pages; generated once under ``--site``) is served
by nginx on 127.0.0.1 (`bench/serve.py`) and crawled, interleaved round by round (the
order alternates), by:

- ``a``: ``scrapy crawl daily8`` with the project's settings: every item pipeline, the
  JSON-lines feed (``-O``), every middleware and extension, ``RENDER`` at its default;
- ``b``: ``bench/bare_spider.py`` run with ``scrapy runspider`` outside the project (so no
  project setting loads): the same links, each yielded once per page, only URLs as items,
  the same JSON-lines feed;
- ``a-norender`` (with ``--render-never``): ``a`` with ``-s RENDER=never``.

All get the same throughput settings (`common_settings`, printed with each command), the
values newsspider's settings give Scrapy's engine settings (`ENGINE_SETTINGS`), and any
``--set NAME=VALUE``.
Pages per second = ``response_received_count / elapsed_time_seconds`` from each run's
final stats (spider opened to closed); CPU is the run's user+system time from
``wait4()`` (startup included). The figures are the median of ``--runs`` rounds with
min and max; the ratio a/b is taken per round (side by side) and its median reported.
``--py-spy DIR`` records one more run of each under ``py-spy record`` (raw stacks).
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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from machine import cpu_model  # noqa: E402
from serve import serve  # noqa: E402

#: ``--set NAME=VALUE`` settings, given to both spiders after the throughput settings.
EXTRA_SETTINGS: dict[str, str] = {}
#: Scrapy engine settings newsspider's settings change, and ``GC_FREEZE`` (which the bare
#: spider honours too): the bare spider gets the same values, so that both pay the same for
#: Scrapy's own machinery and for Python's garbage collector.
ENGINE_SETTINGS = ("CONCURRENT_ITEMS", "SCRAPER_SLOT_MAX_ACTIVE_SIZE", "GC_FREEZE")


def project_engine_settings() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from newsspider import settings as project

    return {name: str(getattr(project, name)) for name in ENGINE_SETTINGS if hasattr(project, name)}


def common_settings(port: int, depth: int) -> list[str]:
    """The throughput settings both spiders run with."""
    settings = {
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": "32",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
        "ROBOTSTXT_OBEY": "False",
        "SEEN_DB": "off",
        "CLOSESPIDER_PAGECOUNT": "0",
        "LOG_LEVEL": "INFO",
        "ALLOWED_HOSTS": f"127.0.0.1:{port}",
        # Off in newsspider's settings; off for the bare spider too (same extensions).
        "TELNETCONSOLE_ENABLED": "False",
        "REMOTE_CONTROL_ENABLED": "False",
        **project_engine_settings(),
        **EXTRA_SETTINGS,
    }
    args = [item for name, value in settings.items() for item in ("-s", f"{name}={value}")]
    return [
        *args,
        "-a",
        f"urls=http://127.0.0.1:{port}/en",
        "-a",
        "locale=all",
        "-a",
        f"depth={depth}",
    ]


@dataclass
class Run:
    config: str
    pages: int
    items: int
    elapsed: float
    wall: float
    cpu: float
    load: float

    @property
    def rate(self) -> float:
        return self.pages / self.elapsed


def command_for(config: str, port: int, depth: int, out: Path) -> tuple[list[str], Path, Path]:
    """(command, working folder, stats file) of one run."""
    stats = out / f"{config}-stats.json"
    feed = out / f"{config}.jsonl"
    common = common_settings(port, depth)
    if config.startswith("a"):
        extra = ["-s", "RENDER=never"] if config == "a-norender" else []
        command = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "daily8",
            *common,
            *extra,
            "-s",
            f"STATS_FILE={stats}",
            "-O",
            str(feed),
        ]
        return command, ROOT, stats
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(ROOT / "bench" / "bare_spider.py"),
        *common,
        "-a",
        f"stats={stats}",
        "-O",
        str(feed),
    ]
    return command, out, stats  # out holds no scrapy.cfg: no project settings


def run_once(config: str, port: int, depth: int, out: Path, prefix: list[str]) -> Run:
    command, cwd, stats_path = command_for(config, port, depth, out)
    stats_path.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    log = (out / f"{config}.log").open("wb")
    load = os.getloadavg()[0]
    start = time.monotonic()
    process = subprocess.Popen(
        [*prefix, *command], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    if process.returncode not in (0,):
        raise SystemExit(f"{config} exited with {process.returncode}; see {out / config}.log")
    stats: dict[str, Any] = json.loads(stats_path.read_text())
    if stats.get("finish_reason") != "finished":
        raise SystemExit(f"{config} finished with {stats.get('finish_reason')}")
    return Run(
        config=config,
        pages=int(stats["response_received_count"]),
        items=int(stats.get("item_scraped_count", 0)),
        elapsed=float(stats["elapsed_time_seconds"]),
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        load=load,
    )


def ensure_site(site: Path, pages: int, seed: int) -> None:
    if (site / "en" / "index.html").is_file():
        return
    print(f"generating the site: python bench/sitegen.py {site} --pages {pages} --seed {seed}")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "sitegen.py"),
            str(site),
            "--pages",
            str(pages),
            "--seed",
            str(seed),
            "--format",
            "static",
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=5000, help="articles in the site")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--depth", type=int, default=1000)
    parser.add_argument("--site", type=Path, help="site folder (default: /tmp/bench-site-N)")
    parser.add_argument("--server", choices=("nginx", "twisted"), default="nginx")
    parser.add_argument("--render-never", action="store_true", help="also run a -s RENDER=never")
    parser.add_argument("--py-spy", type=Path, help="record one more run of each here")
    parser.add_argument("--out", type=Path, help="feeds, stats and logs (default: a temp dir)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one more Scrapy setting, for both spiders (repeatable)",
    )
    args = parser.parse_args()
    for assignment in args.set:
        name, _, value = assignment.partition("=")
        EXTRA_SETTINGS[name] = value

    site = args.site or Path(tempfile.gettempdir()) / f"bench-site-{args.pages}-{args.seed}"
    ensure_site(site, args.pages, args.seed)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    out.mkdir(parents=True, exist_ok=True)
    configs = ["a", "b"] + (["a-norender"] if args.render_never else [])
    runs: dict[str, list[Run]] = {c: [] for c in configs}
    ratios: list[float] = []
    norender_ratios: list[float] = []
    cpu_ratios: list[float] = []

    import scrapy

    print(
        f"machine: {os.cpu_count()} cores, {cpu_model()}; Python {platform.python_version()}, "
        f"Scrapy {scrapy.__version__}"
    )
    print("command: python " + shlex.join(sys.argv))
    with serve(site, server=args.server) as port:
        print(f"site: {site} served by {args.server} on 127.0.0.1:{port}; output in {out}")
        for config in configs:
            command, cwd, _ = command_for(config, port, args.depth, out)
            print(f"{config}: (cd {cwd} && {shlex.join(command)})")
        for round_ in range(args.runs):
            order = configs if round_ % 2 == 0 else configs[::-1]
            done = {}
            for config in order:
                run = run_once(config, port, args.depth, out, [])
                runs[config].append(run)
                done[config] = run
                print(
                    f"  round {round_ + 1} {config:10s} {run.pages} pages {run.items} items "
                    f"in {run.elapsed:.2f} s: {run.rate:.0f} pages/s, CPU {run.cpu:.1f} s, "
                    f"wall {run.wall:.1f} s, load {run.load:.1f}",
                    flush=True,
                )
            ratios.append(done["a"].rate / done["b"].rate)
            if "a-norender" in done:
                norender_ratios.append(done["a-norender"].rate / done["b"].rate)
            cpu_ratios.append((done["b"].cpu / done["b"].pages) / (done["a"].cpu / done["a"].pages))
        if args.py_spy:
            args.py_spy.mkdir(parents=True, exist_ok=True)
            for config in configs:
                raw = args.py_spy / f"{config}.txt"
                prefix = ["py-spy", "record", "-r", "200", "-f", "raw", "-o", str(raw), "--"]
                run = run_once(config, port, args.depth, out, prefix)
                print(f"  py-spy {config}: {raw} ({run.rate:.0f} pages/s under the profiler)")

    def fmt(values: list[float], spec: str) -> str:
        return (
            f"{format(statistics.median(values), spec)} | {format(min(values), spec)} "
            f"| {format(max(values), spec)}"
        )

    print()
    print("| spider | pages/s median | min | max | CPU ms/page median | pages | items |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for config in configs:
        rates = [r.rate for r in runs[config]]
        cpu = [1000 * r.cpu / r.pages for r in runs[config]]
        last = runs[config][-1]
        print(
            f"| {config} | {fmt(rates, '.0f')} | {statistics.median(cpu):.2f} "
            f"| {last.pages} | {last.items} |"
        )
    print()
    print(f"ratio a/b of pages/s, per round: median {fmt(ratios, '.2f')} (min, max)")
    if norender_ratios:
        print(f"ratio a-norender/b, per round: median {fmt(norender_ratios, '.2f')} (min, max)")
    print(f"ratio of CPU per page b/a, per round: median {fmt(cpu_ratios, '.2f')} (min, max)")
    verdict = "met" if statistics.median(ratios) >= 0.8 else "NOT met"
    print(f"goal: a >= 0.8x the pages/s of b: {statistics.median(ratios):.2f}x ({verdict})")


if __name__ == "__main__":
    main()
