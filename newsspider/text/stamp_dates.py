"""Numeric dates in a stamp: ``DD-MM-YYYY`` (also ``/`` and ``.``), ISO dates and datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

from newsspider.text.stamp_types import Abs

__all__ = ["DMY_SUFFIX_RE", "day", "parse_date"]

_DMY_RE: Final = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")
_YMD_RE: Final = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_ISO_DT_RE: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r" ?(z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?"
)
# A day-first date at the end of a text: Daily8 prints the day with two digits, so two digits
# before the first separator are the day whatever precedes them ("France 2418-07-2025").
DMY_SUFFIX_RE: Final = re.compile(r"(?:\d\d|(?<!\d)\d)([-/.])\d{1,2}\1\d{4}$")


def day(y: int, m: int, d: int) -> Abs | None:
    """The whole UTC day, at noon; None for a date that does not exist."""
    try:
        start = datetime(y, m, d, tzinfo=UTC)
    except ValueError:
        return None
    return Abs(
        start, start + timedelta(days=1, microseconds=-1), start + timedelta(hours=12), "date"
    )


def _iso_datetime(m: re.Match[str]) -> Abs | None:
    y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
    sec = m.group(6)
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    tz = m.group(8) or "z"
    offset = timedelta(0)
    if tz[0] in "+-":
        digits = tz[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            return None
        offset = timedelta(hours=hours, minutes=minutes) * (1 if tz[0] == "+" else -1)
    try:
        local = datetime(y, mo, d, h, mi, int(sec or 0), int(frac or 0))
        start = (local - offset).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
    span = timedelta(seconds=1) if sec else timedelta(minutes=1)
    return Abs(
        start, start + span - timedelta(microseconds=1), start, "second" if sec else "minute"
    )


def parse_date(text: str) -> Abs | None:
    """A whole text that is a numeric date or ISO datetime (normalized, casefolded)."""
    if m := _DMY_RE.fullmatch(text):
        return day(int(m.group(4)), int(m.group(3)), int(m.group(1)))
    if m := _YMD_RE.fullmatch(text):
        return day(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    if m := _ISO_DT_RE.fullmatch(text):
        return _iso_datetime(m)
    return None
