"""The scale-out switch: with ``REDIS_URL`` set, workers share one crawl through Redis.

This module imports no Redis client, so a crawl without ``REDIS_URL`` (and an install
without the ``redis`` extra) never loads one; the components live in
`newsspider.scaleout.frontier` (scheduler, duplicate filter, spider middleware),
`newsspider.scaleout.worker` (the extension) and `newsspider.scaleout.storage` (seen-store, feed).
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
from typing import Any

from scrapy.settings import BaseSettings

from newsspider.crawl.config import redis_url

_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
FRONTIER = "newsspider.scaleout.frontier"
WORKER = "newsspider.scaleout.worker"
STORAGE = "newsspider.scaleout.storage"


class RedisSettingsError(ValueError):
    """A bad scale-out setting; the message names it and fits on one line."""


def worker_id(settings: BaseSettings) -> str:
    """``WORKER_ID``, else ``<hostname>-<pid>``."""
    configured = str(settings.get("WORKER_ID") or "")
    return configured or re.sub(r"[^A-Za-z0-9._-]", "-", f"{socket.gethostname()}-{os.getpid()}")


def feed_uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """``FEED_URI_PARAMS``: ``%(worker_id)s`` in feed names (with or without Redis)."""
    params["worker_id"] = worker_id(spider.crawler.settings)
    return params


def check_redis_settings(settings: BaseSettings) -> None:
    """Raise `RedisSettingsError` for bad scale-out settings (only checked with a URL)."""
    url = redis_url(settings)
    if not url:
        return
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise RedisSettingsError(f"REDIS_URL: expected redis://host:port/db, got {url!r}")
    if importlib.util.find_spec("scrapy_redis") is None:
        raise RedisSettingsError("REDIS_URL needs the redis extra: pip install 'newsspider[redis]'")
    for name in ("REDIS_NAMESPACE", "WORKER_ID"):
        value = str(settings.get(name) or "")
        if value and not _NAME.match(value):
            raise RedisSettingsError(f"{name}: expected [A-Za-z0-9._-]+, got {value!r}")
    try:
        settings.getbool("REDIS_SEED")
    except ValueError:
        raise RedisSettingsError(
            f"REDIS_SEED: expected 0 or 1, got {settings.get('REDIS_SEED')!r}"
        ) from None
    for name, lowest in (("REDIS_IDLE_TIMEOUT", -1.0), ("REDIS_WORKER_TIMEOUT", 1.0)):
        try:
            number = settings.getfloat(name)
        except ValueError:
            value = settings.get(name)
            raise RedisSettingsError(f"{name}: expected a number, got {value!r}") from None
        if number < lowest:
            raise RedisSettingsError(f"{name}: expected at least {lowest:g}, got {number:g}")


def redacted(url: str) -> str:
    """The URL without its password (for logs)."""
    return re.sub(r"//[^@/]*@", "//***@", url)


def redis_unreachable(settings: BaseSettings) -> str | None:
    """Why ``REDIS_URL`` cannot be used right now (one line), or None when it answers."""
    url = redis_url(settings)
    if not url:
        return None
    import redis  # only with REDIS_URL (the redis extra)

    try:
        redis.Redis.from_url(url, socket_connect_timeout=10).ping()
    except redis.RedisError as error:
        return f"REDIS_URL: no Redis answers at {redacted(url)}: {error}"
    return None


class RedisAddon:
    """With ``REDIS_URL``: scrapy-redis's scheduler and duplicate filter, the Redis seen-store
    (``SEEN_STORE``, read by `newsspider.crawl.seen.store_for`) and leased feeds (local and
    remote).

    Without it nothing changes (Scrapy's scheduler, the SQLite seen-store).
    """

    def update_settings(self, settings: BaseSettings) -> None:
        url = redis_url(settings)
        if not url:
            return
        # settings.py defines REDIS_URL and FEED_STORAGES at "project" priority: match it.
        settings.set("REDIS_URL", url, "project")
        settings.set("SCHEDULER", f"{FRONTIER}.RedisScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", f"{FRONTIER}.RedisDupeFilter", "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")
        settings.set("REQUEST_FINGERPRINTER_CLASS", f"{FRONTIER}.ArticleIdFingerprinter", "addon")
        settings.set("SEEN_STORE", f"{STORAGE}.RedisSeenStore", "addon")
        settings["EXTENSIONS"].set(f"{WORKER}.WorkerExtension", 500, "addon")
        settings["SPIDER_MIDDLEWARES"].set(
            f"{FRONTIER}.SharedFrontierSpiderMiddleware", 10, "addon"
        )
        storages = settings["FEED_STORAGES"]
        for scheme, name in (
            ("", "LeasedFeedStorage"),
            ("file", "LeasedFeedStorage"),
            ("ftp", "LeasedFTPFeedStorage"),
            ("ftps", "LeasedFTPFeedStorage"),
            ("s3", "LeasedS3FeedStorage"),
            ("gs", "LeasedGCSFeedStorage"),
        ):
            storages.set(scheme, f"{STORAGE}.{name}", "project")
