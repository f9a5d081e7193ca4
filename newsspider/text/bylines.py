"""Authorship in Daily8 article bodies: `By ...` lines, wire tails, sign-offs and datelines.

Daily8 republishes other publishers' articles with the authorship left loose in the text:
`By ...` lines, Reuters' `Reporting by ...; Editing by ...` tails, agency sign-offs glued to
the last paragraph (`... on June 4. REUTERS`). `scan_line` finds them in one line.

Principle: when a line is not clearly a byline or credit, nothing is extracted. Persons are only
taken from lines that start with a byline marker (`By`, `Reporting by`, `Compiled by`, ...) or
from a parenthesised Reuters tail at the very end of a paragraph; agencies only from whole
sign-off lines, sign-offs at the end of a paragraph after a sentence, datelines such as
`WASHINGTON, June 8 (Reuters) -`, and credits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from newsspider.text.agencies import GLUED_TOKENS, PHOTO_ONLY, agencies_in, canonical_agency
from newsspider.text.byline_grammar import (
    ARABIC_GENERIC_WIRES,
    ASSIST_RE,
    AUTHOR_MARKERS,
    ROLE_MARKERS,
    ROLE_RE,
    arabic_byline,
    arabic_source_line,
    arabic_tail,
    bare_byline,
    employer,
    first_published,
    reports_signoff,
    split_glued_clauses,
)
from newsspider.text.names import (
    ARABIC_RE,
    affiliation,
    dedupe,
    display_name,
    is_arabic,
    is_person,
    ws,
)

__all__ = ["Byline", "Found", "FoundKind", "Names", "Role", "parse_byline", "scan_line"]


class Role(StrEnum):
    """A contributor's role, as the feed's `contributors` keys."""

    REPORTING = "reporting"
    ADDITIONAL_REPORTING = "additional_reporting"
    WRITING = "writing"
    EDITING = "editing"


class FoundKind(StrEnum):
    """Where in a line the authorship was found (reported as "byline/<kind>")."""

    BY_LINE = "by_line"
    WIRE_TAIL = "wire_tail"
    SIGN_OFF = "sign_off"
    WITH_WIRES = "with_wires"
    GLUED_SIGN_OFF = "glued_sign_off"
    GLUED_BY_LINE = "glued_by_line"
    GLUED_WIRE_TAIL = "glued_wire_tail"
    DATELINE = "dateline"


@dataclass(slots=True)
class Byline:
    """Authorship found in one line of body text."""

    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    roles: dict[Role, list[str]] = field(default_factory=dict)


_ROLE_OF_MARKER = {marker: Role(role) for marker, role in ROLE_MARKERS.items()}
_CLAUSE_RE = re.compile(
    r"^(?:(?P<role>" + ROLE_RE + r")(?:\s+by)?"
    r"|(?P<marker>"
    + "|".join(sorted(AUTHOR_MARKERS - {"by"}))
    + r"|photos?|photography|pictures|graphics|"
    r"video|illustrations?|fact[- ]checking|produced|research|translat(?:ed|ion))\s+by"
    r"|(?P<by>by))\s*:?\s+(?P<names>\S.*)$",
    re.IGNORECASE,
)
_ASSIST_RE = re.compile(r"^(?:" + ASSIST_RE + r")\s+(?P<names>\S.*?)\.?$", re.IGNORECASE)
_CLAUSE_SPLIT_RE = re.compile(
    r"\s*;\s*|\s*,\s*(?=(?:additional\s+|further\s+)?(?:reporting|writing|editing)\s+by\b)"
    r"|\s+and\s+(?=(?:writing|editing)\s+by\b)",
    re.IGNORECASE,
)
_NAME_SPLIT_RE = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*|\s*\|\s*|\s+[-–—]\s+")
_AFFIL_RE = re.compile(r"\s+(?:for|of)\s+(?P<org>[A-Z].*)$")
_PLACE_RE = re.compile(r"\s+in\s+[A-Z][\w.'’ -]*$")
_WITH_RE = re.compile(
    r"^with\s+(?:inputs?\s+from\s+|additional\s+reporting\s+(?:from|by)\s+|reporting\s+from\s+)?"
    r"(?P<who>[^()]{2,60}?)\.?$",
    re.IGNORECASE,
)
_GENERIC_WIRES = ARABIC_GENERIC_WIRES | frozenset(
    {
        "newswires",
        "wires",
        "wire services",
        "wire reports",
        "agencies",
        "news agencies",
        "agency",
        "agency inputs",
        "agency input",
        "agency reports",
    }
)
_SIGNOFF_SPLIT_RE = re.compile(r"\s*(?:,|،|/|&|\+|\band\b)\s*")
_GLUED_RE = re.compile(
    r"(?<=[.!?\"'’”)\]])\s+(?P<so>[A-Za-z][\w.-]*(?:\s*[,/&]\s*[A-Za-z][\w.-]*){0,3})\s*$"
)
_GLUED_SPLIT_RE = re.compile(r"\s*[,/&]\s*")
_TAIL_PAREN_RE = re.compile(
    r"\s*(?:\((?P<inner>[^()]{2,400})\)|\[(?P<sq>[^\[\]]{2,60})\])\s*\.?\s*$"
)
_AR_DASH_RE = re.compile(r"\s*[-–—]\s*(?P<ag>[\u0600-\u06ff][\u0600-\u06ff .]{0,40}?)\s*\.?\s*$")
_DATELINE_RE = re.compile(
    r"^[A-Z][A-Z.'’/ -]{1,40}?(?:,\s*[^()]{1,30}?)?\s*\((?P<ag>[^()]{1,30})\)\s*[-–—:]"
    # "Nekemte, Ethiopia | AFP | ...": the place, then the agency between bars
    r"|^[A-Z][\w.'’ -]{1,40}(?:,\s*[\w.'’ -]{1,30})?\s+\|\s*(?P<bar>[^|]{1,30}?)\s*\|\s"
)
_AR_DATELINE_RE = re.compile(
    r"^[\u0600-\u06ff]{2,20}(?:\s[\u0600-\u06ff]{2,20}){0,2}\s*[-–—]\s*\(?"
    r"(?P<ag>[\u0600-\u06ff][\u0600-\u06ff ]{0,20}?)\)?\s*[-–—:]"
    # Reuters Arabic: "باريس (رويترز) -", "9 يونيو (رويترز) -"
    r"|^(?:[\d٠-٩]{1,2}\s)?[\u0600-\u06ff]{2,20}(?:\s[\u0600-\u06ff]{2,20}){0,2}\s*"
    r"\((?P<ag2>[\u0600-\u06ff][\u0600-\u06ff .]{0,20}?)\)\s*[-–—:]"
)
_LEAD_MARKER_RE = re.compile(
    r"^(?:(?:Compiled|Reporting|Written|Story|Report|Text|Words|Article|COMPILED|REPORTING|WRITTEN)"
    r"\s+(?:by|BY)|By|BY)\s+"
)
_SENTENCE_END = ".!?\"'’”)]"


@dataclass(slots=True)
class Found:
    """Authorship found in a line, and the span of the line it occupies."""

    byline: Byline
    kind: FoundKind
    cut: tuple[int, int] | None  # span of the line to remove; None: keep the line


class Names:
    """Accumulates persons and agencies while parsing one line."""

    __slots__ = ("agencies", "authors", "roles")

    def __init__(self) -> None:
        self.authors: list[str] = []
        self.agencies: list[str] = []
        self.roles: dict[Role, list[str]] = {}

    def byline(self) -> Byline:
        roles = {r: dedupe(self.roles[r]) for r in Role if self.roles.get(r)}
        return Byline(dedupe(self.authors), dedupe(self.agencies), roles)


def _parse_names(text: str) -> tuple[list[str], list[str]] | None:
    """Persons and agencies in a byline's name list; None if any part is not one of them."""
    persons: list[str] = []
    agencies: list[str] = []
    text = text.strip().rstrip(".")
    m = _AFFIL_RE.search(text)
    if m:
        org = m.group("org").strip()
        found = agencies_in(org)
        if not found and not affiliation(org):
            return None
        agencies.extend(found)
        text = text[: m.start()]
    for i, raw in enumerate(_NAME_SPLIT_RE.split(text)):
        seg = _PLACE_RE.sub("", raw.strip())
        if not seg:
            return None
        found = agencies_in(seg)
        if found:
            agencies.extend(found)
        elif is_person(seg):
            persons.append(display_name(seg))
        elif i > 0 and affiliation(seg):
            continue
        elif i > 0 and (employed := employer(seg)) is not None:
            agencies.extend(employed)
        else:
            return None
    if not persons and not agencies:
        return None
    return persons, agencies


def _parse_clauses(line: str) -> Names | None:
    """`By ...` lines and `Reporting by ...; Editing by ...` tails, the whole line or None."""
    names = Names()
    for clause in _CLAUSE_SPLIT_RE.split(line):
        clause = clause.strip().rstrip(".")
        m = _CLAUSE_RE.match(clause)
        role: Role | None = None
        if m:
            marker = (m.group("role") or m.group("marker") or m.group("by")).casefold()
            marker = ws(marker)
            role = _ROLE_OF_MARKER.get(marker)
            listed = m.group("names")
            keep = role is not None or marker in AUTHOR_MARKERS
        else:
            a = _ASSIST_RE.match(clause)
            if a is None:
                return None
            role, listed, keep = Role.ADDITIONAL_REPORTING, a.group("names"), True
        parsed = _parse_names(listed)
        if parsed is None:
            return None
        persons, agencies = parsed
        names.agencies.extend(agencies)
        if not keep:
            continue
        if role is None or role in (Role.REPORTING, Role.WRITING):
            names.authors.extend(persons)
        if role is not None:
            names.roles.setdefault(role, []).extend(persons)
    return names


def _signoff_agencies(text: str) -> list[str] | None:
    """Agencies of a sign-off made only of agency names ("AFP, REUTERS", "(رويترز)")."""
    parts = _SIGNOFF_SPLIT_RE.split(text.strip(" \t-–—()[].:"))
    found: list[str] = []
    for part in parts:
        agency = canonical_agency(part) if part else None
        if agency is None or agency in PHOTO_ONLY:
            return None
        found.append(agency)
    return found


def _with_wires(inner: str) -> list[str] | None:
    """Agencies of a `(with newswires)` / `(With inputs from PTI)` credit; None if not one."""
    m = _WITH_RE.match(inner.strip(" -–—"))
    if m is None:
        return None
    who = m.group("who").strip()
    if who.casefold() in _GENERIC_WIRES:
        return []
    return _signoff_agencies(who)


def _glued_by_line(line: str) -> tuple[Byline, int] | None:
    """`Compiled by C. ARUNO, BENJAMIN LEE and R. ARAVINTHAN WHAT was marketed ...`.

    Only for names in capitals, where the paper's capitalised first word marks where the
    names end; a mixed-case byline run into the text has no such boundary. Returns the byline
    and where the text proper starts.
    """
    m = _LEAD_MARKER_RE.match(line)
    if m is None:
        return None
    tokens = line[m.end() :].split(" ")
    i = 0
    while i < len(tokens):
        core = tokens[i].rstrip(",")
        if core not in ("and", "&") and not (core.isupper() and any(c.isalpha() for c in core)):
            break
        i += 1
    if i == len(tokens):
        return None
    if i < 3 or not tokens[i][:1].islower():
        return None
    lead = tokens[i - 1]
    if not (lead.isalpha() and lead.isupper()) or tokens[i - 2].endswith(","):
        return None
    parsed = _parse_names(" ".join(tokens[: i - 1]))
    if parsed is None or not parsed[0]:
        return None
    names = Names()
    names.authors, names.agencies = parsed
    return names.byline(), len(line) - len(" ".join(tokens[i - 1 :]))


def _glued_ending(line: str) -> Found | None:
    """A sign-off, `(with ...)` or Reuters tail run onto the end of a paragraph."""
    last = line[-1]
    if last in ").]":
        # _TAIL_PAREN_RE ends in `[)\]]\s*\.?\s*$`: search only a line that ends that way.
        end = line.rstrip()
        if end.endswith("."):
            end = end[:-1].rstrip()
        m = _TAIL_PAREN_RE.search(line) if end.endswith((")", "]")) else None
        if m is not None:
            inner = (m.group("inner") or m.group("sq")).strip()
            before = line[: m.start()].rstrip()
            after_sentence = not before or before[-1] in _SENTENCE_END
            arabic = ARABIC_RE.search(inner) is not None
            if after_sentence and inner[0].isupper() and _CLAUSE_RE.match(inner):
                names = _parse_clauses(inner)
                if names is not None:
                    return Found(names.byline(), FoundKind.GLUED_WIRE_TAIL, (m.start(), len(line)))
            if arabic and (tail := _arabic_tail_names(inner)) is not None:
                return Found(tail.byline(), FoundKind.GLUED_WIRE_TAIL, (m.start(), len(line)))
            wires = [] if inner in ARABIC_GENERIC_WIRES else _with_wires(inner)
            if wires is not None and (after_sentence or arabic):
                return Found(Byline(agencies=wires), FoundKind.WITH_WIRES, (m.start(), len(line)))
            agencies = _signoff_agencies(inner)
            if agencies and (after_sentence or arabic):
                return Found(
                    Byline(agencies=agencies), FoundKind.GLUED_SIGN_OFF, (m.start(), len(line))
                )
    if is_arabic(last) or (last == "." and len(line) > 1 and is_arabic(line[-2])):
        a = _AR_DASH_RE.search(line)
        if a is not None:
            agency = canonical_agency(a.group("ag"))
            if agency:
                return Found(
                    Byline(agencies=[agency]), FoundKind.GLUED_SIGN_OFF, (a.start(), len(line))
                )
            if a.group("ag").strip(" .") in ARABIC_GENERIC_WIRES:
                return Found(Byline(), FoundKind.WITH_WIRES, (a.start(), len(line)))
        return None
    tail_token = line.rsplit(" ", 1)[-1].rstrip(".")
    if tail_token not in GLUED_TOKENS:
        return None
    g = _GLUED_RE.search(line, max(0, len(line) - 80))
    if g is None:
        return None
    parts = [p for p in _GLUED_SPLIT_RE.split(g.group("so").rstrip(".")) if p]
    if not all(p in GLUED_TOKENS for p in parts):
        return None
    agencies = [a for a in (canonical_agency(p) for p in parts) if a]
    return Found(Byline(agencies=agencies), FoundKind.GLUED_SIGN_OFF, (g.start(), len(line)))


def _dateline(line: str) -> Found | None:
    """`WASHINGTON, June 8 (Reuters) -` / `الرياض - واس:`: agencies, and the line is kept."""
    m = _DATELINE_RE.match(line) or _AR_DATELINE_RE.match(line)
    if m is None:
        return None
    groups = m.groupdict()
    agency = canonical_agency(groups.get("ag") or groups.get("bar") or groups.get("ag2") or "")
    if agency is None:
        return None
    return Found(Byline(agencies=[agency]), FoundKind.DATELINE, None)


def scan_line(line: str) -> Found | None:
    """The byline, credit or sign-off in one whitespace-normalised line, if any."""
    if not line:
        return None
    whole = (0, len(line))
    if len(line) <= 80:
        agencies = _signoff_agencies(line)
        if agencies:
            return Found(Byline(agencies=agencies), FoundKind.SIGN_OFF, whole)
        bare = line.strip("()-–—. ")
        wires = [] if bare in ARABIC_GENERIC_WIRES else _with_wires(line.strip("()"))
        if wires is not None:
            return Found(Byline(agencies=wires), FoundKind.WITH_WIRES, whole)
        if is_arabic(line[0]):
            found = _arabic_forms(line)
            if found is not None:
                return found
    body = line.lstrip("(-–— ")
    if body[:1].isupper():
        head = body[:30].casefold()
        role_led = _ROLE_LEAD_RE.match(body) is not None
        if head.startswith("by ") or " by " in head or head.startswith("with ") or role_led:
            if len(body) <= 400:
                names = _parse_clauses(split_glued_clauses(body.rstrip(")")))
                if names is not None:
                    byline = names.byline()
                    kind = FoundKind.WIRE_TAIL if byline.roles else FoundKind.BY_LINE
                    return Found(byline, kind, whole)
            glued = _glued_by_line(body)
            if glued is not None:
                byline, start = glued
                return Found(byline, FoundKind.GLUED_BY_LINE, (0, start + len(line) - len(body)))
    found = _glued_ending(line) or _grammar_forms(line)
    if found is not None:
        return found
    if "(" in line[:80] or "|" in line[:60] or ARABIC_RE.search(line, 0, 40):
        return _dateline(line) or _arabic_byline_slot(line)
    return None


def _arabic_tail_names(inner: str) -> Names | None:
    """The persons and roles of Reuters' Arabic tail, as for an English one."""
    roles = arabic_tail(inner)
    if roles is None:
        return None
    names = Names()
    for role_value, persons in roles.items():
        role = Role(role_value)
        names.roles.setdefault(role, []).extend(persons)
        if role in (Role.REPORTING, Role.WRITING):
            names.authors.extend(persons)
    return names


def _arabic_byline_slot(line: str) -> Found | None:
    """Al-Masry Al-Youm's byline slot between bars: "السبت 25-07-2015 | كتب: رويترز |"."""
    if "|" not in line or not ARABIC_RE.search(line):
        return None
    for part in line.split("|"):
        part = part.strip()
        if part and is_arabic(part[0]) and len(part) <= 80:
            found = _arabic_forms(part)
            if found is not None and (found.byline.authors or found.byline.agencies):
                return Found(found.byline, FoundKind.BY_LINE, None)
    return None


def _arabic_forms(line: str) -> Found | None:
    """`بقلم: محمد علي`, `كتب - أحمد حسن`; Al Jazeera's `المصدر : الجزيرة + وكالات`."""
    signed = arabic_byline(line)
    if signed is not None:
        byline = Byline(authors=signed.persons, agencies=signed.agencies)
        return Found(byline, FoundKind.BY_LINE, (0, len(line)))
    agencies = arabic_source_line(line)
    if agencies is not None:
        return Found(Byline(agencies=agencies), FoundKind.SIGN_OFF, (0, len(line)))
    return None


_ROLE_LEAD_RE = re.compile(r"^(?:" + ROLE_RE + r")\b", re.IGNORECASE)


def _grammar_forms(line: str) -> Found | None:
    """Sign-offs and bare bylines of the grammar (byline_grammar.py), tried last."""
    whole = (0, len(line))
    agency = first_published(line)
    if agency is not None:
        return Found(Byline(agencies=[agency]), FoundKind.SIGN_OFF, whole)
    bare = bare_byline(line)
    if bare is not None:
        names = Names()
        names.authors, names.agencies = bare.persons, bare.agencies
        return Found(names.byline(), FoundKind.BY_LINE, whole)
    signed = reports_signoff(line)
    if signed is not None:
        person, start = signed
        return Found(Byline(authors=[person]), FoundKind.SIGN_OFF, (start, len(line)))
    return None


def parse_byline(text: str) -> Byline:
    """Authors, agencies and roles in one line of body text; empty fields if it has none.

    `(with newswires)` and the like name no agency and give an empty Byline (clean_article
    still removes them); `(With inputs from PTI)` gives PTI.
    """
    found = scan_line(ws(text))
    return found.byline if found is not None else Byline()
