"""Log lines that name the URL and reason of a dropped item, not its whole repr."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import logformatter
from scrapy.http import Response
from scrapy.spiders import Spider
from twisted.python.failure import Failure


class LogFormatter(logformatter.LogFormatter):
    """Scrapy's formatter, with one-line drop messages."""

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> logformatter.LogFormatterResult:
        url = ItemAdapter(item).get("url") if ItemAdapter.is_item(item) else None
        return {
            "level": logging.WARNING,
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {
                "url": url or (response.url if isinstance(response, Response) else "?"),
                "reason": exception,
            },
        }
