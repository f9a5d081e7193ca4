"""Worker leases: the Redis keys of a crawl, the Lua scripts, and one worker's lease operations.

Every step that moves work between keys is one atomic Lua script: taking a request moves it
from the frontier into the worker's in-flight hash; committing writes the seen marks and
forgets the in-flight hash; a worker whose lease expired is reaped by another, which moves
its in-flight entries back into the frontier. See `newsspider.scaleout.frontier` for the keys.
The keys and the Lua scripts are in `newsspider.scaleout.keyspace`.

Seen marks are two-phase, as with SQLite: before a worker renames its feed into place it
stages its marks with the feed's path, size and SHA-256 (``staged:<run>``, listed in the
``staged`` hash with the worker's id, host and lease token). A worker that dies with marks
staged is not requeued blindly: its in-flight requests are set aside (``doubt:<run>``) until
a worker on the same host looks at the feed file (`Worker.settle`): in place with that size
and checksum, the marks are written and the requests forgotten; otherwise the requests go
back into the frontier. Only that host can see the file, so runs staged on a host that never
runs a worker again stay in doubt (logged at every start, counted), never guessed.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import redis
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from newsspider.crawl.seen import StagedFeed
from newsspider.scaleout import keyspace
from newsspider.scaleout.config import worker_id
from newsspider.scaleout.keyspace import Keys, connect, keys_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The shared crawl at one instant (read in one MULTI)."""

    queued: int
    start_urls: int
    busy: list[str]  # other workers taking or processing requests


class LeaseLost(RuntimeError):
    """This worker's lease expired; others requeued its requests."""


@dataclass(frozen=True, slots=True)
class StagedRun:
    """A run's staged marks as listed in the ``staged`` hash."""

    run: str
    worker: str
    host: str
    token: str
    state: str  # "staged" while its worker lives, "doubt" once its requests were set aside
    created: float

    @classmethod
    def parse(cls, run: str, entry: bytes | str) -> StagedRun:
        data = json.loads(entry)
        return cls(
            run,
            str(data["worker"]),
            str(data["host"]),
            str(data["token"]),
            str(data["state"]),
            float(data["created"]),
        )


class Worker:
    """This process's part in the shared crawl: its lease, in-flight requests and status."""

    def __init__(
        self,
        server: redis.Redis,
        keys: Keys,
        worker: str,
        timeout: float,
        stats: StatsCollector,
        host: str | None = None,
    ) -> None:
        self.server = server
        self.keys = keys
        self.id = worker
        #: Where this worker's feed files are: only a worker on the same host settles a run
        #: that died between its staging and its commit.
        self.host = host or socket.gethostname()
        self.in_doubt_logged: set[str] = set()
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
                ("register", keyspace.REGISTER),
                ("heartbeat", keyspace.HEARTBEAT),
                ("take", keyspace.TAKE),
                ("take_start", keyspace.TAKE_START),
                ("reap", keyspace.REAP),
                ("commit", keyspace.COMMIT),
                ("stage", keyspace.STAGE),
                ("settle", keyspace.SETTLE),
                ("leave", keyspace.LEAVE),
            )
        }

    def _run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return self._scripts[name](keys=keys, args=args)

    def register(self) -> bool:
        """Take this worker's lease; False when a live worker holds the same id."""
        runs = self._runs_of(self.id)
        result = self._run(
            "register",
            [
                self.alive,
                self.keys.workers,
                self.inflight,
                self.keys.requests,
                self.keys.start_urls,
                self.keys.staged_runs,
                self.keys.doubt(runs[0] if runs else "-"),
            ],
            [self.token, self.ttl_ms, self.id, *runs],
        )
        if result == -1:
            return False
        self.registered = True
        requeued, aside = (int(n) for n in result)
        if requeued:
            logger.warning("Requeued %d requests an earlier %s left unfinished", requeued, self.id)
            self.stats.inc_value("newsspider/redis/requeued", requeued)
        if aside >= 0:
            self._log_aside(self.id, aside)
        return True

    def _runs_of(self, worker: str) -> list[str]:
        """The staged (not yet in doubt) runs of `worker`, newest first."""
        runs = [r for r in self.staged_runs() if r.worker == worker and r.state == "staged"]
        return [r.run for r in sorted(runs, key=lambda r: r.created, reverse=True)]

    def staged_runs(self) -> list[StagedRun]:
        """Every run with staged marks, whichever worker staged them."""
        entries = self.server.hgetall(self.keys.staged_runs)
        return [StagedRun.parse(_text(run), entry) for run, entry in entries.items()]

    def _log_aside(self, worker: str, count: int) -> None:
        logger.warning(
            "Worker %s died between staging its seen marks and committing them: its %d "
            "in-flight requests wait until its feed is checked on its host",
            worker,
            count,
        )
        self.stats.inc_value("newsspider/redis/set_aside", count)

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
            runs = self._runs_of(other)
            keys = [
                self.keys.inflight(other),
                self.keys.alive(other),
                self.keys.requests,
                self.keys.start_urls,
                self.keys.workers,
                self.keys.staged_runs,
                self.keys.doubt(runs[0] if runs else "-"),
            ]
            result = self._run("reap", keys, [other, *runs])
            if result == -1:
                continue
            count, aside = (int(n) for n in result)
            requeued += count
            self.stats.inc_value("newsspider/redis/reaped_workers")
            if aside >= 0:
                self._log_aside(other, aside)
                continue
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

    def commit(self, marks: dict[str, str], run: str = "") -> bool:
        """Write seen marks and forget the in-flight requests and `run`'s staging, in one step
        (lease permitting)."""
        if not self.registered or self.lost:
            return False
        args: list[Any] = [self.token, self.ttl_ms, run, *_pairs(marks)]
        keys = [
            self.keys.seen,
            self.inflight,
            self.alive,
            self.keys.staged_runs,
            self.keys.staged(run or "-"),
        ]
        if self._run("commit", keys, args):
            return True
        self._lose()
        return False

    def stage(self, run: str, feeds_expected: int, feed: StagedFeed, marks: dict[str, str]) -> bool:
        """Stage `run`'s marks and the feed they wait for, before its rename (lease permitting)."""
        if not self.registered or self.lost:
            return False
        entry = {
            "worker": self.id,
            "host": self.host,
            "token": self.token,
            "state": "staged",
            "created": time.time(),
        }
        args: list[Any] = [
            self.token,
            self.ttl_ms,
            run,
            json.dumps(entry),
            feeds_expected,
            f"f:{feed.path}",
            json.dumps([feed.size, feed.sha256]),
            *_pairs(marks),
        ]
        if self._run("stage", [self.alive, self.keys.staged_runs, self.keys.staged(run)], args):
            return True
        self._lose()
        return False

    def discard(self, run: str) -> int:
        """Forget `run`'s staged marks (its feed was not published); requests it had set aside
        go back into the frontier. How many went back."""
        return max(0, int(self._settle(run, "discard", "any")))

    def settle(self, only: str = "") -> tuple[int, int]:
        """Settle the runs in doubt staged on this host (or just run `only`): (marks
        confirmed, requests requeued).

        A run whose every expected feed is in place with the staged size and checksum was
        published: its marks are written and its set-aside requests forgotten. Otherwise its
        requests go back into the frontier. Runs of other hosts are left (logged once).
        """
        confirmed = requeued = 0
        for staged in self.staged_runs():
            if staged.state != "doubt" or (only and staged.run != only):
                continue
            if staged.host != self.host:
                if staged.run not in self.in_doubt_logged:
                    self.in_doubt_logged.add(staged.run)
                    self.stats.inc_value("newsspider/redis/in_doubt_elsewhere")
                    logger.warning(
                        "Run %s of worker %s staged seen marks on host %s and died before "
                        "committing them: a worker on %s settles it against its feed file",
                        staged.run,
                        staged.worker,
                        staged.host,
                        staged.host,
                    )
                continue
            if self._published(staged.run):
                confirmed += max(0, self._settle(staged.run, "confirm", "doubt"))
            else:
                requeued += max(0, self._settle(staged.run, "discard", "doubt"))
        if confirmed or requeued:
            logger.warning(
                "Settled runs that died between their feed and their seen marks: %d mark(s) "
                "written (feed in place), %d request(s) requeued (feed not published)",
                confirmed,
                requeued,
            )
            self.stats.inc_value("newsspider/seen/recovered", confirmed)
            self.stats.inc_value("newsspider/redis/requeued", requeued)
        return confirmed, requeued

    def _published(self, run: str) -> bool:
        fields = {_text(k): _text(v) for k, v in self.server.hgetall(self.keys.staged(run)).items()}
        feeds = [
            StagedFeed(name[2:], *json.loads(value))
            for name, value in fields.items()
            if name.startswith("f:")
        ]
        expected = int(fields.get("expected", "1"))
        return bool(feeds) and len(feeds) >= expected and all(f.matches() for f in feeds)

    def _settle(self, run: str, verdict: str, only: str) -> int:
        keys = [
            self.keys.staged_runs,
            self.keys.staged(run),
            self.keys.doubt(run),
            self.keys.seen,
            self.keys.requests,
            self.keys.start_urls,
        ]
        return int(self._run("settle", keys, [run, verdict, only]))

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


def _pairs(marks: dict[str, str]) -> Iterable[str]:
    for article, record in marks.items():
        yield article
        yield record


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
