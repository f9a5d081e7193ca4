"""The typed vocabulary shared by the stamp modules: units, hedges, readings, specifications."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Final, NamedTuple

__all__ = [
    "UNIT_ORDER",
    "Abs",
    "Direction",
    "Hedge",
    "Kind",
    "Quantity",
    "Reading",
    "Rel",
    "Spec",
    "Unit",
]


class Unit(Enum):
    """A unit of elapsed time; MOMENT is the unit word of "a moment", read as seconds."""

    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    MOMENT = "moment"


UNIT_ORDER: Final = (
    Unit.SECOND,
    Unit.MINUTE,
    Unit.HOUR,
    Unit.DAY,
    Unit.WEEK,
    Unit.MONTH,
    Unit.YEAR,
)


class Hedge(Enum):
    """date-fns' hedges ("about", "over", "almost", "less than") and Arabic "ما يقارب"."""

    ABOUT = "about"
    OVER = "over"
    ALMOST = "almost"
    LESS = "less"
    ABOUT_OR_ALMOST = "about_or_almost"


class Direction(Enum):
    PAST = "past"
    FUTURE = "future"


class Quantity(Enum):
    """A count that is not a number: "a few X" and "this X" / "today"."""

    FEW = "few"
    THIS = "this"


class Kind(Enum):
    """What a word of a stamp is."""

    NUM = "num"
    UNIT = "unit"
    DIR = "dir"
    HEDGE = "hedge"
    FEW = "few"
    NOW = "now"
    LAST = "last"
    NEXT = "next"
    THIS = "this"
    POSTLAST = "postlast"  # Arabic "الماضي" after the unit: "الأسبوع الماضي"
    ONE = "one"  # Arabic "واحد" after the unit: "ساعة واحدة"
    DAYBEFORE = "daybefore"
    AND = "and"
    SKIP = "skip"


Count = float | Quantity


class Reading(NamedTuple):
    """What the token grammar understood: (count, unit) parts, largest unit first."""

    comps: tuple[tuple[Count, Unit], ...]
    hedge: Hedge | None
    future: bool
    now: bool


class Rel(NamedTuple):
    """A relative stamp: offsets before (or, if ``future``, after) ``now``."""

    lo: timedelta
    hi: timedelta
    at: timedelta
    unit: str
    future: bool


class Abs(NamedTuple):
    """An absolute stamp: [start, end] in UTC."""

    start: datetime
    end: datetime
    at: datetime
    unit: str


Spec = Rel | Abs
