"""Feed files that appear whole or not at all, and the run's account of its feeds.

A local feed is written to ``.<name>.partial-<pid>`` beside the target, fsynced, and only
then published: the run's seen marks are staged in the SQLite seen-store with the feed's
final path, size and SHA-256 (`newsspider.crawl.seen.RunMarks.stage`), the file is renamed
into place, and the marks are confirmed once every feed is stored. A run that did not
finish, or failed (exit status 3, 4 or 5), publishes nothing (`withheld_reason`): a file of
that name is left as it was, and a remote feed (``ftp://``, ``s3://``, ``gs://``) is not
uploaded. A stdout feed streams as it goes and cannot be withheld. `FeedLedger` records
what became of each feed for the seen marks and the summary.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import io
import logging
import os
import re
import shutil
import sys
import time
from io import BytesIO
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exporters import JsonLinesItemExporter
from scrapy.extensions.feedexport import (
    BlockingFeedStorage,
    FileFeedStorage,
    FTPFeedStorage,
    GCSFeedStorage,
    S3FeedStorage,
    StdoutFeedStorage,
)
from twisted.internet.defer import Deferred, succeed

from newsspider.crawl.config import run_config
from newsspider.crawl.seen import StagedFeed, file_sha256, marks_for
from newsspider.crawl.status import (
    FAILED_RUN,
    NORMAL_FINISH,
    crawl_status,
    feed_complete,
    finished_normally,
)
from newsspider.site.items import dataclass_field_names

if TYPE_CHECKING:
    from typing_extensions import Buffer  # collections.abc.Buffer from Python 3.12

__all__ = [
    "NORMAL_FINISH",
    "AtomicFileFeedStorage",
    "DataclassJsonLinesItemExporter",
    "FeedLedger",
    "FlushedStdoutFeedStorage",
    "GatedFTPFeedStorage",
    "GatedGCSFeedStorage",
    "GatedS3FeedStorage",
    "feed_committed",
    "feed_complete",
    "finished_normally",
    "ledger_for",
    "withheld_reason",
]

logger = logging.getLogger(__name__)

#: Sent after a feed file was fsynced and renamed into place (``path`` argument).
feed_committed = object()
#: ``.<name>.partial-<pid>`` (and its ``-append`` companion): a feed being written.
_PARTIAL = re.compile(r"^\..+\.partial-(\d+)(?:-append)?$")
#: Longest test pause (``NEWSSPIDER_TEST_PAUSE_AT``) before the run goes on by itself.
_PAUSE_MAX = 120.0


class _FeedFile(io.FileIO):
    """A file that remembers a failed write, so that a feed missing a line is never published."""

    error: OSError | None = None

    def write(self, data: Buffer, /) -> int:
        try:
            return super().write(data)
        except OSError as error:
            self.error = error
            raise


def _guarded(raw: _FeedFile) -> IO[bytes]:
    return io.BufferedWriter(raw)


def _write_error(file: IO[bytes]) -> OSError | None:
    raw = getattr(file, "raw", None)
    return raw.error if isinstance(raw, _FeedFile) else None


_CREDENTIALS = re.compile(r"(//[^/:@\s]*):[^@/\s]*@")


class FeedLogFilter(logging.Filter):
    """Scrapy's feed log lines without passwords, and a withheld feed not called "Stored".

    Scrapy logs ``Stored <format> feed (N items) in: <uri>`` (the URI with its password)
    right after a storage's `store` returned, in the same turn: a storage that withheld its
    feed says so through `note_withheld` just before.
    """

    pending_withheld = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _CREDENTIALS.sub(r"\1:***@", a) if isinstance(a, str) else a for a in record.args
            )
        if record.msg == "Stored %s" and FeedLogFilter.pending_withheld:
            FeedLogFilter.pending_withheld -= 1
            record.msg = "Not stored (withheld, see above) %s"
        return True

    @staticmethod
    def note_withheld() -> None:
        FeedLogFilter.pending_withheld += 1

    @staticmethod
    def install() -> None:
        """On Scrapy's feed exporter logger, once per process."""
        feed_log = logging.getLogger("scrapy.extensions.feedexport")
        if not any(isinstance(f, FeedLogFilter) for f in feed_log.filters):
            feed_log.addFilter(FeedLogFilter())


def withheld_reason(crawler: Crawler | None) -> str:
    """Why a feed of this run must not be published or uploaded ("" when it may be)."""
    if crawler is None or crawler.stats is None:
        return ""
    stats = crawler.stats.get_stats()
    reason = stats.get("finish_reason")
    config = run_config(crawler)
    if not feed_complete(reason, bool(config.jobdir)):
        return f"the run did not finish ({reason})"
    code, why = crawl_status(stats, config.failure_threshold)
    if code in FAILED_RUN:
        return f"the run failed (exit status {code}: {why})"
    return ""


class AtomicFileFeedStorage(FileFeedStorage):
    """Write to ``.<name>.partial-<pid>`` beside the target; publish when the run succeeded.

    A run that is interrupted, killed or failed leaves no feed at the target path; stale
    partial files of dead runs in the feed's folder (whatever their feed's name) are
    removed by the next run writing a feed there.
    """

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.crawler: Crawler | None = None
        target = Path(self.path)
        self.partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
        #: True once the feed is in place.
        self.published = False
        self.pause_at = ""

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> AtomicFileFeedStorage:
        storage = cls(uri, feed_options=feed_options)
        storage.crawler = crawler
        storage.pause_at = run_config(crawler).test_pause_at
        return storage

    def open(self, spider: Any) -> IO[bytes]:
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(self.partial.parent)
        return _guarded(_FeedFile(self.partial, "wb"))

    def store(self, file: IO[bytes]) -> None:
        try:
            self._store(file)
        except BaseException:
            self.partial.unlink(missing_ok=True)
            self.partial.with_name(self.partial.name + "-append").unlink(missing_ok=True)
            raise
        if self.published:
            if self.crawler:
                self.crawler.signals.send_catch_log(feed_committed, path=self.path)
            self._pause("after_rename")

    def _store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        error = _write_error(file)
        if error is not None:
            raise OSError(error.errno, f"a write to the feed failed ({error.strerror})", self.path)
        withheld = withheld_reason(self.crawler)
        if withheld:
            self.partial.unlink(missing_ok=True)
            FeedLogFilter.note_withheld()
            logger.warning(
                "Feed %s not published: %s; a file of that name is left as it was",
                self.path,
                withheld,
            )
            return
        target = Path(self.path)
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "the feed's path is a directory", str(target))
        if self.write_mode == "ab" and target.exists():
            self._prepend(target)
        self._pause("before_stage")
        marks = marks_for(self.crawler) if self.crawler else None
        if marks is not None:
            size = self.partial.stat().st_size
            path = os.path.abspath(target)
            marks.stage(StagedFeed(path, size, file_sha256(self.partial)))
        self._pause("after_stage")
        os.replace(self.partial, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self.published = True
        logger.info("Feed %s written", target)

    def _prepend(self, target: Path) -> None:
        """Append mode: the new file is the old feed followed by this run's lines."""
        combined = self.partial.with_name(self.partial.name + "-append")
        with combined.open("wb") as out:
            with target.open("rb") as old:
                shutil.copyfileobj(old, out)
            with self.partial.open("rb") as new:
                shutil.copyfileobj(new, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(combined, self.partial)

    def _pause(self, point: str) -> None:
        if self.pause_at == point:
            test_pause(point, self.partial.with_name(f".{Path(self.path).name}.paused-{point}"))


def test_pause(point: str, marker: Path) -> None:
    """Tests only (``NEWSSPIDER_TEST_PAUSE_AT``): wait at `point` until `marker` is removed."""
    marker.write_text(str(os.getpid()))
    logger.warning("Test pause at %s until %s is removed", point, marker)
    deadline = time.monotonic() + _PAUSE_MAX
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def remote_test_pause(crawler: Crawler | None, point: str) -> None:
    """`test_pause` for a remote feed: the marker ``.paused-<point>`` is beside ``STATS_FILE``,
    else beside ``SEEN_DB``."""
    if crawler is None or run_config(crawler).test_pause_at != point:
        return
    beside = crawler.settings.get("STATS_FILE") or run_config(crawler).seen_db
    if beside:
        test_pause(point, Path(beside).with_name(f".paused-{point}"))


def remove_stale_partials(folder: Path) -> int:
    """Remove the ``.<name>.partial-<pid>`` files of dead processes in `folder`; how many."""
    removed = 0
    for stale in folder.glob(".*.partial-*"):
        match = _PARTIAL.match(stale.name)
        if match and not _alive(int(match[1])):
            stale.unlink(missing_ok=True)
            logger.info("Removed %s, left by a run that was killed", stale)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FlushedStdoutFeedStorage(StdoutFeedStorage):
    """Scrapy's stdout feed, stored only once everything was written and flushed.

    Scrapy's own does nothing at store time, so a reader that went away (a broken pipe)
    went unnoticed; here a failed write or flush fails the store: no seen marks.
    """

    def __init__(
        self,
        uri: str,
        _stdout: IO[bytes] | None = None,
        *,
        feed_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(uri, _stdout, feed_options=feed_options)
        self.published = False

    def open(self, spider: Any) -> IO[bytes]:
        sys.stdout.flush()  # whatever was printed before comes first
        return _guarded(_FeedFile(self._stdout.fileno(), "wb", closefd=False))

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        error = _write_error(file)
        if error is not None:
            raise OSError(error.errno, f"a write to stdout failed ({error.strerror})")
        self.published = True


class _GatedRemoteFeedStorage(BlockingFeedStorage):
    """Scrapy's upload from a temporary file, skipped when the run must not publish.

    The crawler is taken from the spider at `open`, so each storage keeps Scrapy's own
    ``from_crawler`` (its settings: FTP mode, S3 keys, GCS project). ``published`` turns
    True once the upload succeeded; a withheld upload leaves the remote object as it was.
    """

    crawler: Crawler | None = None
    published = False

    def open(self, spider: Any) -> IO[bytes]:
        self.crawler = spider.crawler
        return super().open(spider)

    def store(self, file: IO[bytes]) -> Deferred[None]:
        withheld = withheld_reason(self.crawler)
        if withheld:
            file.close()
            FeedLogFilter.note_withheld()
            logger.warning(
                "Feed %s not uploaded: %s; the remote file is left as it was",
                self.target(),
                withheld,
            )
            return succeed(None)
        file.seek(0)
        digest, size = hashlib.sha256(), 0
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
        file.seek(0)
        staged = StagedFeed(self.target(), size, digest.hexdigest())
        return super().store(file).addCallback(self._uploaded, staged)

    def _uploaded(self, result: None, staged: StagedFeed) -> None:
        """The upload succeeded: record it with the run's staged marks (a later run that
        finds every feed of a killed run recorded confirms its marks)."""
        self.published = True
        marks = marks_for(self.crawler) if self.crawler is not None else None
        if marks is not None:
            marks.stage(staged)
        remote_test_pause(self.crawler, "after_upload")

    def target(self) -> str:
        """The remote file, without credentials."""
        return type(self).__name__


class GatedFTPFeedStorage(_GatedRemoteFeedStorage, FTPFeedStorage):
    """Scrapy's ``ftp://`` and ``ftps://`` feed, uploaded only when the run succeeded."""

    def target(self) -> str:
        scheme = "ftps" if self.tls else "ftp"
        return f"{scheme}://{self.host}:{self.port}{self.path}"


class GatedS3FeedStorage(_GatedRemoteFeedStorage, S3FeedStorage):
    """Scrapy's ``s3://`` feed (boto3 imported when built), uploaded only when the run succeeded."""

    def target(self) -> str:
        return f"s3://{self.bucketname}/{self.keyname}"


class GatedGCSFeedStorage(_GatedRemoteFeedStorage, GCSFeedStorage):
    """Scrapy's ``gs://`` feed (google-cloud-storage imported at upload), uploaded only when
    the run succeeded."""

    def target(self) -> str:
        return f"gs://{self.bucket_name}/{self.blob_name}"


class FeedLedger:
    """What became of each feed: published, withheld (run failed) or failed to store.

    Counted in the stats (``newsspider/feeds/...``, ``newsspider/articles/written``) from
    Scrapy's ``feed_slot_closed`` signal: a slot whose store raised is one more
    ``feedexport/failed_count/...``; one of ours that withheld its file is not published.
    """

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.configured = len(crawler.settings.getdict("FEEDS"))
        self.stats.set_value("newsspider/feeds/configured", self.configured)
        self.failures_seen = 0
        crawler.signals.connect(self.feed_slot_closed, signal=signals.feed_slot_closed)
        FeedLogFilter.install()

    def feed_slot_closed(self, slot: Any) -> None:
        failures = sum(
            int(value)
            for key, value in self.stats.get_stats().items()
            if key.startswith("feedexport/failed_count/")
        )
        stored = failures == self.failures_seen
        self.failures_seen = failures
        if not stored:
            self.stats.inc_value("newsspider/feeds/failed")
        elif getattr(slot.storage, "published", True):
            self.stats.inc_value("newsspider/feeds/published")
            self.stats.inc_value("newsspider/articles/written", int(slot.itemcount))
        else:
            self.stats.inc_value("newsspider/feeds/withheld")

    def all_published(self) -> bool:
        """Whether the run has feeds and every one that was closed is in place."""
        return (
            self.configured > 0
            and self.stats.get_value("newsspider/feeds/published", 0) > 0
            and not self.stats.get_value("newsspider/feeds/failed", 0)
            and not self.stats.get_value("newsspider/feeds/withheld", 0)
        )


_LEDGERS: WeakKeyDictionary[Crawler, FeedLedger] = WeakKeyDictionary()


def ledger_for(crawler: Crawler) -> FeedLedger:
    """The crawler's one `FeedLedger`."""
    if crawler not in _LEDGERS:
        _LEDGERS[crawler] = FeedLedger(crawler)
    return _LEDGERS[crawler]


# Whether a type's items can skip Scrapy's per-field serialization (cached per type).
_PLAIN_TYPES: dict[type, bool] = {}


class DataclassJsonLinesItemExporter(JsonLinesItemExporter):
    """Scrapy's JSON-lines exporter, writing the same bytes for dataclass items faster.

    Scrapy's exporter goes through `ItemAdapter` for every field and again for every nested
    dataclass (images, related cards). Here the JSON encoder is handed a dataclass item
    whose fields have no ``serializer`` as it is: its C code walks the lists and strings,
    and asks back only for each dataclass instance's fields. Anything else goes through
    Scrapy.
    """

    def __init__(self, file: BytesIO, **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        # JSONEncoder's documented `default` hook, on the encoder Scrapy configured.
        scrapy_default = self.encoder.default

        def default(value: Any) -> Any:
            names = dataclass_field_names(value)
            if names is None:
                return scrapy_default(value)
            return {name: getattr(value, name) for name in names if hasattr(value, name)}

        self.encoder.default = default  # type: ignore[method-assign,assignment]

    def export_item(self, item: Any) -> None:
        if self.fields_to_export is None and self._plain(item):
            data = self.encoder.encode(item) + "\n"
            self.file.write(data.encode(self.encoding or "utf-8"))
        else:
            super().export_item(item)

    def _plain(self, item: Any) -> bool:
        plain = _PLAIN_TYPES.get(type(item))
        if plain is None:
            plain = _PLAIN_TYPES[type(item)] = dataclass_field_names(item) is not None and not any(
                "serializer" in f.metadata for f in dataclasses.fields(item)
            )
        return plain
