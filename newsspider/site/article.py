"""Read an article page by meaning, not tree shape (`markup.ArticleMarkup`, `markup.CardMarkup`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from lxml import etree

from newsspider.site import markup, urls
from newsspider.site.html import PageText
from newsspider.site.items import Image, RelatedArticle
from newsspider.site.urls import article_id
from newsspider.text.stamps import read_stamp

_ARTICLE = markup.ARTICLE
_CARD = markup.CARD
# XPath's normalize-space(): only XML whitespace, not str.split()'s Unicode spaces.
_XML_SPACE = re.compile(r"[ \t\r\n]+")
# The first text of each caption of a figure, in document order (captions may nest).
_CAPTION_TEXTS = etree.XPath(f".//{_ARTICLE.caption}/text()[1]", smart_strings=False, regexp=False)
_BLOCKS = frozenset(_ARTICLE.body_blocks)
_PARAGRAPH, _FIGURE = _ARTICLE.body_blocks
_LABEL_OF = {name: label for label, names in markup.LABELS.items() for name in names}

Absolute = Callable[[str], str]


@dataclass(slots=True)
class ArticleParts:
    """What an article page shows, read in one pass over its tree (`read_article`)."""

    title: str = ""
    source: str | None = None
    stamp_raw: str | None = None
    body: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    related: list[RelatedArticle] = field(default_factory=list)
    comment_count: int = 0


def read_article(
    root: etree._Element, text: PageText, absolute: Absolute, locale: str, now: datetime
) -> ArticleParts:
    """Every part of an article page (see `markup.ArticleMarkup`)."""
    parts = ArticleParts()
    sections, chrome = _labelled_sections(root, text)
    title = _title(root, text)
    if title is not None:
        parts.title = text(title)
        stops = {section for found in sections.values() for section in found}
        region = next(title.iterancestors(_ARTICLE.container), None)
        stamp: etree._Element | None = None
        started = False
        for node in _following(title, region, text.hidden, chrome):
            if node in stops:
                break
            if node.tag == _PARAGRAPH:
                paragraph = text(node)
                if paragraph and (started or paragraph != parts.title):
                    parts.body.append(paragraph)
                    started = True
            elif node.tag == _FIGURE:
                image = _image(node, text, absolute)
                if image is not None:
                    parts.images.append(image)
                started = True
            elif not started and stamp is None and _is_stamp(node, text, locale, now):
                stamp = node
        if stamp is not None:
            parts.stamp_raw = text(stamp) or None
            parts.source = _source(stamp, title, region, text)
    tags: dict[str, None] = {}
    for link in _in_order(root, sections["hashtags"], lambda s: _links(s, text)):
        match = urls.HASHTAG_PATH.match(urlsplit(absolute(link.get("href", ""))).path)
        if match:
            tags[unquote(match["tag"])] = None
    parts.hashtags = list(tags)
    comments = _in_order(
        root, sections["comments"], lambda s: text.visible(s.iter(_ARTICLE.comment))
    )
    parts.comment_count = len(comments)
    for card in _in_order(root, sections["related"], lambda s: _cards(s, text)):
        parsed = parse_card(card, absolute, text)
        if parsed is not None:
            parts.related.append(parsed)
    return parts


def _title(root: etree._Element, text: PageText) -> etree._Element | None:
    # Containers that do not nest are disjoint and in document order: the first one holding
    # a title holds the first title of all.
    for container in root.iter(_ARTICLE.container):
        for title in container.iterdescendants(_ARTICLE.title):
            if title not in text.hidden:
                return title
    return None


def _following(
    title: etree._Element,
    region: etree._Element | None,
    hidden: set[etree._Element],
    skip: set[etree._Element],
) -> Iterator[etree._Element]:
    """Elements after `title` in document order inside `region`, without noise or `skip`;
    body blocks are given, not entered."""
    node: etree._Element | None = title
    while node is not None and node is not region:
        for sibling in node.itersiblings():
            yield from _descend(sibling, hidden, skip)
        node = node.getparent()


def _descend(
    top: etree._Element, hidden: set[etree._Element], skip: set[etree._Element]
) -> Iterator[etree._Element]:
    # A stack, not recursion: pages may nest elements thousands deep.
    stack = [top]
    while stack:
        node = stack.pop()
        if not isinstance(node.tag, str) or node in hidden or node in skip:
            continue
        yield node
        if node.tag not in _BLOCKS and len(node):
            stack.extend(reversed(node))


def _is_stamp(node: etree._Element, text: PageText, locale: str, now: datetime) -> bool:
    """A ``<time>``, or a short leaf text that reads as a time stamp."""
    if node.tag == _ARTICLE.stamp:
        return True
    if len(node) or not node.text or not node.text.strip():
        return False
    value = text(node)
    return 0 < len(value) <= _ARTICLE.header_text_max and _reads_as_stamp(value, locale, now)


def _reads_as_stamp(value: str, locale: str, now: datetime) -> bool:
    return read_stamp(value, now, locale)[1] != "unparsed"


def _source(
    stamp: etree._Element,
    title: etree._Element,
    region: etree._Element | None,
    text: PageText,
) -> str | None:
    """The short text beside the stamp: the nearest before it, else the first after it, in
    the smallest element around the stamp that has one."""
    title_text = text(title)
    excluded = {*stamp.iter(), *title.iter()}
    group = stamp
    while (parent := group.getparent()) is not None and group is not region:
        group = parent
        before: str | None = None
        after: str | None = None
        seen_stamp = False
        for node in group.iter():
            if node is stamp:
                seen_stamp = True
                continue
            if node in excluded or node in text.hidden or not _is_text_leaf(node):
                continue
            value = text(node)
            if not value or value == title_text or len(value) > _ARTICLE.header_text_max:
                continue
            if not seen_stamp:
                before = value
            elif after is None:
                after = value
                break
        if before or after:
            return before or after
        if _inside(title, group):
            return None
    return None


def _is_text_leaf(node: etree._Element) -> bool:
    return isinstance(node.tag, str) and not any(isinstance(c.tag, str) for c in node)


def _below(node: etree._Element, tag: str, top: etree._Element) -> bool:
    """`node` has an ancestor `tag` below `top`."""
    for parent in node.iterancestors():
        if parent is top:
            return False
        if parent.tag == tag:
            return True
    return False


def _inside(node: etree._Element, ancestor: etree._Element) -> bool:
    return any(parent is ancestor for parent in node.iterancestors())


def _image(figure: etree._Element, text: PageText, absolute: Absolute) -> Image | None:
    src = next(
        (
            img.get("src")
            for img in figure.iterdescendants(_ARTICLE.image)
            if "src" in img.attrib and img not in text.hidden
        ),
        None,
    )
    if src is None:
        return None
    captions = _CAPTION_TEXTS(figure)
    caption = " ".join(" ".join(str(c) for c in captions if isinstance(captions, list)).split())
    credit = next(
        (
            node
            for node in figure.iterdescendants(_ARTICLE.credit)
            if node not in text.hidden and _below(node, _ARTICLE.caption, figure)
        ),
        None,
    )
    credit_raw = text(credit)
    return Image(src=absolute(src), caption=caption or None, credit_raw=credit_raw or None)


def _labelled_sections(
    root: etree._Element, text: PageText
) -> tuple[dict[str, list[etree._Element]], set[etree._Element]]:
    """The elements headed by each label of `markup.LABELS`, and the chrome sections."""
    found: dict[str, list[etree._Element]] = {label: [] for label in markup.LABELS}
    chrome: set[etree._Element] = set()
    for heading in root.iter(*_ARTICLE.headings):
        name = _XML_SPACE.sub(" ", _string_value(heading)).strip(" \t\r\n")
        label = _LABEL_OF.get(name)
        if (label is None and name not in markup.CHROME_LABELS) or heading in text.hidden:
            continue
        section = _headed(heading)
        if section is None:
            continue
        if label is None:
            chrome.add(section)
        elif section not in found[label]:
            found[label].append(section)
    return found, chrome


def _headed(heading: etree._Element) -> etree._Element | None:
    """The element `heading` heads: its parent, or higher while it is alone in it."""
    node = heading
    while (parent := node.getparent()) is not None:
        if len(parent) > 1 and any(c is not node and isinstance(c.tag, str) for c in parent):
            return None if parent.tag in ("body", "html") else parent
        node = parent
    return None


def _string_value(node: etree._Element) -> str:
    """XPath's ``string()`` of an element: its text nodes, comments left out."""
    if len(node) == 0:
        return node.text or ""
    return "".join(node.itertext())


def _links(section: etree._Element, text: PageText) -> list[etree._Element]:
    return text.visible(
        link for link in section.iterdescendants(_CARD.link) if "href" in link.attrib
    )


def _cards(section: etree._Element, text: PageText) -> list[etree._Element]:
    """The largest elements of `section` that link to articles of one id only."""
    ids: dict[etree._Element, set[str]] = {}
    links: list[tuple[etree._Element, str]] = []
    for link in _links(section, text):
        href = link.get("href", "")
        if _ARTICLE.article_link not in href:
            continue
        key = article_id(href) or href
        links.append((link, key))
        for ancestor in link.iterancestors():
            if ancestor is section:
                break
            ids.setdefault(ancestor, set()).add(key)
    cards: dict[etree._Element, None] = {}
    for link, _ in links:
        card = link
        for ancestor in link.iterancestors():
            if ancestor is section or len(ids[ancestor]) > 1:
                break
            card = ancestor
        cards[card] = None
    return list(cards)


def _in_order(
    root: etree._Element,
    sections: list[etree._Element],
    select: Callable[[etree._Element], list[etree._Element]],
) -> list[etree._Element]:
    """`select` over `sections`, each node once, in document order (as XPath returns it)."""
    if len(sections) <= 1:
        return select(sections[0]) if sections else []
    # Sections may nest: each node once, back in document order.
    nodes = {node: None for section in sections for node in select(section)}
    position = {node: index for index, node in enumerate(root.iter())}
    return sorted(nodes, key=position.__getitem__)


def parse_card(
    card: etree._Element, absolute: Absolute, text: PageText | None = None
) -> RelatedArticle | None:
    """A related-article card (`markup.CardMarkup`); None when it links to no article."""
    text = text if text is not None else PageText(card)
    link = next(
        (
            a
            for a in card.iter(_CARD.link)
            if _ARTICLE.article_link in a.get("href", "") and a not in text.hidden
        ),
        None,
    )
    if link is None:
        return None
    url = absolute(str(link.get("href")))
    card_id = article_id(url)
    if card_id is None:
        return None
    title = next((h for h in card.iter(*_CARD.titles) if h not in text.hidden), None)
    stamp = next((t for t in card.iter(_CARD.stamp) if t not in text.hidden), None)
    source = _card_source(card, link, stamp, title, text)
    bullets = (
        text(item) for item in text.visible(card.iter(_CARD.item)) if _below(item, _CARD.list, card)
    )
    return RelatedArticle(
        id=card_id,
        url=url,
        title=text(title),
        source=source,
        stamp_raw=text(stamp) or None,
        category=next((bullet for bullet in bullets if bullet and bullet != source), None),
    )


def _card_source(
    card: etree._Element,
    link: etree._Element,
    stamp: etree._Element | None,
    title: etree._Element | None,
    text: PageText,
) -> str | None:
    """The first short text of `card` before its lists and later headings, outside its link
    and stamp."""
    excluded = {*link.iter(), *(stamp.iter() if stamp is not None else ())}
    for node in card.iterdescendants():
        if not isinstance(node.tag, str) or node in excluded or node in text.hidden:
            continue
        if node.tag == _CARD.list or (node.tag in _CARD.titles and node is not title):
            return None
        if not _is_text_leaf(node):
            continue
        value = text(node)
        if value and len(value) <= _CARD.source_max:
            return value
    return None
