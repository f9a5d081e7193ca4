"""Worker leases: the Redis keys of a crawl, the Lua scripts, and one worker's lease operations.

Every step that moves work between keys is one atomic Lua script: taking a request moves it
from the frontier into the worker's in-flight hash; committing writes the seen marks and
forgets the in-flight hash; a worker whose lease expired is reaped by another, which moves
its in-flight entries back into the frontier. See `newsspider.scaleout.frontier` for the keys.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import redis
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from scrapy_redis import defaults as redis_defaults
from scrapy_redis.connection import get_redis

from newsspider.crawl.config import redis_url
from newsspider.scaleout.config import worker_id

logger = logging.getLogger(__name__)


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
        self.on_lost: list[Callable[[], None]] = []
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


# The one map from a crawler to its Worker: the scheduler, duplicate filter, extension,
# seen-store and feed storage are built by Scrapy separately, each from the crawler alone.
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
