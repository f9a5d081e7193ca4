"""HTML tree and text helpers of the page parsers: the tree, what is never content, and text."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from lxml import etree

from newsspider.site import markup
from newsspider.site.nesting import limit_depth, too_deep

# Text nodes outside scripts, styles and templates (comments are not text nodes).
_VISIBLE_TEXT = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]",
    smart_strings=False,
    regexp=False,
)


# Elements that are never content (`markup.NOISE`, `markup.AD_WORDS`). An XPath predicate
# over every element costs about as much as parsing the page, so the page's source is
# searched first (plain substring tests, in C) and each kind of noise is looked up in the
# tree only when the source shows a trace of it. Scripts and styles are found by tag.
_NOISE_TAGS = ("script", "style", "noscript", "template", "iframe")
_NOISE = etree.XPath(f"//*[{markup.NOISE}]", smart_strings=False, regexp=False)
# In lower case (`bytes.lower`, ASCII only): ``hidden`` also finds ``aria-hidden`` and
# ``visibility: hidden``.
_NOISE_TRACES = (b"hidden", b"display", b"data-ad", b'idth="1"', b"idth='1'", b"idth=1")
# Class and id values in the source, however quoted (a superset: unquoted values may run
# on); in upper or title case the attribute names send the search to the tree.
_CLASS_VALUES = re.compile(rb"""class\s*=\s*["']?([^"'>]*)""")
_ID_VALUES = re.compile(rb"""id\s*=\s*["']?([^"'>]*)""")
_NAME_CASES = (b"CLASS", b"Class", b"ID=", b"Id=", b"ID ", b"Id ")
_NAMES = etree.XPath("//@class | //@id", smart_strings=False, regexp=False)
_NAMED = etree.XPath("//*[@class = $name or @id = $name]", smart_strings=False, regexp=False)
_AD_WORDS = re.compile(markup.AD_WORDS, re.I)


@lru_cache(maxsize=8192)
def _names_ad(value: str | bytes) -> bool:
    """A class or id value naming an ad slot (values repeat across pages: cached)."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return _AD_WORDS.search(text) is not None


def _elements(nodes: object) -> list[etree._Element]:
    return [n for n in nodes if isinstance(n, etree._Element)] if isinstance(nodes, list) else []


def noise_roots(root: etree._Element, source: bytes | None = None) -> list[etree._Element]:
    """The elements of `root`'s document that are never content (`markup.NOISE`, ad slots).

    `source`, the HTML bytes `root` was parsed from, lets the search skip what it has no
    trace of (substring tests on bytes are much faster than on text).
    """
    lower = source.lower() if source is not None else None
    if lower is None or any(trace in lower for trace in _NOISE_TRACES):
        noise = _elements(_NOISE(root))
    else:
        noise = list(root.iter(*_NOISE_TAGS))
    names: set[str] | set[bytes]
    if source is None or any(case in source for case in _NAME_CASES):
        found = _NAMES(root)
        names = {str(name) for name in found} if isinstance(found, list) else set()
    else:
        names = {*_CLASS_VALUES.findall(source), *_ID_VALUES.findall(source)}
    for name in names:
        if _names_ad(name):
            text = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
            noise.extend(_elements(_NAMED(root, name=text)))
    return noise


# Markup that arrived escaped inside text (``&lt;script&gt;``) is not text either.
_MARKUP = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)
# C0/C1 control characters other than whitespace (which the split below folds). A regex,
# not str.translate: translate looks up every character of a non-ASCII text in a dict.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` without escaped markup and control characters, whitespace folded."""
    if "<" in text:
        text = _MARKUP.sub(" ", text)
    # Printable text has no controls and no whitespace but plain spaces: with no doubled,
    # leading or trailing space it is already clean (the common case, checked in C).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return " ".join(text.split())


def is_element(node: object) -> bool:
    """An element (not a comment or processing instruction)."""
    return isinstance(getattr(node, "tag", None), str)


def children(node: etree._Element) -> list[etree._Element]:
    """Child elements (XPath's ``*``): no comments or processing instructions."""
    return [child for child in node if isinstance(child.tag, str)]


class PageText:
    """Visible text of the nodes of one parsed page, and the set of nodes that are not content.

    The noise of the page (`markup.NOISE`) is found once, with one XPath. A node inside
    noise has no visible text; a node that holds none has every text node visible (lxml's
    text serialisation, in C); the few others are walked.
    """

    __slots__ = ("hidden", "holders")

    def __init__(self, root: etree._Element, source: bytes | None = None) -> None:
        noise = noise_roots(root, source)
        self.hidden: set[etree._Element] = {node for top in noise for node in top.iter()}
        self.holders = {node for top in noise for node in top.iterancestors()}

    def __call__(self, node: etree._Element | None) -> str:
        if node is None or node in self.hidden:
            return ""
        if not isinstance(node.tag, str):
            return text_of(node)
        if node in self.holders:
            parts: list[str] = []
            self._collect(node, parts)
            return clean("".join(parts))
        return clean(etree.tostring(node, method="text", encoding=str, with_tail=False))

    def _collect(self, node: etree._Element, parts: list[str]) -> None:
        hidden = self.hidden
        events = ("start", "end", "comment", "pi")
        for event, element in etree.iterwalk(node, events=events):
            if event == "start":
                if element.text and isinstance(element.tag, str) and element not in hidden:
                    parts.append(element.text)
            elif element is not node and element.tail and element.getparent() not in hidden:
                parts.append(element.tail)

    def visible(self, nodes: Iterable[etree._Element]) -> list[etree._Element]:
        """`nodes` that are content (not inside noise)."""
        hidden = self.hidden
        return [node for node in nodes if node not in hidden] if hidden else list(nodes)


def text_of(node: etree._Element | None) -> str:
    """Visible text of `node`: no markup, scripts, hidden elements or control characters."""
    if node is None:
        return ""
    if not isinstance(node.tag, str):
        nodes = _VISIBLE_TEXT(node)
        return clean("".join(nodes) if isinstance(nodes, list) else "")  # type: ignore[arg-type]
    return PageText(node)(node)


# The tree parsel builds for ``response.selector`` (`parsel.selector.create_root_node`),
# built without parsel's detour through ``json.loads`` and a new parser per page, and with
# lxml's plain element classes: lxml.html's classes are looked up by a Python callback for
# every element the selectors touch. `tests/test_pages.py` pins it to parsel's tree. Pages
# parsel would read as JSON or XML go through parsel.
_JSON_START = ("{", "[")
_XML_DECLARATION = re.compile(r"[\s\ufeff]*<\?xml\s")
_parsers = threading.local()


def _html_parser() -> etree.HTMLParser:
    parser: etree.HTMLParser | None = getattr(_parsers, "html", None)
    if parser is None:
        parser = _parsers.html = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    return parser


def parse_html(text: str, base_url: str) -> etree._Element | None:
    """The root parsel's ``Selector(text=text, base_url=base_url).root`` would have; None
    when parsel would not read `text` as HTML (JSON, XML)."""
    if text.lstrip(" \t\n\r")[:1] in _JSON_START or _XML_DECLARATION.match(text):
        return None
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    parser = _html_parser()
    root: etree._Element | None = etree.fromstring(body, parser=parser, base_url=base_url)
    if too_deep(parser):  # libxml2 dropped the rest of the page: parse it flattened
        body = limit_depth(text.strip().replace("\x00", "")).encode("utf-8")
        root = etree.fromstring(body, parser=parser, base_url=base_url)
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser, base_url=base_url)
    return root


def empty_root() -> etree._Element:
    """The tree of a page with nothing in it."""
    return etree.fromstring(b"<html/>", parser=_html_parser())
