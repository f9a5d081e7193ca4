"""Benchmark rendering: a crawl of N article pages with ``RENDER=always`` on a local site.

Generates N articles from the seed fixture (own ids and titles; related links forming a
tree among them), serves them with `tests.render_site` on 127.0.0.1 and crawls them from
the first one (``depth`` high enough to reach all). While the crawl runs it samples, every
``--interval`` seconds, the feed's line count and the memory of the crawler process, the
Playwright driver (node) and the browser processes (Chromium) below it. Reported per run
and as the median of the runs: pages per second, and the peak memory in the windows of
pages 1-100, 101-200 and 201-300 (for N=300). Memory is RSS from Linux's /proc; for the
browser, whose processes share pages, PSS (proportional share) too.

    python bench/bench_render.py [--pages 300] [--runs 3] [--render always] [--set NAME=VALUE]
        [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from machine import cpu_model  # noqa: E402

from tests.render_site import RenderSite  # noqa: E402

SEED = ROOT / "fixtures/ArticlePage/test-11"
SEED_ID = "359bdb84f6143cc90741b6348728ffdf"
SEED_TITLE = "North Korea&#x27;s Kim met Russia&#x27;s top security official, state media say"
SEED_RELATED = (
    "/en/article/cd4cf12d137d48e50eec9f177aa8d2dd",
    "/en/article/53bba9cd6066d870893908098ee795e6",
    "https://test.daily8.com/en/article/b5835fa3578b1ec4b7fc4ad1c693b46f",
)
LOCAL_ONLY = "--host-resolver-rules=MAP * 127.0.0.1"
MB = 1024 * 1024
MEMORY = ("crawler_rss", "driver_rss", "browser_rss", "browser_pss")


def article_id(number: int) -> str:
    return hashlib.md5(f"bench-article-{number}".encode()).hexdigest()


def related_of(number: int, pages: int) -> list[int]:
    """Three related articles: children in a ternary tree, then the next ones for leaves."""
    children = [c for c in range(3 * number + 1, 3 * number + 4) if c < pages]
    return children + [(number + k) % pages for k in range(1, 4 - len(children))]


def generate_site(root: Path, pages: int) -> list[str]:
    """Write `pages` article pages under `root`; return their paths."""
    template = (SEED / "inputs/HttpResponse-body.html").read_text("utf-8")
    for href in (*SEED_RELATED, SEED_ID, SEED_TITLE):
        assert href in template, href
    paths = [f"/en/article/{article_id(n)}" for n in range(pages)]
    folder = root / "en" / "article"
    folder.mkdir(parents=True)
    for number in range(pages):
        html = template.replace(SEED_ID, article_id(number))
        html = html.replace(SEED_TITLE, f"{SEED_TITLE} (bench page {number})")
        for old, new in zip(SEED_RELATED, related_of(number, pages), strict=True):
            html = html.replace(f'href="{old}"', f'href="{paths[new]}"')
        (folder / f"{article_id(number)}.html").write_text(html, "utf-8")
    return paths


# --- memory ------------------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def _descendants(pid: int) -> list[int]:
    children = _children_map()
    found, stack = [], list(children.get(pid, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children.get(child, []))
    return found


def _memory(pid: int) -> tuple[int, int]:
    """RSS and PSS of a process, in bytes (0 when it is gone)."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return rss, pss


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def sample_tree(pid: int) -> dict[str, float]:
    """Memory of the crawler, its Playwright drivers and its browser processes, in MB."""
    totals = dict.fromkeys(MEMORY, 0.0)
    totals["crawler_rss"] = _memory(pid)[0] / MB
    for child in _descendants(pid):
        rss, pss = _memory(child)
        if _name(child).startswith("node"):
            totals["driver_rss"] += rss / MB
        else:
            totals["browser_rss"] += rss / MB
            totals["browser_pss"] += pss / MB
    return totals


# --- a run ---------------------------------------------------------------------------------------


def feed_lines(folder: Path, name: str, state: dict[str, Any]) -> int:
    """Lines written so far to the feed (or to its partial file while the run lasts)."""
    candidates = [p for p in folder.iterdir() if name in p.name]
    if not candidates:
        return state.get("lines", 0)
    current = max(candidates, key=lambda p: p.stat().st_size)
    if state.get("path") != current:
        state.update(path=current, offset=0, lines=0)
    with current.open("rb") as file:
        file.seek(state["offset"])
        chunk = file.read()
    state["offset"] += len(chunk)
    state["lines"] += chunk.count(b"\n")
    return int(state["lines"])


@dataclass
class Run:
    pages: int
    elapsed: float
    wall: float
    items: int
    rendered: int
    windows: list[dict[str, float]] = field(default_factory=list)
    command: list[str] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return self.items / self.elapsed if self.elapsed else 0.0


def run_once(
    site: RenderSite,
    paths: list[str],
    render: str,
    interval: float,
    step: int,
    extra: list[str],
) -> Run:
    pages = len(paths)
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        out = Path(tmp)
        feed, stats_file = out / "feed.jsonl", out / "stats.json"
        command = [sys.executable, "-m", "scrapy", "crawl", "daily8", "-O", str(feed)]
        for key, value in {
            "RENDER": render,
            "ALLOWED_HOSTS": site.allowed,
            "RENDER_BROWSER_ARGS": LOCAL_ONLY,
            "SEEN_DB": "off",
            "AUTOTHROTTLE_ENABLED": "False",
            "LOG_LEVEL": "INFO",
            "STATS_FILE": str(stats_file),
        }.items():
            command += ["-s", f"{key}={value}"]
        for setting in extra:
            command += ["-s", setting]
        command += ["-a", f"urls={site.url(paths[0])}", "-a", f"depth={pages}"]
        windows = [dict.fromkeys(MEMORY, 0.0) for _ in range((pages + step - 1) // step)]
        state: dict[str, Any] = {}
        started = time.monotonic()
        log = (out / "crawl.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        while process.poll() is None:
            done = feed_lines(out, feed.name, state)
            sample = sample_tree(process.pid)
            window = windows[min(max(done - 1, 0) // step, len(windows) - 1)]
            for key in window:
                window[key] = max(window[key], sample[key])
            time.sleep(interval)
        wall = time.monotonic() - started
        log.close()
        if process.returncode != 0:
            print((out / "crawl.log").read_text()[-3000:], file=sys.stderr)
            raise SystemExit(f"crawl failed with exit status {process.returncode}")
        stats = json.loads(stats_file.read_text("utf-8"))
        items = sum(1 for line in feed.read_text("utf-8").splitlines() if line)
        return Run(
            pages=pages,
            elapsed=float(stats["elapsed_time_seconds"]),
            wall=wall,
            items=items,
            rendered=int(stats.get("newsspider/render/pages", 0)),
            windows=windows,
            command=command,
        )


def browser_version() -> str:
    from newsspider.render.config import find_browser

    browser = find_browser()
    if browser is None:
        return "none"
    done = subprocess.run([browser, "--version"], capture_output=True, text=True, timeout=30)
    return f"{browser}: {done.stdout.strip()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--render", default="always", choices=("always", "auto", "never"))
    parser.add_argument("--step", type=int, default=100, help="pages per memory window")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between samples")
    parser.add_argument("--set", action="append", default=[], help="another NAME=VALUE setting")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        paths = generate_site(Path(tmp), args.pages)
        site = RenderSite(Path(tmp))
        try:
            runs = []
            for number in range(args.runs):
                run = run_once(site, paths, args.render, args.interval, args.step, args.set)
                runs.append(run)
                print(
                    f"run {number + 1}: {run.items} items, {run.rendered} rendered, "
                    f"{run.pages_per_second:.2f} pages/s",
                    file=sys.stderr,
                )
        finally:
            site.close()

    load = f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after"
    command = " ".join(runs[0].command).replace(site.base, "http://127.0.0.1:PORT")
    print(f"CPU: {cpu_model()} ({os.cpu_count()} cores), load average {load}")
    print(f"Browser: {browser_version()}")
    print(f"Crawl: {command.replace(str(ROOT) + '/', '')}")
    print(f"Runs: {len(runs)} (median shown), RENDER={args.render}, {args.pages} pages")
    print()
    median = statistics.median
    print(f"pages/s (crawl elapsed): {median(r.pages_per_second for r in runs):.2f}")
    print(f"wall time incl. start-up: {median(r.wall for r in runs):.1f} s")
    print(f"items: {[r.items for r in runs]}, rendered: {[r.rendered for r in runs]}")
    print()
    print("| pages | crawler RSS MB | driver RSS MB | browser RSS MB | browser PSS MB |")
    print("|---|---|---|---|---|")
    rows = []
    for index in range(len(runs[0].windows)):
        low, high = index * args.step + 1, min((index + 1) * args.step, args.pages)
        row = {key: median(r.windows[index][key] for r in runs) for key in MEMORY}
        rows.append({"pages": f"{low}-{high}", **row})
        print(
            f"| {low}-{high} | {row['crawler_rss']:.0f} | {row['driver_rss']:.0f} | "
            f"{row['browser_rss']:.0f} | {row['browser_pss']:.0f} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "cpu": cpu_model(),
                    "load_average": load,
                    "browser": browser_version(),
                    "command": command,
                    "runs": [
                        {
                            "items": r.items,
                            "rendered": r.rendered,
                            "elapsed": r.elapsed,
                            "wall": r.wall,
                            "pages_per_second": r.pages_per_second,
                            "windows": r.windows,
                        }
                        for r in runs
                    ],
                    "median_windows": rows,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
