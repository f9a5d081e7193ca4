"""The error window of a relative stamp: the interval of times its wording can mean.

A stamp is read as an interval that contains the true publication time, not as a single
instant. The wording of a relative stamp is rounded by whatever library printed it, so the
interval for a wording is the UNION of what every supported library can mean by it:
moment / dayjs ``fromNow``, date-fns ``formatDistanceToNow``, timeago.js,
``Intl.RelativeTimeFormat``, humanize ``naturaltime``, arrow ``humanize`` and pendulum
``diff_for_humans``. "a/an/1/one X", "yesterday" and "last X" are one wording.

Rounding rules (elapsed time t; "round" means [N-0.5, N+0.5), "floor" means [N, N+1)):

moment / dayjs fromNow (default thresholds; Daily8's library)
    t < 44.5 s "a few seconds"; < 90 s "a minute"; round(min) 2-44 "N minutes";
    44.5-90 min "an hour"; round(h) 2-21 "N hours"; 21.5-36 h "a day"; round(d) 2-25
    "N days"; 25.5 d-1.5 calendar months "a month"; round(months) 2-10 "N months";
    10.5-18 months "a year" (dayjs: 17.5); round(years) >= 2 "N years".
date-fns formatDistanceToNow (the hedged wordings)
    < 30 s "less than a minute" (40-60 s too with includeSeconds); 30-90 s "1 minute";
    round(min) 2-44; 44.5-89.5 min "about 1 hour"; round(h) 2-24 "about N hours";
    24-42 h "1 day"; round(d) 2-30 "N days"; 30-45 d "about 1 month"; 45-60 d
    "about 2 months"; round(d/30) 2-12 "N months"; then by calendar months m:
    m%12 < 3 "about Y years", < 9 "over Y years", else "almost Y+1 years".
humanize naturaltime (4.x)
    floor seconds; round minutes ("a minute" 60-90 s) and hours ("an hour" from 59.5 min,
    "a day" from 23.5 h); floor days 2-15; months = round(days/30.5) ("a month" 16-45 d,
    "a year" 351-365 d); "1 year, N days/months"; years = round(days/365) (2 from 716 d).
arrow humanize
    < 10 s "just now"; seconds round; "a minute" 60-120 s; floor minutes/hours;
    "a day" 1-2 d; floor days 2-6; calendar months (+1 when the day part > 14, so
    "a month" from 15 d) up to 365 d; "a week" 7-14 d; "2 weeks" 14-15 d;
    "a year" 365-730 d; floor(d/365) years.
timeago.js
    < 10 s "just now"; floor of seconds, minutes, hours, days (< 7), weeks (< 30.42 d),
    months of 30.42 d, years of 365 d.
pendulum diff_for_humans
    <= 10 s "a few seconds"; floor seconds, minutes, hours; days +1 from 22 h into the day;
    weeks +1 from 4 days into the week; calendar months +1 from 27 days; years +1 from
    7 months; 11 months and 16 days is "1 year".
Intl.RelativeTimeFormat
    the caller picks the value: N is read as round or floor of t in that unit, and
    "1 X" / "yesterday" / "last X" as the unit chosen once t >= 1 X ([1, 2) X); "now" and
    "0 X" as less than one unit.

The resulting intervals, as offsets before ``now`` (a month is 30.436875 days, a year
365.2425 days; CAL = 5 days of slack on bounds that depend on calendar month lengths):

    wording                      earliest offset .. latest offset      at
    now, just now, 0 seconds     0 .. 10 s                             5 s
    a few seconds                0 .. 44.5 s                           22.25 s
    moments, a moment            0 .. 60 s                             22.25 s
    a second                     0.5 .. 2 s                            1 s
    a minute                     30 .. 120 s                           67.25 s
    an hour                      44.5 .. 120 min                       67.25 min
    a day, yesterday             21.5 .. 48 h                          28.75 h
    a week, last week            7 .. 15 d                             11 d
    a month, last month          15 .. 62 d                            35.58 d
    a year, last year            10.5 months - CAL .. 2 years + CAL    14.25 months
    N seconds, N minutes         N-0.5 .. N+1 units                    N units
    N hours, N days              N-0.5 units - 30 s .. N+1 units       N units
                                 (date-fns rounds to minutes first, then to hours/days)
    N weeks                      7N-3.5 .. 7N+7 d                      N weeks
    N months                     min(N-1 months + 15 d - CAL, (N-0.5)*30 d,
                                 N-0.5 months - CAL) .. N+1 months + CAL     N months
    N years                      N-0.5 years - CAL .. N+1 years + CAL  N years
    about N X                    as N X (date-fns' range lies inside)  as N X
    over N years                 N years + 3 months - CAL .. N years + 9 months + CAL
    almost N years               N-1 years + 9 months - CAL .. N years + CAL
    over N X (X not years)       N X .. upper end of N X, + 1 X
    almost N X (X not years)     lower end of N X, - 1 X .. N X
    less than N X                0 .. N X
    a few X (X not seconds)      1.5 .. 10 X
    this X, today                0 .. 1 X
    compounds (1 year, 3 months) exact larger parts (a month 28-31 d, a year 365-366 d)
                                 plus N-0.5 .. N+1 of the last part (CAL for months/years)

``at`` is moment/dayjs' reading (what Daily8 prints) for the singular wordings and N for
"N units" (the round reading, which moment, dayjs, date-fns and humanize share); it is the
midpoint of the interval for the other rows (and for compounds, the sum of the parts). In
Arabic a lone "ثانية" / "ثانية واحدة" is dayjs' "a few seconds"; a plural without a number
("منذ دقائق", "seconds ago") is "a few". Future wordings ("in 5 minutes", "بعد ساعة") are the
mirror image; they are refused as "future" unless they start within the clock skew allowance
of 5 minutes, and are then clipped to ``now`` + 5 minutes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from newsspider.text.stamp_types import Count, Hedge, Quantity, Reading, Rel, Unit

__all__ = ["DAY", "LONGEST", "UNIT_SECONDS", "interval", "relative"]

MINUTE: Final = 60.0
HOUR: Final = 3600.0
DAY: Final = 86400.0
WEEK: Final = 7 * DAY
MONTH: Final = 30.436875 * DAY
YEAR: Final = 365.2425 * DAY
CAL: Final = 5 * DAY  # slack for calendar months/years of uneven length
LONGEST: Final = 1000 * YEAR

UNIT_SECONDS: Final[dict[Unit, float]] = {
    Unit.SECOND: 1.0,
    Unit.MINUTE: MINUTE,
    Unit.HOUR: HOUR,
    Unit.DAY: DAY,
    Unit.WEEK: WEEK,
    Unit.MONTH: MONTH,
    Unit.YEAR: YEAR,
}
# "a/an/1 X": (earliest offset, latest offset, at) in seconds; see the module docstring.
_ONE: Final[dict[Unit, tuple[float, float, float]]] = {
    Unit.SECOND: (0.5, 2.0, 1.0),
    Unit.MINUTE: (30.0, 120.0, 67.25),
    Unit.HOUR: (44.5 * MINUTE, 2 * HOUR, 67.25 * MINUTE),
    Unit.DAY: (21.5 * HOUR, 48 * HOUR, 28.75 * HOUR),
    Unit.WEEK: (7 * DAY, 15 * DAY, 11 * DAY),
    Unit.MONTH: (15 * DAY, 62 * DAY, (25.5 * DAY + MONTH + 0.5 * MONTH) / 2),
    Unit.YEAR: (10.5 * MONTH - CAL, 2 * YEAR + CAL, 14.25 * MONTH),
}
_FEW_SECONDS: Final = (0.0, 44.5, 22.25)
_MOMENT: Final = (0.0, 60.0, 22.25)
_NOW: Final = (0.0, 10.0, 5.0)

Window = tuple[float, float, float]


def _plain(n: float, unit: Unit) -> Window:
    """The interval (earliest offset, latest offset, at) of "N unit"."""
    u = UNIT_SECONDS[unit]
    if n <= 0:
        hi = max(u, 10.0)
        return 0.0, hi, hi / 2
    if n < 1:
        return 0.0, u, n * u
    if n == 1:
        return _ONE[unit]
    if unit is Unit.WEEK:
        return (n - 0.5) * u, (n + 1) * u, n * u
    if unit is Unit.MONTH:
        lo = min((n - 1) * u - CAL + 15 * DAY, (n - 0.5) * 30 * DAY, (n - 0.5) * u - CAL)
        return lo, (n + 1) * u + CAL, n * u
    if unit is Unit.YEAR:
        return (n - 0.5) * u - CAL, (n + 1) * u + CAL, n * u
    if unit in (Unit.HOUR, Unit.DAY):
        return (n - 0.5) * u - 30, (n + 1) * u, n * u  # date-fns rounds minutes first
    return (n - 0.5) * u, (n + 1) * u, n * u


def _hedged(hedge: Hedge, n: float, unit: Unit) -> Window:
    """Apply a hedge ("about", "over", "almost", "less than") to "N unit"."""
    u = UNIT_SECONDS[unit]
    lo, hi, at = _plain(n, unit)
    if hedge is Hedge.LESS:
        return 0.0, n * u, n * u / 2
    if hedge in (Hedge.OVER, Hedge.ALMOST, Hedge.ABOUT_OR_ALMOST):
        if unit is Unit.YEAR and n >= 1:
            if hedge is Hedge.OVER:
                return n * u + 3 * MONTH - CAL, n * u + 9 * MONTH + CAL, n * u + 6 * MONTH
            almost = ((n - 1) * u + 9 * MONTH - CAL, n * u + CAL)
        elif hedge is Hedge.OVER:
            return n * u, hi + u, (n * u + hi + u) / 2
        else:
            almost = (max(0.0, lo - u), n * u)
        if hedge is Hedge.ABOUT_OR_ALMOST:
            return min(lo, almost[0]), max(hi, almost[1]), at
        return almost[0], almost[1], sum(almost) / 2
    return lo, hi, at


def _single(count: Count, unit: Unit, hedge: Hedge | None) -> tuple[Window, Unit]:
    """The window of one (count, unit) part; MOMENT is read as seconds."""
    if unit is Unit.MOMENT:
        return _MOMENT, Unit.SECOND
    u = UNIT_SECONDS[unit]
    if count is Quantity.THIS:
        return (0.0, u, u / 2), unit
    if count is Quantity.FEW:
        if unit is Unit.SECOND:
            return _FEW_SECONDS, unit
        return (1.5 * u, 10 * u, 5.75 * u), unit
    if hedge is not None:
        return _hedged(hedge, count, unit), unit
    return _plain(count, unit), unit


def _number(count: Count) -> float:
    """A compound's part is always a number: the grammar refuses "a few" and "this" there."""
    if isinstance(count, Quantity):
        raise TypeError(f"no number in a compound part: {count}")
    return count


def interval(r: Reading) -> tuple[float, float, float, Unit]:
    """(earliest offset, latest offset, at, unit) in seconds for a reading."""
    if r.now:
        return (*_NOW, Unit.SECOND)
    if len(r.comps) == 1:
        count, unit = r.comps[0]
        (lo, hi, at), unit = _single(count, unit, r.hedge)
        return lo, hi, at, unit
    lo = hi = at = 0.0
    *head, (last, unit) = r.comps
    for count, part in head:
        m = _number(count)
        if part is Unit.MONTH:
            lo, hi = lo + m * 28 * DAY, hi + m * 31 * DAY
        elif part is Unit.YEAR:
            lo, hi = lo + m * 365 * DAY, hi + m * 366 * DAY
        else:
            lo, hi = lo + m * UNIT_SECONDS[part], hi + m * UNIT_SECONDS[part]
        at += m * UNIT_SECONDS[part]
    n = _number(last)
    u = UNIT_SECONDS[unit]
    slack = CAL if unit in (Unit.MONTH, Unit.YEAR) else 0.0
    lo += max(0.0, (n - 0.5) * u - slack)
    hi += (n + 1) * u + slack
    return lo, hi, min(max(at + n * u, lo), hi), unit


def relative(reading: Reading) -> Rel | str:
    """A reading as offsets from ``now``, or "future"/"too_old" beyond any calendar."""
    lo, hi, at, unit = interval(reading)
    if lo > LONGEST:
        return "future" if reading.future else "too_old"
    hi = min(hi, 2 * LONGEST)
    return Rel(
        timedelta(seconds=lo),
        timedelta(seconds=hi),
        timedelta(seconds=min(max(at, lo), hi)),
        unit.value,
        reading.future,
    )
