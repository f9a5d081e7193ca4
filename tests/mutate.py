"""Rewrite a page the way a redeploy does, keeping its visible content (test_mutations).

Each mutation takes the parsed page and a seeded `random.Random` and changes the tree in
place; `mutate` parses, applies one and serialises. Only markup changes: no visible text is
added to the page except inside elements that are never content (hidden, ad slots,
scripts), and no element whose order carries meaning (paragraphs, cards, links) moves.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable

from lxml import etree, html

Mutation = Callable[[etree._Element, random.Random], None]

_HASHED = re.compile(r"\b([A-Za-z][A-Za-z0-9]*_[A-Za-z][A-Za-z0-9]*__)([A-Za-z0-9_-]+)\b")
_HASH_CHARS = string.ascii_letters + string.digits
# Elements a wrapper may go around (with a div), and where it may not: inside phrasing
# content, lists and captions a div would not survive the HTML parser unchanged.
_BLOCK = frozenset({"div", "p", "section", "article", "header", "figure", "h1", "h2", "h3", "ul"})
_INLINE = frozenset({"span", "time", "img", "small"})
_NO_WRAP_INSIDE = frozenset(
    {"p", "a", "h1", "h2", "h3", "h4", "figcaption", "li", "ul", "ol", "time", "small", "head"}
)


def _hash(rng: random.Random) -> str:
    return "".join(rng.choice(_HASH_CHARS) for _ in range(5))


def _body(root: etree._Element) -> etree._Element:
    body = root.find("body")
    assert body is not None, "a page without <body>"
    return body


def _elements(root: etree._Element) -> list[etree._Element]:
    return [node for node in _body(root).iter() if isinstance(node.tag, str)]


def _inside(node: etree._Element, tags: frozenset[str]) -> bool:
    return any(parent.tag in tags for parent in node.iterancestors())


def _in_script(node: etree._Element) -> bool:
    return node.tag in ("script", "style", "noscript", "template") or _inside(
        node, frozenset({"script", "style", "noscript", "template"})
    )


def css_hashes(root: etree._Element, rng: random.Random) -> None:
    """New CSS-module hashes: ``ArticlePage_title__e3095`` -> ``ArticlePage_title__Q7x2k``."""
    fresh: dict[str, str] = {}
    for node in root.iter():
        classes = node.get("class") if isinstance(node.tag, str) else None
        if classes:
            node.set(
                "class",
                _HASHED.sub(lambda m: m[1] + fresh.setdefault(m[2], _hash(rng)), classes),
            )


def wrappers(root: etree._Element, rng: random.Random) -> None:
    """Random wrapper elements (``div`` around blocks, ``span`` around inline elements)."""
    for node in _elements(root):
        if node.tag in ("body", "main") or _in_script(node) or _inside(node, _NO_WRAP_INSIDE):
            continue
        if node.tag in _BLOCK:
            tag = "div"
        elif node.tag in _INLINE:
            tag = "span"
        else:
            continue
        if rng.random() < 0.4:
            for _ in range(rng.randint(1, 3)):
                _wrap(node, tag, rng)


def _wrap(node: etree._Element, tag: str, rng: random.Random) -> None:
    parent = node.getparent()
    assert parent is not None
    wrapper = etree.Element(tag)
    if rng.random() < 0.5:
        wrapper.set("class", f"Layout_wrap__{_hash(rng)}")
    wrapper.tail, node.tail = node.tail, None
    parent.replace(node, wrapper)
    wrapper.append(node)


_NOISE_HTML = (
    "<script>window.__ads = window.__ads || []; window.__ads.push('top');</script>",
    '<script type="application/json">{"source": "Fake Source", "time": "a minute ago"}</script>',
    "<style>.Promo_box__a1b2c{display:block}</style>",
    '<div class="AdSlot_root__{h}" data-ad-slot="header"><p>Advertisement</p>'
    "<span>Sponsored</span><time>a minute ago</time></div>",
    '<div id="ad-top-{h}"><span>Ad</span><p>Buy now</p></div>',
    '<aside class="Advertisement_box__{h}"><p>Promoted story</p></aside>',
    '<ins class="adsbygoogle" data-ad-client="ca-pub-1"><span>Ad</span></ins>',
    "<noscript><p>Please enable JavaScript</p></noscript>",
    '<iframe src="https://ads.example/frame" title="ad"><p>frame</p></iframe>',
)


def _noise(rng: random.Random) -> list[etree._Element | str]:
    """One noise element (or an HTML comment, as a string marker)."""
    if rng.random() < 0.25:
        return ["comment"]
    fragment = rng.choice(_NOISE_HTML).replace("{h}", _hash(rng))
    return list(html.fragments_fromstring(fragment))


def _insert(parent: etree._Element, index: int, rng: random.Random) -> None:
    for item in _noise(rng):
        node = etree.Comment(" ad slot ") if isinstance(item, str) else item
        parent.insert(index, node)


def _title(root: etree._Element) -> etree._Element | None:
    return next((h for h in root.iter("h1") if _inside(h, frozenset({"main"}))), None)


def noise(root: etree._Element, rng: random.Random) -> None:
    """Ad slots, scripts, styles and comments near the header and between paragraphs."""
    title = _title(root)
    if title is not None:
        parent = title.getparent()
        assert parent is not None
        start = parent.index(title)
        for _ in range(rng.randint(2, 4)):
            _insert(parent, rng.randint(start, min(len(parent), start + 3)), rng)
        header = next((t.getparent() for t in parent.iter("time")), None)
        if header is not None and not _in_script(header):
            for _ in range(rng.randint(1, 2)):
                _insert(header, rng.randint(0, len(header)), rng)
    containers = [node for node in _elements(root) if len(node.findall("p")) >= 2]
    for container in rng.sample(containers, min(2, len(containers))):
        _insert(container, rng.randint(0, len(container)), rng)
    main = root.find(".//main")
    if main is not None:
        _insert(main, rng.randint(0, len(main)), rng)


def attributes(root: etree._Element, rng: random.Random) -> None:
    """Attribute churn: new, dropped and reordered attributes (never ``hidden`` or styles
    that hide)."""
    for node in _elements(root):
        if _in_script(node):
            continue
        attrib = dict(node.attrib)
        if "class" in attrib and rng.random() < 0.3:
            del attrib["class"]
        if rng.random() < 0.3:
            attrib[f"data-v-{_hash(rng).lower()}"] = ""
        if rng.random() < 0.2:
            attrib["data-testid"] = f"{node.tag}-{rng.randint(0, 999)}"
        if rng.random() < 0.1 and node.tag not in ("img",):
            attrib["style"] = rng.choice(("color: #333", "margin:0 auto", "display: block"))
        if rng.random() < 0.1 and "id" not in attrib:
            attrib["id"] = f"n{_hash(rng)}"
        items = list(attrib.items())
        rng.shuffle(items)
        node.attrib.clear()
        for key, value in items:
            node.set(key, value)


_SWAPS = {"section": "div", "h3": "h2", "h2": "h3", "article": "div", "header": "div"}


def tag_swaps(root: etree._Element, rng: random.Random) -> None:
    """``section`` -> ``div``, ``h3`` <-> ``h2``, ``article``/``header`` -> ``div``."""
    for node in _elements(root):
        swap = _SWAPS.get(str(node.tag))
        if swap is not None and rng.random() < 0.7 and not _in_script(node):
            node.tag = swap


def _reorder(parent: etree._Element, movable: list[etree._Element], rng: random.Random) -> None:
    """Shuffle `movable` (children of `parent`) among the places they hold."""
    slots = sorted(parent.index(node) for node in movable)
    order = movable[:]
    rng.shuffle(order)
    for node in movable:
        node.tail = node.tail if node.tail and node.tail.strip() else None
    for index, node in zip(slots, order, strict=True):
        parent.remove(node)
        parent.insert(index, node)


def reorder(root: etree._Element, rng: random.Random) -> None:
    """Reorder siblings whose order carries no meaning: the head, the header's parts (title
    repeat, source, stamp) and the sections after the body."""
    head = root.find("head")
    if head is not None:
        _reorder(head, [n for n in head if isinstance(n.tag, str) and n.tag != "title"], rng)
    for time in list(root.iter("time")):
        parent = time.getparent()
        if parent is None or parent.tag == "main":
            continue
        small = [n for n in parent if isinstance(n.tag, str) and len(n) == 0]
        if 2 <= len(small) == len(children := [n for n in parent if isinstance(n.tag, str)]):
            _reorder(parent, children, rng)
    title = _title(root)
    if title is not None and (parent := title.getparent()) is not None:
        # The title repeat and the header line, before the first element holding paragraphs.
        after = [n for n in title.itersiblings() if isinstance(n.tag, str)]
        header = []
        for node in after:
            if node.find(".//p") is not None or node.tag == "section":
                break
            header.append(node)
        if len(header) >= 2:
            _reorder(parent, header, rng)
        # The chrome and the sections of the article after the body.
        tail = [n for n in after if n.tag == "section" or n.find("img") is not None]
        if len(tail) >= 2:
            _reorder(parent, tail, rng)


def _decoy(markup: str) -> etree._Element:
    node: etree._Element = html.fragment_fromstring(markup)
    return node


_HIDE = ('hidden=""', 'aria-hidden="true"', 'style="display: none"', 'style="DISPLAY:NONE;"')


def decoys(root: etree._Element, rng: random.Random) -> None:
    """Hidden elements with content-like text, and tracking pixels."""

    def hide() -> str:
        return rng.choice(_HIDE)

    fake_id = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    title = _title(root)
    main = root.find(".//main")
    first_time = next(root.iter("time"), None)
    if title is not None and (parent := title.getparent()) is not None:
        parent.insert(parent.index(title), _decoy(f"<h1 {hide()}>Decoy title</h1>"))
        index = parent.index(title) + 1
        header = f"<div {hide()}><span>Decoy Source</span><time>now</time></div>"
        parent.insert(index, _decoy(header))
        if first_time is not None and (meta := first_time.getparent()) is not None:
            meta.insert(0, _decoy(f"<span {hide()}>Decoy Press</span>"))
            meta.insert(0, _decoy(f"<time {hide()}>a minute ago</time>"))
    for p in list(root.iter("p"))[:: max(1, len(list(root.iter("p"))) // 3)]:
        if (parent := p.getparent()) is not None and not _in_script(p):
            parent.insert(parent.index(p), _decoy(f"<p {hide()}>Decoy paragraph.</p>"))
    for figure in root.iter("figure"):
        pixel = _decoy('<img src="https://t.example/pixel.gif" width="1" height="1" alt="">')
        figure.insert(0, pixel)
    for section in list(root.iter("section")):
        card = f'<div {hide()}><a href="/en/article/{fake_id}"><h3>Decoy</h3></a></div>'
        section.append(_decoy(card))
        section.append(_decoy(f'<a {hide()} href="/en/hashtag/Decoy">#Decoy</a>'))
        for ul in list(section.iter("ul")):
            ul.append(_decoy(f"<li {hide()}>decoy comment</li>"))
    if main is not None:
        main.append(_decoy(f'<a {hide()} href="/en/article/{fake_id}">hidden story</a>'))


def shell(root: etree._Element, rng: random.Random) -> None:
    """A client-rendered shell: the app's root is empty (or a loader); data scripts stay."""
    body = _body(root)
    for node in list(body):
        if node.tag != "script":
            body.remove(node)
    app = _decoy(rng.choice(('<div id="__next"></div>', '<div id="__next"><p>Loading…</p></div>')))
    body.insert(0, app)


def everything(root: etree._Element, rng: random.Random) -> None:
    """Every redeploy mutation at once, in one order."""
    for mutation in (css_hashes, attributes, wrappers, tag_swaps, reorder, noise, decoys):
        mutation(root, rng)


#: Mutations that keep the page's content: the item must not change.
MUTATIONS: dict[str, Mutation] = {
    "css_hashes": css_hashes,
    "wrappers": wrappers,
    "noise": noise,
    "attributes": attributes,
    "tag_swaps": tag_swaps,
    "reorder": reorder,
    "decoys": decoys,
    "everything": everything,
}


def mutate(page: bytes, name: str, seed: int) -> bytes:
    """`page` (an HTML document) rewritten by mutation `name` (of `MUTATIONS`, or
    ``shell``) with random seed `seed`."""
    root = html.document_fromstring(page)
    mutation = shell if name == "shell" else MUTATIONS[name]
    mutation(root, random.Random(f"{name}:{seed}"))
    return b"<!DOCTYPE html>\n" + etree.tostring(root, encoding="utf-8", method="html")
