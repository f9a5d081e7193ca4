"""The pickled scheduler memory queue: same order and same requests as Scrapy's LIFO queue."""

from __future__ import annotations

import threading

from scrapy import Request
from scrapy.utils.test import get_crawler

from newsspider.crawl.queues import PickledLifoMemoryQueue
from newsspider.spiders.daily8 import Daily8Spider

ARTICLE = "https://www.daily8.com/en/article/{}/title"


def make_queue() -> tuple[PickledLifoMemoryQueue, Daily8Spider]:
    crawler = get_crawler(Daily8Spider)
    spider = Daily8Spider.from_crawler(crawler)
    crawler.spider = spider
    return PickledLifoMemoryQueue.from_crawler(crawler, "queue/0"), spider


def test_requests_come_back_whole_last_in_first_out() -> None:
    queue, spider = make_queue()
    first = Request(
        ARTICLE.format("a" * 32),
        spider.parse_article,
        errback=spider.failed,
        meta={"hops": 2, "article_id": "a" * 32, "depth": 3},
        headers={"Referer": "https://www.daily8.com/en"},
        dont_filter=True,
    )
    second = Request(ARTICLE.format("b" * 32), spider.parse_article, meta={"hops": 1})
    queue.push(first)
    queue.push(second)
    assert len(queue) == 2
    peeked, popped = queue.peek(), queue.pop()
    assert peeked is not None and popped is not None
    assert peeked.url == popped.url == second.url
    back = queue.pop()
    assert back is not None and back is not first
    assert back.url == first.url and back.meta == first.meta
    assert back.callback == spider.parse_article and back.errback == spider.failed
    assert back.headers.getlist("Referer") == [b"https://www.daily8.com/en"]
    assert back.dont_filter
    assert queue.pop() is None and len(queue) == 0


def test_a_request_that_cannot_be_pickled_is_kept_as_it_is() -> None:
    queue, spider = make_queue()
    request = Request(
        ARTICLE.format("c" * 32), spider.parse_article, meta={"lock": threading.Lock()}
    )
    queue.push(request)
    assert queue.pop() is request


def test_requests_are_stored_as_to_dict_gives_them() -> None:
    queue, spider = make_queue()
    for request in (
        Request(ARTICLE.format("d" * 32), spider.parse_article, errback=spider.failed),
        Request(ARTICLE.format("e" * 32), spider.parse_listing, meta={"hops": 0}, priority=3),
        Request(ARTICLE.format("f" * 32)),
    ):
        for _ in range(2):  # the first time looks the callback names up, the second not
            assert queue._as_dict(request) == request.to_dict(spider=spider)
