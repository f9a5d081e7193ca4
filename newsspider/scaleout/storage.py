"""Where a worker's results go: the shared seen-store and its leased feed files."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import IO, Any

from scrapy.crawler import Crawler
from twisted.internet.defer import Deferred, succeed

from newsspider.crawl.feeds import (
    AtomicFileFeedStorage,
    FeedLogFilter,
    GatedFTPFeedStorage,
    GatedGCSFeedStorage,
    GatedS3FeedStorage,
    finished_normally,
    remote_test_pause,
)
from newsspider.crawl.seen import SeenRecord, StagedFeed
from newsspider.scaleout.leases import LeaseLost, Worker, worker_for
from newsspider.site.items import iso, parse_iso

logger = logging.getLogger(__name__)


class RedisSeenStore:
    """The seen-store as one Redis hash shared by every worker: article id -> JSON record.

    Marks are staged before the feed's rename (`stage`) and written with `confirm`, which
    also forgets this worker's in-flight requests, in one script; both are refused
    (`LeaseLost`) once the lease is gone. A run killed in between is settled by the next
    worker on this host (`Worker.settle`).
    """

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.server = worker.server
        self.key = worker.keys.seen

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisSeenStore:
        """The store of a crawl with ``REDIS_URL`` (``SEEN_STORE``, set by `RedisAddon`)."""
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
        self.confirm("", records)

    def stage(
        self, run: str, feeds_expected: int, feed: StagedFeed, records: Iterable[SeenRecord]
    ) -> None:
        if not self.worker.stage(run, feeds_expected, feed, _marks(records)):
            raise LeaseLost(f"worker {self.worker.id} lost its lease: feed not published")

    def confirm(self, run: str, records: Iterable[SeenRecord] | None = None) -> int:
        marks = _marks(records or ())
        if self.worker.commit(marks, run):
            return len(marks)
        # Lost the lease after the rename: if a reaper already set this run aside, it can be
        # settled right here, where its feed is.
        if run and self.worker.settle(only=run)[0]:
            return len(marks)
        raise LeaseLost(
            f"worker {self.worker.id} lost its lease: seen marks not written; the next worker "
            "on this host settles them against the feed"
        )

    def discard(self, run: str) -> int:
        return self.worker.discard(run)

    def close(self) -> None:
        return None


def _marks(records: Iterable[SeenRecord]) -> dict[str, str]:
    return {
        r.id: json.dumps([iso(r.first_seen), iso(r.last_emitted), r.fingerprint, r.version])
        for r in records
    }


class LeasedFeedStorage(AtomicFileFeedStorage):
    """The atomic feed file, renamed into place only while this worker still holds its lease.

    Renewing the lease right before the rename leaves a full ``REDIS_WORKER_TIMEOUT`` for the
    rename and the seen marks; a worker that already lost it discards its feed, because
    others are crawling its requests again.
    """

    worker: Worker | None = None

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> LeasedFeedStorage:
        storage = super().from_crawler(crawler, uri, feed_options=feed_options)
        assert isinstance(storage, LeasedFeedStorage)
        storage.worker = worker_for(crawler)
        return storage

    def store(self, file: IO[bytes]) -> None:
        worker = self.worker
        if worker is not None and self._finished() and not worker.heartbeat():
            file.close()
            self.partial.unlink(missing_ok=True)
            FeedLogFilter.note_withheld()
            logger.error("Feed %s not written: worker %s lost its lease", self.path, worker.id)
            return
        super().store(file)

    def _finished(self) -> bool:
        stats = self.crawler.stats if self.crawler is not None else None
        return stats is not None and finished_normally(stats.get_value("finish_reason"))


class _LeasedRemote:
    """A remote feed uploaded only while this worker still holds its lease (checked, and
    renewed, right before the upload); the upload is then recorded with the staged marks."""

    crawler: Crawler | None

    def store(self, file: IO[bytes]) -> Deferred[None]:
        crawler = self.crawler
        remote_test_pause(crawler, "before_upload")
        stats = crawler.stats if crawler is not None else None
        if (
            crawler is not None
            and stats is not None
            and finished_normally(stats.get_value("finish_reason"))
            and not worker_for(crawler).heartbeat()
        ):
            file.close()
            FeedLogFilter.note_withheld()
            logger.error("Feed not uploaded: worker %s lost its lease", worker_for(crawler).id)
            return succeed(None)
        stored: Deferred[None] = super().store(file)  # type: ignore[misc]  # a mixin
        return stored


class LeasedFTPFeedStorage(_LeasedRemote, GatedFTPFeedStorage):
    """``ftp://`` and ``ftps://`` feeds of a worker."""


class LeasedS3FeedStorage(_LeasedRemote, GatedS3FeedStorage):
    """``s3://`` feeds of a worker."""


class LeasedGCSFeedStorage(_LeasedRemote, GatedGCSFeedStorage):
    """``gs://`` feeds of a worker."""
