"""The shared frontier: scrapy-redis's queue and duplicate filter, with leased takes.

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
- ``staged`` (hash): run -> worker, host, lease token and state of marks staged before a
  feed's rename; ``staged:<run>``: those marks and the feed's path, size and checksum;
  ``doubt:<run>``: the in-flight requests of a run that died with marks staged.

No lost work: taking a request moves it from the frontier into the worker's in-flight hash
in one Lua script. The hash is deleted in the same script that writes the worker's seen
marks, which runs after its feed file was renamed into place. A worker whose lease expired
is presumed dead: any other worker (at start and while idle) moves its in-flight entries
back into the frontier, past the duplicate filter. What the dead worker scraped died with
its unrenamed partial feed and it wrote no marks, so every article is emitted exactly once.
A worker that finds its own lease gone stops without writing its feed. One that died with
marks staged is settled against its feed file by a worker on its host (`Worker.settle`).

Keys and Lua scripts live in `newsspider.scaleout.keyspace`, leases in
`newsspider.scaleout.leases`, the worker's life cycle in `newsspider.scaleout.worker`, the
seen-store and feed in `newsspider.scaleout.storage`.
The crawl ends when the frontier and the start-URL list are empty and no worker is busy;
then each idle worker waits ``REDIS_IDLE_TIMEOUT`` seconds more and leaves. The last worker
to leave an empty frontier clears the duplicate filter, so the next run crawls afresh.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from collections import deque
from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.request import RequestFingerprinter, request_from_dict
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from newsspider.crawl.config import redis_url
from newsspider.scaleout.keyspace import connect, keys_for
from newsspider.scaleout.leases import Worker, worker_for
from newsspider.site.urls import article_id

logger = logging.getLogger(__name__)

#: Request meta key: the in-flight field of the request this one was taken as (or derives from).
TAKEN = "newsspider_redis_taken"


@runtime_checkable
class StartUrlSource(Protocol):
    """What turns a pushed start URL into requests: the running spider (``crawler.spider``)."""

    def requests_for_start_url(self, url: str) -> Iterable[Request]: ...


def serializer_for(settings: BaseSettings) -> Any:
    """``SCHEDULER_SERIALIZER`` as a module (``loads``/``dumps``); scrapy-redis's pickle default."""
    name = settings.get("SCHEDULER_SERIALIZER")
    return importlib.import_module(name) if name else picklecompat


def take_request(worker: Worker, serializer: Any, spider: Any) -> Request | None:
    """Take the frontier's first request into the worker's in-flight hash, decoded.

    Decoded as scrapy-redis's queue encodes (``serializer.dumps(request.to_dict(spider=...))``),
    with Scrapy's public `request_from_dict`; ``meta[TAKEN]`` names its in-flight field.
    """
    taken = worker.take(worker.keys.requests)
    if taken is None:
        return None
    field, data = taken
    request = request_from_dict(serializer.loads(data), spider=spider)
    request.meta[TAKEN] = field
    worker.stats.inc_value("scheduler/dequeued/redis")
    return request


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

    def pop(self, timeout: int = 0) -> Request | None:
        return take_request(self.worker, self.serializer, self.spider)


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
        serializer: Any,
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
        return cls(crawler, worker, dupefilter, serializer_for(crawler.settings))

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
        request: Request | None = self.queue.pop()
        return request


def to_frontier(request: Request) -> Request:
    """A spider request made fit for the shared frontier.

    The spider marks its requests ``dont_filter`` (it dedups by id in-process); here the
    shared duplicate filter must see them.
    """
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
            self.stats.inc_value("newsspider/redis/unseeded")
            return None
        return to_frontier(request)


def start_url_of(data: str) -> str | None:
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
