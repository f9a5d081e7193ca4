"""Scale-out on Redis: workers share one frontier and one seen-store; a lost worker loses nothing.

Every test runs a real ``redis-server`` on a free loopback port and a generated site of 200
articles served on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from scrapy import Request
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.settings import Settings

from newsspider.crawl.fixtures import iter_fixtures
from newsspider.crawl.replay import build_crawler
from newsspider.crawl.status import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from newsspider.scaleout.config import RedisSettingsError, check_redis_settings
from newsspider.scaleout.frontier import (
    ArticleIdFingerprinter,
    RedisDupeFilter,
    RedisScheduler,
    push_start_urls,
)
from newsspider.scaleout.keyspace import Keys
from newsspider.scaleout.leases import Worker, worker_for
from newsspider.site.pages import article_id
from tests.conftest import ROOT, SiteServer, crawl_command, read_feed

PAGES = 200


class RedisServer:
    """``redis-server`` on a free 127.0.0.1 port, without persistence."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                assert self.process.poll() is None, "redis-server exited"
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def close(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.close()


@pytest.fixture
def db(redis_server: RedisServer) -> RedisServer:
    """The Redis server, emptied."""
    redis_server.client.flushall()
    return redis_server


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated site of `PAGES` articles (and its listings) as fixtures."""
    out = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "bench/sitegen.py", str(out), "--pages", str(PAGES), "--format",
         "fixtures"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def all_ids(site: Path) -> set[str]:
    ids = {article_id(f.url) for f in iter_fixtures(site) if f.page_object == "ArticlePage"}
    assert len(ids) == PAGES and None not in ids
    return {i for i in ids if i}


@pytest.fixture(scope="module")
def fast_site(site: Path) -> Iterator[SiteServer]:
    server = SiteServer(site, delay=0.02)
    yield server
    server.close()


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    return {**env, "PYTHONPATH": str(ROOT)}


def start_worker(
    tmp: Path,
    name: str,
    server: SiteServer,
    url: str | None,
    *extra: str,
    feed: str | None = None,
    **settings: Any,
) -> subprocess.Popen[str]:
    """``scrapy crawl daily8`` writing ``<name>-<worker id>.jsonl`` (or `feed`) and
    ``<name>-stats.json``."""
    merged: dict[str, Any] = {
        "ALLOWED_HOSTS": server.allowed,
        "ROBOTSTXT_OBEY": False,
        "RENDER": "never",
        "LOG_LEVEL": "INFO",
        "STATS_FILE": tmp / f"{name}-stats.json",
    }
    if url:
        merged |= {"REDIS_URL": url, "REDIS_WORKER_TIMEOUT": 10}
    merged |= settings
    args = ("-a", "locale=all", "-a", f"urls={server.base}/en", *extra)
    command = crawl_command(feed or tmp / f"{name}-%(worker_id)s.jsonl", merged, args)
    log = (tmp / f"{name}.log").open("w")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, text=True, env=environment())


def feed_ids(tmp: Path, name: str) -> list[str]:
    feeds = sorted(tmp.glob(f"{name}-*.jsonl"))
    return [item["id"] for feed in feeds for item in read_feed(feed)]


def stats(tmp: Path, name: str) -> dict[str, Any]:
    path = tmp / f"{name}-stats.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def finish(process: subprocess.Popen[str], tmp: Path, name: str, timeout: float = 90) -> None:
    code = process.wait(timeout=timeout)
    assert code == EXIT_OK, (tmp / f"{name}.log").read_text()[-3000:]


def test_three_workers_crawl_one_site_and_emit_each_article_once(
    tmp_path: Path, db: RedisServer, fast_site: SiteServer, all_ids: set[str]
) -> None:
    names = ("w1", "w2", "w3")
    workers = [start_worker(tmp_path, name, fast_site, db.url) for name in names]
    for name, process in zip(names, workers, strict=True):
        finish(process, tmp_path, name)
    emitted = [i for name in names for i in feed_ids(tmp_path, name)]
    assert len(emitted) == len(set(emitted))
    assert set(emitted) == all_ids
    assert sum(1 for name in names if feed_ids(tmp_path, name)) >= 2  # shared, not one alone
    # The crawl is over: only the seen-store is left, with every article.
    assert sorted(db.client.keys("*")) == [b"daily8:seen"]
    assert db.client.hlen("daily8:seen") == len(all_ids)
    # The next run starts afresh (the duplicate filter was cleared) and emits nothing new.
    again = start_worker(tmp_path, "again", fast_site, db.url)
    finish(again, tmp_path, "again")
    assert feed_ids(tmp_path, "again") == []
    assert stats(tmp_path, "again")["newsspider/articles/already_seen"] == len(all_ids)


def test_a_killed_worker_loses_no_article(
    tmp_path: Path, db: RedisServer, site: Path, all_ids: set[str]
) -> None:
    server = SiteServer(site, delay=0.2)
    try:
        slow = {
            "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
            "AUTOTHROTTLE_ENABLED": False,
            "REDIS_WORKER_TIMEOUT": 3,  # how soon the others take the victim's requests back
        }
        names = ("victim", "k1", "k2")
        workers = [start_worker(tmp_path, name, server, db.url, **slow) for name in names]
        victim = workers[0]

        def partial_items() -> int:
            partials = tmp_path.glob(f".victim-*.jsonl.partial-{victim.pid}")
            return sum(len(p.read_bytes().splitlines()) for p in partials)

        deadline = time.monotonic() + 60
        while partial_items() < 3:
            assert victim.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        inflight = [k for k in db.client.keys("daily8:inflight:*") if str(victim.pid) in k.decode()]
        assert inflight and db.client.hlen(inflight[0]) >= 3  # it held work when it died
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        for name, process in zip(names[1:], workers[1:], strict=True):
            finish(process, tmp_path, name)
        follow_up = start_worker(tmp_path, "next", server, db.url, **slow)
        finish(follow_up, tmp_path, "next")
    finally:
        server.close()
    assert feed_ids(tmp_path, "victim") == []  # its partial feed never became a feed
    emitted = [i for name in ("k1", "k2", "next") for i in feed_ids(tmp_path, name)]
    assert len(emitted) == len(set(emitted))
    assert set(emitted) == all_ids
    requeued = sum(
        stats(tmp_path, name).get("newsspider/redis/requeued", 0) for name in ("k1", "k2", "next")
    )
    assert requeued >= 3
    assert sorted(db.client.keys("*")) == [b"daily8:seen"]


def test_a_worker_whose_lease_was_taken_over_writes_no_feed(
    tmp_path: Path, db: RedisServer, site: Path
) -> None:
    server = SiteServer(site, delay=0.2)
    try:
        slow = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "AUTOTHROTTLE_ENABLED": False}
        worker = start_worker(tmp_path, "zombie", server, db.url, **slow)
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in tmp_path.glob(".zombie-*.partial-*")):
            assert worker.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        # As if it had stalled past REDIS_WORKER_TIMEOUT and another worker had reaped it.
        (alive,) = db.client.keys("daily8:alive:*")
        db.client.delete(alive)
        reaper = Worker(db.client, Keys.for_spider("daily8"), "reaper", 30.0, build_crawler().stats)
        assert reaper.register() and reaper.reap() > 0
        assert worker.wait(timeout=60) == EXIT_INTERRUPTED
    finally:
        server.close()
    assert feed_ids(tmp_path, "zombie") == [] and not list(tmp_path.glob(".zombie-*.partial-*"))
    assert "lost its lease" in (tmp_path / "zombie.log").read_text()
    assert db.client.hlen("daily8:seen") == 0  # no marks: the requeued articles are still new
    assert db.client.hkeys("daily8:workers") == [b"reaper"]
    assert db.client.keys("daily8:inflight:*") == []


def test_without_redis_url_the_crawl_uses_no_redis(
    tmp_path: Path, db: RedisServer, fast_site: SiteServer, all_ids: set[str]
) -> None:
    connections = int(db.client.info("stats")["total_connections_received"])
    database = tmp_path / "seen.sqlite3"
    # Settings scrapy-redis would connect with, were it switched on by anything but REDIS_URL.
    trap = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": db.port, "SEEN_DB": database}
    crawl = start_worker(tmp_path, "plain", fast_site, None, **trap)
    finish(crawl, tmp_path, "plain")
    assert sorted(feed_ids(tmp_path, "plain")) == sorted(all_ids)
    result = stats(tmp_path, "plain")
    assert result["scheduler/enqueued/memory"] > 0
    assert not [key for key in result if "redis" in key]
    log = (tmp_path / "plain.log").read_text()
    assert "newsspider.scaleout.frontier" not in log and "scrapy_redis" not in log
    assert int(db.client.info("stats")["total_connections_received"]) == connections
    assert db.client.dbsize() == 0
    assert database.exists() and (tmp_path / "seen.sqlite3.lock").exists()


def tag_ids(tag: int) -> set[str]:
    """The articles `bench/sitegen.py` (seed 1) lists under ``/en/hashtag/Tag<tag>``."""
    return {hashlib.md5(f"1:{n}".encode()).hexdigest() for n in range(20 * tag, 20 * tag + 20)}


def push(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "push", "-s", f"REDIS_URL={url}", *args]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, env=environment()
    )


def test_waiting_workers_crawl_the_start_urls_pushed_to_them(
    tmp_path: Path, db: RedisServer, fast_site: SiteServer
) -> None:
    refused = push(db.url, "http://example.com/en/hashtag/Tag1")
    assert refused.returncode == EXIT_USAGE and "not a Daily8 URL" in refused.stderr
    allowed = ("-s", f"ALLOWED_HOSTS={fast_site.allowed}")
    pushed = push(db.url, f"{fast_site.base}/en/hashtag/Tag1", *allowed)
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.strip() == "pushed 1 start URL(s) to daily8:start_urls (1 waiting)"
    # Without seeding, the worker takes pushed start URLs only, and waits for more.
    waiting = {"REDIS_SEED": False, "REDIS_IDLE_TIMEOUT": 5}
    worker = start_worker(tmp_path, "waiter", fast_site, db.url, "-a", "depth=0", **waiting)

    def waiting_for_work() -> bool:  # Tag1 and its 20 articles admitted, and it went idle
        idle = db.client.hvals("daily8:workers") == [b"idle"]
        return idle and db.client.scard("daily8:dupefilter") == 21

    deadline = time.monotonic() + 60
    while not waiting_for_work():
        assert worker.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    key, _ = push_start_urls(Settings({"REDIS_URL": db.url}), "daily8", [
        json.dumps({"url": f"{fast_site.base}/en/hashtag/Tag2"})  # scrapy-redis's JSON form
    ])  # fmt: skip
    assert key == "daily8:start_urls"
    finish(worker, tmp_path, "waiter")
    result = stats(tmp_path, "waiter")
    assert result["newsspider/redis/start_urls"] == 2
    assert result["newsspider/listings/requested"] == result["newsspider/listings/parsed"] == 2
    assert result["newsspider/pages/fetched"] == 42  # the home page was not seeded
    emitted = feed_ids(tmp_path, "waiter")
    assert sorted(emitted) == sorted(tag_ids(1) | tag_ids(2))


# --- Components, in-process against the same server ------------------------------------------


def test_article_ids_fingerprint_across_hosts_in_the_shared_duplicate_filter(
    db: RedisServer,
) -> None:
    crawler = build_crawler({"REDIS_URL": db.url, "REDIS_NAMESPACE": "unit"})
    crawler.request_fingerprinter = ArticleIdFingerprinter(crawler)
    dupefilter = RedisDupeFilter.from_crawler(crawler)
    aid = "0123456789abcdef0123456789abcdef"
    assert not dupefilter.request_seen(Request(f"https://www.daily8.com/en/article/{aid}"))
    assert dupefilter.request_seen(Request(f"https://test.daily8.com/article/{aid}/"))
    assert not dupefilter.request_seen(Request("https://www.daily8.com/en/hashtag/Tag1"))
    assert db.client.scard("daily8:unit:dupefilter") == 2


def test_scheduler_round_trip_without_deprecation_warnings(db: RedisServer) -> None:
    crawler = build_crawler({"REDIS_URL": db.url, "REDIS_WORKER_TIMEOUT": 5})
    crawler.request_fingerprinter = ArticleIdFingerprinter(crawler)
    scheduler = RedisScheduler.from_crawler(crawler)
    scheduler.open(crawler.spidercls(arguments=None, policy=None))
    assert worker_for(crawler).register()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScrapyDeprecationWarning)
        first = Request("https://www.daily8.com/en/article/" + "a" * 32)
        assert scheduler.enqueue_request(first)
        assert not scheduler.enqueue_request(first.replace(url=first.url.replace("www", "test")))
        taken = scheduler.next_request()
        assert taken is not None and taken.url == first.url
        retry = taken.replace(dont_filter=True)  # a retry stays with the worker that took it
        assert scheduler.enqueue_request(retry)
        assert scheduler.next_request() is retry
        assert scheduler.next_request() is None
    inflight = db.client.hgetall(f"daily8:inflight:{worker_for(crawler).id}")
    assert len(inflight) == 1


def test_an_expired_lease_hands_in_flight_work_back(db: RedisServer) -> None:
    keys = Keys.for_spider("daily8", "unit")
    stats = build_crawler().stats
    dead = Worker(redis.Redis.from_url(db.url), keys, "dead", 1.0, stats)
    alive = Worker(redis.Redis.from_url(db.url), keys, "alive", 30.0, stats)
    assert dead.register() and alive.register()
    assert not Worker(redis.Redis.from_url(db.url), keys, "dead", 1.0, stats).register()
    db.client.zadd(keys.requests, {b"one": 0, b"two": -1})
    db.client.rpush(keys.start_urls, b"https://www.daily8.com/en")
    assert dead.take(keys.requests) is not None and dead.take_start_url()
    assert db.client.zcard(keys.requests) == 1 and db.client.hlen(keys.inflight("dead")) == 2
    assert alive.reap() == 0  # the lease still runs
    assert alive.snapshot().busy == ["dead"]
    time.sleep(1.2)
    assert alive.reap() == 2
    assert db.client.zscore(keys.requests, b"two") == -1  # back with its priority
    assert db.client.lrange(keys.start_urls, 0, -1) == [b"https://www.daily8.com/en"]
    assert not dead.heartbeat() and dead.lost
    assert dead.take(keys.requests) is None and not dead.commit({"x": "{}"})
    assert not db.client.exists(keys.inflight("dead")) and not db.client.hexists(keys.seen, "x")
    assert alive.take(keys.requests) is not None
    assert alive.commit({"x": "[]"}) and not db.client.exists(keys.inflight("alive"))
    db.client.sadd(keys.dupefilter, b"fp")
    late = Worker(redis.Redis.from_url(db.url), keys, "late", 1.0, stats)
    assert late.register() and late.leave(requeue=False) == (0, False)  # "one" is queued
    db.client.delete(keys.requests)
    assert alive.leave(requeue=False) == (0, True)  # the last worker out clears the filter
    assert not db.client.exists(keys.dupefilter, keys.workers)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REDIS_URL", "http://127.0.0.1:6379", "REDIS_URL: expected redis://"),
        ("REDIS_NAMESPACE", "a b", "REDIS_NAMESPACE: expected"),
        ("WORKER_ID", "host/1", "WORKER_ID: expected"),
        ("REDIS_SEED", "maybe", "REDIS_SEED: expected 0 or 1"),
        ("REDIS_IDLE_TIMEOUT", "soon", "REDIS_IDLE_TIMEOUT: expected a number"),
        ("REDIS_WORKER_TIMEOUT", "0", "REDIS_WORKER_TIMEOUT: expected at least 1"),
    ],
)
def test_bad_scale_out_settings_are_usage_errors(
    name: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = Settings({"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_WORKER_TIMEOUT": 30})
    settings.set(name, value)
    with pytest.raises(RedisSettingsError, match=message):
        check_redis_settings(settings)
    assert check_redis_settings(Settings({name: value} if name != "REDIS_URL" else {})) is None


# --- Layout and components of the split (issue 14) -------------------------------------------


def _imports(path: Path) -> set[str]:
    """Modules a source file imports (absolute names; relative imports resolved)."""
    import ast

    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_scale_out_modules_follow_the_layers() -> None:
    package = ROOT / "newsspider"
    for path in package.rglob("*.py"):
        part = path.relative_to(package).parts[0]
        imports = _imports(path)
        if part == "scaleout":  # (render/ is another add-on's)
            spider = [name for name in imports if name.startswith("newsspider.spiders")]
            assert not spider, f"{path} imports the spider: {spider}"
        if part in ("site", "text", "crawl"):
            upward = [name for name in imports if name.startswith("newsspider.scaleout")]
            assert not upward, f"{path} imports the scale-out add-on: {upward}"
    scaleout = package / "scaleout"
    import ast

    config = ast.parse((scaleout / "config.py").read_text("utf-8")).body  # module level only
    loaded = [
        n
        for node in config
        if isinstance(node, ast.Import | ast.ImportFrom)
        for n in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module])
    ]
    assert not [n for n in loaded if n and n.split(".")[0] in ("redis", "scrapy_redis")], loaded
    for path in scaleout.glob("*.py"):
        assert len(path.read_text("utf-8").splitlines()) <= 450, path
        source = path.read_text("utf-8")
        for private in ("_decode_request", "_slot", "nextcall", "_WORKERS.get"):
            assert private not in source, f"{path} uses {private}"


@pytest.mark.parametrize("serializer", ["pickle", "marshal"])
def test_taken_requests_decode_with_the_queue_serializer(db: RedisServer, serializer: str) -> None:
    import marshal
    import random

    from scrapy_redis import picklecompat

    from newsspider.scaleout.frontier import TAKEN, ReliableQueue, take_request

    codec: Any = picklecompat if serializer == "pickle" else marshal
    crawler = build_crawler({"REDIS_URL": db.url, "REDIS_NAMESPACE": f"codec-{serializer}"})
    spider = crawler.spidercls(arguments=None, policy=None)
    worker = worker_for(crawler)
    assert worker.register()
    queue = ReliableQueue(worker.server, spider, worker.keys.requests, codec, worker)
    rng = random.Random(serializer)
    sent = []
    for n in range(12):
        aid = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        url = rng.choice(
            [f"https://www.daily8.com/en/article/{aid}", f"https://test.daily8.com/article/{aid}/"]
        )
        request = Request(
            url,
            method=rng.choice(["GET", "POST"]),
            body=f"n={n}" if n % 3 == 0 else "",
            headers={"X-N": str(n)},
            meta={"hops": rng.randint(0, 3), "article_id": aid},
            priority=-n,  # pops in push order
        )
        queue.push(request)
        sent.append(request)
    taken = [take_request(worker, codec, spider) for _ in sent]
    assert take_request(worker, codec, spider) is None
    for request, got in zip(sent, taken, strict=True):
        assert got is not None
        assert (got.url, got.method, got.body, got.priority) == (
            request.url,
            request.method,
            request.body,
            request.priority,
        )
        assert got.headers.get("X-N") == request.headers.get("X-N")
        assert {k: got.meta[k] for k in request.meta} == request.meta
        assert got.meta[TAKEN].startswith(f"r:{-request.priority}:")
    assert db.client.hlen(worker.keys.inflight(worker.id)) == len(sent)
    assert crawler.stats.get_value("scheduler/dequeued/redis") == len(sent)


def test_pushed_start_urls_reach_the_spider_through_its_public_method() -> None:
    from scrapy.utils.test import get_crawler

    from newsspider.scaleout.frontier import StartUrlSource, start_url_of
    from newsspider.spiders.daily8 import Daily8Spider

    crawler = get_crawler(Daily8Spider)
    spider = crawler.spidercls.from_crawler(crawler, urls="https://www.daily8.com/en")
    assert isinstance(spider, StartUrlSource) and not isinstance(object(), StartUrlSource)
    url = "https://www.daily8.com/en/hashtag/Tag7"
    for entry in (url, f"  {url}\n", json.dumps({"url": url, "meta": {"x": 1}})):
        assert start_url_of(entry) == url
    for junk in ("", "   ", "{not json", json.dumps({"url": 7}), json.dumps({"link": url})):
        assert start_url_of(junk) is None
    (request,) = spider.requests_for_start_url(url)
    assert request.url == url and request.meta["start"]


@pytest.mark.parametrize("point", ["after_stage", "after_rename"])
def test_a_worker_killed_between_its_feed_and_its_marks_is_settled_on_its_host(
    tmp_path: Path, db: RedisServer, fast_site: SiteServer, all_ids: set[str], point: str
) -> None:
    timeout = {"REDIS_WORKER_TIMEOUT": 2}
    victim = start_worker(
        tmp_path, "victim", fast_site, db.url, NEWSSPIDER_TEST_PAUSE_AT=point, **timeout
    )
    deadline = time.monotonic() + 90
    while not list(tmp_path.glob(f".victim-*.jsonl.paused-{point}")):
        assert victim.poll() is None, (tmp_path / "victim.log").read_text()[-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert db.client.hlen("daily8:staged") == 1 and db.client.hlen("daily8:seen") == 0
    while db.client.keys("daily8:alive:*"):  # its lease runs out
        assert time.monotonic() < deadline
        time.sleep(0.1)
    follow_up = start_worker(tmp_path, "next", fast_site, db.url, **timeout)
    finish(follow_up, tmp_path, "next")
    published = feed_ids(tmp_path, "victim")
    assert (len(published) == len(all_ids)) == (point == "after_rename")
    emitted = published + feed_ids(tmp_path, "next")
    assert len(emitted) == len(set(emitted))  # nothing twice
    assert set(emitted) == all_ids  # nothing lost
    after = stats(tmp_path, "next")
    if point == "after_rename":
        assert after["newsspider/seen/recovered"] == len(all_ids)
    else:
        assert after["newsspider/redis/requeued"] >= len(all_ids)
    assert db.client.hlen("daily8:seen") == len(all_ids)
    assert sorted(db.client.keys("*")) == [b"daily8:seen"]  # staging and doubt settled


def _staged_worker(
    db: RedisServer, keys: Keys, feed: Path, name: str = "dead", host: str = "host-a"
) -> Worker:
    """A worker on `host` that took one request and staged one mark for `feed`, then died."""
    from newsspider.crawl.seen import StagedFeed, file_sha256

    worker = Worker(redis.Redis.from_url(db.url), keys, name, 1.0, build_crawler().stats, host)
    assert worker.register()
    db.client.zadd(keys.requests, {b"one": 0})
    assert worker.take(keys.requests) is not None
    staged = StagedFeed(str(feed), feed.stat().st_size, file_sha256(feed))
    assert worker.stage("run1", 1, staged, {"a1": '["record"]'})
    db.client.delete(keys.alive(name))  # as if its lease had run out
    return worker


@pytest.mark.parametrize("feed_in_place", [True, False])
def test_a_run_in_doubt_waits_for_a_worker_on_its_host(
    tmp_path: Path, db: RedisServer, feed_in_place: bool
) -> None:
    keys = Keys.for_spider("daily8", "doubt")
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a1"}\n')
    _staged_worker(db, keys, feed)
    if not feed_in_place:
        feed.write_text('{"id": "older"}\n')  # the rename never happened
    stats = build_crawler().stats
    elsewhere = Worker(redis.Redis.from_url(db.url), keys, "b", 30.0, stats, "host-b")
    assert elsewhere.register()
    assert elsewhere.reap() == 0  # set aside, not requeued
    assert db.client.hlen(keys.doubt("run1")) == 1 and db.client.zcard(keys.requests) == 0
    assert not db.client.exists(keys.inflight("dead"))
    assert elsewhere.settle() == (0, 0)  # it cannot see the feed: left in doubt
    assert stats.get_value("newsspider/redis/in_doubt_elsewhere") == 1
    assert db.client.hlen(keys.seen) == 0
    home = Worker(redis.Redis.from_url(db.url), keys, "a", 30.0, stats, "host-a")
    assert home.register()
    if feed_in_place:
        assert home.settle() == (1, 0)
        assert db.client.hget(keys.seen, "a1") == b'["record"]'
        assert db.client.zcard(keys.requests) == 0
    else:
        assert home.settle() == (0, 1)
        assert db.client.hlen(keys.seen) == 0 and db.client.zrange(keys.requests, 0, -1) == [b"one"]
    assert home.settle() == (0, 0)  # settled once
    assert not db.client.exists(keys.staged_runs, keys.staged("run1"), keys.doubt("run1"))


def test_a_restarted_worker_settles_what_its_earlier_process_staged(
    tmp_path: Path, db: RedisServer
) -> None:
    keys = Keys.for_spider("daily8", "restart")
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a1"}\n')
    _staged_worker(db, keys, feed, name="w1")
    again = Worker(redis.Redis.from_url(db.url), keys, "w1", 30.0, build_crawler().stats, "host-a")
    assert again.register()  # the same WORKER_ID: its old requests are set aside, not requeued
    assert db.client.zcard(keys.requests) == 0 and db.client.hlen(keys.doubt("run1")) == 1
    assert again.settle() == (1, 0)
    assert db.client.hexists(keys.seen, "a1") and not db.client.exists(keys.doubt("run1"))


def test_a_worker_that_lost_its_lease_after_its_rename_still_writes_its_marks(
    tmp_path: Path, db: RedisServer
) -> None:
    from datetime import UTC, datetime

    from newsspider.crawl.seen import SeenRecord
    from newsspider.scaleout.storage import RedisSeenStore

    keys = Keys.for_spider("daily8", "zombie")
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a1"}\n')
    zombie = _staged_worker(db, keys, feed)
    store = RedisSeenStore(zombie)
    record = SeenRecord("a1", datetime.now(UTC), datetime.now(UTC), "f" * 64, 1)
    reaper = Worker(redis.Redis.from_url(db.url), keys, "r", 30.0, build_crawler().stats, "x")
    assert reaper.register() and reaper.reap() == 0  # its requests were set aside
    assert store.confirm("run1", [record]) == 1  # settled where the feed is
    assert db.client.hexists(keys.seen, "a1") and db.client.zcard(keys.requests) == 0
    assert not db.client.exists(keys.staged_runs, keys.doubt("run1"))


def test_a_worker_that_lost_its_lease_uploads_no_remote_feed(
    tmp_path: Path, db: RedisServer, fast_site: SiteServer, all_ids: set[str]
) -> None:
    from tests.test_books import FtpServer

    ftp = FtpServer(tmp_path / "ftp-root", tmp_path / "ftp.log")
    try:
        uri = ftp.uri("zombie-%(worker_id)s.jsonl")
        pause = {"NEWSSPIDER_TEST_PAUSE_AT": "before_upload"}
        zombie = start_worker(tmp_path, "zombie", fast_site, db.url, feed=uri, **pause)
        marker = tmp_path / ".paused-before_upload"
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert zombie.poll() is None, (tmp_path / "zombie.log").read_text()[-3000:]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        (alive,) = db.client.keys("daily8:alive:*")
        db.client.delete(alive)  # as if it had stalled past REDIS_WORKER_TIMEOUT
        marker.unlink()
        assert zombie.wait(timeout=60) != EXIT_OK
        log = (tmp_path / "zombie.log").read_text()
        assert "Feed not uploaded: worker" in log and "lost its lease" in log
        assert ftp.files() == {} and ftp.events() == []
        assert db.client.hlen("daily8:seen") == 0
        again = start_worker(tmp_path, "again", fast_site, db.url, feed=ftp.uri("again.jsonl"))
        finish(again, tmp_path, "again")
        uploaded = ftp.files()["again.jsonl"].decode().splitlines()
        assert sorted(json.loads(line)["id"] for line in uploaded) == sorted(all_ids)
    finally:
        ftp.process.kill()
        ftp.process.wait()
