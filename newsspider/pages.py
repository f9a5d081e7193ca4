"""Page parsers (web-poet page objects): one per page type, no knowledge of the spider."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
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

from newsspider import site
from newsspider.fixtures import iso
from newsspider.items import Article, Image, RelatedArticle

# Results are only read as text: plain strings, not lxml's "smart" ones (which keep a
# reference to their parent element and cost more to build); no selector uses EXSLT regexps.
_XPATH = {
    name: etree.XPath(expr, smart_strings=False, regexp=False)
    for name, expr in {
        **{f"article_{k}": v for k, v in site.ARTICLE.items()},
        **{f"card_{k}": v for k, v in site.CARD.items()},
        **{f"listing_{k}": v for k, v in site.LISTING.items()},
    }.items()
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
    visible, which ``itertext()`` yields in document order; other nodes take the XPath.
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
        return _clean("".join(node.itertext()))


def _first(nodes: object) -> etree._Element | None:
    if isinstance(nodes, list) and nodes and isinstance(nodes[0], etree._Element):
        return nodes[0]
    return None


def _strings(nodes: object) -> list[str]:
    return [str(node) for node in nodes] if isinstance(nodes, list) else []


def article_id(url: str) -> str | None:
    """The 32-hex article id of an article URL on any host, else None."""
    match = site.ARTICLE_PATH.match(urlsplit(url).path)
    return match["id"] if match else None


def url_locale(url: str) -> str:
    """``en`` for ``/en/...`` paths, else ``ar`` (Daily8's default locale)."""
    path = urlsplit(url).path
    return "en" if path == "/en" or path.startswith("/en/") else "ar"


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
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser, base_url=base_url)
    return root


# A root-relative link without dot segments, doubled slashes, query, fragment or parameters:
# joined to any http(s) base URL it is the base's origin followed by the link itself.
_PLAIN_PATH = re.compile(r"/(?:[A-Za-z0-9_~%-]+/)*[A-Za-z0-9_~%-]*\Z")


_Parsed = tuple[etree._Element, "_TextOf | None"]
# The parsed tree of each response alive, so that page objects of one response (the check
# for client-rendered pages, then the spider) parse it once. Trees are never modified.
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
            return selector.root, None
        return root, _TextOf(root)

    @property
    def _root(self) -> etree._Element:
        return self._parsed[0]

    def _text(self, node: etree._Element | None) -> str:
        text = self._parsed[1]
        return text(node) if text is not None else text_of(node)

    @cached_property
    def _origin(self) -> str | None:
        """``scheme://host[:port]`` of the page's base URL, when it is http(s)."""
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
        return str(self.response.urljoin(href))


@attrs.define
class ArticlePage(_Page, Returns[Article]):
    """An article page (``/en/article/<id>``, ``/article/<id>``)."""

    fetch_time: datetime = attrs.field(factory=lambda: datetime.now(UTC))

    @cached_property
    def _header(self) -> etree._Element | None:
        return _first(self._xpath("article_header"))

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
        return self._text(_first(self._xpath("article_title")))

    @page_field
    def source(self) -> str | None:
        if self._header is None:
            return None
        return self._text(_first(self._xpath("article_header_source", self._header))) or None

    @page_field
    def stamp_raw(self) -> str | None:
        if self._header is None:
            return None
        return self._text(_first(self._xpath("article_header_stamp", self._header))) or None

    @cached_property
    def _blocks(self) -> list[etree._Element]:
        return self._xpath("article_body")

    @page_field
    def body(self) -> list[str]:
        paragraphs = (self._text(block) for block in self._blocks if block.tag == "p")
        return [text for text in paragraphs if text]

    @page_field
    def images(self) -> list[Image]:
        images = []
        for figure in self._blocks:
            if figure.tag != "figure":
                continue
            src = _strings(self._xpath("article_figure_img", figure))
            if not src:
                continue
            caption = " ".join(
                " ".join(_strings(self._xpath("article_figure_caption", figure))).split()
            )
            credit = self._text(_first(self._xpath("article_figure_credit", figure)))
            images.append(
                Image(
                    src=self._absolute(src[0]), caption=caption or None, credit_raw=credit or None
                )
            )
        return images

    @page_field
    def hashtags(self) -> list[str]:
        tags: dict[str, None] = {}
        for href in _strings(self._xpath("article_hashtags")):
            match = site.HASHTAG_PATH.match(urlsplit(self._absolute(href)).path)
            if match:
                tags[unquote(match["tag"])] = None
        return list(tags)

    @page_field
    def related(self) -> list[RelatedArticle]:
        cards = []
        for card in self._xpath("article_related_cards"):
            parsed = parse_card(card, self._absolute, self._text)
            if parsed is not None:
                cards.append(parsed)
        return cards

    @page_field
    def comment_count(self) -> int:
        return len(self._xpath("article_comments"))

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
    card: etree._Element, absolute: object, text: Callable[[etree._Element | None], str] = text_of
) -> RelatedArticle | None:
    """A related-article or listing card; None when it links to no article."""
    hrefs = _strings(_XPATH["card_href"](card))
    if not hrefs or not callable(absolute):
        return None
    url = str(absolute(hrefs[0]))
    card_id = article_id(url)
    if card_id is None:
        return None
    nodes = _XPATH["card_source"](card)
    source = text(_first(nodes)) or None
    bullets = [text(li) for li in _XPATH["card_bullets"](card)]  # type: ignore[union-attr]
    category = next((b for b in bullets if b and b != source), None)
    return RelatedArticle(
        id=card_id,
        url=url,
        title=text(_first(_XPATH["card_title"](card))),
        source=source,
        stamp_raw=text(_first(_XPATH["card_stamp"](card))) or None,
        category=category,
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
            if site.HASHTAG_PATH.match(urlsplit(url := self._absolute(href)).path)
        )


def _unique(urls: object) -> list[str]:
    return list(dict.fromkeys(urls))  # type: ignore[call-overload]
