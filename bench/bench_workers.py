"""Pages per second of 1, 2 and 4 workers sharing one crawl through Redis.

    python bench/bench_workers.py [--pages 1000] [--delay 0.05] [--workers 1 2 4] [--runs 3]

Generates a site with ``bench/sitegen.py``, serves it on 127.0.0.1 with ``tests/site_server.py``
(``--delay`` seconds added to every response), starts a private ``redis-server`` on a free
loopback port and, for each worker count, runs that many ``scrapy crawl daily8`` processes at
once against an emptied Redis (``-a locale=all``, the project's politeness settings: per-worker
AutoThrottle, 8 requests per host). Pages per second = pages fetched by all workers / crawl time
(first worker start to last worker finish, from the workers' stats). Each run is checked: the
union of the feeds is every article, none twice. Worker counts are interleaved run by run;
prints the median of ``--runs`` runs of each.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from machine import cpu_model  # noqa: E402

from newsspider.crawl.fixtures import iter_fixtures  # noqa: E402
from newsspider.site.pages import article_id  # noqa: E402


@dataclass
class Run:
    workers: int
    pages: int
    crawl_seconds: float
    wall_seconds: float
    cpu_seconds: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.crawl_seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            return process, url
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def start_site(site: Path, delay: float) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.site_server", str(site), "--delay", str(delay)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def crawl(count: int, port: int, redis_url: str, out: Path, ids: set[str]) -> Run:
    """`count` workers at once on an empty Redis; checks their feeds."""
    import redis

    redis.Redis.from_url(redis_url).flushall()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    settings = {
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": f"127.0.0.1:{port}",
        "ROBOTSTXT_OBEY": False,
        "RENDER": "never",
        "LOG_LEVEL": "WARNING",
        "CLOSESPIDER_PAGECOUNT": 0,
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    processes = []
    for n in range(count):
        command = [sys.executable, "-m", "scrapy", "crawl", "daily8"]
        command += ["-O", str(out / f"feed-{n}-%(worker_id)s.jsonl")]
        for key, value in {**settings, "STATS_FILE": out / f"stats-{n}.json"}.items():
            command += ["-s", f"{key}={value}"]
        command += ["-a", "locale=all", "-a", f"urls=http://127.0.0.1:{port}/en"]
        log = (out / f"worker-{n}.log").open("w")
        processes.append(subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, env=env))
    codes = [process.wait() for process in processes]
    wall = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if any(codes):
        raise RuntimeError(f"worker exit statuses {codes}; logs in {out}")
    stats = [json.loads((out / f"stats-{n}.json").read_text()) for n in range(count)]
    emitted = [
        json.loads(line)["id"]
        for feed in out.glob("feed-*.jsonl")
        for line in feed.read_text("utf-8").splitlines()
        if line
    ]
    if len(emitted) != len(set(emitted)) or set(emitted) != ids:
        raise RuntimeError(f"feeds hold {len(emitted)} lines, {len(set(emitted))} ids")
    first = min(stamp(s["start_time"]) for s in stats)
    last = max(stamp(s["finish_time"]) for s in stats)
    cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    return Run(
        workers=count,
        pages=sum(int(s.get("newsspider/pages/fetched", 0)) for s in stats),
        crawl_seconds=(last - first).total_seconds(),
        wall_seconds=wall,
        cpu_seconds=cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds added per response")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        base = Path(tmp)
        site = base / "site"
        subprocess.run(
            [sys.executable, str(ROOT / "bench/sitegen.py"), str(site), "--pages",
             str(args.pages), "--format", "fixtures"],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        ids = {
            i
            for f in iter_fixtures(site)
            if f.page_object == "ArticlePage"
            if (i := article_id(f.url))
        }
        redis_server, redis_url = start_redis(base)
        site_server, port = start_site(site, args.delay)
        results: dict[int, list[Run]] = {}
        try:
            # Interleaved (1, 2, 4, 1, 2, 4, ...): a change in background load hits every count.
            for attempt in range(args.runs):
                for count in args.workers:
                    run = crawl(count, port, redis_url, base / f"w{count}-{attempt}", ids)
                    results.setdefault(count, []).append(run)
                    print(
                        f"run {attempt + 1}, {count} worker(s): {run.pages} pages in "
                        f"{run.crawl_seconds:.2f} s = {run.pages_per_second:.1f} pages/s "
                        f"(wall {run.wall_seconds:.2f} s, CPU {run.cpu_seconds:.1f} s, "
                        f"load average {os.getloadavg()[0]:.1f})",
                        flush=True,
                    )
        finally:
            site_server.kill()
            site_server.wait()
            redis_server.terminate()
            redis_server.wait()
    cores = os.cpu_count()
    print(f"\nCPU: {cpu_model()} ({cores} cores); {args.pages} articles, {args.delay * 1000:g} ms")
    print("workers | pages/s (median) | speed-up | crawl s (median) | runs (pages/s)")
    one = statistics.median(r.pages_per_second for r in results.get(1, [])) if 1 in results else 0
    for count, runs in results.items():
        rate = statistics.median(r.pages_per_second for r in runs)
        speedup = f"{rate / one:.2f}x" if one else "-"
        seconds = statistics.median(r.crawl_seconds for r in runs)
        each = ", ".join(f"{r.pages_per_second:.1f}" for r in runs)
        print(f"{count:7d} | {rate:16.1f} | {speedup:>8} | {seconds:16.2f} | {each}")


if __name__ == "__main__":
    main()
