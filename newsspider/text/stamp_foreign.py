"""Stamps in other languages, through dateparser: relative wording and month-name dates.

Relative wording (de, fr, es, ja, zh, ru, ko, pt, id) is translated to English words by
dateparser's locale data and read by the English grammar; a small fix-up table per language
(``data/stamps/<lang>.toml``) first fixes what dateparser misses (hedges, "a few seconds",
some forms of "one", "now"). Month-name dates go to dateparser's ``DateDataParser``, built
once, parsing against two fixed bases: a result that moves with the base is not an absolute
date.
"""

from __future__ import annotations

import functools
import re
import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from newsspider.text.dateparser_compat import translate
from newsspider.text.stamp_dates import day
from newsspider.text.stamp_types import Abs, Rel
from newsspider.text.stamp_words import DATA, TOKEN_RE, parse_words

__all__ = ["FOREIGN", "languages", "parse_dateparser", "parse_foreign"]

FOREIGN: Final = ("de", "fr", "es", "ja", "zh", "zh-Hant", "ru", "ko", "pt", "id")
_DATEPARSER_LANGUAGES: Final = ("en", "ar", "de", "fr", "es", "ja", "zh", "ru", "ko", "pt", "id")

Fixups = tuple[tuple[re.Pattern[str], str], ...]


def _load_fixups() -> dict[str, Fixups]:
    """Each language's fix-ups, compiled, keyed by the dateparser locales they serve."""
    out: dict[str, Fixups] = {}
    for lang in FOREIGN:
        path = DATA / f"{lang}.toml"
        if not path.exists():
            continue
        with path.open("rb") as f:
            table = tomllib.load(f)
        fixups = tuple((re.compile(e["pattern"]), e["replace"]) for e in table.get("fixup", ()))
        for served in table.get("languages", [lang]):
            out[served] = fixups
    missing = set(FOREIGN) - set(out)
    if missing:
        raise RuntimeError(f"no stamp fix-up table for {sorted(missing)} in {DATA}")
    return out


_FIXUPS: Final = _load_fixups()


def parse_foreign(text: str, langs: tuple[str, ...]) -> Rel | str | None:
    """Relative wording in another language: small fix-up table, dateparser translates."""
    for lang in langs:
        pre = text
        for pattern, repl in _FIXUPS[lang]:
            pre = pattern.sub(repl, pre)
        result = parse_words(translate(lang, pre), extra=True)
        if result is not None:
            return result
    return None


_BASES: Final = (datetime(2001, 6, 15, 12), datetime(2003, 10, 15, 12))
_MONTH_NAMES: Final = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_ABS_WORDS: Final = frozenset(
    (
        *_MONTH_NAMES,
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("am", "pm", "at", "of", "t", "z", "utc", "gmt", "year", "month", "day"),
        *(".", ",", "/", "-", ":", "(", ")"),
    )
)
_CJK_DATE_RE: Final = re.compile(r"\d\s*(?:月|월)")
_MONTH_WORDS: Final = frozenset((*_MONTH_NAMES, "month"))


@functools.cache
def _date_data_parsers(langs: tuple[str, ...]) -> tuple[Any, Any]:
    """Two DateDataParsers that differ only in RELATIVE_BASE (built once, they are slow)."""
    from dateparser.date import DateDataParser  # type: ignore[import-untyped, unused-ignore]

    def make(base: datetime) -> Any:
        settings = {
            "RELATIVE_BASE": base,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "TIMEZONE": "UTC",
            "TO_TIMEZONE": "UTC",
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
        }
        return DateDataParser(languages=list(langs), settings=settings)

    return make(_BASES[0]), make(_BASES[1])


def parse_dateparser(text: str, langs: tuple[str, ...]) -> Abs | None:
    """Month-name dates. A result that moves with RELATIVE_BASE is not an absolute date."""
    first, second = _date_data_parsers(langs)
    data = first.get_date_data(text)
    found = data.date_obj
    if found is None or data.locale is None:
        return None
    words = TOKEN_RE.findall(translate(data.locale, text))
    if not _MONTH_WORDS.intersection(words) and not _CJK_DATE_RE.search(text):
        return None
    if any(not w[0].isdigit() and w not in _ABS_WORDS for w in words):
        return None
    if second.get_date_data(text).date_obj != found:
        return None
    found = found.astimezone(UTC)
    if found.hour or found.minute or found.second:
        start = found.replace(second=0, microsecond=0)
        return Abs(start, start + timedelta(minutes=1, microseconds=-1), start, "minute")
    if data.period == "month":
        start = found.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return Abs(start, end - timedelta(microseconds=1), start + (end - start) / 2, "month")
    if data.period == "year":
        start = found.replace(month=1, day=1)
        end = start.replace(year=start.year + 1)
        return Abs(start, end - timedelta(microseconds=1), start + (end - start) / 2, "year")
    return day(found.year, found.month, found.day)


def languages(locale: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(languages for relative wording, languages for dateparser dates) of a locale."""
    if not locale:
        return FOREIGN, _DATEPARSER_LANGUAGES
    tag = locale.replace("_", "-").casefold()
    primary = tag.split("-")[0]
    if primary == "zh" and any(t in tag for t in ("hant", "tw", "hk", "mo")):
        return ("zh-Hant", "zh"), ("zh-Hant", "zh")
    if primary in ("en", "ar"):
        return (), (primary,)
    if primary in FOREIGN:
        return (primary,), (primary,)
    return FOREIGN, _DATEPARSER_LANGUAGES
