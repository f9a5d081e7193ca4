"""The seen-store: which articles earlier runs emitted, kept across runs.

The embedded default is a SQLite file (``SEEN_DB``); with ``REDIS_URL`` set, a Redis
hash shared by every worker. An article is marked only once its line is in a feed that
was stored: marks are staged with the feed's path, size and checksum before the feed is
renamed into place and confirmed after, so a run killed at any instant is settled by the
next one (`SqliteSeenStore.recover`, `newsspider.scaleout.leases.Worker.settle`); see
`newsspider.crawl.feeds`.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol, runtime_checkable
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler, load_object

from newsspider.crawl.config import run_config
from newsspider.site.items import iso, parse_iso

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SeenRecord:
    """What the store remembers of one emitted article."""

    id: str
    first_seen: datetime
    last_emitted: datetime
    fingerprint: str
    version: int


class SeenStore(Protocol):
    """Look up and mark emitted articles."""

    def get(self, article_id: str) -> SeenRecord | None: ...

    def commit(self, records: Iterable[SeenRecord]) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class StagingSeenStore(SeenStore, Protocol):
    """A seen-store with two-phase marks: staged before a feed's rename, confirmed after."""

    def stage(
        self, run: str, feeds_expected: int, feed: StagedFeed, records: Iterable[SeenRecord]
    ) -> None: ...

    def confirm(self, run: str, records: Iterable[SeenRecord] | None = None) -> int: ...

    def discard(self, run: str) -> int: ...


@dataclass(frozen=True, slots=True)
class StagedFeed:
    """A feed as it must be found once stored: a local file's absolute path (or a remote
    feed's URI, without credentials), size and SHA-256.

    A local feed is staged before its rename and checked afterwards; a remote one is
    recorded only once its upload succeeded (it cannot be read back).
    """

    path: str
    size: int
    sha256: str

    @property
    def remote(self) -> bool:
        return "://" in self.path

    def matches(self) -> bool:
        """Whether the feed is in place: the file at `path` is this feed, byte for byte (a
        remote feed is recorded once uploaded)."""
        if self.remote:
            return True
        try:
            if os.path.getsize(self.path) != self.size:
                return False
            return file_sha256(self.path) == self.sha256
        except OSError:
            return False


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, first_seen TEXT NOT NULL,"
    " last_emitted TEXT NOT NULL, fingerprint TEXT NOT NULL, version INTEGER NOT NULL)",
    # Two-phase marks: a run's marks and the feed files they wait for, written before the
    # first rename; moved into `seen` once every feed is in place (or by a later run that
    # finds the feeds in place), deleted when a feed is not.
    "CREATE TABLE IF NOT EXISTS staged_run (run TEXT PRIMARY KEY, feeds INTEGER NOT NULL,"
    " created TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS staged_feed (run TEXT NOT NULL, path TEXT NOT NULL,"
    " size INTEGER NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (run, path))",
    "CREATE TABLE IF NOT EXISTS staged_mark (run TEXT NOT NULL, id TEXT NOT NULL,"
    " first_seen TEXT NOT NULL, last_emitted TEXT NOT NULL, fingerprint TEXT NOT NULL,"
    " version INTEGER NOT NULL, PRIMARY KEY (run, id))",
)
_UPSERT = (
    " ON CONFLICT(id) DO UPDATE SET last_emitted = excluded.last_emitted,"
    " fingerprint = excluded.fingerprint, version = excluded.version"
)


class SqliteSeenStore:
    """A seen-store in one SQLite file (WAL mode; one transaction per step).

    Besides `commit`, it stages marks: `stage` records them with the feed they wait for
    before that feed is renamed into place, `confirm` makes them marks, `discard` forgets
    them, and `recover` settles what a killed run staged.
    """

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        for statement in _SCHEMA:
            self.db.execute(statement)

    def get(self, article_id: str) -> SeenRecord | None:
        row = self.db.execute(
            "SELECT id, first_seen, last_emitted, fingerprint, version FROM seen WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        return SeenRecord(row[0], parse_iso(row[1]), parse_iso(row[2]), row[3], row[4])

    def commit(self, records: Iterable[SeenRecord]) -> None:
        with self._transaction():
            self._upsert(records)

    def stage(
        self, run: str, feeds_expected: int, feed: StagedFeed, records: Iterable[SeenRecord]
    ) -> None:
        """Record `feed` and (once per run) the run's marks, before the feed is renamed."""
        with self._transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO staged_run VALUES (?, ?, ?)",
                (run, feeds_expected, iso(datetime.now(UTC))),
            )
            self.db.execute(
                "INSERT OR REPLACE INTO staged_feed VALUES (?, ?, ?, ?)",
                (run, feed.path, feed.size, feed.sha256),
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO staged_mark VALUES (?, ?, ?, ?, ?, ?)",
                [(run, *_row(r)) for r in records],
            )

    def confirm(self, run: str, records: Iterable[SeenRecord] | None = None) -> int:
        """Make the run's marks (its staged ones, or `records`) marks; forget the staging."""
        with self._transaction():
            if records is None:
                count = self.db.execute(
                    "INSERT INTO seen SELECT id, first_seen, last_emitted, fingerprint, version"
                    " FROM staged_mark WHERE run = ?" + _UPSERT,
                    (run,),
                ).rowcount
            else:
                count = self._upsert(records)
            self._forget(run)
        return count

    def discard(self, run: str) -> int:
        """Forget what the run staged; the number of marks dropped."""
        with self._transaction():
            count = self.db.execute("SELECT count(*) FROM staged_mark WHERE run = ?", (run,))
            dropped = int(count.fetchone()[0])
            self._forget(run)
        return dropped

    def recover(self) -> tuple[int, int]:
        """Settle runs killed between staging and confirming: (marks confirmed, dropped).

        A run's marks are confirmed when every feed it expected is in place with the staged
        size and checksum (it was killed after its renames), else dropped (killed before a
        rename: that feed was not published, so its articles are due again).
        """
        confirmed = dropped = 0
        runs = self.db.execute("SELECT run, feeds FROM staged_run").fetchall()
        for run, expected in runs:
            feeds = [
                StagedFeed(*row)
                for row in self.db.execute(
                    "SELECT path, size, sha256 FROM staged_feed WHERE run = ?", (run,)
                )
            ]
            if feeds and len(feeds) >= expected and all(feed.matches() for feed in feeds):
                confirmed += self.confirm(run)
            else:
                dropped += self.discard(run)
        return confirmed, dropped

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _upsert(self, records: Iterable[SeenRecord]) -> int:
        rows = [_row(r) for r in records]
        self.db.executemany("INSERT INTO seen VALUES (?, ?, ?, ?, ?)" + _UPSERT, rows)
        return len(rows)

    def _forget(self, run: str) -> None:
        for table in ("staged_mark", "staged_feed", "staged_run"):
            self.db.execute(f"DELETE FROM {table} WHERE run = ?", (run,))


def _row(r: SeenRecord) -> tuple[str, str, str, str, int]:
    return (r.id, iso(r.first_seen), iso(r.last_emitted), r.fingerprint, r.version)


_STORES: WeakKeyDictionary[Crawler, SeenStore | None] = WeakKeyDictionary()


def store_for(crawler: Crawler) -> SeenStore | None:
    """The crawler's one seen-store, opened on first use (None when off).

    ``SEEN_STORE`` names another store's class (built with its ``from_crawler``): the
    scale-out add-on sets it to the Redis hash every worker shares. Otherwise the SQLite
    file of ``SEEN_DB``, where what a killed run staged is settled first (`recover`).
    """
    if crawler not in _STORES:
        config = run_config(crawler)
        other = crawler.settings.get("SEEN_STORE")
        store: SeenStore | None = None
        if other and config.seen_store_on:
            store = build_from_crawler(load_object(other), crawler)
        elif config.seen_db:
            sqlite_store = SqliteSeenStore(config.seen_db, config.seen_db_timeout)
            _recover(crawler, sqlite_store)
            store = sqlite_store
        _STORES[crawler] = store
        if store is not None and crawler.stats is not None:
            crawler.stats.set_value("newsspider/seen/store", type(store).__name__)
    return _STORES[crawler]


def _recover(crawler: Crawler, store: SqliteSeenStore) -> None:
    confirmed, dropped = store.recover()
    if confirmed or dropped:
        logger.warning(
            "Seen-store %s: an earlier run was stopped between its feed and its marks: "
            "%d mark(s) confirmed (its feed is in place), %d dropped (its feed is not)",
            store.path,
            confirmed,
            dropped,
        )
    if crawler.stats is not None:
        crawler.stats.set_value("newsspider/seen/recovered", confirmed)
        crawler.stats.set_value("newsspider/seen/recovery_dropped", dropped)


class RunMarks:
    """This run's seen marks: pending in memory until every feed is stored.

    With a staging store (SQLite, Redis) they are staged with each local feed before its
    rename and each remote feed once uploaded (`stage`), and confirmed once every feed is
    stored (`commit`), so that a kill at any instant is settled by the next run: its marks
    are confirmed only if every feed it had (stdout aside) was recorded and is in place.
    Other stores get them in one `commit`.
    """

    def __init__(self, store: SeenStore, feeds_expected: int) -> None:
        self.store = store
        self.feeds_expected = feeds_expected
        self.run = uuid.uuid4().hex
        self.pending: dict[str, SeenRecord] = {}
        self.staged = False

    def stage(self, feed: StagedFeed) -> None:
        """Before `feed` is renamed into place (raises when the store cannot take it)."""
        if isinstance(self.store, StagingSeenStore) and self.pending:
            self.store.stage(self.run, self.feeds_expected, feed, self.pending.values())
            self.staged = True

    def commit(self) -> int:
        """Every feed is stored: write the marks; how many."""
        count = len(self.pending)
        if self.pending or self.staged:
            if isinstance(self.store, StagingSeenStore):
                self.store.confirm(self.run, self.pending.values())
            else:
                self.store.commit(self.pending.values())
        self.pending.clear()
        self.staged = False
        return count

    def discard(self) -> int:
        """A feed was not stored: no marks; how many were dropped."""
        count = len(self.pending)
        if self.staged and isinstance(self.store, StagingSeenStore):
            self.store.discard(self.run)
        self.pending.clear()
        self.staged = False
        return count


_MARKS: WeakKeyDictionary[Crawler, RunMarks | None] = WeakKeyDictionary()


def marks_for(crawler: Crawler) -> RunMarks | None:
    """The crawler's `RunMarks` (None when the seen-store is off)."""
    if crawler not in _MARKS:
        store = store_for(crawler)
        feeds = crawler.settings.getdict("FEEDS")
        staged = sum(1 for uri in feeds if not str(uri).startswith(("stdout:", "-")))
        _MARKS[crawler] = RunMarks(store, staged) if store is not None else None
    return _MARKS[crawler]


class RunLock:
    """An exclusive ``flock`` beside the seen-store, so that two runs never overlap."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another run holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
