"""Words of a stamp: normalizing, the lexicon (data/stamps/*.toml) and the token grammar.

English and Arabic are read by this grammar directly; other languages after dateparser has
translated them to English words (``stamp_foreign``). The word tables are data, one file
per language, loaded once with tomllib; every word becomes a typed token (``Word``).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple

from newsspider.text.stamp_intervals import relative
from newsspider.text.stamp_types import (
    UNIT_ORDER,
    Count,
    Direction,
    Hedge,
    Kind,
    Quantity,
    Reading,
    Rel,
    Unit,
)

__all__ = [
    "DATA",
    "TOKEN_RE",
    "Word",
    "fold",
    "is_phrase",
    "lexicon_word",
    "normalize",
    "parse_words",
]

DATA: Final = Path(__file__).parent / "data" / "stamps"

# --------------------------------------------------------------------------- normalizing

_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACES += "\u2028\u2029\u202f\u205f\u3000\t\n\r\f\v"
_DROP = "\u00ad\u061c\u0640\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
_DROP += "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
_DROP += "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670"  # Arabic diacritics
_TRANSLATE: Final[dict[int, str | None]] = {
    **{ord(c): " " for c in _SPACES},
    **{ord(c): None for c in _DROP},
    **{0x0660 + i: str(i) for i in range(10)},  # Arabic-Indic digits
    **{0x06F0 + i: str(i) for i in range(10)},  # Persian digits
    ord("\u2019"): "'",
    ord("\u2018"): "'",
    ord("\u02bc"): "'",
    ord("\u060c"): ",",
}
# One character for one, so that positions in the folded text match the unfolded key.
_FOLD: Final[dict[int, str]] = {
    ord("أ"): "ا",
    ord("إ"): "ا",
    ord("آ"): "ا",
    ord("ٱ"): "ا",
    ord("ى"): "ي",
    ord("ة"): "ه",
}
_WS_RE: Final = re.compile(r"\s+")


def normalize(text: str, casefold: bool = True) -> str:
    """NFKC, invisible marks and diacritics dropped, ASCII digits, one space, casefolded."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = _WS_RE.sub(" ", text).strip()
    return text.casefold() if casefold else text


def fold(key: str) -> str:
    """Fold Arabic letter variants for the word tables (same length as ``key``)."""
    return key.translate(_FOLD)


# --------------------------------------------------------------------------- lexicon


class Word(NamedTuple):
    """A token of a stamp."""

    kind: Kind
    unit: Unit | None = None
    number: float = 0.0
    hedge: Hedge | None = None
    direction: Direction | None = None
    plural: bool = False
    dual: bool = False


def _load(name: str) -> dict[str, Any]:
    with (DATA / name).open("rb") as f:
        return tomllib.load(f)


def _kind_word(key: str, section: str) -> Word:
    """A word of a ``[direction]``, ``[hedge]``, ``[kind]`` or ``[day]`` table entry."""
    if section == "direction":
        return Word(Kind.DIR, direction=Direction(key))
    if section == "hedge":
        return Word(Kind.HEDGE, hedge=Hedge(key))
    if section == "day":  # yesterday, today, tomorrow
        return Word(Kind(key), unit=Unit.DAY)
    return Word(Kind(key))


def _words(table: Mapping[str, Any]) -> Iterable[tuple[str, Word]]:
    """(word, token) pairs of one language file, in the order later entries win."""
    for unit, forms in table.get("units", {}).items():
        for w in forms.get("singular", ()):
            yield w, Word(Kind.UNIT, Unit(unit))
        for w in forms.get("plural", ()):
            yield w, Word(Kind.UNIT, Unit(unit), plural=True)
        for w in forms.get("dual", ()):
            yield w, Word(Kind.UNIT, Unit(unit), number=2.0, dual=True)
    for w, n in table.get("numbers", {}).items():
        yield w, Word(Kind.NUM, number=float(n))
    for section in ("direction", "hedge", "kind", "day"):
        for key, words in table.get(section, {}).items():
            for w in words:
                yield w, _kind_word(key, section)


def _phrase(entry: Mapping[str, Any]) -> Word:
    if "number" in entry:
        return Word(Kind.NUM, number=float(entry["number"]))
    if "hedge" in entry:
        return Word(Kind.HEDGE, hedge=Hedge(entry["hedge"]))
    if "direction" in entry:
        return Word(Kind.DIR, direction=Direction(entry["direction"]))
    return Word(Kind(entry["kind"]))


_LANGUAGES: Final = tuple(_load(name) for name in ("en.toml", "ar.toml", "placeholders.toml"))
_LEXICON: Final = {fold(w): word for table in _LANGUAGES for w, word in _words(table)}
_PHRASES: Final = {
    tuple(fold(w) for w in entry["words"].split()): _phrase(entry)
    for table in _LANGUAGES
    for entry in table.get("phrase", ())
}
_PHRASE_MAX: Final = max(len(p) for p in _PHRASES)
TOKEN_RE: Final = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+|[^\w\s]")


def _untranslated() -> dict[str, Word]:
    """Words dateparser's translation leaves as they were, from each language's table."""
    out: dict[str, Word] = {}
    for path in sorted(DATA.glob("*.toml")):
        for key, words in _load(path.name).get("untranslated", {}).items():
            section = "direction" if key in {d.value for d in Direction} else "kind"
            out.update({w: _kind_word(key, section) for w in words})
    return out


_EXTRA_LEXICON: Final = _untranslated()


def is_phrase(tokens: list[str]) -> bool:
    """Whether ``tokens`` start with a multi-word phrase ("less than", "a few")."""
    return any(
        tuple(tokens[:size]) in _PHRASES for size in range(min(_PHRASE_MAX, len(tokens)), 1, -1)
    )


def lexicon_word(word: str) -> Word | None:
    """The token of one folded word, or None."""
    return _LEXICON.get(word)


# --------------------------------------------------------------------------- token grammar


def _tokens(text: str, extra: bool) -> list[Word] | None:
    """Words of ``text`` looked up in the lexicon; None if any word is unknown."""
    raw = TOKEN_RE.findall(text)
    out: list[Word] = []
    i = 0
    while i < len(raw):
        for size in range(min(_PHRASE_MAX, len(raw) - i), 1, -1):
            phrase = _PHRASES.get(tuple(raw[i : i + size]))
            if phrase is not None:
                out.append(phrase)
                i += size
                break
        else:
            word = raw[i]
            i += 1
            if word[0].isdigit():
                if len(word) > 9:
                    return None
                out.append(Word(Kind.NUM, number=float(word.replace(",", "."))))
                continue
            found = _LEXICON.get(word)
            if found is None and extra:
                found = _EXTRA_LEXICON.get(word)
            if found is None and len(word) > 1 and word[0] == "و":
                rest = _LEXICON.get(word[1:])  # Arabic "and" glued to the next word
                if rest is not None:
                    out.append(Word(Kind.AND))
                    found = rest
            if found is None:
                return None
            out.append(found)
    return out


class _Part:
    """A (count, unit) part while the grammar reads; count None until known."""

    __slots__ = ("count", "plural", "unit")

    def __init__(self, count: Count | None, unit: Unit, plural: bool) -> None:
        self.count = count
        self.unit = unit
        self.plural = plural


class _Grammar:
    """Reads looked-up words into a reading, strictly: every word must have its place."""

    def __init__(self) -> None:
        self.parts: list[_Part] = []
        self.hedge: Hedge | None = None
        self.direction: Direction | None = None
        self.now = False
        self.pending: Count | None = None
        self.flag: Kind | None = None  # LAST / NEXT / THIS waiting for a unit

    def set_direction(self, d: Direction) -> bool:
        if self.direction is not None and self.direction is not d:
            return False
        self.direction = d
        return True

    def flag_direction(self, kind: Kind) -> bool:
        """ "last X" is past, "next X" future; "this X" has no direction."""
        if kind is Kind.THIS:
            return True
        return self.set_direction(Direction.FUTURE if kind is Kind.NEXT else Direction.PAST)

    def unit(self, w: Word) -> bool:
        assert w.unit is not None
        if any(p.unit is w.unit for p in self.parts):
            return False
        n, self.pending = self.pending, None
        if w.dual:
            if n is not None and n != 2:
                return False
            n = 2.0
        if self.flag is not None:
            if n is not None:
                return False
            n = Quantity.THIS if self.flag is Kind.THIS else 1.0
            if not self.flag_direction(self.flag):
                return False
            self.flag = None
        self.parts.append(_Part(n, w.unit, w.plural))
        return True

    def step(self, w: Word) -> bool:
        kind = w.kind
        if kind in (Kind.NUM, Kind.FEW):
            if self.pending is not None or self.flag is not None:
                return False
            self.pending = w.number if kind is Kind.NUM else Quantity.FEW
        elif kind is Kind.UNIT:
            return self.unit(w)
        elif kind is Kind.ONE:
            # Arabic "ساعة واحدة": the number follows the unit.
            if not self.parts or self.parts[-1].count is not None:
                return False
            last = self.parts[-1]
            last.count = Quantity.FEW if last.unit is Unit.SECOND else 1.0
        elif kind is Kind.DIR:
            assert w.direction is not None
            return self.set_direction(w.direction)
        elif kind is Kind.HEDGE:
            if self.hedge is not None:
                return False
            self.hedge = w.hedge
        elif kind is Kind.NOW:
            self.now = True
        elif kind in (Kind.LAST, Kind.NEXT, Kind.THIS):
            if self.flag is not None or self.pending is not None:
                return False
            if w.unit is None:
                self.flag = kind
            else:  # yesterday, today, tomorrow
                if not self.flag_direction(kind):
                    return False
                count: Count = Quantity.THIS if kind is Kind.THIS else 1.0
                self.parts.append(_Part(count, w.unit, False))
        elif kind is Kind.POSTLAST:
            if not self.parts or self.parts[-1].count is not None:
                return False
            if not self.set_direction(Direction.PAST):
                return False
            self.parts[-1].count = 1.0
        elif kind is Kind.DAYBEFORE:
            if not self.set_direction(Direction.PAST):
                return False
            self.parts.append(_Part(2.0, Unit.DAY, False))
        return True  # AND and SKIP have no place of their own

    def reading(self) -> Reading | None:
        if self.pending is not None or self.flag is not None:
            return None
        future = self.direction is Direction.FUTURE
        if self.now:
            if self.parts or self.hedge is not None:
                return None
            return Reading((), None, future, True)
        if not self.parts or (
            self.direction is None
            and self.hedge is None
            and all(p.count is None for p in self.parts)
        ):
            return None  # a bare unit word ("hours") is no stamp
        comps: list[tuple[Count, Unit]] = []
        for p in self.parts:
            count = p.count
            if count is None:
                # "منذ ساعة" is one hour, "seconds ago" / "منذ دقائق" a few; dayjs' Arabic
                # "a few seconds" is "ثانية واحدة", so a lone Arabic second is "a few" too.
                count = Quantity.FEW if p.plural or p.unit is Unit.SECOND else 1.0
            comps.append((count, p.unit))
        if len(comps) > 1:
            if any(isinstance(c, Quantity) or u is Unit.MOMENT for c, u in comps):
                return None
            comps.sort(key=lambda c: -UNIT_ORDER.index(c[1]))
        return Reading(tuple(comps), self.hedge, future, False)


def read_words(words: list[Word]) -> Reading | None:
    """Parse looked-up words into a reading; None when a word has no place."""
    grammar = _Grammar()
    for w in words:
        if not grammar.step(w):
            return None
    return grammar.reading()


def parse_words(text: str, extra: bool = False) -> Rel | str | None:
    """A relative wording (folded text) as offsets, a refusal reason, or None."""
    words = _tokens(text, extra)
    if not words:
        return None
    reading = read_words(words)
    return None if reading is None else relative(reading)
