"""Authorship, wire credits and publisher boilerplate in Daily8 article bodies.

Daily8 republishes other publishers' articles with the authorship left loose in the text:
`By ...` lines, Reuters' `Reporting by ...; Editing by ...` tails, agency sign-offs glued to
the last paragraph (`... on June 4. REUTERS`), photo credits at the end of captions, and the
publishers' own trailers. These pure functions split them out; the data (agency aliases,
boilerplate patterns) lives in ``newsspider/data/*.toml`` and is loaded once at import.

Principle: when a line is not clearly a byline or credit, nothing is extracted. Persons are only
taken from lines that start with a byline marker (`By`, `Reporting by`, `Compiled by`, ...) or
from a parenthesised Reuters tail at the very end of a paragraph; agencies only from whole
sign-off lines, sign-offs at the end of a paragraph after a sentence, datelines such as
`WASHINGTON, June 8 (Reuters) -`, and credits.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from newsspider.site.items import Credit

__all__ = [
    "AGENCIES",
    "PATTERNS",
    "PUBLISHERS",
    "BoilerplatePattern",
    "Byline",
    "Cleaned",
    "apply_pattern",
    "canonical_agency",
    "clean_article",
    "clean_title",
    "display_name",
    "parse_byline",
    "parse_credit",
]

_DATA_DIR = Path(__file__).resolve().parent / "data"

ROLES = ("reporting", "additional_reporting", "writing", "editing")


@dataclass(slots=True)
class Byline:
    """Authorship found in one line of body text."""

    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    roles: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class Cleaned:
    """An article body with bylines, sign-offs and publisher boilerplate split out."""

    body: list[str]
    title: str
    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    contributors: dict[str, list[str]] = field(default_factory=dict)
    source_link: str | None = None
    fired: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- text helpers

_WS_RE = re.compile(r"\s+")


def _ws(text: str) -> str:
    # The same as _WS_RE.sub(" ", text).strip() (\s is str.isspace), several times faster.
    # Printable text holds no whitespace but plain spaces: then only doubled, leading or
    # trailing ones would change (most text arrives normalised already).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")


def _is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff"


# --------------------------------------------------------------------------- agencies

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


_AGENCY_BY_KEY, _GLUED_TOKENS, _PHOTO_ONLY = _load_agencies()

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


def _agencies_in(segment: str) -> list[str]:
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


# --------------------------------------------------------------------------- names


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PARTICLES = _words(
    """van von der den de del della di da das dos du la le bin binti bint ibn ter ten zu y"""
)
# Capitalised words that start sentences or name times and things, never persons in a byline.
_NON_NAME = _words(
    """the a an this that these those its it his her their our my your he she they we i you all
    some many most one two three then now there here what when where why how if as monday
    tuesday wednesday thursday friday saturday sunday today tonight yesterday tomorrow
    morning afternoon evening night week weekend month year end time way and or of in on at
    for with from to by said says reported according after before during since until staff
    reporter reporters correspondent correspondents editor editors desk team bureau news
    agency newsroom service services media press times post photo photos video wire wires
    newswires street road avenue harbour harbor bridge river city square station airport
    university government ministry council court party police army"""
)
# Words that make a byline segment an affiliation or a job title rather than a person.
_AFFILIATION_WORDS = _words(
    """editor editors correspondent correspondents reporter reporters writer writers columnist
    contributor contributors analyst staff bureau chief desk producer photographer
    journalist journalists intern critic team news times post press media agency herald
    journal network service television tv radio daily weekly tribune gazette telegraph
    guardian independent standard observer online digital wire group international world
    channel senior political business economics"""
)
# Words that make a credit segment an organisation rather than a person.
_ORG_WORDS = _words(
    """news times post press media agency agence images image photos photo pictures picture
    service services office ministry government department archives archive tv television
    radio network group inc ltd llc university police army forces presidency council
    committee authority foundation institute museum library company corporation club
    federation association union house palace handout"""
)
_INITIALS_RE = re.compile(r"^(?:[A-Z]\.){1,3}$")
_PREFIXED_RE = re.compile(r"^(?:al|el|ad|an|ar|as|ash|at|az|ud|ul)-[A-Z]")
_APOS_PREFIX_RE = re.compile(r"^[dlDLO]['’][A-Z]")
_NAME_CHARS = frozenset("'’-.")


def _is_name_token(tok: str, first: bool, last: bool) -> bool:
    if _INITIALS_RE.match(tok):
        return not last
    low = tok.casefold()
    if tok.islower():
        if tok in _PARTICLES:
            return not first and not last
        return bool(_PREFIXED_RE.match(tok) or _APOS_PREFIX_RE.match(tok))
    if not tok[0].isupper() or low.strip(".") in _NON_NAME:
        return False
    if tok.endswith((".", "-")) and len(tok) > 3:
        return False
    return all(c.isalpha() or c in _NAME_CHARS for c in tok)


def _is_person(segment: str) -> bool:
    """True for 2-5 name-shaped words: "Jeon Heon-kyun", "JOHN O'NEILL", "C. ARUNO"."""
    tokens = segment.split()
    if not 2 <= len(tokens) <= 5:
        return False
    last = len(tokens) - 1
    return all(_is_name_token(t, i == 0, i == last) for i, t in enumerate(tokens))


_KO_SYLLABLE_RE = re.compile(
    r"^(?:kk|tt|pp|ss|jj|ch|[gkndtrlmbpsjhyw])?"
    r"(?:yeo|yae|wae|wa|wo|we|wi|ae|ya|eo|ye|oe|yo|yu|eu|ui|oo|ee|ou|a|e|i|o|u)"
    r"(?:ng|[kntlmp])?$"
)
_SUFFIXES = {"jr": "Jr", "jr.": "Jr.", "sr": "Sr", "sr.": "Sr."}
_ROMAN = frozenset({"ii", "iii", "iv"})


def _cap_word(word: str) -> str:
    if not word:
        return word
    for apos in "'’":
        head, sep, tail = word.partition(apos)
        if sep and len(head) == 1 and tail:
            return head.upper() + sep + _cap_word(tail)
    if word.startswith("mc") and len(word) > 3:
        return "Mc" + word[2].upper() + word[3:]
    return word[0].upper() + word[1:]


def _cap_token(tok: str, first: bool, last: bool) -> str:
    low = tok.lower()
    if not first and not last and low in _PARTICLES:
        return low
    if _INITIALS_RE.match(tok.upper()):
        return tok.upper()
    if low in _SUFFIXES and not first:
        return _SUFFIXES[low]
    if low in _ROMAN and not first:
        return tok.upper()
    parts = low.split("-")
    if len(parts) == 2 and all(_KO_SYLLABLE_RE.match(p) for p in parts):
        # Korean given names are written "Heon-kyun", not "Heon-Kyun"
        return _cap_word(parts[0]) + "-" + parts[1]
    return "-".join(_cap_word(p) for p in parts)


def display_name(name: str) -> str:
    """A person's name as an editor would write it: JEON HEON-KYUN -> Jeon Heon-kyun.

    Names already written in mixed case are returned as written (whitespace tidied).
    """
    text = _ws(name)
    letters = [c for c in text if c.isalpha()]
    has_upper = any(c.isupper() for c in letters)
    has_lower = any(c.islower() for c in letters)
    if not letters or (has_upper and has_lower) or not (has_upper or has_lower):
        return text
    tokens = text.split(" ")
    last = len(tokens) - 1
    return " ".join(_cap_token(t, i == 0, i == last) for i, t in enumerate(tokens))


# --------------------------------------------------------------------------- bylines

_ROLE_OF_MARKER = {
    "reporting": "reporting",
    "additional reporting": "additional_reporting",
    "further reporting": "additional_reporting",
    "writing": "writing",
    "editing": "editing",
}
# Markers whose persons are the article's authors (no role).
_AUTHOR_MARKERS = frozenset(
    {"by", "compiled", "written", "words", "text", "story", "report", "interview"}
)
_CLAUSE_RE = re.compile(
    r"^(?:(?P<marker>additional\s+reporting|further\s+reporting|reporting|writing|editing|"
    r"compiled|written|words|text|story|report|interview|photos?|photography|pictures|graphics|"
    r"video|illustrations?|fact[- ]checking|produced|research|translat(?:ed|ion))\s+by"
    r"|(?P<by>by))\s*:?\s+(?P<names>\S.*)$",
    re.IGNORECASE,
)
_ASSIST_RE = re.compile(
    r"^(?:with\s+(?:additional\s+)?assistance\s+from)\s+(?P<names>\S.*?)\.?$", re.IGNORECASE
)
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
_GENERIC_WIRES = frozenset(
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
_TAIL_PAREN_RE = re.compile(r"\s*\((?P<inner>[^()]{2,400})\)\s*\.?\s*$")
_AR_DASH_RE = re.compile(r"\s*[-–—]\s*(?P<ag>[\u0600-\u06ff][\u0600-\u06ff .]{0,20}?)\s*\.?\s*$")
_DATELINE_RE = re.compile(
    r"^[A-Z][A-Z.'’/ -]{1,40}?(?:,\s*[^()]{1,30}?)?\s*\((?P<ag>[^()]{1,30})\)\s*[-–—:]"
)
_AR_DATELINE_RE = re.compile(
    r"^[\u0600-\u06ff]{2,20}(?:\s[\u0600-\u06ff]{2,20}){0,2}\s*[-–—]\s*\(?"
    r"(?P<ag>[\u0600-\u06ff][\u0600-\u06ff ]{0,20}?)\)?\s*[-–—:]"
)
_LEAD_MARKER_RE = re.compile(
    r"^(?:(?:Compiled|Reporting|Written|Story|Report|Text|Words|COMPILED|REPORTING|WRITTEN)"
    r"\s+(?:by|BY)|By|BY)\s+"
)
_SENTENCE_END = ".!?\"'’”)]"

_Kind = Literal[
    "by_line",
    "wire_tail",
    "sign_off",
    "with_wires",
    "glued_sign_off",
    "glued_by_line",
    "glued_wire_tail",
    "dateline",
]


@dataclass(slots=True)
class _Found:
    byline: Byline
    kind: _Kind
    cut: tuple[int, int] | None  # span of the line to remove; None: keep the line


class _Names:
    """Accumulates persons and agencies while parsing one line."""

    __slots__ = ("agencies", "authors", "roles")

    def __init__(self) -> None:
        self.authors: list[str] = []
        self.agencies: list[str] = []
        self.roles: dict[str, list[str]] = {}

    def byline(self) -> Byline:
        roles = {r: _dedupe(self.roles[r]) for r in ROLES if self.roles.get(r)}
        return Byline(_dedupe(self.authors), _dedupe(self.agencies), roles)


def _affiliation(segment: str) -> bool:
    """An employer or job title after the names: "Reuters", "The Washington Post", "Senior
    Correspondent"; not a clause of prose."""
    words = segment.replace(".", " ").split()
    if not words or len(words) > 6:
        return False
    titled = any(w.casefold() in _AFFILIATION_WORDS for w in words)
    if titled and all(w.isalpha() for w in words):
        return True
    return _org_shaped(segment) and (len(words) == 1 or segment.startswith("The ") or titled)


def _parse_names(text: str) -> tuple[list[str], list[str]] | None:
    """Persons and agencies in a byline's name list; None if any part is not one of them."""
    persons: list[str] = []
    agencies: list[str] = []
    text = text.strip().rstrip(".")
    m = _AFFIL_RE.search(text)
    if m:
        org = m.group("org").strip()
        found = _agencies_in(org)
        if not found and not _affiliation(org):
            return None
        agencies.extend(found)
        text = text[: m.start()]
    for i, raw in enumerate(_NAME_SPLIT_RE.split(text)):
        seg = _PLACE_RE.sub("", raw.strip())
        if not seg:
            return None
        found = _agencies_in(seg)
        if found:
            agencies.extend(found)
        elif _is_person(seg):
            persons.append(display_name(seg))
        elif i > 0 and _affiliation(seg):
            continue
        else:
            return None
    if not persons and not agencies:
        return None
    return persons, agencies


def _parse_clauses(line: str) -> _Names | None:
    """`By ...` lines and `Reporting by ...; Editing by ...` tails, the whole line or None."""
    names = _Names()
    for clause in _CLAUSE_SPLIT_RE.split(line):
        clause = clause.strip().rstrip(".")
        m = _CLAUSE_RE.match(clause)
        role: str | None = None
        if m:
            marker = (m.group("marker") or m.group("by")).casefold()
            marker = _WS_RE.sub(" ", marker)
            role = _ROLE_OF_MARKER.get(marker)
            listed = m.group("names")
            keep = role is not None or marker in _AUTHOR_MARKERS
        else:
            a = _ASSIST_RE.match(clause)
            if a is None:
                return None
            role, listed, keep = "additional_reporting", a.group("names"), True
        parsed = _parse_names(listed)
        if parsed is None:
            return None
        persons, agencies = parsed
        names.agencies.extend(agencies)
        if not keep:
            continue
        if role is None or role in ("reporting", "writing"):
            names.authors.extend(persons)
        if role is not None:
            names.roles.setdefault(role, []).extend(persons)
    return names


def _signoff_agencies(text: str) -> list[str] | None:
    """Agencies of a sign-off made only of agency names ("AFP, REUTERS", "(رويترز)")."""
    parts = _SIGNOFF_SPLIT_RE.split(text.strip(" \t-–—().:"))
    found: list[str] = []
    for part in parts:
        agency = canonical_agency(part) if part else None
        if agency is None or agency in _PHOTO_ONLY:
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
    names = _Names()
    names.authors, names.agencies = parsed
    return names.byline(), len(line) - len(" ".join(tokens[i - 1 :]))


def _glued_ending(line: str) -> _Found | None:
    """A sign-off, `(with ...)` or Reuters tail run onto the end of a paragraph."""
    last = line[-1]
    if last in ").":
        # _TAIL_PAREN_RE ends in `\)\s*\.?\s*$`: search only a line that ends that way.
        end = line.rstrip()
        if end.endswith("."):
            end = end[:-1].rstrip()
        m = _TAIL_PAREN_RE.search(line) if end.endswith(")") else None
        if m is not None:
            inner = m.group("inner").strip()
            before = line[: m.start()].rstrip()
            after_sentence = not before or before[-1] in _SENTENCE_END
            arabic = _ARABIC_RE.search(inner) is not None
            if after_sentence and inner[0].isupper() and _CLAUSE_RE.match(inner):
                names = _parse_clauses(inner)
                if names is not None:
                    return _Found(names.byline(), "glued_wire_tail", (m.start(), len(line)))
            wires = _with_wires(inner)
            if wires is not None and (after_sentence or arabic):
                return _Found(Byline(agencies=wires), "with_wires", (m.start(), len(line)))
            agencies = _signoff_agencies(inner)
            if agencies and (after_sentence or arabic):
                return _Found(Byline(agencies=agencies), "glued_sign_off", (m.start(), len(line)))
    if _is_arabic(last) or (last == "." and len(line) > 1 and _is_arabic(line[-2])):
        a = _AR_DASH_RE.search(line)
        if a is not None:
            agency = canonical_agency(a.group("ag"))
            if agency:
                return _Found(Byline(agencies=[agency]), "glued_sign_off", (a.start(), len(line)))
        return None
    tail_token = line.rsplit(" ", 1)[-1].rstrip(".")
    if tail_token not in _GLUED_TOKENS:
        return None
    g = _GLUED_RE.search(line, max(0, len(line) - 80))
    if g is None:
        return None
    parts = [p for p in _GLUED_SPLIT_RE.split(g.group("so").rstrip(".")) if p]
    if not all(p in _GLUED_TOKENS for p in parts):
        return None
    agencies = [a for a in (canonical_agency(p) for p in parts) if a]
    return _Found(Byline(agencies=agencies), "glued_sign_off", (g.start(), len(line)))


def _dateline(line: str) -> _Found | None:
    """`WASHINGTON, June 8 (Reuters) -` / `الرياض - واس:`: agencies, and the line is kept."""
    m = _DATELINE_RE.match(line) or _AR_DATELINE_RE.match(line)
    if m is None:
        return None
    agency = canonical_agency(m.group("ag"))
    if agency is None:
        return None
    return _Found(Byline(agencies=[agency]), "dateline", None)


def _scan(line: str) -> _Found | None:
    """The byline, credit or sign-off in one whitespace-normalised line, if any."""
    if not line:
        return None
    whole = (0, len(line))
    if len(line) <= 80:
        agencies = _signoff_agencies(line)
        if agencies:
            return _Found(Byline(agencies=agencies), "sign_off", whole)
        wires = _with_wires(line.strip("()"))
        if wires is not None:
            return _Found(Byline(agencies=wires), "with_wires", whole)
    body = line.lstrip("(-–— ")
    if body[:1].isupper():
        head = body[:30].casefold()
        if head.startswith("by ") or " by " in head or head.startswith("with "):
            if len(body) <= 400:
                names = _parse_clauses(body.rstrip(")"))
                if names is not None:
                    byline = names.byline()
                    kind: _Kind = "wire_tail" if byline.roles else "by_line"
                    return _Found(byline, kind, whole)
            glued = _glued_by_line(body)
            if glued is not None:
                byline, start = glued
                return _Found(byline, "glued_by_line", (0, start + len(line) - len(body)))
    found = _glued_ending(line)
    if found is not None:
        return found
    if "(" in line[:80] or _ARABIC_RE.search(line, 0, 40):
        return _dateline(line)
    return None


def parse_byline(text: str) -> Byline:
    """Authors, agencies and roles in one line of body text; empty fields if it has none.

    `(with newswires)` and the like name no agency and give an empty Byline (clean_article
    still removes them); `(With inputs from PTI)` gives PTI.
    """
    found = _scan(_ws(text))
    return found.byline if found is not None else Byline()


# --------------------------------------------------------------------------- photo credits

_MAX_CREDIT = 120  # characters; longer tails are prose
_FILE_PREFIX_RE = re.compile(r"^FILE\s+PHOTO\s*[:\-–—]\s*|^File\s+photo\s*:\s*")
_FILE_SUFFIX_RE = re.compile(r"\s*\(?\bFile (?:photo|picture|image|pic)\)?\.?$", re.IGNORECASE)
_CREDIT_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s(]))(?:\|\s*)?(?:PHOTOS?|Photos?|IMAGES?|Images?|Picture|PICTURE|Pic|PIC|"
    r"Credit|CREDIT|Photograph|Video|VIDEO|Foto)\s*(?::|/(?=\s))\s*"
)
_AGENCY_PHOTO_RE = re.compile(r"(?:^|(?<=[\s(]))(?P<ag>[A-Z][A-Za-z-]{1,20})\s+$")
_CREDIT_PAREN_RE = re.compile(r"\s*\((?P<inner>[^()]{1,100})\)\s*\.?$")
_DASH_PHOTO_RE = re.compile(
    r"\s+[-–—]\s*(?P<who>[A-Z][\w&. -]{0,40}?)\s+(?:photo|pic|file photo|picture)s?\.?$",
    re.IGNORECASE,
)
_PAREN_LABEL_RE = re.compile(
    r"^(?:photos?|images?|picture|pic|credit|video)\s*[:/]\s*", re.IGNORECASE
)
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?\"'’”])\s+(?=\S)")
_VIA_RE = re.compile(r"\s+via\s+", re.IGNORECASE)
_CREDIT_SPLIT_RE = re.compile(r"\s*/\s*|\s*,\s*|\s*;\s*")
_CREDIT_FLAGS = {
    "file photo": "file",
    "file": "file",
    "file pic": "file",
    "file picture": "file",
    "pool": "pool",
    "pool photo": "pool",
    "handout": "handout",
    "handout photo": "handout",
    "supplied": "handout",
    "str": "none",
    "stringer": "none",
}
_ORG_FUNCTION_WORDS = frozenset({"of", "and", "de", "du", "la", "for", "the", "des", "&"})


def _org_shaped(seg: str) -> bool:
    tokens = seg.split()
    if not 1 <= len(tokens) <= 6 or not tokens[0][:1].isupper():
        return False
    for tok in tokens:
        if tok in _ORG_FUNCTION_WORDS:
            continue
        if not (tok[:1].isupper() or tok[:1].isdigit()):
            return False
        if not all(c.isalnum() or c in "&.'’-+" for c in tok):
            return False
    return True


def _orgish(seg: str) -> bool:
    tokens = seg.split()
    return (
        len(tokens) == 1
        or seg.startswith("The ")
        or any(t.casefold().strip(".") in _ORG_WORDS for t in tokens)
    )


class _CreditParts:
    __slots__ = ("agencies", "file_photo", "handout", "known", "photographer", "pool", "via")

    def __init__(self) -> None:
        self.photographer: str | None = None
        self.agencies: list[str] = []
        self.via: str | None = None
        self.pool = False
        self.file_photo = False
        self.handout = False
        self.known = False  # saw a known agency, a flag or "via": evidence of a credit


def _credit_segment(seg: str, parts: _CreditParts, org_only: bool) -> bool:
    seg = seg.strip(" .'\"")
    if not seg:
        return False
    flag = _CREDIT_FLAGS.get(seg.casefold())
    if flag is not None:
        parts.known = True
        if flag == "file":
            parts.file_photo = True
        elif flag == "pool":
            parts.pool = True
        elif flag == "handout":
            parts.handout = True
        return True
    found = _agencies_in(seg)
    if found:
        parts.known = True
        parts.agencies.extend(found)
        return True
    if not org_only and _is_person(seg) and not _orgish(seg):
        if parts.photographer is None:
            parts.photographer = display_name(seg)
        return True
    if _org_shaped(seg) and (org_only or _orgish(seg)):
        parts.agencies.append(seg)
        return True
    return False


def _credit_body(text: str) -> _CreditParts | None:
    """Parse `JEON HEON-KYUN/Pool via REUTERS/File Photo`-style credits; None if not one."""
    text = text.strip()
    if not text or len(text) > _MAX_CREDIT:
        return None
    parts = _CreditParts()
    pieces = _VIA_RE.split(text)
    if len(pieces) > 2:
        return None
    if len(pieces) == 2:
        left, right = pieces
        via_segs = [s for s in _CREDIT_SPLIT_RE.split(right) if s]
        if not via_segs:
            return None
        head = via_segs[0].strip(" .")
        via = _agencies_in(head)
        if via:
            parts.via = via[0]
        elif _org_shaped(head):
            parts.via = head
        else:
            return None
        parts.known = True
        for seg in via_segs[1:]:
            if not _credit_segment(seg, parts, org_only=False):
                return None
    else:
        left = text
    segs = [s for s in _CREDIT_SPLIT_RE.split(left) if s]
    if not segs:
        return None
    # "KCNA via REUTERS", "Blue Origin via AP": a lone name before "via" is the provider
    org_only = len(pieces) == 2 and len(segs) == 1
    for seg in segs:
        if not _credit_segment(seg, parts, org_only):
            return None
    return parts


def _find_credit(text: str) -> tuple[str, _CreditParts] | None:
    """Split a caption into (text before the credit, credit), trying the credit forms."""
    m = _CREDIT_PAREN_RE.search(text)
    if m is not None:
        inner = m.group("inner")
        labelled = _PAREN_LABEL_RE.match(inner)
        parts = _credit_body(inner[labelled.end() :] if labelled else inner)
        if parts is not None and (labelled or parts.known):
            return text[: m.start()], parts
    labels = list(_CREDIT_LABEL_RE.finditer(text))
    if labels:
        label = labels[-1]
        rest = text[label.end() :]
        before = text[: label.start()]
        agency_photo = _AGENCY_PHOTO_RE.search(before)
        if agency_photo is not None and _agencies_in(agency_photo.group("ag")):
            # "AFP PHOTO / STR": the agency is written before the label
            rest = agency_photo.group("ag") + "/" + rest
            before = before[: agency_photo.start()]
        if not rest.strip() or rest[:1] in "'\"‘“":
            # an empty credit, with the next element's text run in after it
            return before, _CreditParts()
        parts = _credit_body(rest)
        if parts is not None:
            return before, parts
        return None
    d = _DASH_PHOTO_RE.search(text)
    if d is not None:
        parts = _credit_body(d.group("who"))
        if parts is not None and parts.known:
            return text[: d.start()], parts
    # an unlabelled credit is the last "sentence": "... June 4, 2025. KCNA via REUTERS"
    start = 0
    for boundary in _SENTENCE_SPLIT_RE.finditer(text, max(0, len(text) - _MAX_CREDIT - 1)):
        start = boundary.end()
    parts = _credit_body(text[start:])
    if parts is not None and parts.known:
        return text[:start], parts
    return None


def parse_credit(caption: str) -> Credit:
    """Split the photo credit off a caption.

    `Credit.agencies` holds the credited organisations: the canonical name for a known agency,
    else the name as written ("The Denver Post"). A caption without a credit comes back as
    ``Credit(caption=caption)``.
    """
    text = _ws(caption)
    credit = Credit(caption=text)
    if not text:
        return credit
    file_photo = False
    prefix = _FILE_PREFIX_RE.match(text)
    if prefix is not None:
        file_photo = True
        text = text[prefix.end() :]
    found = _find_credit(text)
    if found is None:
        if file_photo:
            credit.file_photo = True
            credit.caption = text
        return credit
    before, parts = found
    before = before.rstrip(" |-–—:;,")
    suffix = _FILE_SUFFIX_RE.search(before)
    if suffix is not None and suffix.start() > 0:
        file_photo = True
        before = before[: suffix.start()].rstrip()
    credit.caption = before
    credit.photographer = parts.photographer
    credit.agencies = _dedupe(parts.agencies)
    credit.via = parts.via
    credit.pool = parts.pool
    credit.file_photo = file_photo or parts.file_photo
    credit.handout = parts.handout
    return credit


# --------------------------------------------------------------------------- boilerplate

_Remove = Literal["paragraph", "span", "tail"]
_Target = Literal["body", "title"]


@dataclass(frozen=True, slots=True)
class BoilerplatePattern:
    """One entry of boilerplate.toml, compiled."""

    publisher: str
    name: str
    regex: re.Pattern[str]
    remove: _Remove
    target: _Target
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
    return _ws(source).casefold()


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
            if remove not in ("paragraph", "span", "tail"):
                raise ValueError(f"{where}: remove must be paragraph, span or tail")
            if target not in ("body", "title") or (target == "title" and remove != "span"):
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
                    remove=remove,
                    target=target,
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
        tuple(p for p in active if p.target == "title"),
        tuple(p for p in active if p.target == "body"),
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
    if pattern.remove == "span":
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
    return _ws(link) or None


def clean_title(title: str, source: str | None) -> tuple[str, list[str]]:
    """A title (whitespace normalised) without its publisher's suffixes; the patterns fired."""
    fired: list[str] = []
    clean = _ws(title)
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
    removal: "publisher/pattern" for boilerplate, "byline/<kind>" for bylines and sign-offs.
    """
    body_patterns = _patterns_for(_source_key(source or ""))[1]
    clean, fired = clean_title(title, source)
    source_link: str | None = None

    names = _Names()
    paragraphs: list[str] = []
    for raw in body:
        text = _ws(raw)
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
            if pattern.remove == "tail":
                stop = True
                break
            text = left or ""
            lowered = text.casefold()
        if stop:
            break
        if not text:
            continue
        found = _scan(text)
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
