"""The seen-store: which articles earlier runs emitted, kept across runs.

The embedded default is a SQLite file (``SEEN_DB``); an add-on may name another store in
``SEEN_STORE`` (with ``REDIS_URL``, scale-out's Redis hash shared by every worker). Marks
are written in one step after the feed is safely on disk (see `newsspider.crawl.feeds`),
so a killed run leaves none behind.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Protocol
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object

from newsspider.crawl.config import run_config
from newsspider.site.items import iso, parse_iso


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


class SqliteSeenStore:
    """A seen-store in one SQLite file (WAL mode; one transaction per commit)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, first_seen TEXT NOT NULL,"
            " last_emitted TEXT NOT NULL, fingerprint TEXT NOT NULL, version INTEGER NOT NULL)"
        )

    def get(self, article_id: str) -> SeenRecord | None:
        row = self.db.execute(
            "SELECT id, first_seen, last_emitted, fingerprint, version FROM seen WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        return SeenRecord(row[0], parse_iso(row[1]), parse_iso(row[2]), row[3], row[4])

    def commit(self, records: Iterable[SeenRecord]) -> None:
        rows = [
            (r.id, iso(r.first_seen), iso(r.last_emitted), r.fingerprint, r.version)
            for r in records
        ]
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT INTO seen VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " last_emitted = excluded.last_emitted, fingerprint = excluded.fingerprint,"
                " version = excluded.version",
                rows,
            )

    def close(self) -> None:
        self.db.close()


_STORES: WeakKeyDictionary[Crawler, SeenStore | None] = WeakKeyDictionary()


def store_for(crawler: Crawler) -> SeenStore | None:
    """The crawler's one seen-store, opened on first use (None when off).

    ``SEEN_STORE`` (a factory taking the crawler, set by an add-on: the scale-out add-on's
    Redis hash that every worker shares) replaces the SQLite file of ``SEEN_DB`` unless
    ``SEEN_DB=off``.
    """
    if crawler not in _STORES:
        config = run_config(crawler)
        factory = crawler.settings.get("SEEN_STORE")
        if factory and config.seen_store_on:
            _STORES[crawler] = load_object(factory)(crawler)
        else:
            _STORES[crawler] = SqliteSeenStore(config.seen_db) if config.seen_db else None
    return _STORES[crawler]


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
