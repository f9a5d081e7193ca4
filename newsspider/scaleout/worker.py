"""The worker's life cycle in a shared crawl: join, heartbeat, pull work while idle, leave.

See `newsspider.scaleout.frontier` for the keys and the no-lost-work rule.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall, deferLater

from newsspider.crawl.config import redis_url
from newsspider.crawl.feeds import finished_normally, ledger_for
from newsspider.crawl.seen import store_for
from newsspider.scaleout.config import redacted
from newsspider.scaleout.frontier import (
    StartUrlSource,
    serializer_for,
    start_url_of,
    take_request,
    to_frontier,
)
from newsspider.scaleout.leases import Worker, worker_for

logger = logging.getLogger(__name__)


class WorkerExtension:
    """Lease, heartbeat, pushed start URLs, reaping dead workers, and when to stop.

    An idle worker keeps waiting while another worker is busy (it may queue more work) or a
    dead worker's lease has yet to expire; it stops ``REDIS_IDLE_TIMEOUT`` seconds after the
    frontier and the start-URL list were last seen empty with no worker busy (-1: never).
    """

    def __init__(
        self,
        crawler: Crawler,
        worker: Worker,
        idle_timeout: float,
        batch: int,
        serializer: Any,
        local_feeds: list[str],
    ) -> None:
        self.crawler = crawler
        self.worker = worker
        self.idle_timeout = idle_timeout
        self.batch = max(1, batch)
        self.serializer = serializer
        self.local_feeds = local_feeds
        self.interval = 0.2  # idle workers look for work this often
        self.heartbeat_every = min(1.0, worker.ttl_ms / 4000)  # seconds between lease renewals
        self.last_heartbeat = 0.0
        self.idle_since: float | None = None
        self.reason: str | None = None
        self.loop: LoopingCall | None = None
        self.finishing = False
        self.feeds_done = not local_feeds
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
            serializer_for(settings),
            [
                uri
                for uri in settings.getdict("FEEDS")
                if "://" not in uri or uri.startswith("file:")
            ],
        )
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.feed_exporter_closed, signal=signals.feed_exporter_closed)
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
        if not isinstance(spider, StartUrlSource):
            logger.warning(
                "Spider %s has no requests_for_start_url(): pushed start URLs are left for "
                "other workers",
                spider.name,
            )
        self.worker.reap()
        self.worker.settle()
        self.loop = LoopingCall(self._tick)
        self.loop.start(self.interval, now=False)

    def _tick(self) -> None:
        """Heartbeat; while idle, hand the engine work as soon as there is some (or stop)."""
        try:
            now = time.monotonic()
            if now - self.last_heartbeat >= self.heartbeat_every:
                if not self.worker.heartbeat():
                    return
                self.last_heartbeat = now
            if self.worker.busy or self.worker.lost or self.reason or self.finishing:
                return
            verdict = self._poll()
            if verdict == "work":
                self._pull()
            elif verdict == "done":
                self._finish()
        except redis.RedisError as error:
            logger.warning("Redis unavailable (%s); retrying", error)

    def _pull(self) -> None:
        # The engine asks an idle scheduler for requests only every 5 s; a request handed to
        # it with the public engine.crawl() makes it run its loop now (and it then keeps
        # pulling from the shared frontier). The taken request goes to the local queue.
        request = self._take()
        if request is not None and self.crawler.engine is not None:
            self.crawler.engine.crawl(request)

    def _take(self) -> Request | None:
        return take_request(self.worker, self.serializer, self.crawler.spider)

    def _finish(self) -> None:
        # What the engine does when no spider_idle handler objects, without waiting for its
        # next 5 s heartbeat: this extension is the one that kept the idle spider open.
        engine = self.crawler.engine
        if engine is not None and self.crawler.spider is not None and engine.spider_is_idle():
            self.finishing = True
            self._log_done()
            self._close("finished")

    def spider_idle(self, spider: Any) -> None:
        if not self.worker.registered and not self.worker.lost:
            return  # it never joined (worker_id_in_use): let it close
        try:
            if not self.worker.heartbeat("idle"):
                raise DontCloseSpider  # the lease is gone: the "redis_lease_lost" close is due
            verdict = self._poll()
            if verdict == "work":
                self._pull()  # pull it now, not at the next tick
        except redis.RedisError as error:
            logger.warning("Redis unavailable (%s); waiting", error)
            raise DontCloseSpider from None
        if verdict == "done":
            self._log_done()
            return
        raise DontCloseSpider

    def _log_done(self) -> None:
        logger.info(
            "Nothing queued and no worker busy for %gs: worker %s stops",
            self.idle_timeout,
            self.worker.id,
        )

    def _poll(self) -> str:
        """``work``, ``wait`` or ``done``, after requeueing dead workers' requests."""
        requeued = self.worker.reap() + self.worker.settle()[1]
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
        # and the spider keeps its own start() (and stays free of Redis).
        source = self.crawler.spider
        engine = self.crawler.engine
        if not isinstance(source, StartUrlSource) or engine is None:
            return 0
        assert self.crawler.stats is not None
        taken = 0
        while taken < self.batch:
            data = self.worker.take_start_url()
            if data is None:
                break
            taken += 1
            url = start_url_of(data)
            self.crawler.stats.inc_value("newsspider/redis/start_urls")
            if not url:
                logger.warning("Ignoring pushed start URL entry %r", data[:200])
                continue
            for request in source.requests_for_start_url(url):
                engine.crawl(to_frontier(request))
        return taken

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.reason = reason

    def feed_exporter_closed(self) -> None:
        self.feeds_done = not self.local_feeds or ledger_for(self.crawler).all_published()
        if not self.feeds_done:
            return
        if store_for(self.crawler) is None and not self.worker.commit({}):
            # Without a seen-store nothing else forgets the in-flight requests in one step.
            logger.error("Worker %s lost its lease while writing its feed", self.worker.id)

    def engine_stopped(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        complete = finished_normally(self.reason) and self.feeds_done
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
