"""Item pipelines: validation and normalization of `Article` items."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from newsspider.crawl.config import run_config
from newsspider.crawl.feeds import ledger_for
from newsspider.crawl.seen import RunMarks, SeenRecord, marks_for
from newsspider.crawl.status import feed_complete
from newsspider.site.items import dataclass_field_names, iso, parse_iso
from newsspider.site.schema import check_article, split_related
from newsspider.site.urls import HostPolicy
from newsspider.text.boilerplate import clean_article, clean_title
from newsspider.text.credits import parse_credit
from newsspider.text.stamps import read_stamp

logger = logging.getLogger(__name__)

#: Drop reasons that mean "the page could not be parsed" (they count as failed pages).
PARSE_FAILURES = ("no_id", "no_title", "no_body")


class _DataclassFields:
    """``ItemAdapter(item)`` for a dataclass item: its ``get``, ``[]`` and ``[] =`` on the
    item's fields, without ItemAdapter's per-item lookup of an adapter and of the fields."""

    __slots__ = ("item", "names")

    def __init__(self, item: Any, names: tuple[str, ...]) -> None:
        self.item = item
        self.names = names

    def __getitem__(self, name: str) -> Any:
        if name in self.names:
            try:
                return getattr(self.item, name)
            except AttributeError:
                pass
        raise KeyError(name)

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __setitem__(self, name: str, value: Any) -> None:
        if name not in self.names:
            raise KeyError(f"{self.item.__class__.__name__} does not support field: {name}")
        setattr(self.item, name, value)


def item_fields(item: Any) -> Any:
    """`_DataclassFields` of a dataclass item, else ``ItemAdapter(item)``."""
    names = dataclass_field_names(item)
    if names is not None:
        return _DataclassFields(item, names)
    return ItemAdapter(item)


class ValidationPipeline:
    """Drop items that break the feed schema (`newsspider.site.schema`), with the reason.

    A bad related card (off-site, a malformed id or time) is dropped from ``related`` and
    counted (``newsspider/related/dropped/<reason>``); its article stays.
    """

    def __init__(self, stats: StatsCollector, policy: HostPolicy) -> None:
        self.stats = stats
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidationPipeline:
        assert crawler.stats is not None
        return cls(crawler.stats, run_config(crawler).policy)

    def process_item(self, item: Any) -> Any:
        # Dataclasses are read by attribute; other items (scrapy.Item, attrs) as a dict.
        is_dataclass = dataclass_field_names(item) is not None
        plain = item if is_dataclass else ItemAdapter(item).asdict()
        self._drop_bad_cards(item, plain, is_dataclass)
        reason = check_article(plain, self.policy)
        if reason:
            self.stats.inc_value(f"newsspider/dropped/{reason}")
            if reason in PARSE_FAILURES:
                self.stats.inc_value("newsspider/pages/unparsed")
            raise DropItem(reason)
        return item

    def _drop_bad_cards(self, item: Any, plain: Any, is_dataclass: bool) -> None:
        cards = plain.related if is_dataclass else plain.get("related")
        if not isinstance(cards, list):
            return  # not a list at all: the schema's invalid_related
        kept, dropped = split_related(cards, self.policy)
        if not dropped:
            return
        for card, reason in dropped:
            self.stats.inc_value(f"newsspider/related/dropped/{reason}")
            url = card.get("url") if isinstance(card, dict) else getattr(card, "url", None)
            logger.info("Dropped related card %r of %s: %s", url, _url_of(plain), reason)
        if is_dataclass:
            item.related = kept
        else:
            plain["related"] = kept
            ItemAdapter(item)["related"] = kept


def _url_of(item: Any) -> Any:
    return item.get("url") if isinstance(item, dict) else getattr(item, "url", None)


def content_fingerprint(adapter: ItemAdapter) -> str:
    """A digest of what readers see: title, source, body, images, hashtags (not times)."""
    images = [(i.get("src"), i.get("caption")) for i in adapter.asdict()["images"]]
    content = [adapter.get(k) for k in ("title", "source", "body", "hashtags")] + [images]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


class SeenStorePipeline:
    """Emit each article once across runs; a revisited article again only when it changed.

    Sets ``version`` (1, then +1 per change). The run's marks (`RunMarks`) are staged
    before each local feed is renamed into place and written once Scrapy has stored every
    feed (``feed_exporter_closed``); a feed that was not stored, or no feed at all, marks
    nothing. A store that fails at that point is a counted error (exit status 1); what
    it staged is settled by the next run.
    """

    stateful = True

    def __init__(self, crawler: Crawler, marks: RunMarks, stats: StatsCollector) -> None:
        self.crawler = crawler
        config = run_config(crawler)
        self.full = config.full
        self.resumable = bool(config.jobdir)
        self.marks = marks
        self.store = marks.store
        self.stats = stats
        self.ledger = ledger_for(crawler)
        self.reason: str | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.feed_exporter_closed, signal=signals.feed_exporter_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenStorePipeline:
        marks = marks_for(crawler)
        if marks is None:
            raise NotConfigured("the seen-store is off (SEEN_DB)")
        assert crawler.stats is not None
        return cls(crawler, marks, crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article_id = adapter["id"]
        if article_id in self.marks.pending:
            self.stats.inc_value("newsspider/dropped/duplicate")
            raise DropItem("duplicate")
        fingerprint = content_fingerprint(adapter)
        now = datetime.now(UTC)
        known = self.store.get(article_id)
        if known is None:
            version, first_seen = 1, now
            self.stats.inc_value("newsspider/articles/new")
        elif known.fingerprint == fingerprint:
            self.stats.inc_value("newsspider/articles/unchanged")
            if not self.full:
                raise DropItem("unchanged", log_level="DEBUG")
            version, first_seen = known.version, known.first_seen
        else:
            version, first_seen = known.version + 1, known.first_seen
            self.stats.inc_value("newsspider/articles/changed")
        adapter["version"] = version
        self.marks.pending[article_id] = SeenRecord(
            article_id, first_seen, now, fingerprint, version
        )
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.reason = reason
        if not self.ledger.configured and self.marks.pending:
            # Scrapy's feed exporter is off without feeds: no feed_exporter_closed follows.
            logger.warning(
                "No feed (-O/-o): %d article(s) not marked seen; the next run emits them",
                self.marks.discard(),
            )

    def feed_exporter_closed(self) -> None:
        if not self.marks.pending and not self.marks.staged:
            return
        complete = feed_complete(self.reason, self.resumable)
        if not (complete and self.ledger.all_published()):
            dropped = self._settle(self.marks.discard)
            logger.warning("Feed not published: %d article(s) not marked seen", dropped)
            self.stats.set_value("newsspider/seen/not_marked", dropped)
            return
        marked = self._settle(self.marks.commit)
        self.stats.set_value("newsspider/seen/marked", marked)

    def _settle(self, step: Callable[[], int]) -> int:
        try:
            return step()
        except Exception as error:  # sqlite3.Error, a Redis error or a lost lease alike
            self.stats.inc_value("newsspider/seen/commit_failed")
            logger.error(
                "Seen marks not written (%s: %s); the feed stays, and the next run settles "
                "its staged marks against it",
                type(error).__name__,
                error,
            )
            return 0


class BylinePipeline:
    """Split authorship out of the body and captions; strip publisher boilerplate.

    Fills ``authors``, ``agencies``, ``contributors``, ``source_link`` and each image's
    ``credit``; removes sign-offs and trailers from ``body`` and publisher suffixes from
    titles. Every removal is counted per pattern (``newsspider/boilerplate/<pattern>``).
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BylinePipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = item_fields(item)
        cleaned = clean_article(adapter["title"], adapter["body"], adapter.get("source"))
        adapter["title"] = cleaned.title
        adapter["body"] = cleaned.body
        adapter["authors"] = cleaned.authors
        adapter["agencies"] = cleaned.agencies
        adapter["contributors"] = cleaned.contributors
        adapter["source_link"] = cleaned.source_link
        for name in cleaned.fired:
            self.stats.inc_value(f"newsspider/boilerplate/{name}")
        for image in adapter.get("images") or ():
            image_adapter = item_fields(image)
            caption = " ".join(
                part
                for part in (image_adapter.get("caption"), image_adapter.get("credit_raw"))
                if part
            )
            image_adapter["credit"] = parse_credit(caption)
        for card in adapter.get("related") or ():
            card_adapter = item_fields(card)
            title, _ = clean_title(card_adapter["title"], card_adapter.get("source"))
            card_adapter["title"] = title
        return item


# Related cards repeat stamps ("an hour ago") against one reference time, and pages share it.
@lru_cache(maxsize=4096)
def _read_stamp_fields(raw: str, reference: str, locale: str | None) -> tuple[str, ...] | str:
    """``published_at``, ``published_earliest``, ``published_latest`` and ``stamp_unit``
    of a stamp read against the ISO `reference`, or the reason it cannot be read."""
    stamp, reason = read_stamp(raw, parse_iso(reference), locale)
    if stamp is None:
        return reason
    return iso(stamp.at), iso(stamp.earliest), iso(stamp.latest), stamp.unit


class TimestampPipeline:
    """Read ``stamp_raw`` (article and related cards) as absolute UTC times with an interval.

    The reference is ``stamp_reference`` (the page's render time). A stamp that cannot be
    read, lies in the future or more than 30 years back leaves ``published_at`` null, is
    counted (``newsspider/stamp/<reason>``) and logged once per article.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TimestampPipeline:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = item_fields(item)
        reference = adapter.get("stamp_reference") or adapter.get("fetched_at")
        if not reference:
            return item
        now = parse_iso(reference)
        now_iso = iso(now)
        locale = adapter.get("locale")
        problems = []
        parsed = 0
        for target in (adapter, *(item_fields(card) for card in adapter.get("related") or ())):
            raw = target.get("stamp_raw")
            target["stamp_reference"] = now_iso
            if not raw:
                continue
            read = _read_stamp_fields(raw, now_iso, locale) if isinstance(raw, str) else "unparsed"
            if isinstance(read, str):
                self.stats.inc_value(f"newsspider/stamp/{read}")
                problems.append(f"{raw!r} ({read})")
                continue
            parsed += 1
            (
                target["published_at"],
                target["published_earliest"],
                target["published_latest"],
                target["stamp_unit"],
            ) = read
        if parsed:
            self.stats.inc_value("newsspider/stamp/parsed", parsed)
        if problems:
            logger.warning("Unread time stamps on %s: %s", adapter.get("url"), ", ".join(problems))
        return item
