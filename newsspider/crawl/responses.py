"""The web-poet view of a Scrapy response, shared by everything that parses one response."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from scrapy.http import Response
from web_poet import HttpResponse
from web_poet.page_inputs.http import HttpResponseHeaders

# One web-poet view per Scrapy response alive: the check for client-rendered pages (render/)
# and the spider share it, and so its decoded text and parsed tree (`newsspider.site.pages`).
_PAGE_INPUTS: WeakKeyDictionary[Response, HttpResponse] = WeakKeyDictionary()


def to_page_input(response: Response) -> HttpResponse:
    """The web-poet view of a Scrapy response."""
    page_input = _PAGE_INPUTS.get(response)
    if page_input is None:
        page_input = _PAGE_INPUTS[response] = HttpResponse(
            url=response.url,
            body=response.body,
            status=response.status,
            headers=HttpResponseHeaders.from_bytes_dict(response.headers),
            encoding=getattr(response, "encoding", None),
        )
    return page_input


def release_page_input(response: Response) -> None:
    """Forget the web-poet view of a parsed response: its text and tree are freed now, not
    when Scrapy lets go of the response (after every item and request it yielded)."""
    _PAGE_INPUTS.pop(response, None)
