"""Markup nested deeper than libxml2 parses, flattened the way browsers do.

libxml2 stops building the tree at depth 2048 (``Excessive depth in document``) and, in
recovery mode, drops the rest of the page: 100,000 nested ``div``\\ s before an article
would lose the article. `limit_depth` rewrites such markup so that no element is more than
`MAX_DEPTH` deep: when an element would go deeper, the innermost `HEADROOM` open elements
are closed first (as a browser's tree builder caps depth, Chromium at 512), and their
own end tags, when they come, are dropped. Elements stay elements; only their nesting
below the cap changes.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

MAX_DEPTH = 1000
HEADROOM = 500
#: How far down the open elements an end tag's start is looked for before it is ignored.
_SEARCH = 4096

_VOID = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr".split()  # noqa: SIM905
)
_RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes".split())  # noqa: SIM905
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<[!?][^>]*>?|<(/?)([A-Za-z][^\s/>]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.S,
)


def too_deep(parser: etree._FeedParser[Any]) -> bool:
    """Whether `parser`'s last document was nested deeper than libxml2 builds a tree."""
    return any(
        error.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in error.message
        for error in parser.error_log
    )


def limit_depth(text: str) -> str:
    """`text` with every element at most `MAX_DEPTH` deep (see the module docstring)."""
    out: list[str] = []
    # The open elements, outermost first, and whether each is still open in the output
    # (two flat lists: no container per element for the garbage collector to walk).
    names: list[str] = []
    shown: list[bool] = []
    depth = 0  # elements open in the output
    position = 0
    while (match := _TOKEN.search(text, position)) is not None:
        out.append(text[position : match.start()])
        position = match.end()
        closing, raw_name, attributes = match.group(1, 2, 3)
        if raw_name is None:  # comment, doctype, processing instruction
            out.append(match.group())
            continue
        name = raw_name.lower()
        if closing:
            depth -= _close(names, shown, out, name, match.group())
            continue
        out.append(match.group())
        if name in _VOID or attributes.rstrip().endswith("/"):
            continue
        if depth >= MAX_DEPTH:
            tags, closed = _close_innermost(names, shown, HEADROOM)
            out.insert(len(out) - 1, tags)  # before this start tag
            depth -= closed
        names.append(name)
        shown.append(True)
        depth += 1
        if name in _RAW_TEXT:  # its text runs to its end tag, markup or not
            end = re.compile(rf"</{re.escape(name)}\s*>", re.I).search(text, position)
            stop = end.start() if end else len(text)
            out.append(text[position:stop])
            position = stop
    out.append(text[position:])
    return "".join(out)


def _close_innermost(names: list[str], shown: list[bool], count: int) -> tuple[str, int]:
    """End tags for the `count` innermost elements still open in the output, and how many."""
    tags: list[str] = []
    index = len(names) - 1
    while len(tags) < count and index >= 0:
        if shown[index]:
            tags.append(f"</{names[index]}>")
            shown[index] = False
        index -= 1
    return "".join(tags), len(tags)


def _close(names: list[str], shown: list[bool], out: list[str], name: str, tag: str) -> int:
    """Handle the end tag `tag` of `name`; how many elements it closed in the output."""
    for index in range(len(names) - 1, max(-1, len(names) - 1 - _SEARCH), -1):
        if names[index] != name:
            continue
        inner_names, inner_shown = names[index:], shown[index:]
        del names[index:], shown[index:]
        if inner_shown[0]:
            out.append(tag)  # closes it and, implicitly, whatever is open inside it
        else:  # its start was closed early: drop the tag, close what is open inside it
            pairs = zip(reversed(inner_names), reversed(inner_shown), strict=True)
            out.extend(f"</{n}>" for n, open_ in pairs if open_)
        return sum(inner_shown)
    return 0  # a stray end tag: libxml2 ignores it too
