"""HTML tree and text helpers of the page parsers: the tree, what is never content, and text."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from lxml import etree

from newsspider.site import markup

# Text nodes outside scripts, styles and templates (comments are not text nodes).
_VISIBLE_TEXT = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]",
    smart_strings=False,
    regexp=False,
)
# Elements that are never content (`markup.NOISE`): scripts, ad slots, hidden elements, ...
_NOISE = etree.XPath(
    f"//*[{markup.NOISE}]",
    namespaces={"re": "http://exslt.org/regular-expressions"},
    smart_strings=False,
)
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

    def __init__(self, root: etree._Element) -> None:
        result = _NOISE(root)
        noise: list[etree._Element] = result if isinstance(result, list) else []  # type: ignore[assignment]
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
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child not in self.hidden:
                self._collect(child, parts)
            if child.tail:
                parts.append(child.tail)

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
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser, base_url=base_url)
    return root


def empty_root() -> etree._Element:
    """The tree of a page with nothing in it."""
    return etree.fromstring(b"<html/>", parser=_html_parser())
