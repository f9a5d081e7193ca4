"""What precedes or follows a stamp in flattened text: publisher names, glue words.

Known names (``data/sources.txt``) and glue words ("time", "Updated") are cut off first
(``variants``). Whatever else precedes a stamp is found by one rule (``suffix_stamp``): the
stamp is the longest stamp-shaped suffix of the text, and what is left before it must look
like a name (``data/stamps/names.toml``), in any script, after any separator. The one
ambiguous case is a name ending in digits glued to the stamp's number ("Sharjah 246 days
ago"): when the whole number is one no library but Intl would print and the name could end
in some of its digits, the answer is "ambiguous" unless sources.txt knows the name.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from newsspider.text.stamp_dates import DMY_SUFFIX_RE
from newsspider.text.stamp_types import Abs, Kind, Spec, Unit
from newsspider.text.stamp_words import DATA, TOKEN_RE, fold, is_phrase, lexicon_word, normalize

__all__ = ["SEPARATORS", "suffix_stamp", "variants"]

SEPARATORS: Final = " :|•·-–—,>/()[]"
_GLUE: Final = fold(
    r"(?:(?:last|first) )?(?:updated|published|posted|modified|edited|created)"
    r"(?: (?:on|at))?|time|clock|تاريخ النشر|نشر في|نشر|آخر تحديث|تم التحديث|تحديث"
    r"|محدث|الوقت|وقت"
)
_GLUE_RE: Final = re.compile(_GLUE)
_GLUE_END_RE: Final = re.compile(r"(?:" + _GLUE + r")$")


def _load_sources() -> tuple[str, ...]:
    path = Path(__file__).parent / "data" / "sources.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ()
    names = {fold(normalize(line)) for line in lines if not line.startswith("#")}
    return tuple(sorted((n for n in names if n), key=len, reverse=True))


SOURCES: Final = _load_sources()
_SOURCE_SET: Final = frozenset(SOURCES)
_SUFFIX_SOURCE_RE: Final = re.compile(
    r"(?:[\s•·|,\-–—]+)(?:" + "|".join(re.escape(s) for s in SOURCES) + r")$"
    if SOURCES
    else r"(?!)"
)


def _prefixes(text: str) -> Iterator[int]:
    """Lengths of known prefixes of ``text``: sources (longest first), then glue words."""
    for name in SOURCES:
        if text.startswith(name):
            yield len(name)
    if m := _GLUE_RE.match(text):
        yield m.end()


def variants(text: str) -> list[str]:
    """``text`` and what is left of it after cutting known prefixes and suffixes."""
    out: list[str] = []
    seen: set[str] = set()

    def walk(s: str, depth: int) -> None:
        s = s.strip(SEPARATORS)
        if not s or s in seen:
            return
        seen.add(s)
        out.append(s)
        if m := _SUFFIX_SOURCE_RE.search(s):
            walk(s[: m.start()], depth)
        if depth < 4:
            for size in _prefixes(s):
                walk(s[size:], depth + 1)

    walk(text, 0)
    return out


# --------------------------------------------------------------------------- names


def _load_names() -> dict[str, Any]:
    with (DATA / "names.toml").open("rb") as f:
        return tomllib.load(f)


_NAMES: Final = _load_names()
_PROSE: Final = frozenset(fold(w.casefold()) for ws in _NAMES["prose"].values() for w in ws)
_CONNECTORS: Final = frozenset(_NAMES["connectors"])
_TYPICAL: Final = {Unit(u): float(n) for u, n in _NAMES["typical"].items()}
# A name starts with a letter, or with digits glued to a capital ("7News", "9Now").
_FIRST_WORD_RE: Final = re.compile(r"[^\W\d_]|\d+[A-Z]")
_NAME_WORD_RE: Final = re.compile(r"[\w.&'!+\-]+")
_LATIN_RE: Final = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Kinds of word a stamp can start with ("a", "about", "in", "just", "yesterday", ...).
_START_KINDS: Final = frozenset(
    (Kind.NUM, Kind.FEW, Kind.HEDGE, Kind.DIR, Kind.NOW, Kind.LAST, Kind.NEXT, Kind.THIS)
)


def _is_name(prefix: str, cased: bool) -> bool:
    """Whether ``prefix`` (separators and glue cut off) looks like a publisher's name."""
    words = prefix.split()
    limit = _NAMES["max_words"] if cased else _NAMES["max_words_uncased"]
    if not words or len(words) > limit or len(prefix) > _NAMES["max_chars"]:
        return False
    if not _FIRST_WORD_RE.match(words[0]) or (not cased and words[0][0].isdigit()):
        return False
    for word in words:
        if not _NAME_WORD_RE.fullmatch(word):
            return False
        key = fold(word.casefold()).strip(".'!-")
        if key in _PROSE or (key[:1] == "و" and key[1:] in _PROSE):
            return False
        if cased and _LATIN_RE.match(word) and not _capitalized(word, key):
            return False
    return True


def _capitalized(word: str, key: str) -> bool:
    return (
        any(c.isupper() for c in word)
        or key in _CONNECTORS
        or "." in word.strip(".")  # a domain: "news.com.au"
    )


def _is_unit(token: str) -> bool:
    word = lexicon_word(token)
    return word is not None and word.kind is Kind.UNIT


def _starts_stamp(text: str, i: int) -> bool:
    """Whether a stamp can start at ``text[i]``: a number before its unit (or a date), or a
    word a stamp starts with ("about", "in", "just", "yesterday", "منذ", ...)."""
    tokens = TOKEN_RE.findall(text[i : i + 40])[:6]
    if not tokens:
        return False
    first, following = tokens[0], tokens[1] if len(tokens) > 1 else ""
    if first[0].isdigit():
        return following in ("-", "/", ".", ":") or _is_unit(following)
    if is_phrase(tokens):
        return True
    word = lexicon_word(first)
    if word is None:
        return False
    if word.kind is Kind.NUM:  # "a" in "a day ago", not "a" of "Al Jazeera" before "منذ"
        return _is_unit(following)
    if word.kind is Kind.UNIT:  # "الأسبوع الماضي", "moments ago"; not "The Week5 hours ago"
        arabic_inside = i and text[i - 1].isalpha() and not text[i - 1].isascii()
        if arabic_inside and not first.isascii() and not first.startswith("ال"):
            return False  # inside an Arabic word without its article: the name's ("اليوم")
        return word.plural or word.unit is Unit.MOMENT or not first.isascii()
    return word.kind in _START_KINDS or (word.kind is Kind.SKIP and first.isalpha())


def _prefix_is_name(text: str, cased: str | None, end: int) -> bool:
    """Whether ``text[:end]`` is nothing, separators and glue, or a name before them."""
    head = text[:end].rstrip(SEPARATORS)
    if m := _GLUE_END_RE.search(head):
        head = head[: m.start()].rstrip(SEPARATORS)
    if not head or head in _SOURCE_SET:
        return True
    if cased is None:
        return _is_name(head, False)
    return _is_name(cased[: len(head)], True)


def _typical(text: str, start: int, end: int) -> bool:
    """Whether the number ``text[start:end]`` and the unit after it are what libraries print."""
    tokens = TOKEN_RE.findall(text, end)
    word = lexicon_word(tokens[0]) if tokens else None
    if word is None or word.unit not in _TYPICAL:
        return False
    return float(text[start:end]) <= _TYPICAL[word.unit]


Parser = Callable[[str], Spec | str | None]


def _reading(text: str, i: int, parse: Parser) -> Spec | str | None:
    return parse(text[i:].strip(SEPARATORS))


def suffix_stamp(text: str, cased: str | None, parse: Parser) -> Spec | str:
    """The longest stamp-shaped suffix of ``text`` after a name, or why there is none.

    ``text`` is normalized and folded; ``cased`` is the same text before casefolding (same
    length), or None when case tells nothing.
    """
    if m := DMY_SUFFIX_RE.search(text):
        result = parse(text[m.start() :])
        if isinstance(result, Abs) and _prefix_is_name(text, cased, m.start()):
            return result
    for i in range(1, len(text)):
        c = text[i]
        if not c.isalnum() or (c.isdigit() and text[i - 1].isdigit()):
            continue
        if not _starts_stamp(text, i) or not _prefix_is_name(text, cased, i):
            continue
        result = _reading(text, i, parse)
        if result is None:
            continue
        if c.isdigit():
            return _digit_run(text, cased, i, result, parse)
        if text[i - 1].isalpha():
            return _inside_word(text, cased, i, result, parse)
        return result
    return "unparsed"


def _inside_word(
    text: str, cased: str | None, i: int, first: Spec | str, parse: Parser
) -> Spec | str:
    """A stamp glued inside a word: the shortest one ("CNBC" + "a second", not "ca second")."""
    result = first
    j = i + 1
    while j < len(text) and text[j].isalpha():
        if _starts_stamp(text, j) and _prefix_is_name(text, cased, j):
            found = _reading(text, j, parse)
            if found is not None:
                result = found
        j += 1
    return result


def _digit_run(
    text: str, cased: str | None, i: int, whole: Spec | str, parse: Parser
) -> Spec | str:
    """A stamp whose number starts at ``i``: the name before may end in some of its digits."""
    end = i
    while end < len(text) and text[end].isdigit():
        end += 1
    others: list[tuple[int, Spec | str]] = []
    for j in range(i + 1, end):
        if text[j] == "0" or not _prefix_is_name(text, cased, j):
            continue  # no library prints "0 hours" or "05 hours"
        result = _reading(text, j, parse)
        if result is not None and result != whole:
            others.append((j, result))
    if not others:
        return whole
    for j, result in others:
        if text[:j].rstrip(SEPARATORS) in _SOURCE_SET:
            return result
    if isinstance(whole, Abs) or _typical(text, i, end):
        return whole
    return "ambiguous"
