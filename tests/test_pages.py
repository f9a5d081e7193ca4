"""The page readers (`site.markup`) on markup the fixtures do not show: parts found by meaning,
noise left out, structured data read and cross-checked; the tree pinned to parsel's."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime

import pytest
from lxml import etree
from parsel import Selector
from web_poet import HttpResponse

from newsspider.crawl.fixtures import iter_fixtures
from newsspider.site.html import parse_html
from newsspider.site.items import Article
from newsspider.site.pages import ArticlePage, ListingPage
from tests.conftest import FIXTURES

URL = "https://www.daily8.com/en/article/" + "a" * 32
CARD_ID = "b" * 32
NOW = datetime(2025, 6, 18, 3, tzinfo=UTC)


def page(main: str, outside: str = "", head: str = "", url: str = URL) -> ArticlePage:
    html = f"<html><head>{head}</head><body>{outside}<main>{main}</main></body></html>"
    response = HttpResponse(
        url, html.encode(), status=200, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    return ArticlePage(response, fetch_time=NOW)


def read(main: str, outside: str = "", head: str = "") -> Article:
    return asyncio.run(page(main, outside, head).to_item())


def card(inner: str, article_id: str = CARD_ID) -> str:
    return f'<div><a href="/en/article/{article_id}"><h3>Card</h3></a>{inner}</div>'


# --- title, header, body ------------------------------------------------------------------


def test_title_header_and_body_are_found_by_meaning() -> None:
    article = read(
        "<h1>Title</h1><p>Title</p>"
        "<div><span>Axios</span><time>6 hours ago</time></div>"
        "<div><p>One</p><!-- c --><div><div><p>  Two \n lines </p></div></div>"
        "<ul><li>a list item</li></ul></div>"
        "<div><p>later block</p></div>"
        "<section><h2>Hashtags</h2><p>not the body</p></section><p>after the sections</p>",
        outside="<h1>Outside main</h1>",
    )
    assert article.title == "Title"
    assert (article.source, article.stamp_raw) == ("Axios", "6 hours ago")
    assert article.body == ["One", "Two lines", "later block"]


def test_the_header_is_found_in_any_order_and_without_a_time_element() -> None:
    for header in (
        "<div><time>3 days ago</time><span>CNN</span></div>",
        "<div><div><span>CNN</span></div><div><div><span>3 days ago</span></div></div></div>",
        "<header><h1>T</h1><p>T</p><span>CNN</span><time>3 days ago</time></header>",
    ):
        main = header if header.startswith("<header>") else "<h1>T</h1>" + header
        article = read(main + "<div><p>Body</p></div>")
        assert (article.title, article.source, article.stamp_raw, article.body) == (
            "T",
            "CNN",
            "3 days ago",
            ["Body"],
        ), header


def test_a_stamp_inside_the_body_is_not_the_articles() -> None:
    article = read(
        "<h1>T</h1><div><p>a</p><p>Issued on: <time>18/07/2025</time></p>"
        "<div><span>S</span><time>now</time></div></div>"
    )
    assert (article.source, article.stamp_raw) == (None, None)
    assert article.body == ["a", "Issued on: 18/07/2025"]


def test_noise_is_never_content() -> None:
    article = read(
        '<h1 hidden>Decoy</h1><h1>T</h1><script>var a = "<p>x</p>";</script>'
        '<div class="AdSlot_root__x7Gq2"><span>Ad</span><time>a minute ago</time></div>'
        '<div><span aria-hidden="true">Fake</span><span>Reuters</span>'
        '<time style="display: none">now</time><time>an hour ago</time></div>'
        '<div><p style="DISPLAY:NONE">hidden</p><p>One <span hidden>secret</span>text</p>'
        '<aside id="ad-box"><p>Buy</p></aside><noscript><p>Enable JS</p></noscript>'
        '<figure><img src="/pixel.gif" width="1" height="1"><img src="/a.jpg">'
        "<figcaption>Cap</figcaption></figure><style>p{}</style><p>Two</p></div>"
    )
    assert (article.title, article.source, article.stamp_raw) == ("T", "Reuters", "an hour ago")
    assert article.body == ["One text", "Two"]
    assert [image.src for image in article.images] == ["https://www.daily8.com/a.jpg"]


def test_css_module_words_of_hashes_are_not_ads() -> None:
    article = read('<h1>T</h1><div class="Body_text__ads"><p class="P_p__ad-9x">Kept</p></div>')
    assert article.body == ["Kept"]


def test_figures_give_source_caption_and_credit() -> None:
    article = read(
        "<h1>T</h1><div><p>x</p>"
        '<figure><img alt="no src"><div><img src="/media/a.jpg"></div>'
        "<figcaption><!-- lead -->A caption <span><small>AFP</small></span> tail</figcaption>"
        "</figure><figure><img><figcaption>no image</figcaption></figure></div>"
    )
    assert len(article.images) == 1
    image = article.images[0]
    assert image.src == "https://www.daily8.com/media/a.jpg"
    assert (image.caption, image.credit_raw) == ("A caption", "AFP")


def _words(rng: random.Random, n: int) -> str:
    return " ".join(
        "".join(rng.choice("abcdefghij") for _ in range(rng.randint(1, 8))) for _ in range(n)
    )


def _nest(rng: random.Random, inner: str) -> str:
    for _ in range(rng.randint(0, 3)):
        tag = rng.choice(("div", "section", "article", "blockquote"))
        inner = f"<{tag}>{inner}</{tag}>"
    return inner


@pytest.mark.parametrize("seed", range(30))
def test_every_paragraph_at_any_depth_is_body_in_document_order(seed: int) -> None:
    rng = random.Random(seed)
    paragraphs = [_words(rng, rng.randint(3, 30)) for _ in range(rng.randint(1, 12))]
    blocks = "".join(_nest(rng, f"<p>{p}</p>") for p in paragraphs)
    header = "<div><span>Source Name</span><time>2 hours ago</time></div>"
    labels = ("Hashtags", "Comments", "Related Articles")
    tail = f"<section><h2>{rng.choice(labels)}</h2><p>{_words(rng, 4)}</p></section>"
    article = read(f"<h1>Heading</h1>{_nest(rng, header)}{_nest(rng, blocks)}{tail}")
    assert article.body == paragraphs
    assert (article.source, article.stamp_raw) == ("Source Name", "2 hours ago")


# --- labelled sections and cards ------------------------------------------------------------


def test_sections_are_found_by_their_heading_text() -> None:
    tags = '<a href="/en/hashtag/One">#One</a><a href="/en/hashtag/Two%20Words">#2</a>'
    article = read(
        f"<h1>T</h1><div><p>x</p></div><div><div><h3> Hashtags </h3></div>{tags}</div>"
        f"<section><h3>Trending</h3><a href='/en/hashtag/No'>no</a></section>"
        # normalize-space() folds XML whitespace only: a no-break space is another label.
        f"<section><h2>Related\u00a0Articles</h2>{card('')}</section>"
    )
    assert article.hashtags == ["One", "Two Words"]
    assert article.related == []


def test_chrome_sections_are_skipped_wherever_they_are() -> None:
    article = read(
        "<h1>T</h1><div><p>x</p><section><h2>Try Our AI Features</h2><p>Explore</p></section>"
        "<p>y</p></div><section><h2>Comments</h2><ul><li>1</li><li hidden>2</li></ul></section>"
    )
    assert article.body == ["x", "y"]
    assert article.comment_count == 1


def test_nested_sections_give_each_node_once_in_document_order() -> None:
    inner = f"<section><h2>Related Articles</h2>{card('', 'c' * 32)}</section>"
    article = read(
        "<h1>T</h1><div><p>x</p></div>"
        "<section><h2>Comments</h2><ul><li>1</li>"
        "<li><section><h2>Comments</h2><ul><li>2</li></ul></section></li></ul></section>"
        f"<section><h2>Related Articles</h2>{card('')}{inner}{card('', 'd' * 32)}</section>"
    )
    assert article.comment_count == 3
    # The inner section links to an article too: it is a card of the outer one.
    assert [c.id for c in article.related] == [CARD_ID, "c" * 32, "c" * 32, "d" * 32]


def test_cards_give_source_stamp_and_category_inside_wrappers() -> None:
    inner = (
        "<div><img alt='time'><time>an hour ago</time></div><div><p>Reuters</p></div>"
        "<ul><div><li>Reuters</li><li>Business</li></div></ul><h4>Heading</h4><p>Long text</p>"
    )
    article = read(
        "<h1>T</h1><div><p>x</p></div><div><h2>Related Articles</h2><div class='grid'>"
        + card(inner)
        + '<div><a href="/en/hashtag/x">not an article</a></div>'
        + f"<div hidden>{card('', 'e' * 32)}</div></div></div>"
    )
    (related,) = article.related
    assert related.url == f"https://www.daily8.com/en/article/{CARD_ID}"
    assert (related.title, related.source, related.stamp_raw, related.category) == (
        "Card",
        "Reuters",
        "an hour ago",
        "Business",
    )


def test_a_card_without_a_source_has_none() -> None:
    article = read(
        "<h1>T</h1><div><p>x</p></div><section><h3>Related Articles</h3>"
        + card("<time>now</time><ul><li>Health</li></ul><h4>Full</h4><p>Text</p>")
        + "</section>"
    )
    assert [(c.source, c.category) for c in article.related] == [(None, "Health")]


# --- structured data --------------------------------------------------------------------------


def _json_ld(**fields: object) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", **fields}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_json_ld_comes_first_and_disagreements_are_listed() -> None:
    ld = _json_ld(
        headline="LD title",
        sourceOrganization={"@type": "Organization", "name": "Reuters"},
        articleBody="First.\n\nSecond &amp; last.",
        datePublished="2025-06-17T10:00:00Z",
    )
    view = page(
        "<h1>DOM title</h1><div><span>Reuters</span><time>now</time></div><div><p>x</p></div>",
        head=ld + '<meta property="og:title" content="OG title | Daily8">',
    )
    item = asyncio.run(view.to_item())
    assert (item.title, item.source, item.body) == ("LD title", "Reuters", ["x"])
    assert view.provenance == {"title": "json-ld", "source": "json-ld", "body": "dom"}
    assert view.disagreements == ["title", "body"]
    assert view.structured.published == "2025-06-17T10:00:00Z"


def test_a_structured_body_fills_a_page_without_paragraphs() -> None:
    view = page("<h1>T</h1>", head=_json_ld(headline="T", articleBody="One.\nTwo."))
    assert asyncio.run(view.to_item()).body == ["One.", "Two."]
    assert view.provenance["body"] == "json-ld" and view.disagreements == []


def test_opengraph_title_without_the_site_name() -> None:
    head = '<meta property="og:site_name" content="Daily8">'
    head += '<meta property="og:title" content="T - Daily8">'
    view = page("<h1>T</h1><div><p>x</p></div>", head=head)
    assert view.provenance["title"] == "opengraph" and view.disagreements == []


def test_next_data_and_the_flight_payload_are_read() -> None:
    data = {"props": {"pageProps": {"article": {"id": "a" * 32, "title": "N", "source": "AFP"}}}}
    next_data = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'
    view = page("<h1>N</h1><div><span>AP</span><time>now</time></div><p>x</p>", outside=next_data)
    assert (view.structured.title, view.structured.source) == ("N", "AFP")
    assert view.provenance["source"] == "next-data" and view.disagreements == ["source"]

    row = json.dumps(["$", "Article", None, {"id": "a" * 32, "title": "F", "body": ["p1", "p2"]}])
    chunks = ['1:{"buildId":"x"}\n2:', row[:20], row[20:] + "\n"]
    pushes = "".join(f"<script>self.__next_f.push({json.dumps([1, c])})</script>" for c in chunks)
    view = page("<h1>F</h1>", outside=pushes)
    item = asyncio.run(view.to_item())
    assert (item.title, item.body) == ("F", ["p1", "p2"])
    assert view.provenance == {"title": "next-data", "source": "dom", "body": "next-data"}


def test_broken_structured_data_is_ignored() -> None:
    head = '<script type="application/ld+json">{not json</script><meta property="og:title">'
    view = page("<h1>T</h1><p>x</p>", head=head, outside="<script>self.__next_f.push([1</script>")
    assert asyncio.run(view.to_item()).title == "T"
    assert view.provenance == {"title": "dom", "source": "dom", "body": "dom"}


# --- listings -----------------------------------------------------------------------------


def test_listing_links_inside_noise_are_left_out() -> None:
    html = (
        "<html><body><main><a href='/en/article/" + "1" * 32 + "'>a</a>"
        "<div hidden><a href='/en/article/" + "2" * 32 + "'>b</a></div>"
        "<div class='AdSlot_root__q1'><a href='/en/article/" + "3" * 32 + "'>c</a></div>"
        "<a style='display:none' href='/en/hashtag/Hidden'>h</a><a href='/en/hashtag/Seen'>s</a>"
        "</main></body></html>"
    )
    response = HttpResponse("https://www.daily8.com/en", html.encode(), status=200)
    listing = asyncio.run(ListingPage(response).to_item())
    assert listing.article_urls == ["https://www.daily8.com/en/article/" + "1" * 32]
    assert listing.hashtag_urls == ["https://www.daily8.com/en/hashtag/Seen"]


# --- the tree, pinned to parsel's -------------------------------------------------------------

_PIECES = (
    "",
    " ",
    "\n\t",
    "\ufeff",
    "\x00",
    "<!DOCTYPE html>",
    '<?xml version="1.0"?>',
    "{",
    "[1]",
    '{"a": 1}',
    "<p>unclosed",
    "<html><head><title>t</title></head><body>",
    "<base href='/other/path/'>",
    "<div><span>ü中文عربي &amp; &nbsp; &#x27; &bogus;</span></div>",
    "<!-- a comment -->",
    "<script>if (a < b && c > d) { x = '</div>' }</script>",
    "<![CDATA[data]]>",
    "<?php echo 1; ?>",
    "</p></div>",
    "<table><tr><td>cell</table>",
    "<svg><path d='M0'/></svg>",
    "\r\n<p>crlf</p>\r\n",
)


def _generated_pages(count: int) -> list[str]:
    rng = random.Random(14)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 6))) for _ in range(count)]


def _fixture_pages() -> list[str]:
    pages = [f.response().text for f in iter_fixtures(FIXTURES)]
    return pages + [p.read_text("utf-8") for p in sorted((FIXTURES / "shell").glob("*.html"))]


@pytest.mark.parametrize("text", _fixture_pages() + _generated_pages(300))
def test_the_tree_is_the_one_parsel_builds(text: str) -> None:
    url = "https://www.daily8.com/en/article/" + "a" * 32
    selector = Selector(text=text, base_url=url)
    ours = parse_html(text, url)
    if ours is None:  # the page object then takes parsel's tree itself
        assert text.lstrip(" \t\n\r")[:1] in "{[" or "<?xml" in text[:64]
        return
    assert selector.type == "html"
    assert etree.tostring(ours, encoding=str) == etree.tostring(selector.root, encoding=str)
    assert ours.base == selector.root.base


def test_the_spider_counts_disagreements_per_field() -> None:
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from newsspider.spiders.daily8 import Daily8Spider

    crawler = get_crawler(Daily8Spider)
    crawler._apply_settings()
    spider = Daily8Spider.from_crawler(crawler)
    data = {"props": {"pageProps": {"article": {"title": "Other", "source": "AFP"}}}}
    body = (
        "<html><body><main><h1>T</h1><div><span>AP</span><time>now</time></div><p>x</p></main>"
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'
        "</body></html>"
    )
    response = HtmlResponse(URL, body=body.encode(), encoding="utf-8", request=Request(URL))

    async def items() -> list[object]:
        return [item async for item in spider.parse_article(response)]

    (item,) = [i for i in asyncio.run(items()) if isinstance(i, Article)]
    assert (item.title, item.source) == ("Other", "AFP")
    stats = crawler.stats
    assert stats is not None
    assert stats.get_value("newsspider/structured/disagree/title") == 1
    assert stats.get_value("newsspider/structured/disagree/source") == 1
    assert stats.get_value("newsspider/structured/disagree/body") is None


def _noise_pages() -> list[bytes]:
    from tests.mutate import mutate

    bodies = [f.response().body for f in iter_fixtures(FIXTURES)]
    mutants = [mutate(b, name, 0) for b in bodies[:6] for name in ("noise", "decoys")]
    extra = [
        b"<p HIDDEN>a</p><div CLASS='AdSlot_x'>b</div><img WIDTH=1 HEIGHT=1 src=x>",
        b"<div style='DISPLAY: none'>a</div><span Id=ad-top>b</span><i class=ad>c</i>",
    ]
    return bodies + mutants + extra


@pytest.mark.parametrize("body", _noise_pages())
def test_noise_found_from_the_source_is_the_noise_of_the_tree(body: bytes) -> None:
    from newsspider.site.html import noise_roots

    root = parse_html(body.decode("utf-8"), URL)
    assert root is not None
    assert set(noise_roots(root, body)) == set(noise_roots(root))


def test_deeply_nested_markup_is_read_without_recursion() -> None:
    deep = "<div><span><b>" * 5000
    article = read(f"<h1>T</h1><div><span>S</span><time>now</time></div><p>a</p>{deep}<p>deep</p>")
    assert article.body[0] == "a" and article.source == "S"
