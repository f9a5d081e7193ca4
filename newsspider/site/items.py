"""The feed's item types: one JSON line per `Article`.

Times are ISO 8601 strings in UTC (``2025-06-18T03:00:00Z``) so that every feed
exporter writes them the same way. Fields after the first block are filled by
the normalizing pipelines; the page parsers leave them at their defaults.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsspider.text.credits import Credit

__all__ = [
    "Article",
    "Credit",
    "Image",
    "RelatedArticle",
    "dataclass_field_names",
    "iso",
    "parse_iso",
]


def iso(moment: datetime) -> str:
    """Format an aware datetime as ISO 8601 UTC with a ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 time; naive values are taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(slots=True)
class Image:
    """An image in the article body."""

    src: str
    caption: str | None = None
    credit_raw: str | None = None
    credit: Credit | None = None


@dataclass(slots=True)
class RelatedArticle:
    """A card in the "Related Articles" block."""

    id: str
    url: str
    title: str
    source: str | None = None
    stamp_raw: str | None = None
    category: str | None = None
    published_at: str | None = None
    published_earliest: str | None = None
    published_latest: str | None = None
    stamp_unit: str | None = None
    stamp_reference: str | None = None


@dataclass(slots=True)
class Article:
    """One article page of Daily8."""

    id: str
    url: str
    locale: str
    title: str
    source: str | None
    stamp_raw: str | None
    body: list[str]
    images: list[Image] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    related: list[RelatedArticle] = field(default_factory=list)
    comment_count: int = 0
    fetched_at: str = ""
    # time stamps (TimestampPipeline)
    published_at: str | None = None
    published_earliest: str | None = None
    published_latest: str | None = None
    stamp_unit: str | None = None
    stamp_reference: str | None = None
    # authorship (BylinePipeline)
    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    contributors: dict[str, list[str]] = field(default_factory=dict)
    source_link: str | None = None
    # incremental crawls (SeenStorePipeline)
    version: int = 1


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def dataclass_field_names(value: object) -> tuple[str, ...] | None:
    """The field names of a dataclass instance (looked up once per class), else None."""
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
    return names
