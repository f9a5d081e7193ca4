"""Many workers, one crawl: scrapy-redis's frontier plus a lease per worker so no work is lost.

Enabled by `newsspider.scaleout.config.RedisAddon` when ``REDIS_URL`` is set. Keys, under
``<spider>:`` or ``<spider>:<REDIS_NAMESPACE>:``:

- ``requests`` (sorted set): the shared frontier, scrapy-redis's priority queue.
- ``dupefilter`` (set): fingerprints of every request admitted during this crawl; article
  pages are fingerprinted by their id (`ArticleIdFingerprinter`), so an article is requested
  once whichever host or worker links to it.
- ``start_urls`` (list): start pages pushed with ``scrapy push``, taken by idle workers.
- ``seen`` (hash): the seen-store, article id -> JSON record, kept across crawls.
- ``workers`` (hash): worker id -> ``busy``/``idle``; ``alive:<id>``: the worker's lease, a
  token that expires ``REDIS_WORKER_TIMEOUT`` seconds after its last heartbeat.
- ``inflight:<id>`` (hash): every request and start URL the worker took and has not yet
  committed.

No lost work: taking a request moves it from the frontier into the worker's in-flight hash
in one Lua script. The hash is deleted in the same script that writes the worker's seen
marks, which runs after its feed file was renamed into place. A worker whose lease expired
is presumed dead: any other worker (at start and while idle) moves its in-flight entries
back into the frontier, past the duplicate filter. What the dead worker scraped died with
its unrenamed partial feed and it wrote no marks, so every article is emitted exactly once.
A worker that finds its own lease gone stops without writing its feed.

The crawl ends when the frontier and the start-URL list are empty and no worker is busy;
then each idle worker waits ``REDIS_IDLE_TIMEOUT`` seconds more and leaves. The last worker
to leave an empty frontier clears the duplicate filter, so the next run crawls afresh.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import IO, Any
from weakref import WeakKeyDictionary

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.request import RequestFingerprinter
from scrapy_redis import defaults as redis_defaults
from scrapy_redis.connection import get_redis
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall, deferLater

from newsspider.crawl.config import redis_url
from newsspider.crawl.feeds import AtomicFileFeedStorage, feed_committed, finished_normally
from newsspider.crawl.seen import SeenRecord, store_for
from newsspider.scaleout.config import redacted, worker_id
from newsspider.site.items import iso, parse_iso
from newsspider.site.urls import article_id, page_kind
from newsspider.spiders.daily8 import Daily8Spider

logger = logging.getLogger(__name__)

#: Request meta key: the in-flight field of the request this one was taken as (or derives from).
TAKEN = "newsspider_redis_taken"
LISTINGS_REQUESTED = "newsspider/listings/requested"


@dataclass(frozen=True, slots=True)
class Keys:
    """The Redis keys of one crawl (spider and namespace)."""

    prefix: str

    @classmethod
    def for_spider(cls, spider: str, namespace: str = "") -> Keys:
        return cls(f"{spider}:{namespace}:" if namespace else f"{spider}:")

    @property
    def requests(self) -> str:
        return self.prefix + "requests"

    @property
    def dupefilter(self) -> str:
        return self.prefix + "dupefilter"

    @property
    def start_urls(self) -> str:
        return self.prefix + "start_urls"

    @property
    def seen(self) -> str:
        return self.prefix + "seen"

    @property
    def workers(self) -> str:
        return self.prefix + "workers"

    def alive(self, worker: str) -> str:
        return f"{self.prefix}alive:{worker}"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}inflight:{worker}"


def connect(settings: BaseSettings) -> redis.Redis:
    """A client for ``REDIS_URL`` (setting or environment) with scrapy-redis's defaults."""
    params = dict(redis_defaults.REDIS_PARAMS)
    params.update(settings.getdict("REDIS_PARAMS"))
    client: redis.Redis = get_redis(url=redis_url(settings), **params)
    return client


def keys_for(settings: BaseSettings, spider: str) -> Keys:
    return Keys.for_spider(spider, str(settings.get("REDIS_NAMESPACE") or ""))


# --- Lua: every step that moves work between keys is one atomic script ------------------------

_REQUEUE = """
local function requeue(inflight, queue, starts)
  local entries = redis.call('HGETALL', inflight)
  for i = 1, #entries, 2 do
    local field, value = entries[i], entries[i + 1]
    if string.sub(field, 1, 2) == 's:' then
      redis.call('LPUSH', starts, value)
    else
      redis.call('ZADD', queue, tonumber(string.match(field, '^r:([^:]*):')) or 0, value)
    end
  end
  redis.call('DEL', inflight)
  return #entries / 2
end
"""
# KEYS alive, workers, inflight, queue, starts; ARGV token, ttl ms, worker id.
# Takes the lease; requeues what an earlier process with the same WORKER_ID left behind.
_REGISTER = (
    _REQUEUE
    + """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
redis.call('HSET', KEYS[2], ARGV[3], 'busy')
return requeue(KEYS[3], KEYS[4], KEYS[5])
"""
)
# KEYS alive, workers; ARGV token, ttl ms, worker id, status ('' keeps it).
_HEARTBEAT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
return 1
"""
# KEYS queue, inflight, alive, workers; ARGV token, worker id. The field keeps the score.
_TAKE = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return 0 end
redis.call('ZREM', KEYS[1], top[1])
local field = 'r:' .. top[2] .. ':' .. redis.sha1hex(top[1])
redis.call('HSET', KEYS[2], field, top[1])
redis.call('HSET', KEYS[4], ARGV[2], 'busy')
return {field, top[1]}
"""
# KEYS starts, inflight, alive, workers; ARGV token, worker id.
_TAKE_START = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local url = redis.call('LPOP', KEYS[1])
if not url then return 0 end
redis.call('HSET', KEYS[2], 's:' .. redis.sha1hex(url), url)
redis.call('HSET', KEYS[4], ARGV[2], 'busy')
return {url}
"""
# KEYS inflight, alive, queue, starts, workers; ARGV worker id. Only once the lease expired.
_REAP = (
    _REQUEUE
    + """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local n = requeue(KEYS[1], KEYS[3], KEYS[4])
redis.call('HDEL', KEYS[5], ARGV[1])
return n
"""
)
# KEYS seen, inflight, alive; ARGV token, ttl ms, then article id, record pairs.
_COMMIT = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('DEL', KEYS[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
"""
# KEYS inflight, alive, queue, starts, workers, dupefilter; ARGV token, worker id, requeue.
_LEAVE = (
    _REQUEUE
    + """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {-1, 0} end
local n = 0
if ARGV[3] == '1' then n = requeue(KEYS[1], KEYS[3], KEYS[4]) end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HDEL', KEYS[5], ARGV[2])
if redis.call('HLEN', KEYS[5]) == 0 and redis.call('ZCARD', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[6])
  return {n, 1}
end
return {n, 0}
"""
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The shared crawl at one instant (read in one MULTI)."""

    queued: int
    start_urls: int
    busy: list[str]  # other workers taking or processing requests


class LeaseLost(RuntimeError):
    """This worker's lease expired; others requeued its requests."""


class Worker:
    """This process's part in the shared crawl: its lease, in-flight requests and status."""

    def __init__(
        self, server: redis.Redis, keys: Keys, worker: str, timeout: float, stats: StatsCollector
    ) -> None:
        self.server = server
        self.keys = keys
        self.id = worker
        self.token = uuid.uuid4().hex
        self.ttl_ms = max(1000, int(timeout * 1000))
        self.stats = stats
        self.alive = keys.alive(worker)
        self.inflight = keys.inflight(worker)
        self.registered = False
        self.lost = False
        self.busy = True
        self.on_lost: list[Any] = []
        self._scripts = {
            name: server.register_script(text)
            for name, text in (
                ("register", _REGISTER),
                ("heartbeat", _HEARTBEAT),
                ("take", _TAKE),
                ("take_start", _TAKE_START),
                ("reap", _REAP),
                ("commit", _COMMIT),
                ("leave", _LEAVE),
            )
        }

    def _run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return self._scripts[name](keys=keys, args=args)

    def register(self) -> bool:
        """Take this worker's lease; False when a live worker holds the same id."""
        requeued = int(
            self._run(
                "register",
                [
                    self.alive,
                    self.keys.workers,
                    self.inflight,
                    self.keys.requests,
                    self.keys.start_urls,
                ],
                [self.token, self.ttl_ms, self.id],
            )
        )
        if requeued < 0:
            return False
        self.registered = True
        if requeued:
            logger.warning("Requeued %d requests an earlier %s left unfinished", requeued, self.id)
            self.stats.inc_value("newsspider/redis/requeued", requeued)
        return True

    def heartbeat(self, status: str = "") -> bool:
        """Renew the lease (and set the status); False, and `lost`, once it is gone."""
        if not self.registered or self.lost:
            return False
        if status:
            self.busy = status == "busy"
        keys = [self.alive, self.keys.workers]
        if self._run("heartbeat", keys, [self.token, self.ttl_ms, self.id, status]):
            return True
        self._lose()
        return False

    def _lose(self) -> None:
        if not self.lost:
            self.lost = True
            self.stats.set_value("newsspider/redis/lease_lost", 1)
            for callback in self.on_lost:
                callback()

    def take(self, queue: str) -> tuple[str, bytes] | None:
        """Move the frontier's first request into the in-flight hash: (field, data)."""
        if not self.registered or self.lost:
            return None
        keys = [queue, self.inflight, self.alive, self.keys.workers]
        result = self._run("take", keys, [self.token, self.id])
        if result == -1:
            self._lose()
        if not isinstance(result, list):
            return None
        self.busy = True
        return _text(result[0]), result[1]

    def take_start_url(self) -> str | None:
        """Move one pushed start URL into the in-flight hash."""
        if not self.registered or self.lost:
            return None
        keys = [self.keys.start_urls, self.inflight, self.alive, self.keys.workers]
        result = self._run("take_start", keys, [self.token, self.id])
        if result == -1:
            self._lose()
        if not isinstance(result, list):
            return None
        self.busy = True
        return _text(result[0])

    def reap(self) -> int:
        """Requeue the in-flight requests of workers whose lease expired; how many."""
        requeued = 0
        for raw in self.server.hkeys(self.keys.workers):
            other = _text(raw)
            if other == self.id:
                continue
            keys = [
                self.keys.inflight(other),
                self.keys.alive(other),
                self.keys.requests,
                self.keys.start_urls,
                self.keys.workers,
            ]
            count = int(self._run("reap", keys, [other]))
            if count < 0:
                continue
            requeued += count
            self.stats.inc_value("newsspider/redis/reaped_workers")
            logger.warning(
                "Worker %s stopped sending heartbeats: requeued the %d requests it took",
                other,
                count,
            )
        if requeued:
            self.stats.inc_value("newsspider/redis/requeued", requeued)
        return requeued

    def snapshot(self) -> Snapshot:
        with self.server.pipeline(transaction=True) as pipe:
            pipe.zcard(self.keys.requests)
            pipe.llen(self.keys.start_urls)
            pipe.hgetall(self.keys.workers)
            queued, start_urls, workers = pipe.execute()
        busy = sorted(
            _text(name)
            for name, status in workers.items()
            if _text(status) == "busy" and _text(name) != self.id
        )
        return Snapshot(int(queued), int(start_urls), busy)

    def commit(self, marks: dict[str, str]) -> bool:
        """Write seen marks and forget the in-flight requests, in one step (lease permitting)."""
        if not self.registered or self.lost:
            return False
        args: list[Any] = [self.token, self.ttl_ms]
        for article, record in marks.items():
            args += [article, record]
        if self._run("commit", [self.keys.seen, self.inflight, self.alive], args):
            return True
        self._lose()
        return False

    def leave(self, requeue: bool) -> tuple[int, bool] | None:
        """Give the lease back (requeueing the in-flight requests first if asked).

        Returns (requeued, crawl finished), or None when the lease was already gone.
        """
        if not self.registered or self.lost:
            return None
        keys = [
            self.inflight,
            self.alive,
            self.keys.requests,
            self.keys.start_urls,
            self.keys.workers,
            self.keys.dupefilter,
        ]
        requeued, finished = self._run("leave", keys, [self.token, self.id, int(requeue)])
        self.registered = False
        if requeued < 0:
            return None
        return int(requeued), bool(finished)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


_WORKERS: WeakKeyDictionary[Crawler, Worker] = WeakKeyDictionary()


def worker_for(crawler: Crawler) -> Worker:
    """The crawler's one `Worker`, made on first use (from a component's ``from_crawler``)."""
    if crawler not in _WORKERS:
        settings = crawler.settings
        assert crawler.stats is not None
        _WORKERS[crawler] = Worker(
            connect(settings),
            keys_for(settings, crawler.spidercls.name),
            worker_id(settings),
            settings.getfloat("REDIS_WORKER_TIMEOUT"),
            crawler.stats,
        )
    return _WORKERS[crawler]


# --- Frontier ---------------------------------------------------------------------------------


class ArticleIdFingerprinter:
    """Fingerprint article pages by their 32-hex id; any other request as Scrapy does.

    The id is the same on every Daily8 host, so the shared duplicate filter admits an article
    once whichever host links to it (``REQUEST_FINGERPRINTER_CLASS``).
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self._default = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleIdFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        article = article_id(request.url)
        if article is None or request.method != "GET":
            return self._default.fingerprint(request)
        return hashlib.sha1(f"daily8-article:{article}".encode()).digest()


class RedisDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's shared duplicate filter, fingerprinting with the crawler's fingerprinter.

    Shim: scrapy-redis 0.9.1 hashes method, URL and body itself (its answer to
    rmax/scrapy-redis#272, PR #275), so ``REQUEST_FINGERPRINTER_CLASS`` has no effect on it.
    Its ``close()`` deletes the shared set; here the last worker to leave does (`Worker.leave`).
    """

    def __init__(self, server: redis.Redis, key: str, crawler: Crawler, debug: bool) -> None:
        super().__init__(server, key, debug=debug)
        self.fingerprinter = crawler.request_fingerprinter

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisDupeFilter:
        worker = worker_for(crawler)
        debug = crawler.settings.getbool("DUPEFILTER_DEBUG")
        return cls(worker.server, worker.keys.dupefilter, crawler, debug)

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        return None


class ReliableQueue(PriorityQueue):  # type: ignore[misc]
    """scrapy-redis's priority queue whose pops also record the request as in flight."""

    def __init__(
        self, server: redis.Redis, spider: Any, key: str, serializer: Any, worker: Worker
    ) -> None:
        super().__init__(server, spider, key, serializer)
        self.worker = worker

    def take(self) -> tuple[str, Request] | None:
        taken = self.worker.take(self.key)
        if taken is None:
            return None
        request: Request = self._decode_request(taken[1])
        return taken[0], request

    def pop(self, timeout: int = 0) -> Request | None:
        taken = self.take()
        return taken[1] if taken else None


def _is_listing(request: Request) -> bool:
    return page_kind(request.url) == "listing"


class RedisScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler on the shared frontier, never flushed by one worker closing.

    Retries and redirects of a request this worker took stay in a local queue: they are
    covered by that request's in-flight entry, and if the worker dies the original is requeued.
    Shim: ``enqueue_request``/``next_request`` are rewritten because scrapy-redis 0.9.1 passes
    ``spider=`` to the stats methods, deprecated in Scrapy 2.19 (scrapy/scrapy#6750).
    """

    def __init__(
        self,
        crawler: Crawler,
        worker: Worker,
        dupefilter: RedisDupeFilter,
        serializer: ModuleType | None,
    ) -> None:
        super().__init__(
            worker.server,
            persist=True,
            queue_key=worker.keys.requests,
            dupefilter=dupefilter,
            serializer=serializer,
        )
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.worker = worker
        self.local: deque[Request] = deque()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        worker = worker_for(crawler)
        worker.server.ping()
        dupefilter = RedisDupeFilter.from_crawler(crawler)  # the shared filter is not optional
        name = crawler.settings.get("SCHEDULER_SERIALIZER")
        serializer = importlib.import_module(name) if name else None
        return cls(crawler, worker, dupefilter, serializer)

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = ReliableQueue(
            self.server, spider, self.queue_key, self.serializer, self.worker
        )
        queued = len(self.queue)
        if queued:
            logger.info("Joining a crawl with %d requests queued (%s)", queued, self.queue_key)

    def close(self, reason: str) -> None:
        return None  # the frontier is shared; `Worker.leave` clears it after the last worker

    def __len__(self) -> int:
        return len(self.local) + len(self.queue)

    def has_pending_requests(self) -> bool:
        # Only this worker's own requests. Were the shared frontier counted, an engine whose
        # pop lost the race for the last entries would neither pull nor go idle until Scrapy's
        # 5 s heartbeat (and would look busy to the others meanwhile); `WorkerExtension` polls
        # the frontier while idle and wakes the engine instead.
        return bool(self.local)

    def enqueue_request(self, request: Request) -> bool:
        if TAKEN in request.meta:
            self.local.append(request)
            self.stats.inc_value("scheduler/enqueued/local")
            return True
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.queue.push(request)
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.local:
            self.stats.inc_value("scheduler/dequeued/local")
            return self.local.popleft()
        taken = self.queue.take()
        if taken is None:
            return None
        field, request = taken
        request.meta[TAKEN] = field
        self.stats.inc_value("scheduler/dequeued/redis")
        if _is_listing(request):
            # A listing counts as requested by the worker that takes it (see `to_frontier`).
            self.stats.inc_value(LISTINGS_REQUESTED)
        return request


def to_frontier(request: Request, stats: StatsCollector) -> Request:
    """A spider request made fit for the shared frontier.

    The spider marks its requests ``dont_filter`` (it dedups by id in-process); here the
    shared duplicate filter must see them. The spider counts a listing when it yields it;
    with many workers it counts for the worker that takes it (`RedisScheduler.next_request`),
    so that a worker whose listings others fetched does not exit with "no listing parsed".
    """
    if _is_listing(request):
        stats.inc_value(LISTINGS_REQUESTED, -1)
    return request.replace(dont_filter=False) if request.dont_filter else request


class SharedFrontierSpiderMiddleware(BaseSpiderMiddleware):
    """Route the spider's requests through the shared duplicate filter.

    With ``REDIS_SEED`` off, the spider's own start requests are dropped: the worker waits for
    start URLs pushed to the shared list (``scrapy push``).
    """

    def __init__(self, crawler: Crawler, seed: bool) -> None:
        super().__init__(crawler)
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.seed = seed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontierSpiderMiddleware:
        if not redis_url(crawler.settings):
            raise NotConfigured("REDIS_URL is not set")
        return cls(crawler, crawler.settings.getbool("REDIS_SEED"))

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None and not self.seed:
            if _is_listing(request):
                self.stats.inc_value(LISTINGS_REQUESTED, -1)
            return None
        return to_frontier(request, self.stats)


# --- Worker life cycle --------------------------------------------------------------------------


class WorkerExtension:
    """Lease, heartbeat, pushed start URLs, reaping dead workers, and when to stop.

    An idle worker keeps waiting while another worker is busy (it may queue more work) or a
    dead worker's lease has yet to expire; it stops ``REDIS_IDLE_TIMEOUT`` seconds after the
    frontier and the start-URL list were last seen empty with no worker busy (-1: never).
    """

    def __init__(self, crawler: Crawler, worker: Worker, idle_timeout: float, batch: int) -> None:
        self.crawler = crawler
        self.worker = worker
        self.idle_timeout = idle_timeout
        self.batch = max(1, batch)
        self.interval = 0.2  # idle workers look for work this often
        self.heartbeat_every = min(1.0, worker.ttl_ms / 4000)  # seconds between lease renewals
        self.last_heartbeat = 0.0
        self.idle_since: float | None = None
        self.reason: str | None = None
        self.loop: LoopingCall | None = None
        feeds = crawler.settings.getdict("FEEDS")
        self.local_feeds = [uri for uri in feeds if "://" not in uri or uri.startswith("file:")]
        self.feeds_committed = 0
        worker.on_lost.append(self._lost)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerExtension:
        if not redis_url(crawler.settings):
            raise NotConfigured("REDIS_URL is not set")
        settings = crawler.settings
        extension = cls(
            crawler,
            worker_for(crawler),
            settings.getfloat("REDIS_IDLE_TIMEOUT"),
            settings.getint("CONCURRENT_REQUESTS"),
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.feed_committed, signal=feed_committed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        for uri in extension.local_feeds:
            if "%(worker_id)s" not in uri:
                logger.warning(
                    "Feed %s has no %%(worker_id)s in its name: workers writing to the same "
                    "folder overwrite each other's feeds",
                    uri,
                )
        return extension

    def spider_opened(self, spider: Any) -> None:
        if not self.worker.register():
            logger.error(
                "Worker id %s is taken by a live worker (or one dead less than "
                "REDIS_WORKER_TIMEOUT ago); set another WORKER_ID",
                self.worker.id,
            )
            raise CloseSpider("worker_id_in_use")
        logger.info(
            "Worker %s joined the crawl at %s (keys %s*)",
            self.worker.id,
            redacted(redis_url(self.crawler.settings)),
            self.worker.keys.prefix,
        )
        self.worker.reap()
        self.loop = LoopingCall(self._tick)
        self.loop.start(self.interval, now=False)

    def _tick(self) -> None:
        """Heartbeat; while idle, wake the engine as soon as there is work (or it may stop)."""
        try:
            now = time.monotonic()
            if now - self.last_heartbeat >= self.heartbeat_every:
                if not self.worker.heartbeat():
                    return
                self.last_heartbeat = now
            if self.worker.busy or self.worker.lost or self.reason:
                return
            if self._poll() != "wait":
                self._wake()
        except redis.RedisError as error:
            logger.warning("Redis unavailable (%s); retrying", error)

    def _wake(self) -> None:
        # The engine polls an idle scheduler only every 5 s; nextcall (Scrapy internals,
        # looked up defensively) runs its loop now. Without it workers just react slower.
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def spider_idle(self, spider: Any) -> None:
        if not self.worker.registered and not self.worker.lost:
            return  # it never joined (worker_id_in_use): let it close
        try:
            if not self.worker.heartbeat("idle"):
                raise DontCloseSpider  # the lease is gone: the "redis_lease_lost" close is due
            verdict = self._poll()
        except redis.RedisError as error:
            logger.warning("Redis unavailable (%s); waiting", error)
            raise DontCloseSpider from None
        if verdict == "done":
            logger.info(
                "Nothing queued and no worker busy for %gs: worker %s stops",
                self.idle_timeout,
                self.worker.id,
            )
            return
        if verdict == "work":
            self._wake()  # pull it now, not at the next tick
        raise DontCloseSpider

    def _poll(self) -> str:
        """``work``, ``wait`` or ``done``, after requeueing dead workers' requests."""
        requeued = self.worker.reap()
        started = self._take_start_urls()
        snapshot = self.worker.snapshot()
        if requeued or started or snapshot.queued or snapshot.start_urls:
            self.idle_since = None
            return "work"
        if snapshot.busy:
            self.idle_since = None
            return "wait"
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if self.idle_timeout >= 0 and now - self.idle_since >= self.idle_timeout:
            return "done"
        return "wait"

    def _take_start_urls(self) -> int:
        # scrapy-redis's RedisSpider reads this list from start_requests(), which Scrapy 2.16+
        # no longer calls (rmax/scrapy-redis#305, still open); so the worker reads it here,
        # and any spider keeps its own start() (and ``daily8`` stays free of Redis).
        spider = self.crawler.spider
        engine = self.crawler.engine
        assert self.crawler.stats is not None and isinstance(spider, Daily8Spider)
        taken = 0
        while taken < self.batch:
            data = self.worker.take_start_url()
            if data is None:
                break
            taken += 1
            url = _start_url(data)
            self.crawler.stats.inc_value("newsspider/redis/start_urls")
            if not url:
                logger.warning("Ignoring pushed start URL entry %r", data[:200])
                continue
            for request in spider.requests_for_start_url(url):
                engine.crawl(to_frontier(request, self.crawler.stats))
        return taken

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.reason = reason

    def feed_committed(self, path: str) -> None:
        self.feeds_committed += 1
        done = self.feeds_committed == len(self.local_feeds)
        if done and store_for(self.crawler) is None and not self.worker.commit({}):
            # Without a seen-store nothing else forgets the in-flight requests in one step.
            logger.error("Worker %s lost its lease while writing its feed", self.worker.id)

    def engine_stopped(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        complete = finished_normally(self.reason) and self.feeds_committed == len(self.local_feeds)
        try:
            left = self.worker.leave(requeue=not complete)
        except redis.RedisError as error:
            logger.error("Worker %s could not leave the crawl: %s", self.worker.id, error)
            return
        if left is None:
            return
        requeued, finished = left
        if requeued:
            logger.warning("Requeued the %d requests this worker took: run unfinished", requeued)
        logger.info(
            "Worker %s left the crawl%s",
            self.worker.id,
            "; the crawl is over (duplicate filter cleared)" if finished else "",
        )

    def _lost(self) -> None:
        logger.error(
            "Worker %s lost its lease (no heartbeat for REDIS_WORKER_TIMEOUT s); others requeued "
            "its requests: stopping without writing its feed",
            self.worker.id,
        )
        from twisted.internet import reactor

        # Called from inside the scheduler or a signal handler: close on the next turn.
        deferLater(reactor, 0, self._close, "redis_lease_lost")  # type: ignore[arg-type]

    def _close(self, reason: str) -> None:
        if self.crawler.engine is not None and self.crawler.spider is not None and not self.reason:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))


def _start_url(data: str) -> str | None:
    """A pushed entry: a URL, or scrapy-redis's JSON ``{"url": ...}`` (other keys ignored)."""
    text = data.strip()
    if text.startswith("{"):
        try:
            url = json.loads(text).get("url")
        except (ValueError, AttributeError):
            return None
        return url if isinstance(url, str) else None
    return text or None


def push_start_urls(settings: BaseSettings, spider: str, urls: Iterable[str]) -> tuple[str, int]:
    """Append start URLs to the shared list; (key, list length after)."""
    key = keys_for(settings, spider).start_urls
    values = list(urls)
    length = int(connect(settings).rpush(key, *values)) if values else 0
    return key, length


# --- Seen-store and feed -----------------------------------------------------------------------


class RedisSeenStore:
    """The seen-store as one Redis hash shared by every worker: article id -> JSON record.

    `commit` writes the marks and forgets this worker's in-flight requests in one script,
    refused (`LeaseLost`) once the lease is gone.
    """

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.server = worker.server
        self.key = worker.keys.seen

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisSeenStore:
        return cls(worker_for(crawler))

    def get(self, article_id: str) -> SeenRecord | None:
        raw = self.server.hget(self.key, article_id)
        if raw is None:
            return None
        first_seen, last_emitted, fingerprint, version = json.loads(raw)
        return SeenRecord(
            article_id, parse_iso(first_seen), parse_iso(last_emitted), fingerprint, int(version)
        )

    def commit(self, records: Iterable[SeenRecord]) -> None:
        marks = {
            r.id: json.dumps([iso(r.first_seen), iso(r.last_emitted), r.fingerprint, r.version])
            for r in records
        }
        if not self.worker.commit(marks):
            raise LeaseLost(f"worker {self.worker.id} lost its lease: seen marks not written")

    def close(self) -> None:
        return None


class LeasedFeedStorage(AtomicFileFeedStorage):
    """The atomic feed file, renamed into place only while this worker still holds its lease.

    Renewing the lease right before the rename leaves a full ``REDIS_WORKER_TIMEOUT`` for the
    rename and the seen marks; a worker that already lost it discards its feed, because
    others are crawling its requests again.
    """

    def store(self, file: IO[bytes]) -> None:
        worker = _WORKERS.get(self.crawler) if self.crawler is not None else None
        if worker is not None and self._finished() and not worker.heartbeat():
            file.close()
            self.partial.unlink(missing_ok=True)
            logger.error("Feed %s not written: worker %s lost its lease", self.path, worker.id)
            return
        super().store(file)

    def _finished(self) -> bool:
        stats = self.crawler.stats if self.crawler is not None else None
        return stats is not None and finished_normally(stats.get_value("finish_reason"))
