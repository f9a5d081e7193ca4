"""The one registry of wire, state and photo agencies, loaded from ``data/agencies.toml``.

Every agency name in the feed (`Article.agencies`, `Credit.agencies`, `Credit.via`) is the
canonical name of its registry entry; the lookup folds case, spacing, punctuation and Arabic
spelling variants.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["AGENCIES", "GLUED_TOKENS", "PHOTO_ONLY", "agencies_in", "canonical_agency"]

_DATA_DIR = Path(__file__).resolve().parent / "data"
_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")

# Folds the spellings an agency name is written in: case, spacing and punctuation, and the
# Arabic variants (hamza-carrying alefs, alef maqsura, tatweel, short-vowel diacritics).
_KEY_TABLE: dict[int, str | None] = {ord(c): None for c in " .-_'’\"«»()[]{}·‐‑–—:،,"}
_KEY_TABLE.update({ord(c): "ا" for c in "أإآٱ"})
_KEY_TABLE[ord("ى")] = "ي"
_KEY_TABLE[0x0640] = None
_KEY_TABLE.update({cp: None for cp in range(0x064B, 0x0660)})
_KEY_TABLE[0x0670] = None


def _agency_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(_KEY_TABLE)


def _load_agencies() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    with (_DATA_DIR / "agencies.toml").open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    by_key: dict[str, str] = {}
    glued: set[str] = set()
    photo_only: set[str] = set()
    for entry in data["agency"]:
        name = str(entry["name"])
        signs_text = not entry.get("photo_only", False)
        if not signs_text:
            photo_only.add(name)
        for alias in [name, *entry.get("aliases", [])]:
            key = _agency_key(alias)
            if not key:
                raise ValueError(f"agencies.toml: empty alias for {name!r}")
            if by_key.setdefault(key, name) != name:
                raise ValueError(f"agencies.toml: alias {alias!r} given to two agencies")
            if signs_text and " " not in alias and not _ARABIC_RE.search(alias):
                glued.update((alias, alias.upper()))
    return by_key, frozenset(glued), frozenset(photo_only)


_AGENCY_BY_KEY, GLUED_TOKENS, PHOTO_ONLY = _load_agencies()

#: Canonical agency names, in the order of agencies.toml.
AGENCIES: tuple[str, ...] = tuple(dict.fromkeys(_AGENCY_BY_KEY.values()))


@lru_cache(maxsize=4096)
def canonical_agency(name: str) -> str | None:
    """Canonical agency name for any known spelling ("REUTERS", "رويترز"); None if unknown."""
    if not name or len(name) > 60:
        return None
    return _AGENCY_BY_KEY.get(_agency_key(name))


# Suffixes an agency carries in bylines and credits without naming anyone: "Reuters Staff",
# "AFP PHOTO", "Reuters TV".
_AGENCY_SUFFIX_RE = re.compile(
    r"\s+(?:staff(?:\s+reporters?)?|reporters?|correspondents?|newsroom|bureau|tv|television|"
    r"video|photos?|pictures?|images?|graphics|wire)\.?$",
    re.IGNORECASE,
)


def agencies_in(segment: str) -> list[str]:
    """Agencies a byline/credit segment names: "AFP", "Reuters Staff", "EPA-EFE"; else []."""
    seg = segment.strip(" .()[]")
    found = canonical_agency(seg)
    if found:
        return [found]
    bare = _AGENCY_SUFFIX_RE.sub("", seg)
    if bare != seg:
        found = canonical_agency(bare)
        if found:
            return [found]
    if "-" in seg and " " not in seg:
        parts = [canonical_agency(p) for p in seg.split("-")]
        if len(parts) > 1 and all(parts):
            return [p for p in parts if p]
    return []
