"""Page parsers (web-poet page objects): one per page type, no knowledge of the spider."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cached_property
from urllib.parse import unquote, urlsplit
from weakref import WeakKeyDictionary

import attrs
from lxml import etree
from parsel import Selector
from web_poet import HttpResponse, Returns, WebPage
from web_poet import field as page_field

from newsspider.site import markup, urls
from newsspider.site.items import Article, Image, RelatedArticle, iso
from newsspider.site.nesting import limit_depth, too_deep
from newsspider.site.urls import article_id, url_locale

# Results are only read as text: plain strings, not lxml's "smart" ones (which keep a
# reference to their parent element and cost more to build); no selector uses EXSLT regexps.
_XPATH = {
    f"listing_{name}": etree.XPath(expr, smart_strings=False, regexp=False)
    for name, expr in markup.LISTING.items()
}
# A Date header counts as the render time when it is this close to the fetch time.
_SKEW = timedelta(minutes=5)
_DATE_MAX_AGE = timedelta(days=2)
# Text nodes outside scripts, styles and templates (comments are not text nodes).
_VISIBLE_TEXT = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]",
    smart_strings=False,
    regexp=False,
)
_HIDDEN_TAGS = ("script", "style", "noscript", "template")
# Markup that arrived escaped inside text (``&lt;script&gt;``) is not text either.
_MARKUP = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)
# C0/C1 control characters other than whitespace (which the split below folds). A regex,
# not str.translate: translate looks up every character of a non-ASCII text in a dict.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    if "<" in text:
        text = _MARKUP.sub(" ", text)
    # Printable text has no controls and no whitespace but plain spaces: with no doubled,
    # leading or trailing space it is already clean (the common case, checked in C).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return " ".join(text.split())


def text_of(node: etree._Element | None) -> str:
    """Visible text of `node`: no markup, scripts, styles, comments or control characters."""
    if node is None:
        return ""
    nodes = _VISIBLE_TEXT(node)
    return _clean("".join(nodes) if isinstance(nodes, list) else "")  # type: ignore[arg-type]


class _TextOf:
    """`text_of` for the nodes of one parsed HTML page, mostly without the XPath.

    The scripts, styles, noscripts and templates of the page are found once. A node inside
    one of them has no visible text; a node that holds none of them has every text node
    visible, in document order; other nodes take the XPath.
    """

    __slots__ = ("hidden", "holders")

    def __init__(self, root: etree._Element) -> None:
        hidden_roots = list(root.iter(*_HIDDEN_TAGS))
        self.hidden = {node for top in hidden_roots for node in top.iter()}
        self.holders = {node for top in hidden_roots for node in top.iterancestors()}

    def __call__(self, node: etree._Element | None) -> str:
        if node is None:
            return ""
        if node in self.hidden:
            return ""
        if node in self.holders or not isinstance(node.tag, str):
            return text_of(node)
        # Every text node below `node` is visible: lxml's text serialisation is itertext()
        # joined, without a Python object per text node.
        return _clean(etree.tostring(node, method="text", encoding=str, with_tail=False))


def _strings(nodes: object) -> list[str]:
    return [str(node) for node in nodes] if isinstance(nodes, list) else []


# The tree parsel builds for ``response.selector`` (`parsel.selector.create_root_node`),
# built without parsel's detour through ``json.loads`` and a new parser per page, and with
# lxml's plain element classes: lxml.html's classes are looked up by a Python callback for
# every element the selectors touch. Pages parsel would read as JSON or XML go through parsel.
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


_BASE_TAG = re.compile("<base", re.I)
# An ASCII http(s) URL whose origin is already what URL normalisation would make of it.
_PLAIN_ORIGIN = re.compile(r"(https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[0-9]{1,5})?)(?:[/?#]|\Z)")
# An absolute http(s) URL with a plain host and path (no dot segments, query or fragment).
_PLAIN_URL = re.compile(
    r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[0-9]{1,5})?(?:/[A-Za-z0-9_~%=-][A-Za-z0-9_~%.=-]*)*/?\Z"
)
# A root-relative link without dot segments, doubled slashes, query, fragment or parameters:
# joined to any http(s) base URL it is the base's origin followed by the link itself.
_PLAIN_PATH = re.compile(r"/(?:[A-Za-z0-9_~%-]+/)*[A-Za-z0-9_~%-]*\Z")


class _Parsed:
    """The parsed tree of one response, its text reader, and what was read from it."""

    __slots__ = ("article", "root", "text")

    def __init__(self, root: etree._Element, text: _TextOf | None) -> None:
        self.root = root
        self.text = text
        self.article: ArticleParts | None = None


# The parsed tree of each response alive, so that page objects of one response (the check
# for client-rendered pages, then the spider) parse and read it once. Trees are never modified.
_TREES: WeakKeyDictionary[HttpResponse, _Parsed] = WeakKeyDictionary()


class _Page(WebPage):  # type: ignore[type-arg]
    @cached_property
    def _parsed(self) -> _Parsed:
        parsed = _TREES.get(self.response)
        if parsed is None:
            parsed = _TREES[self.response] = self._parse()
        return parsed

    def _parse(self) -> _Parsed:
        root = parse_html(self.response.text, str(self.response.url))
        if root is None:  # JSON or XML: parsel's tree, and the XPath for all text
            selector: Selector = self.response.selector
            return _Parsed(selector.root, None)
        return _Parsed(root, _TextOf(root))

    @property
    def _root(self) -> etree._Element:
        return self._parsed.root

    def _text(self, node: etree._Element | None) -> str:
        text = self._parsed.text
        return text(node) if text is not None else text_of(node)

    @cached_property
    def _origin(self) -> str | None:
        """``scheme://host[:port]`` of the page's base URL, when it is http(s)."""
        # web-poet reads a <base> in the first 4096 characters; without one, the base URL of
        # a plain http(s) URL has the URL's own origin.
        if not _BASE_TAG.search(self.response.text, 0, 4096):
            plain_origin = _PLAIN_ORIGIN.match(str(self.response.url))
            if plain_origin:
                return plain_origin[1]
        joined = str(self.response.urljoin("/"))
        parts = urlsplit(joined)
        plain = (
            joined.endswith("/") and parts.path == "/" and not parts.query and not parts.fragment
        )
        if parts.scheme in ("http", "https") and parts.netloc and plain:
            return joined[:-1]
        return None

    def _xpath(self, name: str, node: etree._Element | None = None) -> list[etree._Element]:
        result = _XPATH[name](self._root if node is None else node)
        return result if isinstance(result, list) else []

    def _absolute(self, href: str) -> str:
        href = href.strip()
        if self._origin is not None and _PLAIN_PATH.match(href):
            return self._origin + href  # what urljoin gives, without its parsing
        if _PLAIN_URL.match(href):
            return href  # urljoin returns an absolute URL with a host as it is
        return str(self.response.urljoin(href))


_ARTICLE = markup.ARTICLE
_CARD = markup.CARD
# XPath's normalize-space(): only XML whitespace, not str.split()'s Unicode spaces.
_XML_SPACE = re.compile(r"[ \t\r\n]+")
# The first text of each caption of a figure, in document order (captions may nest).
_CAPTION_TEXTS = etree.XPath(f".//{_ARTICLE.caption}/text()[1]", smart_strings=False, regexp=False)


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


Text = Callable[[etree._Element | None], str]


def read_article(root: etree._Element, text: Text, absolute: Callable[[str], str]) -> ArticleParts:
    """Every part of an article page, as `site.ArticleMarkup` describes where it is."""
    parts = ArticleParts()
    title = _title(root)
    if title is not None:
        parts.title = text(title)
        header = _header(title)
        if header is not None:
            source = next((c for c in _children(header) if c.tag != _ARTICLE.stamp), None)
            parts.source = text(source) or None
            parts.stamp_raw = text(next(header.iterdescendants(_ARTICLE.stamp), None)) or None
        for block in _body_blocks(title):
            if block.tag == "p":
                paragraph = text(block)
                if paragraph:
                    parts.body.append(paragraph)
            else:
                image = _image(block, text, absolute)
                if image is not None:
                    parts.images.append(image)
    sections = _labelled_sections(root)
    tags: dict[str, None] = {}
    for link in _in_order(root, sections["hashtags"], _links):
        match = urls.HASHTAG_PATH.match(urlsplit(absolute(link.get("href", ""))).path)
        if match:
            tags[unquote(match["tag"])] = None
    parts.hashtags = list(tags)
    parts.comment_count = len(_in_order(root, sections["comments"], _comments))
    for card in _in_order(root, sections["related"], _cards):
        parsed = parse_card(card, absolute, text)
        if parsed is not None:
            parts.related.append(parsed)
    return parts


def _children(node: etree._Element) -> Iterator[etree._Element]:
    """Child elements (XPath's ``*``): no comments or processing instructions."""
    return (child for child in node if isinstance(child.tag, str))


def _title(root: etree._Element) -> etree._Element | None:
    # Containers that do not nest are disjoint and in document order: the first one holding
    # a title holds the first title of all.
    for container in root.iter(_ARTICLE.container):
        for title in container.iterdescendants(_ARTICLE.title):
            return title
    return None


def _header(title: etree._Element) -> etree._Element | None:
    following = (node for node in title.itersiblings() if isinstance(node.tag, str))
    for _, node in zip(range(_ARTICLE.header_window), following, strict=False):
        if next(node.iterdescendants(_ARTICLE.stamp), None) is not None:
            return node
    return None


def _body_blocks(title: etree._Element) -> list[etree._Element]:
    for node in title.itersiblings():
        if isinstance(node.tag, str) and node.tag != _ARTICLE.section:
            blocks = [child for child in node if child.tag in _ARTICLE.body_blocks]
            if blocks:
                return blocks
    return []


def _image(figure: etree._Element, text: Text, absolute: Callable[[str], str]) -> Image | None:
    src = next(
        (img.get("src") for img in figure.iterdescendants(_ARTICLE.image) if "src" in img.attrib),
        None,
    )
    if src is None:
        return None
    caption = " ".join(" ".join(_strings(_CAPTION_TEXTS(figure))).split())
    credit = next(
        (
            node
            for node in figure.iterdescendants(_ARTICLE.credit)
            if node.getparent().tag == _ARTICLE.caption  # type: ignore[union-attr]
        ),
        None,
    )
    credit_raw = text(credit)
    return Image(src=absolute(src), caption=caption or None, credit_raw=credit_raw or None)


def _labelled_sections(root: etree._Element) -> dict[str, list[etree._Element]]:
    """The sections headed (a child heading) by each label of `markup.LABELS`."""
    found: dict[str, list[etree._Element]] = {label: [] for label in markup.LABELS}
    for section in root.iter(_ARTICLE.section):
        names = {
            _XML_SPACE.sub(" ", _string_value(heading)).strip(" \t\r\n")
            for heading in section
            if heading.tag in _ARTICLE.headings
        }
        for label, sections in found.items():
            if not names.isdisjoint(markup.LABELS[label]):
                sections.append(section)
    return found


def _string_value(node: etree._Element) -> str:
    """XPath's ``string()`` of an element: its text nodes, comments left out."""
    if len(node) == 0:
        return node.text or ""
    return "".join(node.itertext())


def _links(section: etree._Element) -> list[etree._Element]:
    return [link for link in section.iterdescendants(_CARD.link) if "href" in link.attrib]


def _comments(section: etree._Element) -> list[etree._Element]:
    return list(section.iterdescendants(_ARTICLE.comment))


def _cards(section: etree._Element) -> list[etree._Element]:
    return [child for child in _children(section) if _article_link(child) is not None]


def _article_link(node: etree._Element) -> str | None:
    for link in node.iterdescendants(_CARD.link):
        href = link.get("href")
        if href is not None and _ARTICLE.article_link in href:
            return str(href)
    return None


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


@attrs.define
class ArticlePage(_Page, Returns[Article]):
    """An article page (``/en/article/<id>``, ``/article/<id>``)."""

    fetch_time: datetime = attrs.field(factory=lambda: datetime.now(UTC))

    @cached_property
    def _parts(self) -> ArticleParts:
        parsed = self._parsed
        if parsed.article is None:
            parsed.article = read_article(parsed.root, self._text, self._absolute)
        return parsed.article

    @page_field
    def id(self) -> str:
        return article_id(str(self.response.url)) or ""

    @page_field
    def url(self) -> str:
        return str(self.response.url)

    @page_field
    def locale(self) -> str:
        return url_locale(str(self.response.url))

    @page_field
    def title(self) -> str:
        return self._parts.title

    @page_field
    def source(self) -> str | None:
        return self._parts.source

    @page_field
    def stamp_raw(self) -> str | None:
        return self._parts.stamp_raw

    @page_field
    def body(self) -> list[str]:
        return list(self._parts.body)

    @page_field
    def images(self) -> list[Image]:
        return list(self._parts.images)

    @page_field
    def hashtags(self) -> list[str]:
        return list(self._parts.hashtags)

    @page_field
    def related(self) -> list[RelatedArticle]:
        return list(self._parts.related)

    @page_field
    def comment_count(self) -> int:
        return self._parts.comment_count

    @page_field
    def fetched_at(self) -> str:
        return iso(self.fetch_time)

    @page_field
    def stamp_reference(self) -> str:
        """When the server rendered the page: its ``Date`` header if plausible, else fetch time."""
        date = self.response.headers.get("Date")
        if date:
            try:
                rendered = parsedate_to_datetime(date).astimezone(UTC)
            except (TypeError, ValueError):
                rendered = None
            if rendered and self.fetch_time - _DATE_MAX_AGE <= rendered <= self.fetch_time + _SKEW:
                return iso(rendered)
        return iso(self.fetch_time)


def parse_card(
    card: etree._Element, absolute: Callable[[str], str], text: Text = text_of
) -> RelatedArticle | None:
    """A related-article card (`site.CardMarkup`); None when it links to no article."""
    href = _article_link(card)
    if href is None:
        return None
    url = absolute(href)
    card_id = article_id(url)
    if card_id is None:
        return None
    source = text(next((child for child in _children(card) if _names_source(child)), None)) or None
    bullets = (
        text(item)
        for item in card.iterdescendants(_CARD.item)
        if (parent := item.getparent()) is not card and parent.tag == _CARD.list  # type: ignore[union-attr]
    )
    return RelatedArticle(
        id=card_id,
        url=url,
        title=text(next(card.iterdescendants(_CARD.title), None)),
        source=source,
        stamp_raw=text(next(card.iterdescendants(_CARD.stamp), None)) or None,
        category=next((bullet for bullet in bullets if bullet and bullet != source), None),
    )


def _names_source(node: etree._Element) -> bool:
    """A card's child that holds neither a link nor a time stamp and is not a list."""
    return (
        node.tag not in (_CARD.list, _CARD.link)
        and next(node.iterdescendants(_CARD.stamp, _CARD.link), None) is None
    )


@dataclass(slots=True)
class Listing:
    """What a listing page (home, hashtag) links to."""

    article_urls: list[str] = field(default_factory=list)
    hashtag_urls: list[str] = field(default_factory=list)


@attrs.define
class ListingPage(_Page, Returns[Listing]):
    """A listing page: the home pages (``/en``, ``/``) and ``/en/hashtag/<Tag>``."""

    @page_field
    def article_urls(self) -> list[str]:
        return _unique(
            url
            for href in _strings(self._xpath("listing_article_links"))
            if article_id(url := self._absolute(href))
        )

    @page_field
    def hashtag_urls(self) -> list[str]:
        return _unique(
            url
            for href in _strings(self._xpath("listing_hashtag_links"))
            if urls.HASHTAG_PATH.match(urlsplit(url := self._absolute(href)).path)
        )


def _unique(urls: object) -> list[str]:
    return list(dict.fromkeys(urls))  # type: ignore[call-overload]
