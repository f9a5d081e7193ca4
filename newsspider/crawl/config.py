"""The run's configuration, read and validated in one place.

`RunConfig.from_settings` reads the settings that shape a run (``ALLOWED_HOSTS``,
``REPLAY_DIR``, ``SEEN_DB``, ``RENDER``, ``REDIS_URL``, ``FAILURE_THRESHOLD`` and the
numeric limits) and the spider's ``-a`` arguments; a bad value raises `ConfigError`, whose
message names it and fits on one line. The ``crawl`` command checks it before anything
starts (exit status 2); components get the crawl's one `RunConfig` from `run_config`.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings, default_settings
from scrapy.utils.conf import closest_scrapy_cfg, get_config
from scrapy.utils.project import inside_project

from newsspider.site.urls import HOME_URL, HostPolicy, page_kind

LOCALES = ("en", "ar", "all")
RENDER_MODES = ("auto", "always", "never")
OFF = frozenset({"off", "none", "false", "0"})
#: The spider's ``-a`` arguments.
ARGUMENT_NAMES = ("urls", "url_file", "locale", "depth", "revisit", "full")
#: A url_file larger than this is refused (a list of start pages, not a data set).
URL_FILE_MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 1_000_000
MAX_REVISIT = timedelta(days=3650)
_DURATION = re.compile(r"^(\d{1,12})\s*(s|m|h|d|w)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no", "")
_SQLITE_MAGIC = b"SQLite format 3\x00"

#: Numeric settings checked at start: name -> (type, lowest, highest); None = unbounded.
NUMBERS: dict[str, tuple[type, float | None, float | None]] = {
    "FAILURE_THRESHOLD": (float, 0.0, 1.0),
    "DOWNLOAD_TIMEOUT": (float, 0.001, None),
    "DOWNLOAD_MAXSIZE": (int, 0, None),
    "DOWNLOAD_WARNSIZE": (int, 0, None),
    "CONCURRENT_REQUESTS": (int, 1, None),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (int, 1, None),
    "CLOSESPIDER_PAGECOUNT": (int, 0, None),
    "RETRY_TIMES": (int, 0, None),
    "RETRY_BACKOFF_BASE": (float, 0.0, None),
    "RETRY_BACKOFF_MAX": (float, 0.0, None),
    "RETRY_AFTER_MAX": (float, 0.0, 86400.0),
    "REDIRECT_MAX_TIMES": (int, 0, None),
    "SEEN_DB_TIMEOUT": (float, 0.0, None),
}


class ConfigError(ValueError):
    """A bad argument or setting; the message names it and fits on one line."""


#: Kept for the spider's and tests' vocabulary: a bad ``-a`` argument.
ArgumentError = ConfigError


def parse_duration(text: str) -> timedelta | None:
    """``30m``, ``6h``, ``2d``, ``1w`` as a timedelta; None when not a duration."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        return None
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


def read_url_file(path: Path) -> list[str]:
    """The start pages of a url_file: one URL per line, ``#`` comments and blank lines skipped.

    Only a regular UTF-8 text file of at most `URL_FILE_MAX_BYTES` is read: a FIFO or device
    would block or never end.
    """
    try:
        info = path.stat()
    except OSError as error:
        raise ConfigError(f"url_file: cannot read {path}: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"url_file: {path} is not a regular file")
    if info.st_size > URL_FILE_MAX_BYTES:
        raise ConfigError(
            f"url_file: {path} has {info.st_size} bytes, more than {URL_FILE_MAX_BYTES}"
        )
    try:
        with path.open("rb") as file:
            data = file.read(URL_FILE_MAX_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"url_file: cannot read {path}: {error.strerror}") from None
    if len(data) > URL_FILE_MAX_BYTES:
        raise ConfigError(f"url_file: {path} has more than {URL_FILE_MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"url_file: {path} is not UTF-8 text (byte {error.start})") from None
    if "\x00" in text:
        raise ConfigError(f"url_file: {path} is not a text file")
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@dataclass(frozen=True, slots=True)
class CrawlArguments:
    """The validated ``-a`` arguments of the spider."""

    urls: tuple[str, ...]
    locale: str
    depth: int
    revisit: timedelta | None = None
    full: bool = False

    @classmethod
    def parse(cls, policy: HostPolicy, **kwargs: Any) -> CrawlArguments:
        unknown = sorted(set(kwargs) - set(ARGUMENT_NAMES))
        if unknown:
            raise ConfigError(
                f"{unknown[0]}: unknown argument; the spider takes {', '.join(ARGUMENT_NAMES)}"
            )
        locale = str(kwargs.get("locale", "en")).strip().lower()
        if locale not in LOCALES:
            raise ConfigError(f"locale: expected one of en, ar, all, got {kwargs['locale']!r}")
        raw_depth = str(kwargs.get("depth", "1")).strip()
        if not raw_depth.isascii() or not raw_depth.isdigit():
            raise ConfigError(f"depth: expected a non-negative integer, got {raw_depth!r}")
        if int(raw_depth) > MAX_DEPTH:
            raise ConfigError(f"depth: expected at most {MAX_DEPTH}, got {raw_depth}")
        urls = [u.strip() for u in str(kwargs.get("urls") or "").split(",") if u.strip()]
        if kwargs.get("url_file"):
            urls += read_url_file(Path(str(kwargs["url_file"])))
        for url in urls:
            if not policy.allows(url):
                raise ConfigError(f"urls: not a Daily8 URL (or a host in ALLOWED_HOSTS): {url}")
            if page_kind(url) is None:
                raise ConfigError(f"urls: not an article, hashtag or home page: {url}")
        if not urls:
            urls = [HOME_URL[lc] for lc in (("en", "ar") if locale == "all" else (locale,))]
        revisit = None
        if kwargs.get("revisit"):
            revisit = parse_duration(str(kwargs["revisit"]))
            if revisit is None:
                raise ConfigError(
                    f"revisit: expected a duration like 30m, 6h, 2d, got {kwargs['revisit']!r}"
                )
            if revisit > MAX_REVISIT:
                raise ConfigError(f"revisit: expected at most 3650d, got {kwargs['revisit']!r}")
        full = str(kwargs.get("full", "0")).strip().lower()
        if full not in _TRUE + _FALSE:
            raise ConfigError(f"full: expected 0 or 1, got {kwargs['full']!r}")
        return cls(
            urls=tuple(dict.fromkeys(urls)),
            locale=locale,
            depth=int(raw_depth),
            revisit=revisit,
            full=full in _TRUE,
        )


def default_seen_db() -> Path:
    """Where the seen-store lives unless ``SEEN_DB`` says otherwise.

    Inside a Scrapy project: the project's ``.scrapy/`` folder (where Scrapy keeps project data);
    elsewhere the user's data directory (``platformdirs``). Never inside site-packages.
    """
    if inside_project():
        # Scrapy's project_data_dir(), which data_path() uses, creates the folder: here only
        # its place is needed (the store creates it when it first writes).
        config = get_config()
        if config.has_option("datadirs", "default"):
            return Path(config.get("datadirs", "default")).resolve() / "seen.sqlite3"
        scrapy_cfg = closest_scrapy_cfg()
        if scrapy_cfg:
            return (Path(scrapy_cfg).parent / ".scrapy").resolve() / "seen.sqlite3"
    import platformdirs

    return Path(platformdirs.user_data_dir("newsspider")) / "seen.sqlite3"


def _seen_db(settings: BaseSettings, replay: bool) -> Path | None:
    value = settings.get("SEEN_DB")
    if value is None or value == "":
        return None if replay else default_seen_db()
    if str(value).strip().lower() in OFF:
        return None
    path = Path(str(value)).expanduser()
    # The lock and the file are taken on the resolved path: two names of one store share it.
    path = path.parent.resolve() / path.name
    if path.exists() and path.is_symlink() is False and path.is_dir():
        raise ConfigError(f"SEEN_DB: {path} is a directory")
    resolved = path.resolve()
    for parent in resolved.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"SEEN_DB: {parent} is not a directory")
            break
    if str(resolved).startswith(("/proc/", "/sys/", "/dev/")):
        raise ConfigError(f"SEEN_DB: {resolved} is not a place for a database")
    if resolved.exists():
        if not resolved.is_file():
            raise ConfigError(f"SEEN_DB: {resolved} is not a regular file")
        try:
            with resolved.open("rb") as file:
                head = file.read(len(_SQLITE_MAGIC))
        except OSError as error:
            raise ConfigError(f"SEEN_DB: cannot read {resolved}: {error.strerror}") from None
        if head and head != _SQLITE_MAGIC:
            raise ConfigError(f"SEEN_DB: {resolved} is not an SQLite database")
    return resolved


def _replay_dir(settings: BaseSettings) -> Path | None:
    value = settings.get("REPLAY_DIR")
    if not value:
        return None
    path = Path(str(value)).expanduser()
    if not path.is_dir():
        raise ConfigError(f"REPLAY_DIR: {path} is not a folder")
    if next(path.glob("*/test-*/inputs/HttpResponse-info.json"), None) is None:
        raise ConfigError(f"REPLAY_DIR: {path} holds no fixtures (<PageObject>/test-N/)")
    return path


def _number(settings: BaseSettings, name: str) -> float:
    kind, lowest, highest = NUMBERS[name]
    value = settings.get(name)
    try:
        number = settings.getint(name) if kind is int else settings.getfloat(name)
        if kind is int and isinstance(value, str) and not re.fullmatch(r"\s*-?\d+\s*", value):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        expected = "an integer" if kind is int else "a number"
        raise ConfigError(f"{name}: expected {expected}, got {value!r}") from None
    if number != number or (lowest is not None and number < lowest):  # NaN or too low
        raise ConfigError(f"{name}: expected at least {lowest:g}, got {value!r}")
    if highest is not None and number > highest:
        raise ConfigError(f"{name}: expected at most {highest:g}, got {value!r}")
    return number


def _allowed_hosts(settings: BaseSettings) -> tuple[str, ...]:
    allowed = settings.get("ALLOWED_HOSTS")
    if isinstance(allowed, str):
        return tuple(e.strip() for e in allowed.split(",") if e.strip())
    if isinstance(allowed, list | tuple):
        return tuple(str(e).strip() for e in allowed if str(e).strip())
    if allowed is None:
        return ()
    raise ConfigError(f"ALLOWED_HOSTS: expected host[:port],..., got {allowed!r}")


def policy_for(settings: BaseSettings) -> HostPolicy:
    """The host policy of ``ALLOWED_HOSTS`` alone (for the process-wide DNS resolver)."""
    return HostPolicy(list(_allowed_hosts(settings)))


def redis_url(settings: BaseSettings) -> str:
    """The ``REDIS_URL`` setting, else the environment variable; "" when scale-out is off."""
    return str(settings.get("REDIS_URL") or os.environ.get("REDIS_URL") or "").strip()


@dataclass(frozen=True, slots=True)
class RunConfig:
    """What a run is configured to do, validated."""

    policy: HostPolicy
    replay_dir: Path | None
    seen_db: Path | None
    render: str
    redis_url: str
    failure_threshold: float
    jobdir: str
    retry_backoff_base: float = 1.0
    retry_backoff_max: float = 30.0
    retry_after_max: float = 120.0
    arguments: CrawlArguments | None = None
    allowed_hosts: tuple[str, ...] = field(default=())
    #: Seconds the SQLite seen-store waits for another writer's lock before failing.
    seen_db_timeout: float = 30.0
    #: Tests only: a step of the feed's commit to pause at (`newsspider.crawl.feeds`).
    test_pause_at: str = ""

    @classmethod
    def from_settings(
        cls, settings: BaseSettings, spider_arguments: Mapping[str, Any] | None = None
    ) -> RunConfig:
        """Read and check the run's settings (and the spider's arguments, when given)."""
        entries = _allowed_hosts(settings)
        policy = HostPolicy(list(entries))
        numbers = {name: _number(settings, name) for name in NUMBERS}
        render = str(settings.get("RENDER") or "auto").strip().lower()
        if render not in RENDER_MODES:
            raise ConfigError(
                f"RENDER: expected one of auto, always, never, got {settings.get('RENDER')!r}"
            )
        replay = _replay_dir(settings)
        _refuse_batches(settings)
        url = redis_url(settings)
        seen_db = None if url and not _off(settings) else _seen_db(settings, replay is not None)
        arguments = None
        if spider_arguments is not None:
            arguments = CrawlArguments.parse(policy, **dict(spider_arguments))
        return cls(
            policy=policy,
            replay_dir=replay,
            seen_db=seen_db,
            render=render,
            redis_url=url,
            failure_threshold=numbers["FAILURE_THRESHOLD"],
            retry_backoff_base=numbers["RETRY_BACKOFF_BASE"],
            retry_backoff_max=numbers["RETRY_BACKOFF_MAX"],
            retry_after_max=numbers["RETRY_AFTER_MAX"],
            jobdir=str(settings.get("JOBDIR") or ""),
            arguments=arguments,
            allowed_hosts=entries,
            seen_db_timeout=numbers["SEEN_DB_TIMEOUT"],
            test_pause_at=str(settings.get("NEWSSPIDER_TEST_PAUSE_AT") or "").strip(),
        )

    @property
    def full(self) -> bool:
        """``-a full=1``: the seen-store is ignored for this run."""
        return self.arguments is not None and self.arguments.full

    @property
    def revisit(self) -> timedelta | None:
        return self.arguments.revisit if self.arguments is not None else None

    @property
    def seen_store_on(self) -> bool:
        """Whether a seen-store (SQLite or Redis) is used."""
        return self.seen_db is not None or bool(self.redis_url)


def _refuse_batches(settings: BaseSettings) -> None:
    """Batched feeds would be stored while the run goes on, before it is known to succeed."""
    counts = [("FEED_EXPORT_BATCH_ITEM_COUNT", settings.get("FEED_EXPORT_BATCH_ITEM_COUNT"))]
    for uri, options in settings.getdict("FEEDS").items():
        if isinstance(options, Mapping) and "batch_item_count" in options:
            counts.append((f"FEEDS[{uri!r}] batch_item_count", options["batch_item_count"]))
    for name, value in counts:
        try:
            count = int(value or 0)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: expected an integer, got {value!r}") from None
        if count:
            raise ConfigError(
                f"{name}: batched feeds are not supported (a feed is published only once the "
                f"run succeeded); got {count}"
            )


_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
#: Scrapy reads these with ``getfloat`` though their default is an int.
_FLOATS_WITH_INT_DEFAULT = frozenset({"DOWNLOAD_DELAY", "DNS_TIMEOUT"})


def check_scrapy_settings(settings: BaseSettings) -> None:
    """Check Scrapy's own settings given on the command line (``-s``, text) against the type
    of their default, and ``LOG_LEVEL``; raise `ConfigError` naming the first bad one."""
    for name in settings:
        if name in NUMBERS or (settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
            continue
        value = settings.get(name)
        if not isinstance(value, str):
            continue
        default = getattr(default_settings, name, None)
        read: Callable[[str], float]
        if isinstance(default, bool):
            read, expected = settings.getbool, "true or false (1 or 0)"
        elif isinstance(default, int) and name not in _FLOATS_WITH_INT_DEFAULT:
            read, expected = settings.getint, "an integer"
        elif isinstance(default, int | float):
            read, expected = settings.getfloat, "a number"
        else:
            continue
        try:
            number = read(name)
        except ValueError:
            number = None
        if number is None or number != number:  # unreadable or NaN
            raise ConfigError(f"{name}: expected {expected}, got {value!r}")
    level = settings.get("LOG_LEVEL")
    if isinstance(level, str) and not isinstance(logging.getLevelName(level), int):
        raise ConfigError(f"LOG_LEVEL: expected one of {', '.join(_LOG_LEVELS)}, got {level!r}")


def prepare_output_paths(settings: BaseSettings) -> None:
    """Create the folders of ``LOG_FILE`` and ``STATS_FILE`` and the ``JOBDIR`` (as Scrapy
    would, but before the crawl starts); raise `ConfigError` naming one that cannot be."""
    for name, is_folder in (("LOG_FILE", False), ("STATS_FILE", False), ("JOBDIR", True)):
        value = settings.get(name)
        if not value:
            continue
        target = Path(str(value)).expanduser()
        folder = target if is_folder else target.parent
        if not is_folder and target.is_dir():
            raise ConfigError(f"{name}: {target} is a directory")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"{name}: cannot create {folder}: {error.strerror}") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigError(f"{name}: {folder} is not writable")


def _off(settings: BaseSettings) -> bool:
    return str(settings.get("SEEN_DB") or "").strip().lower() in OFF


_CONFIGS: WeakKeyDictionary[Crawler, RunConfig] = WeakKeyDictionary()


def configure(crawler: Crawler, spider_arguments: Mapping[str, Any] | None) -> RunConfig:
    """Read the crawl's configuration once, with the spider's arguments (spider start-up)."""
    config = _CONFIGS[crawler] = RunConfig.from_settings(crawler.settings, spider_arguments)
    return config


def run_config(crawler: Crawler) -> RunConfig:
    """The crawl's one `RunConfig` (read from the settings alone if no spider configured it)."""
    config = _CONFIGS.get(crawler)
    if config is None:
        config = _CONFIGS[crawler] = RunConfig.from_settings(crawler.settings)
    return config
