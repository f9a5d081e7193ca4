"""The scrapy-playwright internals newsspider uses, and only here.

scrapy-playwright starts Playwright when the engine starts (its handler connects the
private ``_maybe_launch_in_thread`` to ``engine_started``) and has no public way to start
it later, nor to start over when the Playwright driver itself dies: upstream
scrapy-plugins/scrapy-playwright#167 (fixed by #295, ``PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER``)
restarts a crashed *browser*, but a dead driver leaves ``TargetClosedError`` on every later
render. newsspider therefore builds the handler at the first render, starts it with
`launch`, and replaces it when its driver is gone. Renders are not retried in place after
``TargetClosedError`` (`fail_fast`): a render that killed its browser would run again.

Tested with scrapy-playwright 0.0.48 and playwright 1.65; ``tests/test_render_policy.py``
fails when these internals change.
"""

from __future__ import annotations

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

#: The private members used here, for the test that pins them.
INTERNALS = ("_maybe_launch_in_thread", "config")


async def launch(handler: ScrapyPlaywrightDownloadHandler) -> None:
    """Start Playwright for `handler`, as scrapy-playwright does when the engine starts."""
    await handler._maybe_launch_in_thread()


def fail_fast(handler: ScrapyPlaywrightDownloadHandler) -> None:
    """Do not retry a render in place when its page, context or browser closed."""
    handler.config.target_closed_max_retries = 0
