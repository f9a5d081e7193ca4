"""Generic chrome in article bodies: rails, playlists, link boxes, teasers, labels, promos.

Daily8 republishes what its publishers' pages put around an article: video rails, playlists
(captions credited ``Video / Name``), link boxes, live-blog labels, escaped markup, promos.
The per-publisher patterns (``data/boilerplate.toml``) know some wordings; this the kinds.

`find_chrome` judges a body's lines together: a run of headlines, a rail or a playlist as a
run, never one short line alone; a single line only as a whole (a bare date, ``VIDEO: ...``,
a promo of calls to action). A sentence that mentions a video or a newsletter stays. The
vocabulary, in English and Arabic, is ``data/chrome.toml``.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsspider.text.names import ws

__all__ = ["RULES", "Verdict", "find_chrome", "strip_chrome"]

#: Every rule, reported as "chrome/<rule>".
RULES: tuple[str, ...] = ("duration", "date", "views", "rail", "playlist", "credit", "teaser")
RULES += ("heading", "link_list", "headlines", "live_label", "markup", "promo")
_DATA = Path(__file__).resolve().parent / "data" / "chrome.toml"
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_SENTENCE_BREAK = re.compile(
    r"(?:[a-z]{2}|[\u0600-\u06FF\d)])[.!?…][\"'’”)]?\s+[\"'‘“(]?[A-Z\u0600-\u06FF]"
)
_QUOTES = "\"“”‘’'«»"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the detector says of one line: its rule, and what of it goes."""

    rule: str
    #: None: the whole line goes; else the part of the line that is cut out.
    span: re.Pattern[str] | None = None

    def apply(self, text: str) -> str:
        """What is left of ``text`` ("" when the line goes)."""
        if self.span is None:
            return ""
        return ws(self.span.sub("", text, count=1))


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class _Vocab:
    """chrome.toml, compiled."""

    def __init__(self, data: dict[str, Any]) -> None:
        lim = data["limits"]
        self.short_words = int(lim["short_max_words"])
        self.short_chars = int(lim["short_max_chars"])
        self.run_min = int(lim["run_min_lines"])
        self.title_share = float(lim["title_case_share"])
        self.title_min_words = int(lim["title_case_min_words"])
        self.factbox_words = int(lim["factbox_max_value_words"])
        self.rail_markers = int(lim["rail_min_markers"])
        self.rail_items = int(lim["rail_min_items"])
        self.rail_lines = int(lim["rail_segment_max_lines"])
        self.rail_chars = int(lim["rail_segment_max_chars"])
        self.rail_desc_chars = int(lim["rail_description_max_chars"])
        self.pl_credited = int(lim["playlist_min_credited"])
        self.pl_gap = int(lim["playlist_max_gap"])
        self.pl_density = float(lim["playlist_min_density"])
        self.pl_gap_chars = int(lim["playlist_gap_max_chars"])
        self.pl_gap_sentences = int(lim["playlist_gap_max_sentences"])
        self.list_items = int(lim["list_max_items"])
        self.teaser_words = int(lim["teaser_max_words"])
        self.promo_words = int(lim["promo_max_words"])
        self.filler_words = int(lim["promo_filler_max_words"])
        self.ar_promo_words = int(lim["arabic_promo_max_words"])
        self.small = frozenset(data["titles"]["small_words"])

        mk = data["markers"]
        months = _alt(mk["months"])
        days = _alt(mk["weekdays"])
        units = _alt(mk["units"])
        tz = _alt(mk["time_zones"])
        ampm = r"(?:[ap]\.?\s?m\.?)"
        clock = (
            rf"\d{{1,2}}(?::\d{{2}}(?::\d{{2}})?\s?{ampm}?|[.]\d{{2}}\s?{ampm}|\s?{ampm})"
            rf"(?:\s?(?:{tz}))?"
        )
        weekday = rf"(?:(?:{days})\.?,?\s+)?"
        num_date = r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}"
        word_date = (
            rf"(?:{months})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
            rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{months})\.?,?\s+\d{{4}}"
        )
        self.date = re.compile(
            rf"^{weekday}(?:{num_date}|{word_date})(?:T\d{{2}}:\d{{2}}(?::\d{{2}})?Z?)?"
            rf"(?:\s*(?:,|-|–|\||@|at|الساعة)?\s*{clock})?$",
            re.IGNORECASE,
        )
        self.clock = re.compile(rf"^{weekday}{clock}$", re.IGNORECASE)
        self.relative = re.compile(
            rf"^(?:(?:about|over|almost|around|nearly|updated|posted|published)\s+)?"
            rf"(?:\d+|an?|one|a few)\s*(?:{units})\.?\s+ago$|^(?:just now|moments ago)$"
            rf"|^منذ\s+(?:\d+\s+)?(?:{_alt(mk['arabic_units'])})(?:\s+(?:واحدة|واحد))?$",
            re.IGNORECASE,
        )
        dur = r"\(?(?:\d{1,2}:)?[0-5]?\d:[0-5]\d\)?"
        dur_unit = r"(?:\s?(?:min|mins|minutes|sec|secs|seconds|دقيقة|دقائق))?"
        self.duration = re.compile(
            rf"^(?:(?:{_alt(mk['duration_labels'])})\s*:?\s*)?{dur}{dur_unit}"
            rf"(?:\s*[-–|]\s*Source:\s*[^.!?]{{1,40}})?$",
            re.IGNORECASE,
        )
        self.views = re.compile(
            rf"^[\d.,]+\s?(?:[KkMm]|ألف|مليون)?\+?\s+(?:{_alt(mk['views_words'])})"
            rf"(?:\s*[|·•\-–]\s*.{{1,30}})?$"
        )

        self.rail_labels = frozenset(data["rails"]["labels"])

        cr = data["credits"]
        self.credit_only = re.compile(
            rf"^(?:{_alt(cr['keywords'])})\s*(?:[/\\:|]|\bby\b)\s*(?P<name>.{{0,80}})$"
        )
        self.video_credit = re.compile(
            rf"^(?P<caption>.{{12,}}?)\s+(?:{_alt(cr['video_keywords'])})\s*[/\\:|]\s*"
            rf"(?P<name>[^.!?]{{2,80}})$"
        )
        self.particles = frozenset(cr["name_particles"])
        self.video_words = tuple(cr["video_keywords"])

        te = data["teasers"]
        sep = r"[:|»›>\-–—]+"
        self.teaser = re.compile(
            rf"^[\[(]?(?:{_alt(te['labels'])})[\])]?\s*(?:{sep}\s*(?P<rest>.*?))?\s*[.…:»›>]*$"
        )
        self.teaser_ar = re.compile(
            rf"^(?:(?:{_alt(te['arabic_loose'])})\s*(?:[:：|»›\-–—]+)?"
            rf"|(?:{_alt(te['arabic_strict'])})\s*(?:[:：|»›\-–—]+|$))\s*(?P<rest>.*)$"
        )
        self.teaser_suffix = re.compile(te["suffix_regex"])

        lv = data["live"]
        self.stamp_label = re.compile(
            rf"^(?:{_alt(lv['stamp_labels'])})(?P<colon>\s*:)?\s*(?P<rest>.*)$"
        )
        self.field_label = re.compile(rf"^(?:{_alt(lv['field_labels'])})\s*:\s*")

        tags = _alt(data["markup"]["tags"])
        self.markup_tags = re.compile(
            rf"%3C(?:%2F)?(?:{tags})(?:%20|%3E|%2F)|&lt;/?(?:{tags})(?:\s|&gt;|/)"
            rf"|</?(?:{tags})(?:\s[^<>]{{0,200}})?/?>|\\u003c/?(?:{tags})\b",
            re.IGNORECASE,
        )
        self.markup_min = int(data["markup"]["min_tags"])
        self.percent = re.compile(r"%[0-9A-Fa-f]{2}")

        hd = data["headings"]
        self.headings = frozenset(p.casefold() for p in hd["phrases"])
        self.heading_res = tuple(re.compile(r) for r in hd["phrases_regex"])
        self.box_end = tuple(re.compile(r) for r in hd["box_end_regex"])

        pr = data["promos"]
        self.promo_phrases = frozenset(p.casefold() for p in pr["phrases"])
        self.promo_verb = re.compile(rf"^(?:{_alt(pr['verbs'])})(?=[\s,.!:]|$)", re.IGNORECASE)
        self.promo_object = re.compile("|".join(pr["objects_regex"]), re.IGNORECASE)
        self.promo_bare = re.compile("|".join(pr["bare_regex"]), re.IGNORECASE)
        # the first words of every verb and bare promo, for a cheap first look
        self.promo_first_words = frozenset(
            [v.split()[0].casefold() for v in pr["verbs"]]
            + ["stay", "sign", "subscribe", "register"]
        )
        self.ar_verb = re.compile(rf"^(?:{_alt(pr['arabic_verbs'])})(?=\s|$)")
        self.ar_own = re.compile(_alt(pr["arabic_own"]))
        self.ar_platform = re.compile(_alt(pr["arabic_platforms"]))
        self.ar_channel = re.compile(_alt(pr["arabic_channel_words"]))
        # how a teaser, a live-blog label or a promo can start: one cheap look per line
        starts = [*te["labels"], *te["arabic_loose"], *te["arabic_strict"], "sign", "stay"]
        starts += [*lv["stamp_labels"], *lv["field_labels"], *pr["verbs"], *pr["arabic_verbs"]]
        self.start = re.compile(rf"^[\W_]*(?:{_alt(starts)})", re.IGNORECASE)


def _load() -> _Vocab:
    with _DATA.open("rb") as fh:
        return _Vocab(tomllib.load(fh))


_V = _load()
_SECOND_PERSON = re.compile(r"\b(?:[Yy]ou|YOU)(?:r|rs|'re|'ll|'ve|rself|R|RS)?\b")
_LEAD = re.compile(r"^[\W_]+")
_URL = re.compile(r"^(?:https?://|www\.)\S+$")


# ---- single lines ---------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


def _short(text: str) -> bool:
    """A headline, a link title or a rail item: one short sentence at most."""
    return (
        len(text) <= _V.short_chars
        and len(_words(text)) <= _V.short_words
        and _SENTENCE_BREAK.search(text) is None
    )


def _factbox(text: str) -> bool:
    """``Key: short value``, an info box line (content), not a headline."""
    key, colon, value = text.partition(":")
    return bool(colon) and len(key.split()) <= 3 and len(value.split()) <= _V.factbox_words


def _title_cased(text: str) -> bool:
    words = [w.strip(_QUOTES + "()[]-–—,;:!?.") for w in _words(text)]
    significant = [w for w in words if w and w[0].isalpha() and w.casefold() not in _V.small]
    if len(significant) < _V.title_min_words:
        return False
    capital = sum(1 for w in significant if w[0].isupper())
    return capital / len(significant) >= _V.title_share


def _headline(text: str) -> bool:
    """A title-cased headline: an item of a run of other stories."""
    return (
        _short(text)
        and not text.endswith((".", ":", ";", ","))
        and not _factbox(text)
        and _title_cased(text)
    )


def _is_name(text: str) -> bool:
    """A credited name or agency: "Mark Mitchell", "AFP / GUSTAVO BASSO", "TB&IL"."""
    tokens = re.split(r"\s+|\s*[/\\&,]\s*", text.strip())
    tokens = [t for t in tokens if t]
    if not tokens or len(tokens) > 10 or re.search(r"[?!؟:«»\"“”]", text):
        return False
    if _ARABIC.search(text) and len(tokens) > 4:  # no capitals to tell a name from a headline
        return False
    for tok in tokens:
        if tok.casefold() in _V.particles:
            continue
        if not (tok[0].isupper() or tok[0].isdigit() or _ARABIC.match(tok)):
            return False
    return True


def _marker(text: str) -> str | None:
    """ "duration", "date" or "views" when the whole line is one."""
    norm = text.translate(_DIGITS)
    if _V.duration.match(norm):
        return "duration"
    if _V.date.match(norm) or _V.clock.match(norm) or _V.relative.match(norm):
        return "date"
    if _V.views.match(norm):
        return "views"
    return None


def _credit_only(text: str) -> bool:
    m = _V.credit_only.match(text)
    return m is not None and (not m["name"].strip() or _is_name(m["name"]))


def _video_credited(text: str) -> bool:
    if len(text) > _CAPTION_CHARS or not any(w in text for w in _V.video_words):
        return False
    m = _V.video_credit.match(text)
    return m is not None and _is_name(m["name"]) and len(_words(m["caption"])) >= 3


def _teaser(text: str) -> bool:
    m = _V.teaser.match(text) or _V.teaser_ar.match(text)
    if m is None:
        return False
    rest = (m["rest"] or "").strip()
    if not rest or _URL.match(rest):
        return True
    return len(_words(rest)) <= _V.teaser_words and _SENTENCE_BREAK.search(rest) is None


def _live_label(text: str) -> Verdict | None:
    m = _V.stamp_label.match(text)
    if m is not None:
        rest = m["rest"].strip()
        if (not rest and (m["colon"] or text == text.strip())) or (rest and _marker(rest)):
            return Verdict("chrome/live_label")
    m = _V.field_label.match(text)
    if m is not None:
        rest = text[m.end() :].strip()
        if not rest or _marker(rest):
            return Verdict("chrome/live_label")
        return Verdict("chrome/live_label", _V.field_label)
    return None


def _markup(text: str) -> bool:
    if len(_V.markup_tags.findall(text)) >= _V.markup_min:
        return True
    escapes = len(_V.percent.findall(text))
    return escapes >= 8 and escapes * 3 >= len(text) * 0.3


_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


def _sentences(text: str) -> Iterator[str]:
    """The sentences of a line, lazily (most lines are judged on their first)."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        yield text[start : m.end()].strip()
        start = m.end()
    if text[start:].strip():
        yield text[start:].strip()


def _promo(text: str) -> bool:
    if text[0] in _QUOTES:
        return False
    if _ARABIC.search(text, 0, 40):
        return _arabic_promo(text)
    if len(text) <= 40 and text.casefold().strip(" .") in _V.promo_phrases:
        return True
    # cheap reject: a promo's first sentence is a call, addresses "you", or is a word or two
    head = _LEAD.sub("", text[:60])
    first_word = head.split(" ", 1)[0].casefold().rstrip(",.!:")
    if first_word not in _V.promo_first_words or not (
        _V.promo_verb.match(head) or _V.promo_bare.match(head)
    ):
        if "you" in text or "You" in text or "YOU" in text:
            end = _SENTENCE_END.search(text)
            first = text[: end.start()] if end else text
            if len(_words(first)) > _V.filler_words and not _SECOND_PERSON.search(first):
                return False
        else:
            end = _SENTENCE_END.search(text, 0, 40)
            if end is None or len(_words(text[: end.start()])) > _V.filler_words:
                return False
    if len(_words(text)) > _V.promo_words:
        return False
    calls = 0
    for sentence in _sentences(text):
        s = _LEAD.sub("", sentence)
        if (_V.promo_verb.match(s) and _V.promo_object.search(s)) or _V.promo_bare.match(s):
            calls += 1
        elif not (
            len(_words(s)) <= _V.filler_words
            or (_SECOND_PERSON.search(s) and not any(q in s for q in '"“”'))
        ):
            return False
    return calls > 0


def _arabic_promo(text: str) -> bool:
    s = _LEAD.sub("", text).strip()
    if len(_words(s)) > _V.ar_promo_words:
        return False
    if _V.ar_own.search(s):
        return _V.ar_verb.match(s) is not None or "تابعونا" in s
    return bool(_V.ar_verb.match(s) and _V.ar_platform.search(s) and _V.ar_channel.search(s))


def _heading(text: str) -> bool:
    key = text.rstrip(" :").casefold()
    return key in _V.headings or any(r.match(text) for r in _V.heading_res)


def _box_end(text: str) -> bool:
    return any(r.search(text) for r in _V.box_end)


# Longest lines each single-line rule looks at (cheap gates: most lines are long prose).
_MARKER_CHARS = 64
_CREDIT_CHARS = 100
_HEADING_CHARS = 60
_TEASER_CHARS = 260
_PROMO_CHARS = 600
_CAPTION_CHARS = 400
_MARKUP_HINTS = ("%", "<", "&lt;", "\\u003c")
_SUFFIX_HINTS = frozenset("»›>")


def _line_verdict(text: str) -> Verdict | None:
    """The verdict on a line by itself, or None (context rules may still apply)."""
    size = len(text)
    if size <= _MARKER_CHARS:
        kind = _marker(text)
        if kind is not None:
            return Verdict(f"chrome/{kind}")
        if _heading(text):
            return Verdict("chrome/heading")
    if size <= _CREDIT_CHARS and _credit_only(text):
        return Verdict("chrome/credit")
    if _V.start.match(text):
        label = _live_label(text)
        if label is not None:
            return label
        if size <= _TEASER_CHARS and _teaser(text):
            return Verdict("chrome/teaser")
        maybe_promo = True
    else:  # a promo may open with a sentence to "you" or a word or two ("Swipe. Select.")
        you = "you" in text or "You" in text or "YOU" in text or "تابعونا" in text
        maybe_promo = size <= 40 or you or _SENTENCE_END.search(text, 0, 30) is not None
    if any(hint in text for hint in _MARKUP_HINTS) and _markup(text):
        return Verdict("chrome/markup")
    if maybe_promo and size <= _PROMO_CHARS and _promo(text):
        return Verdict("chrome/promo")
    if (
        _SUFFIX_HINTS.intersection(text[-24:])
        and _V.teaser_suffix.search(text)
        and _V.teaser_suffix.sub("", text).strip()
    ):
        return Verdict("chrome/teaser", _V.teaser_suffix)
    return None


# ---- runs -----------------------------------------------------------------------------

_MARKERS = frozenset({"chrome/duration", "chrome/date", "chrome/views"})


class _Body:
    """The lines of one body and the verdicts found so far."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = [ws(line) for line in lines]
        self.n = len(self.lines)
        self.verdicts: dict[int, Verdict] = {}

    def mark(self, index: int, rule: str) -> None:
        if index not in self.verdicts and self.lines[index]:
            self.verdicts[index] = Verdict(f"chrome/{rule}")

    def chrome(self, index: int) -> bool:
        return 0 <= index < self.n and (
            not self.lines[index] or (index in self.verdicts and self.verdicts[index].span is None)
        )

    def is_marker(self, index: int) -> bool:
        v = self.verdicts.get(index)
        return v is not None and v.rule in _MARKERS

    def open_lines(self, start: int, stop: int) -> list[int]:
        """Lines in [start, stop) not already judged chrome."""
        return [i for i in range(start, stop) if not self.chrome(i)]


def _rail_item(body: _Body, start: int, stop: int) -> bool:
    """The lines between two markers are one item of a rail (a headline, a label, a blurb)."""
    lines = body.open_lines(start, stop)
    if not lines:
        return True
    texts = [body.lines[i] for i in lines]
    if len(texts) > _V.rail_lines or sum(map(len, texts)) > _V.rail_chars:
        return False
    # a rail headline may quote or ask ("Oasis: What's the story? \"A man ...\"")
    first = texts[0]
    if len(first) > _V.short_chars or len(_words(first)) > _V.short_words:
        return False
    return all(_short(t) or t in _V.rail_labels or len(t) <= _V.rail_desc_chars for t in texts[1:])


def _rails(body: _Body) -> None:
    """Headlines between media markers (durations, dates, views): a rail of other stories."""
    markers = [i for i in range(body.n) if body.is_marker(i)]
    for i in markers:
        for j in (i - 1, i + 1):
            if 0 <= j < body.n and body.lines[j] in _V.rail_labels:
                body.mark(j, "rail")
    chains: list[list[int]] = []
    for m in markers:
        if chains and _rail_item(body, chains[-1][-1] + 1, m):
            chains[-1].append(m)
        else:
            chains.append([m])
    for chain in chains:
        items = [(a + 1, b) for a, b in itertools.pairwise(chain) if body.open_lines(a + 1, b)]
        if len(chain) < _V.rail_markers or len(items) < _V.rail_items:
            continue
        for a, b in items:
            for i in body.open_lines(a, b):
                body.mark(i, "rail")
        # the last item, when nothing else follows it: one headline (no closing punctuation,
        # which a closing paragraph has) and labels
        rest = body.open_lines(chain[-1] + 1, body.n)
        items_left = [i for i in rest if body.lines[i] not in _V.rail_labels]
        if len(items_left) == 1 and rest[0] == items_left[0]:
            text = body.lines[items_left[0]]
            if _short(text) and text[-1].isalnum():
                for i in rest:
                    body.mark(i, "rail")


def _short_gap(text: str) -> bool:
    return len(text) <= _V.pl_gap_chars and sum(1 for _ in _sentences(text)) <= _V.pl_gap_sentences


def _playlists(body: _Body) -> None:
    """Caption after caption credited "Video / Name": a playlist of other stories' videos."""
    credited = [i for i in range(body.n) if not body.chrome(i) and _video_credited(body.lines[i])]
    chains: list[list[int]] = []
    for i in credited:
        if chains:
            gap = body.open_lines(chains[-1][-1] + 1, i)
            if len(gap) <= _V.pl_gap and all(_short_gap(body.lines[g]) for g in gap):
                chains[-1].append(i)
                continue
        chains.append([i])
    for chain in chains:
        span = body.open_lines(chain[0], chain[-1] + 1)
        if len(chain) >= _V.pl_credited and len(chain) >= _V.pl_density * len(span):
            for i in span:
                body.mark(i, "playlist")


def _boxes(body: _Body) -> None:
    """The short lines under a box heading ("Top stories", "أخبار ذات صلة") are its links."""
    for h in [i for i, v in body.verdicts.items() if v.rule == "chrome/heading"]:
        taken = 0
        j = h + 1
        while j < body.n and taken < _V.list_items:
            text = body.lines[j]
            if body.chrome(j):
                pass
            elif _box_end(text):
                body.mark(j, "link_list")
                break
            elif _short(text) and not text.endswith((".", ":")):
                body.mark(j, "link_list")
                taken += 1
            else:
                break
            j += 1


def _headline_runs(body: _Body) -> None:
    """A run of title-cased headlines at the end of the body or next to other chrome."""
    i = 0
    while i < body.n:
        if body.chrome(i) or not _headline(body.lines[i]):
            i += 1
            continue
        j = i
        while j < body.n and not body.chrome(j) and _headline(body.lines[j]):
            j += 1
        at_end = all(body.chrome(k) for k in range(j, body.n))
        if j - i >= _V.run_min and (at_end or body.chrome(i - 1) or body.chrome(j)):
            for k in range(i, j):
                body.mark(k, "headlines")
        i = j


def find_chrome(lines: Sequence[str]) -> dict[int, Verdict]:
    """The chrome among a body's lines: index -> verdict (lines not named are prose).

    Whitespace inside each line is normalised first; the judgement is on the whole body, so
    pass every paragraph, in order.
    """
    body = _Body(lines)
    for i, text in enumerate(body.lines):
        if text:
            verdict = _line_verdict(text)
            if verdict is not None:
                body.verdicts[i] = verdict
    # the run rules need chrome to anchor on, or enough short lines: most bodies have neither
    if body.verdicts:
        _boxes(body)
        _rails(body)
    if sum(1 for t in body.lines if any(w in t for w in _V.video_words)) >= _V.pl_credited:
        _playlists(body)
    if sum(1 for t in body.lines if 0 < len(t) <= _V.short_chars) >= _V.run_min:
        _headline_runs(body)
    return body.verdicts


def strip_chrome(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """The body without its chrome (whitespace normalised), and one rule name per removal."""
    verdicts = find_chrome(lines)
    kept: list[str] = []
    fired: list[str] = []
    for i, line in enumerate(lines):
        text = ws(line)
        verdict = verdicts.get(i)
        if verdict is not None:
            fired.append(verdict.rule)
            text = verdict.apply(text)
        if text:
            kept.append(text)
    return kept, fired
