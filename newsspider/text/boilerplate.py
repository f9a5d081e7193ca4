"""Publisher boilerplate in titles and bodies (``data/boilerplate.toml``), and `clean_article`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsspider.text.bylines import Names, Role, scan_line
from newsspider.text.chrome import find_chrome
from newsspider.text.names import ws

__all__ = [
    "PATTERNS",
    "PUBLISHERS",
    "BoilerplatePattern",
    "Cleaned",
    "Remove",
    "Target",
    "apply_pattern",
    "clean_article",
    "clean_title",
]

_DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(slots=True)
class Cleaned:
    """An article body with bylines, sign-offs and publisher boilerplate split out."""

    body: list[str]
    title: str
    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    contributors: dict[Role, list[str]] = field(default_factory=dict)
    source_link: str | None = None
    fired: list[str] = field(default_factory=list)


class Remove(StrEnum):
    """What a pattern removes."""

    PARAGRAPH = "paragraph"
    SPAN = "span"
    TAIL = "tail"


class Target(StrEnum):
    """What a pattern is searched in."""

    BODY = "body"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class BoilerplatePattern:
    """One entry of boilerplate.toml, compiled."""

    publisher: str
    name: str
    regex: re.Pattern[str]
    remove: Remove
    target: Target
    hint: str | None
    replace: str
    any_source: bool
    source_link: bool
    examples: tuple[str, ...]

    @property
    def key(self) -> str:
        """The name reported in Cleaned.fired: "publisher/pattern"."""
        return f"{self.publisher}/{self.name}"


def _source_key(source: str) -> str:
    return ws(source).casefold()


def _load_boilerplate() -> tuple[tuple[BoilerplatePattern, ...], dict[str, tuple[str, ...]]]:
    with (_DATA_DIR / "boilerplate.toml").open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    patterns: list[BoilerplatePattern] = []
    publishers: dict[str, tuple[str, ...]] = {}
    for publisher, table in data.items():
        publishers[publisher] = tuple(str(n) for n in table.get("names", []))
        seen: set[str] = set()
        for entry in table.get("patterns", []):
            name = str(entry["name"])
            where = f"boilerplate.toml [{publisher}] {name}"
            if name in seen:
                raise ValueError(f"{where}: duplicate name")
            seen.add(name)
            remove = entry.get("remove")
            target = entry.get("target", "body")
            if remove not in tuple(Remove):
                raise ValueError(f"{where}: remove must be paragraph, span or tail")
            if target not in tuple(Target) or (target == Target.TITLE and remove != Remove.SPAN):
                raise ValueError(f"{where}: title patterns remove spans")
            hint = entry.get("hint")
            if hint is not None and hint != hint.casefold():
                raise ValueError(f"{where}: hint must be lowercase")
            flags = re.IGNORECASE if entry.get("ignore_case", False) else 0
            patterns.append(
                BoilerplatePattern(
                    publisher=publisher,
                    name=name,
                    regex=re.compile(entry["regex"], flags),
                    remove=Remove(remove),
                    target=Target(target),
                    hint=hint,
                    replace=str(entry.get("replace", "")),
                    any_source=bool(entry.get("any_source", publisher == "any")),
                    source_link=bool(entry.get("source_link", False)),
                    examples=tuple(str(e) for e in entry.get("examples", [])),
                )
            )
    return tuple(patterns), publishers


#: Every boilerplate pattern, in file order.
PATTERNS, PUBLISHERS = _load_boilerplate()

_PUBLISHER_OF_SOURCE: dict[str, str] = {
    _source_key(name): publisher for publisher, names in PUBLISHERS.items() for name in names
}


@lru_cache(maxsize=256)
def _patterns_for(
    source_key: str,
) -> tuple[tuple[BoilerplatePattern, ...], tuple[BoilerplatePattern, ...]]:
    """(title patterns, body patterns) that apply to an article from this source."""
    publisher = _PUBLISHER_OF_SOURCE.get(source_key)
    active = tuple(p for p in PATTERNS if p.any_source or p.publisher == publisher)
    return (
        tuple(p for p in active if p.target is Target.TITLE),
        tuple(p for p in active if p.target is Target.BODY),
    )


def apply_pattern(
    pattern: BoilerplatePattern, text: str, lowered: str | None = None
) -> tuple[str | None, int, str | None]:
    """Apply one pattern to a paragraph or title.

    Returns (text left, or None when the paragraph goes; number of removals; source link).
    """
    if pattern.hint is not None:
        if lowered is None:
            lowered = text.casefold()
        if pattern.hint not in lowered:
            return text, 0, None
    if pattern.remove is Remove.SPAN:
        link: str | None = None
        if pattern.source_link:
            m = pattern.regex.search(text)
            if m is None:
                return text, 0, None
            link = _link_of(m)
        new, count = pattern.regex.subn(pattern.replace, text)
        if not count:
            return text, 0, None
        new = new.strip()
        return (new or None), count, link
    m = pattern.regex.search(text)
    if m is None:
        return text, 0, None
    return None, 1, _link_of(m) if pattern.source_link else None


def _link_of(m: re.Match[str]) -> str | None:
    link = m.groupdict().get("link") or m.group(0)
    return ws(link) or None


def clean_title(title: str, source: str | None) -> tuple[str, list[str]]:
    """A title (whitespace normalised) without its publisher's suffixes; the patterns fired."""
    fired: list[str] = []
    clean = ws(title)
    for pattern in _patterns_for(_source_key(source or ""))[0]:
        left, count, _ = apply_pattern(pattern, clean)
        if count:
            fired.extend([pattern.key] * count)
            clean = left or ""
    return clean, fired


def clean_article(title: str, body: list[str], source: str | None) -> Cleaned:
    """Strip bylines, sign-offs and publisher boilerplate from an article; collect authorship.

    One pass over the paragraphs (whitespace inside each is normalised). ``source`` picks the
    publisher's patterns; it is never itself reported as an agency. `fired` gets one entry per
    removal: "publisher/pattern" for boilerplate, "chrome/<rule>" for generic chrome
    (`newsspider.text.chrome`), "byline/<kind>" for bylines and sign-offs.
    """
    body_patterns = _patterns_for(_source_key(source or ""))[1]
    clean, fired = clean_title(title, source)
    source_link: str | None = None

    names = Names()
    paragraphs: list[str] = []
    chrome = find_chrome(body)  # judged on the whole body; applied after the patterns
    for index, raw in enumerate(body):
        text = ws(raw)
        lowered = text.casefold()
        stop = False
        for pattern in body_patterns:
            if not text:
                break
            if pattern.hint is not None and pattern.hint not in lowered:
                continue
            left, count, link = apply_pattern(pattern, text, lowered)
            if not count:
                continue
            fired.extend([pattern.key] * count)
            if link and source_link is None:
                source_link = link
            if pattern.remove is Remove.TAIL:
                stop = True
                break
            text = left or ""
            lowered = text.casefold()
        if stop:
            break
        if text and index in chrome:
            fired.append(chrome[index].rule)
            text = chrome[index].apply(text)
        if not text:
            continue
        found = scan_line(text)
        if found is not None:
            names.authors.extend(found.byline.authors)
            names.agencies.extend(found.byline.agencies)
            for role, persons in found.byline.roles.items():
                names.roles.setdefault(role, []).extend(persons)
            if found.cut is not None:
                fired.append(f"byline/{found.kind}")
                start, end = found.cut
                text = (text[:start] + text[end:]).strip()
        if text:
            paragraphs.append(text)

    byline = names.byline()
    return Cleaned(
        body=paragraphs,
        title=clean,
        authors=byline.authors,
        agencies=byline.agencies,
        contributors=byline.roles,
        source_link=source_link,
        fired=fired,
    )
