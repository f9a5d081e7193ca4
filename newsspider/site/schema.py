"""The one schema of a feed line (`Article`), checked by `ValidationPipeline`.

`check_article` returns the reason an item is invalid, or None; `split_related` sorts
related cards into those that may stay and those to drop (with a reason each). The README's feed
schema table documents the same rules. Items are read as they are: dicts by key,
dataclasses (`Article`, its `Image` and `RelatedArticle` values) by attribute.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from newsspider.site.items import parse_iso
from newsspider.site.urls import HostPolicy, article_id

ID = re.compile(r"^[0-9a-f]{32}$")
CLOCK_SKEW = timedelta(minutes=5)
TIME_FIELDS = ("published_at", "published_earliest", "published_latest", "stamp_reference")


@lru_cache(maxsize=4096)  # an item and its cards share times, and pages share references
def _moment(value: str) -> datetime | None:
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _time(value: Any, now: datetime) -> bool:
    if not isinstance(value, str):
        return False
    moment = _moment(value)
    return moment is not None and moment <= now + CLOCK_SKEW


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _optional_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _get(value: Any, name: str) -> Any:
    """Field `name` of a dict or a dataclass instance; None when it has none."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def card_problem(card: Any, policy: HostPolicy, now: datetime) -> str | None:
    """Why a related card cannot be in the feed (``offsite``, ``invalid_id``, ...), or None.

    A bad card is dropped from ``related`` (`split_related`); it does not make its article
    invalid.
    """
    card_id, url = _get(card, "id"), _get(card, "url")
    if not isinstance(card_id, str) or not ID.match(card_id):
        return "invalid_id"
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return "invalid_url"
    if "@" in url.split("/", 3)[2]:  # userinfo: credentials never go into the feed
        return "invalid_url"
    if not policy.allows(url):
        return "offsite"
    if article_id(url) != card_id:
        return "invalid_url"
    if not isinstance(_get(card, "title"), str):
        return "invalid_title"
    for name in TIME_FIELDS:
        value = _get(card, name)
        if value is not None and not _time(value, now):
            return f"invalid_{name}"
    return None


def split_related(
    cards: list[Any], policy: HostPolicy, now: datetime | None = None
) -> tuple[list[Any], list[tuple[Any, str]]]:
    """The cards that may stay in ``related``, and the others with the reason of each."""
    now = now or datetime.now(UTC)
    kept: list[Any] = []
    dropped: list[tuple[Any, str]] = []
    for card in cards:
        problem = card_problem(card, policy, now)
        if problem is None:
            kept.append(card)
        else:
            dropped.append((card, problem))
    return kept, dropped


def _image(image: Any) -> bool:
    src = _get(image, "src")
    return isinstance(src, str) and src.startswith(("http://", "https://"))


#: (field, rule, reason when the rule fails), in the order they are checked.
Rule = Callable[[Any, HostPolicy, datetime], bool]
RULES: tuple[tuple[str, Rule, str], ...] = (
    ("id", lambda v, p, n: bool(v), "no_id"),
    ("id", lambda v, p, n: isinstance(v, str) and bool(ID.match(v)), "invalid_id"),
    ("title", lambda v, p, n: isinstance(v, str) and bool(v.strip()), "no_title"),
    ("title", lambda v, p, n: len(v) <= 1000, "invalid_title"),
    ("body", lambda v, p, n: bool(v), "no_body"),
    ("body", lambda v, p, n: _strings(v), "invalid_body"),
    ("locale", lambda v, p, n: v in ("en", "ar"), "invalid_locale"),
    ("source", lambda v, p, n: _optional_str(v), "invalid_source"),
    ("stamp_raw", lambda v, p, n: _optional_str(v), "invalid_stamp_raw"),
    ("images", lambda v, p, n: isinstance(v, list) and all(_image(i) for i in v), "invalid_images"),
    ("hashtags", lambda v, p, n: _strings(v), "invalid_hashtags"),
    (
        "related",
        lambda v, p, n: isinstance(v, list) and all(card_problem(c, p, n) is None for c in v),
        "invalid_related",
    ),
    ("comment_count", lambda v, p, n: isinstance(v, int) and v >= 0, "invalid_comment_count"),
    ("fetched_at", lambda v, p, n: _time(v, n), "invalid_fetched_at"),
    ("authors", lambda v, p, n: _strings(v), "invalid_authors"),
    ("agencies", lambda v, p, n: _strings(v), "invalid_agencies"),
    (
        "contributors",
        lambda v, p, n: (
            isinstance(v, dict) and all(isinstance(k, str) and _strings(x) for k, x in v.items())
        ),
        "invalid_contributors",
    ),
    ("source_link", lambda v, p, n: _optional_str(v), "invalid_source_link"),
    ("version", lambda v, p, n: isinstance(v, int) and v >= 1, "invalid_version"),
)


def check_article(item: Any, policy: HostPolicy, now: datetime | None = None) -> str | None:
    """Why `item` (an `Article`, or one as a dict) is not a valid feed line, or None."""
    now = now or datetime.now(UTC)
    for name, rule, reason in RULES:
        if not rule(_get(item, name), policy, now):
            return reason
    url = _get(item, "url")
    if not isinstance(url, str) or not policy.allows(url) or article_id(url) != _get(item, "id"):
        return "invalid_url"
    times = [_get(item, name) for name in TIME_FIELDS]
    for name, value in zip(TIME_FIELDS, times, strict=True):
        if value is not None and not _time(value, now):
            return f"invalid_{name}"
    at, earliest, latest = (_moment(value) if value else None for value in times[:3])
    if at and earliest and latest and not earliest <= at <= latest:
        return "invalid_published_interval"
    return None
