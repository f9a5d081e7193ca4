"""Where Daily8's pages keep their parts, as data (URL rules are in `newsspider.site.urls`).

Selectors anchor on what survives a redeploy: URL patterns, headings, visible
labels, alt texts and document order, never on CSS-module hashes. A fixture
recorded from the live site that breaks one of these needs a change here only.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Section headings, per locale.
LABELS: dict[str, frozenset[str]] = {
    "hashtags": frozenset({"Hashtags", "هاشتاغز"}),
    "comments": frozenset({"Comments", "التعليقات"}),
    "related": frozenset({"Related Articles", "أخبار ذات صلة"}),
}


@dataclass(frozen=True, slots=True)
class ArticleMarkup:
    """Where an article page keeps its parts (read in one pass by `newsspider.site.pages`).

    - title: the first ``<h1>`` inside a ``<main>``;
    - header (source + stamp): the first of the `header_window` elements after the title
      that holds a ``<time>``; its first child that is not the ``<time>`` names the source;
    - body: the first later sibling of the title (not a ``<section>``) with ``<p>`` or
      ``<figure>`` children, which are the paragraphs and images in order;
    - images: a figure's first ``<img src>``, the first text of its ``<figcaption>`` and the
      ``<small>`` in it (the credit);
    - hashtags, comments, related articles: the ``<section>`` headed (a child ``<h2>`` or
      ``<h3>``) by one of `LABELS`; its links, its ``<li>`` (comments), or its children
      that link to an article (cards).
    """

    container: str = "main"
    title: str = "h1"
    header_window: int = 2
    stamp: str = "time"
    body_blocks: tuple[str, str] = ("p", "figure")
    image: str = "img"
    caption: str = "figcaption"
    credit: str = "small"
    section: str = "section"
    headings: tuple[str, ...] = ("h2", "h3")
    comment: str = "li"
    article_link: str = "/article/"


@dataclass(frozen=True, slots=True)
class CardMarkup:
    """A related-article card: its first link to an article, first ``<h3>`` (title), first
    ``<time>`` (stamp), first child holding neither a link nor a time and not a list (the
    source), and the items of its lists (the first one that is not the source: category)."""

    link: str = "a"
    title: str = "h3"
    stamp: str = "time"
    list: str = "ul"
    item: str = "li"


ARTICLE = ArticleMarkup()
CARD = CardMarkup()

#: What the browser waits for before a rendered page counts as loaded (Playwright selectors).
RENDERED = {
    "article": "xpath=(//main//h1)[1]",
    "listing": "xpath=//main//a[contains(@href, '/article/')]",
}

#: XPath selectors of listing pages (home, hashtag): links only.
LISTING = {
    "article_links": "//main//a[contains(@href, '/article/')]/@href",
    "hashtag_links": "//a[contains(@href, '/hashtag/')]/@href",
}
