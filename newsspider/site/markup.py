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

#: Headings of the site's own chrome inside an article page: never body, never a stop.
CHROME_LABELS: frozenset[str] = frozenset(
    {"Try Our AI Features", "جرب ميزات الذكاء الاصطناعي لدينا", "DOWNLOAD THE APP"}
)

#: Class or id words of ad slots (``AdSlot_root__x7Gq2``, ``ad-container``, ``adsbygoogle``),
#: a regular expression (case-insensitive); a hash after ``__`` is never a word.
AD_WORDS = (
    r"(?:^|\s|-|(?<!_)_)(?:ads?|ad-?slot|ad-?unit|ad-?container|ad-?wrapper|advert[a-z]*"
    r"|adsbygoogle|dfp|gpt-ad|sponsored)(?:$|[\s_-])"
)
#: Substrings (lower case) every class or id that `AD_WORDS` matches holds.
AD_HINTS = ("ad", "dfp", "sponsored")
#: An XPath predicate of elements that are never content: scripts, styles, templates,
#: frames, ``hidden``, ``aria-hidden="true"``, inline ``display:none`` /
#: ``visibility:hidden``, ``data-ad*`` attributes and tracking pixels (1x1 images); ad
#: slots by class or id words (`AD_WORDS`) are added by `newsspider.site.html`.
NOISE = (
    "self::script or self::style or self::noscript or self::template or self::iframe"
    " or @hidden or @aria-hidden='true'"
    " or contains(translate(@style, 'ABDEHILNOPSTYV \t', 'abdehilnopstyv'), 'display:none')"
    " or contains(translate(@style, 'ABDEHILNOPSTYV \t', 'abdehilnopstyv'), 'visibility:hidden')"
    " or (self::img and @width='1' and @height='1')"
    " or @data-ad-slot or @data-ad-unit or @data-ad"
)


@dataclass(frozen=True, slots=True)
class ArticleMarkup:
    """Where an article page keeps its parts (read by `newsspider.site.article`), by meaning.

    Nothing here depends on how deep an element sits or which wrapper holds it.

    - title: the first visible ``<h1>`` inside a ``<main>``;
    - article region: that ``<main>``; everything after the title, up to the first labelled
      section (`LABELS`), in document order; noise (`NOISE`) and chrome sections
      (`CHROME_LABELS`) are skipped;
    - header (before the first body block): the stamp is the first ``<time>``, or short
      text that ``parse_stamp`` reads; the source is the short text beside it (the nearest
      one before it, else after it) in the smallest element around the stamp that has one;
    - body: every ``<p>`` (not the repeated title before the body) and ``<figure>`` of the
      region, at any depth, in document order;
    - images: a figure's first visible ``<img src>``, the first text of its
      ``<figcaption>`` and the ``<small>`` in it (the credit);
    - hashtags, comments, related articles: the element a heading (`headings`) with one of
      `LABELS` heads (its parent, or higher while the heading is alone in it); its links,
      its ``<li>`` (comments), or its cards (the largest elements in it that link to one
      article only).
    """

    container: str = "main"
    title: str = "h1"
    stamp: str = "time"
    # Longest text read as a source or stamp name in the header.
    header_text_max: int = 80
    body_blocks: tuple[str, str] = ("p", "figure")
    image: str = "img"
    caption: str = "figcaption"
    credit: str = "small"
    section: str = "section"
    headings: tuple[str, ...] = ("h2", "h3", "h4")
    comment: str = "li"
    article_link: str = "/article/"


@dataclass(frozen=True, slots=True)
class CardMarkup:
    """A related-article card: its first link to an article, its first heading (title), first
    ``<time>`` (stamp), the first short text before its lists and later headings that is
    neither in the link nor the stamp (the source), and the items of its lists (the first
    one that is not the source: category)."""

    link: str = "a"
    titles: tuple[str, ...] = ("h2", "h3", "h4")
    stamp: str = "time"
    list: str = "ul"
    item: str = "li"
    source_max: int = 100


ARTICLE = ArticleMarkup()
CARD = CardMarkup()

#: What the browser waits for before a rendered page counts as loaded (Playwright selectors).
RENDERED = {
    "article": "xpath=(//main//h1)[1]",
    "listing": "xpath=//main//a[contains(@href, '/article/')]",
}

#: XPath selectors of listing pages (home, hashtag): links (those inside noise are left out).
LISTING = {
    "article_links": "//main//a[contains(@href, '/article/')]",
    "hashtag_links": "//a[contains(@href, '/hashtag/')]",
}
