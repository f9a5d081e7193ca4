"""Read the publication stamps Daily8 prints ("6 hours ago", "منذ ساعتين", "12-03-2025").

A stamp is read as an interval that contains the true publication time, not as a single
instant: the union of what every supported library can mean by its wording (the rules per
library and the resulting windows are in ``stamp_intervals``).

Absolute stamps: ``DD-MM-YYYY`` (also ``/`` and ``.``; the day always comes first), ISO
dates and datetimes (no offset means UTC), and month-name dates read by dateparser. A date is
the whole UTC calendar day (at = noon; ``latest`` clipped to ``now`` on the day itself); a
time without an offset is taken as UTC.

Only a stamp field is read: the text may carry a clock-icon alt text ("time"), an
"Updated"/"Published" prefix or a known source name (``data/sources.txt``) glued before it,
and a known source after it, but no other words. An unknown name glued straight onto the
stamp ("Gulf News5 hours ago") is cut off when only one reading is possible; when digits of
the name could belong to the stamp ("Foo 246 days ago") the answer is "ambiguous".

English and Arabic are read by a word table (``data/stamps/en.toml``, ``ar.toml``) and a
token grammar (``stamp_words``); other languages through dateparser (``stamp_foreign``).
Every reading is cached (``functools.lru_cache``, 4096 texts) as a now-independent
specification (offsets or a date), so a crawl that sees the same few texts again and again
pays for a dictionary look-up and two subtractions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from newsspider.text.stamp_dates import parse_date
from newsspider.text.stamp_foreign import languages, parse_dateparser, parse_foreign
from newsspider.text.stamp_names import suffix_stamp, variants
from newsspider.text.stamp_types import Rel, Spec
from newsspider.text.stamp_words import fold, normalize, parse_words

__all__ = ["Stamp", "clear_cache", "parse_stamp", "read_stamp"]

SKEW: Final = timedelta(minutes=5)
MAX_AGE: Final = timedelta(days=30 * 365.2425)


@dataclass(frozen=True, slots=True)
class Stamp:
    """An interval that contains the publication time, read against ``reference``."""

    at: datetime
    earliest: datetime
    latest: datetime
    unit: str
    reference: datetime


def _parse_core(text: str) -> Spec | str | None:
    """The fast grammar: numeric dates, then English/Arabic relative wording."""
    if not text:
        return None
    if text[0].isdigit() and (date_spec := parse_date(text)) is not None:
        return date_spec
    return parse_words(text)


# --------------------------------------------------------------------------- resolving


Parser = Callable[[str], Spec | str | None]


def _cased(key: str, lowered: str) -> str | None:
    """``key`` when its case can tell a name from prose: Latin text without capitals cannot."""
    if len(key) != len(lowered):
        return None
    latin = [c for c in key if c.isascii() and c.isalpha()]
    return None if latin and not any(c.isupper() for c in latin) else key


def _variants_parse(texts: list[str], parsers: list[Parser]) -> Spec | str | None:
    """The first reading of any parser (in order) of any variant (in order)."""
    for parse in parsers:
        for variant in texts:
            result = parse(variant)
            if result is not None:
                return result
    return None


@functools.lru_cache(maxsize=4096)
def _resolve(key: str, locale: str | None) -> Spec | str:
    """Normalized text -> a now-independent specification, or the reason it has none."""
    try:
        if not key or len(key) > 160:
            return "unparsed"
        lowered = key.casefold()
        text = fold(lowered)
        found = _variants_parse(variants(text), [_parse_core])
        if found is not None:
            return found
        suffix = suffix_stamp(text, _cased(key, lowered), _parse_core)
        if suffix != "unparsed":
            return suffix
        parsers: list[Parser] = []
        foreign, dated = languages(locale)
        if foreign and any(c.isalpha() for c in text):
            parsers.append(lambda s: parse_foreign(s, foreign))
        if any(c.isdigit() for c in text) and any(c.isalpha() for c in text):
            parsers.append(lambda s: parse_dateparser(s, dated))
        found = _variants_parse(variants(text), parsers)
        return "unparsed" if found is None else found
    except Exception:  # scraped text must never break the pipeline
        return "unparsed"


@functools.lru_cache(maxsize=4096)
def _lookup(text: str, locale: str | None) -> Spec | str:
    """Raw text -> specification; skips normalizing for texts seen before."""
    try:
        return _resolve(normalize(text, casefold=False), locale)
    except Exception:
        return "unparsed"


def clear_cache() -> None:
    """Forget every text read so far (for benchmarks and tests)."""
    _lookup.cache_clear()
    _resolve.cache_clear()


def _utc(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _apply(spec: Spec, now: datetime) -> tuple[Stamp | None, str]:
    """Turn a specification into a Stamp against ``now`` (UTC)."""
    try:
        if isinstance(spec, Rel):
            if spec.future:
                earliest, latest, at = now + spec.lo, now + spec.hi, now + spec.at
                if earliest > now + SKEW:
                    return None, "future"
                latest = min(latest, now + SKEW)
            else:
                earliest, latest, at = now - spec.hi, now - spec.lo, now - spec.at
        else:
            earliest, latest, at = spec.start, spec.end, spec.at
            if earliest > now + SKEW:
                return None, "future"
            latest = min(latest, max(now, earliest))
        if latest < now - MAX_AGE:
            return None, "too_old"
    except OverflowError:
        return None, "future" if isinstance(spec, Rel) and spec.future else "too_old"
    at = min(max(at, earliest), latest)
    return Stamp(at, earliest, latest, spec.unit, now), "ok"


def read_stamp(text: str, now: datetime, locale: str | None = None) -> tuple[Stamp | None, str]:
    """Read a stamp field: ``(stamp, "ok")`` or ``(None, reason)``.

    The reason is "unparsed", "future", "too_old" or "ambiguous". ``now`` may be naive
    (taken as UTC) or aware. Never raises on a ``str``.
    """
    if not isinstance(text, str) or len(text) > 400:
        return None, "unparsed"
    try:
        reference = _utc(now)
    except (AttributeError, TypeError, ValueError, OverflowError):
        return None, "unparsed"
    spec = _lookup(text, locale)
    if isinstance(spec, str):
        return None, spec
    return _apply(spec, reference)


def parse_stamp(text: str, now: datetime, locale: str | None = None) -> Stamp | None:
    """Read a stamp field; None when it cannot be read (see ``read_stamp`` for why)."""
    return read_stamp(text, now, locale)[0]
