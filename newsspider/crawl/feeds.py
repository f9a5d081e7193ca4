"""Feed files that appear whole or not at all."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.exporters import JsonLinesItemExporter
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.settings import BaseSettings

from newsspider.site.items import dataclass_field_names

logger = logging.getLogger(__name__)

#: Sent after a feed file was fsynced and renamed into place (``path`` argument).
feed_committed = object()
#: Sent once, after the last local feed file of the run was committed (no arguments).
all_feeds_committed = object()
#: Close reasons after which a feed is complete.
NORMAL_FINISH = ("finished", "closespider_pagecount", "closespider_itemcount")


def finished_normally(reason: object) -> bool:
    return isinstance(reason, str) and reason.startswith(NORMAL_FINISH)


def feed_complete(reason: object, resumable: bool) -> bool:
    """Whether a run closed for `reason` left a complete feed to keep and mark seen.

    A graceful shutdown (one Ctrl-C) of a ``JOBDIR`` run finishes its pages in flight and
    will be resumed from the saved frontier, so what it scraped so far is kept.
    """
    return finished_normally(reason) or (resumable and reason == "shutdown")


def local_feed_uris(settings: BaseSettings) -> list[str]:
    """The ``FEEDS`` written to local files, each committed by `AtomicFileFeedStorage`."""
    feeds = settings.getdict("FEEDS")
    return [uri for uri in feeds if "://" not in uri or uri.startswith("file:")]


class FeedCommitCounter:
    """Count the run's local feed files as they are committed (`feed_committed`).

    The one place that counts them: sends `all_feeds_committed` after the last one, which the
    seen-store pipeline and scale-out's worker wait for. Off when no feed is a local file.
    """

    def __init__(self, crawler: Crawler, expected: int) -> None:
        self.crawler = crawler
        self.expected = expected
        self.committed = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FeedCommitCounter:
        expected = len(local_feed_uris(crawler.settings))
        if not expected:
            raise NotConfigured("no local feed file")
        counter = cls(crawler, expected)
        crawler.signals.connect(counter.feed_committed, signal=feed_committed)
        return counter

    def feed_committed(self, path: str) -> None:
        self.committed += 1
        if self.committed == self.expected:
            self.crawler.signals.send_catch_log(all_feeds_committed)


class AtomicFileFeedStorage(FileFeedStorage):
    """Write to ``.<name>.partial-<pid>`` beside the target; rename when the run finished.

    A run that is interrupted or killed leaves no feed at the target path; a stale
    partial file of a dead run is removed by the next run writing the same feed.
    """

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.crawler: Crawler | None = None
        target = Path(self.path)
        self.partial = target.with_name(f".{target.name}.partial-{os.getpid()}")

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> AtomicFileFeedStorage:
        storage = cls(uri, feed_options=feed_options)
        storage.crawler = crawler
        return storage

    def open(self, spider: Any) -> IO[bytes]:
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.partial.parent.glob(f".{Path(self.path).name}.partial-*"):
            pid = stale.name.rsplit("-", 1)[-1]
            if pid.isdigit() and not _alive(int(pid)):
                stale.unlink(missing_ok=True)
        return self.partial.open("wb")

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        reason = self.crawler.stats.get_value("finish_reason") if self.crawler else "finished"
        resumable = bool(self.crawler and self.crawler.settings.get("JOBDIR"))
        if self.crawler and self.crawler.stats and not feed_complete(reason, resumable):
            self.partial.unlink(missing_ok=True)
            logger.warning("Feed %s not written: the run did not finish (%s)", self.path, reason)
            return
        target = Path(self.path)
        if self.write_mode == "ab" and target.exists():
            self._prepend(target)
        os.replace(self.partial, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        logger.info("Feed %s written", target)
        if self.crawler:
            self.crawler.signals.send_catch_log(feed_committed, path=str(target))

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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
