"""Person-name shape and display case, organisation shape, and the text helpers they share.

A byline segment is taken for a person only when it has the shape of a name: 2-5 capitalised
words, initials and particles (`Jeon Heon-kyun`, `C. ARUNO`, `Ursula von der Leyen`). The word
lists say which capitalised words never name a person, and which make a segment an employer,
a job title or an organisation.
"""

from __future__ import annotations

import re

__all__ = [
    "ARABIC_RE",
    "affiliation",
    "dedupe",
    "display_name",
    "is_arabic",
    "is_arabic_person",
    "is_person",
    "org_shaped",
    "orgish",
    "ws",
]

_WS_RE = re.compile(r"\s+")


def ws(text: str) -> str:
    # The same as _WS_RE.sub(" ", text).strip() (\s is str.isspace), several times faster.
    # Printable text holds no whitespace but plain spaces: then only doubled, leading or
    # trailing ones would change (most text arrives normalised already).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


ARABIC_RE = re.compile(r"[\u0600-\u06ff]")


def is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ARABIC_WORD_RE = re.compile(r"^[\u0621-\u064a\u064b-\u0652\u0670\u0671]{2,}$")
# Arabic words that never stand in a byline's name: particles, pronouns, verbs of saying,
# job titles and the words of a newsroom. A name has none of them.
_ARABIC_NON_NAME = _words(
    """في من على إلى الى عن مع أن إن ان لا لم لن ما هذا هذه ذلك تلك الذي التي الذين هو هي هم
    قال قالت يقول وقال وقالت كتب كتبت أكد أضاف اليوم أمس غدا عام سنة بعد قبل خلال حول
    مراسل مراسلة المراسل محرر المحرر الكاتب كاتب صحفي الصحفي رئيس وزير الوزير الرئيس
    الحكومة الوزارة الوكالة وكالة وكالات الأنباء المصدر مصدر فريق قسم التحرير الأخبار خاص
    القاهرة الرياض دبي بيروت عمان دمشق بغداد الدوحة الكويت المنامة مسقط الرباط تونس الجزائر"""
)


def is_arabic_person(segment: str) -> bool:
    """True for 2-5 Arabic words that can be a name: "محمد علي", "عبد الله بن زايد"."""
    tokens = segment.split()
    if not 2 <= len(tokens) <= 5:
        return False
    return all(_ARABIC_WORD_RE.match(t) and t not in _ARABIC_NON_NAME for t in tokens)


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
# Words of _NON_NAME that are also surnames: a name's later word ("Rodi Said", "Edward Said").
_NAME_TOO = frozenset({"said"})
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
    federation association union house palace handout agencia agência parliament assembly
    senate congress municipality embassy province hospital school sports archief herald
    tribune gazette telegraph journal chronicle courier rail railways airlines council
    collection collections studio studios productions pictures"""
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
    if not tok[0].isupper():
        return False
    if low.strip(".") in _NON_NAME and not (low in _NAME_TOO and not first):
        return False
    if tok.endswith((".", "-")) and len(tok) > 3:
        return False
    return all(c.isalpha() or c in _NAME_CHARS for c in tok)


def is_person(segment: str) -> bool:
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

    In a name written in mixed case only the all-capital words of three letters or more are
    recased ("Christophe ARCHAMBAULT" -> "Christophe Archambault"); the rest stays as written.
    """
    text = ws(name)
    letters = [c for c in text if c.isalpha()]
    has_upper = any(c.isupper() for c in letters)
    has_lower = any(c.islower() for c in letters)
    if not letters or not (has_upper or has_lower):
        return text
    tokens = text.split(" ")
    last = len(tokens) - 1
    if has_upper and has_lower:
        # "Christophe ARCHAMBAULT": agencies write the surname in capitals; a short all-caps
        # token ("RJ", "OJ") is initials and stays.
        return " ".join(
            _cap_token(t, i == 0, i == last) if _SHOUTED_RE.match(t) else _recase_parts(t)
            for i, t in enumerate(tokens)
        )
    return " ".join(_cap_token(t, i == 0, i == last) for i, t in enumerate(tokens))


def _recase_parts(token: str) -> str:
    """ "Al-DOUMY" -> "Al-Doumy": the all-capital parts of a hyphenated word."""
    if "-" not in token:
        return token
    return "-".join(_cap_word(p.lower()) if _SHOUTED_RE.match(p) else p for p in token.split("-"))


_SHOUTED_RE = re.compile(r"^(?![IVX]+$)[A-Z][A-Z'’-]+[A-Z]$")


_ORG_FUNCTION_WORDS = frozenset({"of", "and", "de", "du", "la", "for", "the", "des", "&"})


def org_shaped(seg: str) -> bool:
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


def orgish(seg: str) -> bool:
    tokens = seg.split()
    return (
        len(tokens) == 1
        or seg.startswith("The ")
        or any(t.casefold().strip(".") in _ORG_WORDS for t in tokens)
    )


def affiliation(segment: str) -> bool:
    """An employer or job title after the names: "Reuters", "The Washington Post", "Senior
    Correspondent"; not a clause of prose."""
    words = segment.replace(".", " ").split()
    if not words or len(words) > 6:
        return False
    titled = any(w.casefold() in _AFFILIATION_WORDS for w in words)
    if titled and all(w.isalpha() for w in words):
        return True
    return org_shaped(segment) and (len(words) == 1 or segment.startswith("The ") or titled)
