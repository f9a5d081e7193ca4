"""The article reader's rules (`site.ArticleMarkup`, `site.CardMarkup`) on markup the
fixtures do not show: where each part is found, and what is left alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from web_poet import HttpResponse

from newsspider.site.items import Article
from newsspider.site.pages import ArticlePage

URL = "https://www.daily8.com/en/article/" + "a" * 32
CARD_ID = "b" * 32


def read(main: str, outside: str = "") -> Article:
    html = f"<html><body>{outside}<main>{main}</main></body></html>"
    response = HttpResponse(
        URL, html.encode(), status=200, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    page = ArticlePage(response, fetch_time=datetime(2025, 6, 18, 3, tzinfo=UTC))
    return asyncio.run(page.to_item())


def card(inner: str, article_id: str = CARD_ID) -> str:
    return f'<div><a href="/en/article/{article_id}"><h3>Card</h3></a>{inner}</div>'


def test_title_header_and_body_are_found_by_position() -> None:
    article = read(
        "<h1>Title</h1><p>repeat</p>"
        "<div><span>Axios</span><time>6 hours ago</time></div>"
        "<section><p>not the body</p></section>"
        "<div><p>One</p><!-- c --><p>  Two \n lines </p><ul><li>not body</li></ul></div>"
        "<div><p>later block</p></div>",
        outside="<h1>Outside main</h1>",
    )
    assert article.title == "Title"
    assert (article.source, article.stamp_raw) == ("Axios", "6 hours ago")
    assert article.body == ["One", "Two lines"]


def test_a_time_beyond_the_header_window_is_no_stamp() -> None:
    article = read("<h1>T</h1><p>a</p><p>b</p><div><span>S</span><time>now</time></div>")
    assert (article.source, article.stamp_raw) == (None, None)


def test_figures_give_source_caption_and_credit() -> None:
    article = read(
        "<h1>T</h1><div><p>x</p>"
        '<figure><img alt="no src"><img src="/media/a.jpg">'
        "<figcaption><!-- lead -->A caption <small>AFP</small> tail</figcaption></figure>"
        "<figure><img><figcaption>no image</figcaption></figure></div>"
    )
    assert len(article.images) == 1
    image = article.images[0]
    assert image.src == "https://www.daily8.com/media/a.jpg"
    assert (image.caption, image.credit_raw) == ("A caption", "AFP")


def test_sections_are_found_by_their_heading_text() -> None:
    tags = '<a href="/en/hashtag/One">#One</a><a href="/en/hashtag/Two%20Words">#2</a>'
    article = read(
        f"<h1>T</h1><div><p>x</p></div><section><h2> Hashtags </h2>{tags}</section>"
        f"<section><h3>Trending</h3><a href='/en/hashtag/No'>no</a></section>"
        # normalize-space() folds XML whitespace only: a no-break space is another label.
        f"<section><h2>Related\u00a0Articles</h2>{card('')}</section>"
    )
    assert article.hashtags == ["One", "Two Words"]
    assert article.related == []


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


def test_cards_give_source_stamp_and_category() -> None:
    article = read(
        "<h1>T</h1><div><p>x</p></div><section><h2>Related Articles</h2>"
        + card(
            "<div><img alt='time'><time>an hour ago</time></div><p>Reuters</p>"
            "<ul><li>Reuters</li><li>Business</li></ul>"
        )
        + '<div><a href="/en/hashtag/x">not an article</a></div></section>'
    )
    (related,) = article.related
    assert related.url == f"https://www.daily8.com/en/article/{CARD_ID}"
    assert (related.title, related.source, related.stamp_raw, related.category) == (
        "Card",
        "Reuters",
        "an hour ago",
        "Business",
    )
