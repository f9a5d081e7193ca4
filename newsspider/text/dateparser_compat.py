"""The one place that uses dateparser internals: translating a stamp to English words.

dateparser's public API (``dateparser.parse``, ``DateDataParser``, ``search_dates``) returns
a datetime, never the translated words, so it cannot tell "about an hour ago" from "an hour
ago", nor "a few seconds" from "44 seconds" (ru, pt): the error window needs the words.
Upstream limitation: dateparser has no public function that hands back its translation
(searched scrapinghub/dateparser's issues: none asks for one). So this module calls
``LocaleDataLoader().get_locale(lang).translate(text, keep_formatting, settings)`` with
``dateparser.conf.settings``. ``tests/test_timestamps.py::test_dateparser_compat`` fails when
they change; pyproject.toml pins the tested range (``dateparser>=1.2,<1.6``).
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

__all__ = ["translate"]


@functools.cache
def _loader() -> tuple[Any, Any]:
    """dateparser's locale loader and default settings (slow to import: done lazily)."""
    from dateparser.conf import settings  # type: ignore[import-untyped, unused-ignore]
    from dateparser.languages.loader import (  # type: ignore[import-untyped, unused-ignore]
        LocaleDataLoader,
    )

    return LocaleDataLoader(), settings


@functools.cache
def _locale(lang: str) -> Any:
    loader, _ = _loader()
    return loader.get_locale(lang)


def translate(lang: str, text: str) -> str:
    """``text`` in dateparser's English words for the locale ``lang`` (NFKC)."""
    _, settings = _loader()
    out = str(_locale(lang).translate(text, keep_formatting=False, settings=settings))
    return unicodedata.normalize("NFKC", out)  # dateparser hands back decomposed Hangul
