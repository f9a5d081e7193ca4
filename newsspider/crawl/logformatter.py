"""Log lines that name an item's URL (and a drop's reason), never dump the whole item."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import logformatter
from scrapy.http import Response
from scrapy.spiders import Spider
from twisted.python.failure import Failure


class LogFormatter(logformatter.LogFormatter):
    """Scrapy's formatter, with one-line messages for scraped and dropped items."""

    def scraped(
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> logformatter.LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "Scraped %(url)s",
            "args": {"url": _url(item, response)},
        }

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> logformatter.LogFormatterResult:
        return {
            "level": logging.WARNING,
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {"url": _url(item, response), "reason": exception},
        }


def _url(item: Any, response: Response | Failure | None) -> str:
    url = ItemAdapter(item).get("url") if ItemAdapter.is_item(item) else None
    return str(url or (response.url if isinstance(response, Response) else "?"))
