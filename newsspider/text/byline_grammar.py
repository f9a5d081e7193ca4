"""The byline grammar's vocabulary (``data/byline_grammar.toml``) and the forms built on it.

Role tails with or without "by" and with or without separators, "With help from X",
"X reports.", "X reporting live on ... for Outlet", "This report by Agency was first
published ...", and bare bylines that join names to an employer ("X, The Canadian Press",
"X at The Washington Post"). Each form matches a whole line or a whole last sentence; a
sentence that only mentions a person or an agency matches none of them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsspider.text.agencies import agencies_in, canonical_agency
from newsspider.text.names import display_name, is_arabic_person, is_person, org_shaped

__all__ = [
    "ARABIC_GENERIC_WIRES",
    "ASSIST_RE",
    "AUTHOR_MARKERS",
    "ROLE_MARKERS",
    "ROLE_RE",
    "Affiliated",
    "arabic_byline",
    "arabic_source_line",
    "arabic_tail",
    "bare_byline",
    "employer",
    "first_published",
    "reports_signoff",
    "split_glued_clauses",
]

_DATA = Path(__file__).resolve().parent / "data" / "byline_grammar.toml"


def _load() -> dict[str, Any]:
    with _DATA.open("rb") as fh:
        return tomllib.load(fh)


_VOCAB = _load()


def _alt(words: list[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any whitespace."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, w.split())) for w in ordered)


#: Role marker phrase (lowercase, single-spaced) -> role value ("editing", ...).
ROLE_MARKERS: dict[str, str] = {str(k): str(v) for k, v in _VOCAB["roles"].items()}
ROLE_RE = _alt(list(ROLE_MARKERS))
ASSIST_RE = _alt([str(m) for m in _VOCAB["assist"]["markers"]])
#: Markers whose persons are the authors ("by", "compiled", "article", ...).
AUTHOR_MARKERS: frozenset[str] = frozenset(str(m) for m in _VOCAB["authors"]["markers"])

# A role clause glued onto the previous one: "Joseph AxAdditional reporting by",
# "in Washington. Editing by". Only capitalised markers count as a new clause.
_GLUED_CLAUSE_RE = re.compile(
    r"(?:(?<=[a-z])|\.\s+)(?=(?:" + _alt([m.capitalize() for m in ROLE_MARKERS]) + r")\s+by\b)"
)


def split_glued_clauses(line: str) -> str:
    """Put "; " between role clauses written without a separator."""
    return _GLUED_CLAUSE_RE.sub("; ", line)


_REPORTS_RE = re.compile(
    r"(?:^|(?<=[.!?\"'’”])\s+)(?P<who>[A-Z][^.!?]{2,60}?)\s+(?:"
    + _alt([str(v) for v in _VOCAB["signoff"]["report_verbs"]])
    + r")\.$"
)
_LIVE_RE = re.compile(
    r"^(?P<who>[A-Z][^,;]{2,60}?)\s+(?:"
    + _alt([str(v) for v in _VOCAB["signoff"]["live_markers"]])
    + r")\s+(?:on|from|in|at)\s+.{2,80}?\s+for\s+(?P<org>[A-Z][\w.&' -]{1,40})$"
)


def reports_signoff(line: str) -> tuple[str, int] | None:
    """The person of a closing "X reports." or "X reporting live on ... for Outlet"; and
    where the sign-off starts in the line."""
    m = _REPORTS_RE.search(line)
    if m is not None and is_person(m.group("who")):
        return display_name(m.group("who")), m.start("who")
    m = _LIVE_RE.match(line)
    if m is not None and is_person(m.group("who")):
        return display_name(m.group("who")), 0
    return None


_FIRST_PUBLISHED_RE = re.compile(
    r"^(?:"
    + _alt([str(v) for v in _VOCAB["first_published"]["lead"]])
    + r")\s+(?P<ag>.{2,60}?)\s+"
    + _alt([str(_VOCAB["first_published"]["tail"])])
    + r"\b",
    re.IGNORECASE,
)


def first_published(line: str) -> str | None:
    """The agency of "This report by The Canadian Press was first published ..."."""
    m = _FIRST_PUBLISHED_RE.match(line)
    return canonical_agency(m.group("ag")) if m is not None else None


_JOINERS = [str(j) for j in _VOCAB["affiliation"]["joiners"]]
_AFFIL_SPLIT_RE = re.compile(
    r"(?:\s*,\s*|\s+(?:" + "|".join(re.escape(j) for j in _JOINERS if j != ",") + r")\s+)"
    r"(?=(?:" + _alt([str(p) for p in _VOCAB["affiliation"]["drop_prefixes"]]) + r"\s+)?"
    r"[A-Z][^,]*$)",
    re.IGNORECASE,
)
_DROP_RE = re.compile(
    r"^(?:" + _alt([str(p) for p in _VOCAB["affiliation"]["drop_prefixes"]]) + r")\s+",
    re.IGNORECASE,
)
_NAMES_SPLIT_RE = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
_DOMAIN_RE = re.compile(r"^[A-Z][\w-]*(?:\.[a-z]{2,6})+$")


@dataclass(slots=True)
class Affiliated:
    """Persons named with their employer; agencies when the employer is one."""

    persons: list[str]
    agencies: list[str]


def employer(text: str) -> list[str] | None:
    """Agencies of an employer ("The Canadian Press" -> it; "The Hill" -> none); None when
    the text does not have the shape of an organisation."""
    org = _DROP_RE.sub("", text.strip())
    found = agencies_in(org)
    if found:
        return found
    if _DOMAIN_RE.match(org):
        return []
    words = org.split()
    if org_shaped(org) and (org.startswith("The ") or len(words) == 1) and len(words) <= 5:
        return []
    return None


def bare_byline(line: str) -> Affiliated | None:
    """ "X, The Canadian Press"; "A and B at The Hill"; "X for Metro.co.uk": names, then an
    employer, and nothing else in the line."""
    if len(line) > 120 or line.endswith((".", "?", "!")):
        return None
    parts = _AFFIL_SPLIT_RE.split(line, maxsplit=1)
    if len(parts) != 2:
        return None
    names, org = parts
    agencies = employer(org)
    if agencies is None:
        return None
    persons = [s for s in _NAMES_SPLIT_RE.split(names) if s]
    if not persons or not all(is_person(p) for p in persons):
        return None
    if any(canonical_agency(w) for p in persons for w in p.split()):
        return None  # "Reuters Reuters, Reuters": an agency's name is no person's
    return Affiliated([display_name(p) for p in persons], agencies)


_AR = _VOCAB["arabic"]
#: Arabic words for "agencies" that credit no agency by name: "(وكالات)".
ARABIC_GENERIC_WIRES: frozenset[str] = frozenset(str(w) for w in _AR["generic_wires"])
_AR_SEP = r"\s*[:：\-–—]\s*"
_AR_BYLINE_RE = re.compile(
    r"^(?:(?:" + _alt([str(m) for m in _AR["byline_markers"]]) + r")(?:" + _AR_SEP + r"|\s+)"
    r"|(?:" + _alt([str(m) for m in _AR["byline_markers_sep"]]) + r")" + _AR_SEP + r")"
    r"(?P<names>[\u0600-\u06ff][\u0600-\u06ff ،,.\-–—]{0,100}?)\s*\.?$"
)
_AR_NAMES_SPLIT_RE = re.compile(r"\s*[،,]\s*|\s+و(?=\S)")
_AR_PLACE_RE = re.compile(r"^(?P<names>.+?)\s+[-–—]\s+(?P<place>\S+(?:\s\S+)?)$")


def _arabic_names(text: str) -> list[str] | None:
    """Persons of an Arabic name list ("أحمد حسن ومحمد علي"); None unless every part is one."""
    text = text.strip()
    for parts in (_AR_NAMES_SPLIT_RE.split(text), [text]):
        if all(is_arabic_person(p) for p in parts):
            return parts
    return None


def arabic_byline(line: str) -> Affiliated | None:
    """Authors of "بقلم: محمد علي", "كتب - أحمد حسن", "كتبت: سارة محمود - القاهرة"; the
    agency of "كتب: رويترز"."""
    m = _AR_BYLINE_RE.match(line)
    if m is None:
        return None
    names = m.group("names").strip()
    agency = canonical_agency(names)
    if agency is not None:
        return Affiliated([], [agency])
    found = _arabic_names(names)
    if found is None:
        place = _AR_PLACE_RE.match(names)
        found = _arabic_names(place.group("names")) if place is not None else None
    return Affiliated(found, []) if found is not None else None


_AR_SOURCE_RE = re.compile(
    r"^(?:" + _alt([str(m) for m in _AR["source_markers"]]) + r")\s*[:：]\s*(?P<parts>.{2,80})$"
)
_AR_PUBLISHER_RE = re.compile(r"^[\u0600-\u06ff]+(?: [\u0600-\u06ff]+){0,2}$")
_AR_SOURCE_SPLIT_RE = re.compile(r"\s*[+،,/]\s*")


def arabic_source_line(line: str) -> list[str] | None:
    """Agencies of Al Jazeera's closing "المصدر : الجزيرة + وكالات" line; None if not one.

    A part that is not an agency must be a short Arabic name (the publisher itself)."""
    m = _AR_SOURCE_RE.match(line)
    if m is None:
        return None
    agencies: list[str] = []
    for part in _AR_SOURCE_SPLIT_RE.split(m.group("parts").strip(" .")):
        agency = canonical_agency(part)
        if agency is not None:
            agencies.append(agency)
        elif part in ARABIC_GENERIC_WIRES:
            continue
        elif not _AR_PUBLISHER_RE.match(part):
            return None
    return agencies


_AR_ROLES: dict[str, str] = {str(k): str(v) for k, v in _AR["roles"].items()}
_AR_ROLE_RE = re.compile(r"^(?P<marker>" + _alt(list(_AR_ROLES)) + r")\s*:?\s+(?P<names>.+)$")
_AR_DROP_RE = re.compile(r"\s+(?:" + _alt([str(d) for d in _AR["tail"]["drop_suffixes"]]) + r")$")


def arabic_tail(inner: str) -> dict[str, list[str]] | None:
    """Roles of Reuters' Arabic tail "إعداد محمد فرج للنشرة العربية - تحرير محمد اليماني"
    (role value -> persons); None unless every clause is a role and its names."""
    roles: dict[str, list[str]] = {}
    for clause in re.split(r"\s+[-–—]\s+", inner.strip()):
        m = _AR_ROLE_RE.match(clause)
        if m is None:
            return None
        names = _arabic_names(_AR_DROP_RE.sub("", m.group("names").strip(" .")))
        if names is None:
            return None
        roles.setdefault(_AR_ROLES[m.group("marker")], []).extend(names)
    return roles or None
