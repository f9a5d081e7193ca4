"""Everything newsspider knows about Daily8's hosts, URLs and markup, as data.

Selectors anchor on what survives a redeploy: URL patterns, headings, visible
labels, alt texts and document order, never on CSS-module hashes. A fixture
recorded from the live site that breaks one of these needs a change here only.
"""

from __future__ import annotations

import re

#: Hosts that serve Daily8 (production, staging, the Amplify deployment).
HOSTS: frozenset[str] = frozenset(
    {"www.daily8.com", "daily8.com", "test.daily8.com", "main.d358xbzettaslu.amplifyapp.com"}
)
HOME_URL = {"en": "https://www.daily8.com/en", "ar": "https://www.daily8.com/"}

#: ``/en/article/<id>`` (English) and ``/article/<id>`` (Arabic, the default locale).
ARTICLE_PATH = re.compile(r"^/(?:(?P<en>en)/)?article/(?P<id>[0-9a-f]{32})/?$")
HASHTAG_PATH = re.compile(r"^/(?:(?P<en>en)/)?hashtag/(?P<tag>[^/?#]+)/?$")
HOME_PATH = re.compile(r"^/(?:(?P<en>en)/?)?$")

#: Section headings, per locale.
LABELS: dict[str, frozenset[str]] = {
    "hashtags": frozenset({"Hashtags", "هاشتاغز"}),
    "comments": frozenset({"Comments", "التعليقات"}),
    "related": frozenset({"Related Articles", "أخبار ذات صلة"}),
}


def _heading_is(label: str) -> str:
    names = " or ".join(f'normalize-space()="{name}"' for name in sorted(LABELS[label]))
    return f"*[self::h2 or self::h3][{names}]"


#: XPath selectors of the article page, relative to the document.
ARTICLE = {
    "title": "(//main//h1)[1]",
    # The header line (source + stamp) is the first sibling after the title that holds a <time>.
    "header": "(//main//h1)[1]/following-sibling::*[position() <= 2][.//time][1]",
    "header_source": "./*[not(self::time)][1]",
    "header_stamp": ".//time[1]",
    # The body is the first block after the title holding paragraphs or figures.
    "body": (
        "(//main//h1)[1]/following-sibling::*[not(self::section)][p or figure][1]"
        "/*[self::p or self::figure]"
    ),
    "figure_img": ".//img/@src",
    "figure_caption": ".//figcaption/text()[1]",
    "figure_credit": ".//figcaption/small",
    "hashtags": f"//section[{_heading_is('hashtags')}]//a/@href",
    "comments": f"//section[{_heading_is('comments')}]//li",
    "related_cards": f"//section[{_heading_is('related')}]/*[.//a[contains(@href, '/article/')]]",
}

#: XPath selectors of a related-article or listing card, relative to the card.
CARD = {
    "href": "(.//a[contains(@href, '/article/')]/@href)[1]",
    "title": "(.//h3)[1]",
    "stamp": "(.//time)[1]",
    "source": "(./*[not(.//time)][not(self::ul)][not(self::a)][not(.//a)])[1]",
    "bullets": ".//ul/li",
}

#: XPath selectors of listing pages (home, hashtag): links only.
LISTING = {
    "article_links": "//main//a[contains(@href, '/article/')]/@href",
    "hashtag_links": "//a[contains(@href, '/hashtag/')]/@href",
}
