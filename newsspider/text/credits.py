"""Photo credits at the end of captions: photographer, agencies, via, pool, file, handout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsspider.text.agencies import agencies_in, canonical_agency
from newsspider.text.names import (
    ARABIC_RE,
    dedupe,
    display_name,
    is_person,
    org_shaped,
    orgish,
    ws,
)

__all__ = ["Credit", "parse_credit"]


@dataclass(slots=True)
class Credit:
    """A photo credit split out of a caption."""

    photographer: str | None = None
    agencies: list[str] = field(default_factory=list)
    via: str | None = None
    pool: bool = False
    file_photo: bool = False
    handout: bool = False
    caption: str = ""


_MAX_CREDIT = 120  # characters; longer tails are prose
_FILE_PREFIX_RE = re.compile(r"^FILE\s+PHOTO\s*[:\-–—]\s*|^File\s+photo\s*:\s*")
_FILE_SUFFIX_RE = re.compile(r"\s*\(?\bFile (?:photo|picture|image|pic)\)?\.?$", re.IGNORECASE)
# A label before a credit: "PHOTO:", "Photo / ", "Credit:", "Photographer:", BBC's "Image
# source, ", Arabic "تصوير :". It may be glued to the caption's last word or number
# ("... cent.Credit:Nick Moir", "... 2022Image source, ...").
_CREDIT_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s(.\d]))(?:\|\s*)?(?:(?:Mandatory\s+Credit|MANDATORY\s+CREDIT|PHOTOS?|Photos?|"
    r"IMAGES?|Images?|Picture|PICTURE|Pic|PIC|Credit|CREDIT|Photographer|Photograph|Video|VIDEO|"
    r"Foto|Graphic|GRAPHIC|تصوير)\s*(?::|/(?=\s))|Image\s+source,|(?:Photos?|Photograph|Picture)\s+by|©)\s*"
)
_AGENCY_PHOTO_RE = re.compile(r"(?:^|(?<=[\s(]))(?P<ag>[A-Z][A-Za-z-]{1,20})\s+$")
_CREDIT_PAREN_RE = re.compile(r"\s*\((?P<inner>[^()]{1,100})\)\s*\.?$")
_DASH_PHOTO_RE = re.compile(
    r"\s+[-–—]\s*(?P<who>[A-Z][\w&. -]{0,40}?)\s+(?:photo|pic|file photo|picture)s?\.?$",
    re.IGNORECASE,
)
_PAREN_LABEL_RE = re.compile(
    r"^(?:(?:photos?|images?|picture|pic|credit|video)\s*[:/]|(?:photos?|photograph|picture)\s+by)\s*",
    re.IGNORECASE,
)
# "Calla Kessler for The Washington Post": a photographer and the outlet they shot for.
_PERSON_FOR_RE = re.compile(r"^(?P<who>.+?)\s+for\s+(?P<org>[A-Z].*)$")
# "For the Washington Post": a freelancer's credit names the outlet after "for".
_FOR_ORG_RE = re.compile(r"^[Ff]or\s+(?P<org>(?:[Tt]he\s+)?[A-Z].*)$")
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


# "Getty Images for Mercedes-Benz Fashion Week": the agency took the photo for a client.
_FOR_CLIENT_RE = re.compile(r"\s+for\s+[A-Z0-9].*$")
# "Jake Roth-USA TODAY Sports", "Kirby Lee-Imagn Images": photographer and outlet joined by a
# hyphen (USA TODAY Network style); the outlet part starts with a capitalised word.
_PERSON_ORG_RE = re.compile(r"^(?P<who>[^-]+?)\s*-\s*(?P<org>[A-Z][\w&.' -]+)$")
# Yahoo's "(File/Getty Images - image credit)": a label the syndicator adds to the credit.
_CREDIT_NOTE_RE = re.compile(r"\s+[-–—]\s+image\s+credit$", re.IGNORECASE)
# An Arabic caption's credit: its closing parentheses, 1-4 Arabic words ("(الشرق الأوسط)",
# "(رويترز)", "(مواقع التواصل-أرشيف)"). "أرشيف" marks a file photo.
_AR_CREDIT_RE = re.compile(
    r"\s*\((?P<inner>[\u0600-\u06ff][\u0600-\u06ff .]{0,40}?)"
    r"(?:\s*[-–—]\s*(?P<file>أرشيف|ارشيف))?\)\s*\.?$"
)
# Arabic words that make a parenthesised ending a remark, not a credit.
_AR_NOT_CREDIT_WORDS = """في من على إلى الى عن مع أن إن ان لا لم ما هذا هذه الذي التي قال قالت
يوم عام غربي شرقي شمالي جنوبي وسط"""
_AR_NOT_CREDIT = frozenset(_AR_NOT_CREDIT_WORDS.split())


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
    found = agencies_in(seg) or agencies_in(_FOR_CLIENT_RE.sub("", seg))
    if found:
        parts.known = True
        parts.agencies.extend(found)
        return True
    if not org_only and is_person(seg) and not orgish(seg):
        if parts.photographer is None:
            parts.photographer = display_name(seg)
        return True
    for_org = _FOR_ORG_RE.match(seg)
    if for_org is not None:
        org = for_org.group("org")
        org = "The " + org[4:] if org.startswith("the ") else org
        if org_shaped(org):
            parts.agencies.extend(agencies_in(org) or [org])
            return True
    shot_for = None if org_only else _PERSON_FOR_RE.match(seg)
    if shot_for is not None and parts.photographer is None:
        who, org = shot_for.group("who"), shot_for.group("org")
        if is_person(who) and not orgish(who) and org_shaped(org) and orgish(org):
            parts.photographer = display_name(who)
            parts.agencies.extend(agencies_in(org) or [org])
            return True
    joined = None if org_only else _PERSON_ORG_RE.match(seg)
    if joined is not None and parts.photographer is None:
        who, org = joined.group("who"), joined.group("org").strip()
        if is_person(who) and not orgish(who) and " " in org and org_shaped(org) and orgish(org):
            parts.photographer = display_name(who)
            parts.agencies.append(org)
            parts.known = True
            return True
    if org_shaped(seg) and (org_only or orgish(seg)):
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
        via = agencies_in(head)
        if via:
            parts.via = via[0]
        elif org_shaped(head):
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
    if "/" in left and parts.photographer is not None and parts.agencies:
        # "Phando Jikelo/RSA Parliament": a person and an organisation joined by a slash
        parts.known = True
    return parts


def _arabic_credit(text: str) -> tuple[str, _CreditParts] | None:
    """The parenthesised credit closing an Arabic caption: "... (الشرق الأوسط)"."""
    m = _AR_CREDIT_RE.search(text)
    if m is None:
        return None
    inner = m.group("inner").strip(" .")
    words = inner.split()
    if not 1 <= len(words) <= 4 or any(w in _AR_NOT_CREDIT for w in words):
        return None
    parts = _CreditParts()
    parts.agencies = agencies_in(inner) or [inner]
    parts.file_photo = m.group("file") is not None
    return text[: m.start()], parts


def _find_credit(text: str) -> tuple[str, _CreditParts] | None:
    """Split a caption into (text before the credit, credit), trying the credit forms."""
    if text.endswith(")") and ARABIC_RE.search(text, max(0, len(text) - 8)):
        return _arabic_credit(text)
    m = _CREDIT_PAREN_RE.search(text)
    if m is not None:
        inner = _CREDIT_NOTE_RE.sub("", m.group("inner"))
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
        if agency_photo is not None and agencies_in(agency_photo.group("ag")):
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


# AP's member-state code after a credit: "(Andree Kehn/Sun Journal via AP) =ME".
_AP_STATE_CODE_RE = re.compile(r"(?<=\))\s+=[A-Z]{2,3}$")
_ACRONYM_END_RE = re.compile(r"(?P<words>(?:[A-Z][\w&-]*\s+){1,5})\((?P<acr>[A-Z]{2,8})\)\.?$")


def _expand_acronym_alias(text: str) -> str:
    """ "... Oupa Mokoena/African News Agency (ANA)": an agency written with its acronym in
    parentheses is one name, not a name and a parenthesised credit."""
    m = _ACRONYM_END_RE.search(text)
    if m is None:
        return text
    words = m.group("words").split()
    for k in range(len(words), 0, -1):
        name = canonical_agency(" ".join(words[-k:]) + f" ({m.group('acr')})")
        if name is not None:
            start = m.start("words") + m.group("words").index(words[-k])
            return text[:start] + name
    return text


def parse_credit(caption: str) -> Credit:
    """Split the photo credit off a caption.

    `Credit.agencies` holds the credited organisations: the canonical name for a known agency,
    else the name as written ("The Denver Post"). A caption without a credit comes back as
    ``Credit(caption=caption)``.
    """
    text = ws(caption)
    credit = Credit(caption=text)
    if not text:
        return credit
    text = _expand_acronym_alias(_AP_STATE_CODE_RE.sub("", text))
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
    credit.agencies = dedupe(parts.agencies)
    credit.via = parts.via
    credit.pool = parts.pool
    credit.file_photo = file_photo or parts.file_photo
    credit.handout = parts.handout
    return credit
