"""Page parsers (web-poet page objects): one per page type, no knowledge of the spider."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cached_property, lru_cache
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

import attrs
from lxml import etree
from parsel import Selector
from web_poet import HttpResponse, Returns, WebPage
from web_poet import field as page_field

from newsspider.site import markup, urls
from newsspider.site.article import ArticleParts, read_article
from newsspider.site.html import PageText, empty_root, parse_html
from newsspider.site.items import Article, Image, RelatedArticle, iso
from newsspider.site.structured import DOM, Structured, read_structured
from newsspider.site.urls import article_id, url_locale

__all__ = ["ArticlePage", "Listing", "ListingPage", "article_id"]

# Results are only read as text: plain strings, not lxml's "smart" ones (which keep a
# reference to their parent element and cost more to build); no selector uses EXSLT regexps.
_XPATH = {
    f"listing_{name}": etree.XPath(expr, smart_strings=False, regexp=False)
    for name, expr in markup.LISTING.items()
}
# A Date header counts as the render time when it is this close to the fetch time.
_SKEW = timedelta(minutes=5)
_DATE_MAX_AGE = timedelta(days=2)


class _Parsed:
    """The parsed tree of one response, its text reader, and what was read from it."""

    __slots__ = ("_text", "article", "root", "source", "structured")

    def __init__(self, root: etree._Element, source: bytes | None) -> None:
        self.root = root
        self.source = source
        self._text: PageText | None = None
        self.article: ArticleParts | None = None
        self.structured: Structured | None = None

    @property
    def text(self) -> PageText:
        if self._text is None:
            self._text = PageText(self.root, self.source)
        return self._text


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
        if root is None:  # parsel reads it as JSON or XML unless that fails
            selector: Selector = self.response.selector
            html_root = selector.type == "html" and isinstance(selector.root, etree._Element)
            root = selector.root if html_root else empty_root()
        # The body's bytes hold the same markup as the text, in an ASCII-compatible encoding
        # for every page parse_html reads; other encodings (UTF-16) search the tree.
        body = self.response.body
        return _Parsed(root, body if _ascii_compatible(self.response.encoding) else None)

    @property
    def _root(self) -> etree._Element:
        return self._parsed.root

    def _text(self, node: etree._Element | None) -> str:
        return self._parsed.text(node)

    def _hrefs(self, name: str) -> list[str]:
        """The ``href`` of the links an XPath of `markup.LISTING` selects, outside noise."""
        result = _XPATH[name](self._root)
        links = result if isinstance(result, list) else []
        hidden = self._parsed.text.hidden
        return [str(link.get("href", "")) for link in links if link not in hidden]  # type: ignore[union-attr]

    def _absolute(self, href: str) -> str:
        # web-poet's urljoin (the page's <base> honoured): a faster rebuild of it bought ~2-3%
        # of crawl throughput, below the 5% that would pay for keeping one (issue 14).
        return str(self.response.urljoin(href.strip()))


@attrs.define
class ArticlePage(_Page, Returns[Article]):
    """An article page (``/en/article/<id>``, ``/article/<id>``)."""

    fetch_time: datetime = attrs.field(factory=lambda: datetime.now(UTC))

    @cached_property
    def _parts(self) -> ArticleParts:
        parsed = self._parsed
        if parsed.article is None:
            locale = url_locale(str(self.response.url))
            parsed.article = read_article(
                parsed.root, parsed.text, self._absolute, locale, self.fetch_time
            )
        return parsed.article

    @property
    def dom(self) -> ArticleParts:
        """What the page's markup shows, without its structured data."""
        return self._parts

    @property
    def structured(self) -> Structured:
        """The page's structured data (JSON-LD, Next.js data, OpenGraph), read once."""
        parsed = self._parsed
        if parsed.structured is None:
            parsed.structured = read_structured(parsed.root, article_id(str(self.response.url)))
        return parsed.structured

    @property
    def provenance(self) -> dict[str, str]:
        """Where each structured-data field came from: ``dom``, ``json-ld``, ``next-data``
        or ``opengraph`` (title, source, body)."""
        origin = self.structured.origin
        found = {name: origin.get(name, DOM) for name in ("title", "source", "body")}
        if self._parts.body:
            found["body"] = DOM
        return found

    @property
    def disagreements(self) -> list[str]:
        """Fields (title, source, body) on which structured data and the DOM disagree."""
        structured, dom = self.structured, self._parts
        found = []
        if structured.title and dom.title and _fold(structured.title) != _fold(dom.title):
            found.append("title")
        if structured.source and dom.source and _fold(structured.source) != _fold(dom.source):
            found.append("source")
        if (
            structured.body
            and dom.body
            and _fold(" ".join(structured.body)) != _fold(" ".join(dom.body))
        ):
            found.append("body")
        return found

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
        return self.structured.title or self._parts.title

    @page_field
    def source(self) -> str | None:
        return self.structured.source or self._parts.source

    @page_field
    def stamp_raw(self) -> str | None:
        return self._parts.stamp_raw

    @page_field
    def body(self) -> list[str]:
        # The DOM's paragraphs first: structured bodies are one text, split by lines at best.
        return list(self._parts.body or self.structured.body or [])

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
            for href in self._hrefs("listing_article_links")
            if article_id(url := self._absolute(href))
        )

    @page_field
    def hashtag_urls(self) -> list[str]:
        return _unique(
            url
            for href in self._hrefs("listing_hashtag_links")
            if urls.HASHTAG_PATH.match(urlsplit(url := self._absolute(href)).path)
        )


def _unique(urls: object) -> list[str]:
    return list(dict.fromkeys(urls))  # type: ignore[call-overload]


@lru_cache(maxsize=64)
def _ascii_compatible(encoding: str | None) -> bool:
    """Markup is the same bytes in `encoding` as in ASCII (not so in UTF-16 or UTF-32)."""
    if not encoding:
        return False
    try:
        return "<a class='x' id=y>".encode(encoding) == b"<a class='x' id=y>"
    except (LookupError, UnicodeError):
        return False


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
