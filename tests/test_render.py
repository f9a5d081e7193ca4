"""Rendering client-rendered pages: auto/always/never, the browser, its cost and its absence.

Crawls run against `tests.render_site` on 127.0.0.1: a site of the fixtures as served
(plain) and the same site with the shells of ``fixtures/shell/`` in place of the seed
article and the English home page. Browser tests use the real Chromium.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from newsspider.render.config import (
    PLAYWRIGHT_HANDLER,
    RenderAddon,
    RenderConfig,
    RenderSettingsError,
    check_render_settings,
    find_browser,
    playwright_chromium,
)
from newsspider.render.middleware import ContextPool, is_shell
from newsspider.render.policy import ResourceFilter
from tests.conftest import (
    FIXTURES,
    ROOT,
    CrawlResult,
    assert_crawl_fails_with_one_line,
    model_fixture,
    run_crawl,
)
from tests.render_site import SHELLS, RenderSite, build_site, page_file, shells

SEED = model_fixture("seed-article")
SEED_PATH = "/en/article/359bdb84f6143cc90741b6348728ffdf"
HOME_PATH = "/en"
PLAIN_ARTICLES = [
    "/en/article/b9a4f793b8ee91aff536ff75ba6f99fd",
    "/en/article/8efa762d9a1eb9796b92888b229c74f3",
]
MISSING_BROWSER = "/nonexistent/chromium"
# Belt and braces: the browser resolves every host name to this machine.
LOCAL_ONLY = "--host-resolver-rules=MAP * 127.0.0.1"
RENDERING_LINE = re.compile(r"Rendering (\S+): client-rendered page")
ISO_TIME = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"')
BLOCKED_FILES = re.compile(r"\.(svg|png|jpe?g|gif|webp|woff2?|ttf|mp4|webm)$")


def live_crawl(
    tmp_path: Path, site: RenderSite, paths: list[str], name: str, **settings: Any
) -> CrawlResult:
    """Crawl `paths` of `site` (depth 0), without replay, seen-store or throttling."""
    merged = {
        "ALLOWED_HOSTS": site.allowed,
        "AUTOTHROTTLE_ENABLED": "False",
        # These crawls fail pages on purpose; a run over the threshold publishes no feed.
        "FAILURE_THRESHOLD": 1.0,
        "RENDER_BROWSER_ARGS": LOCAL_ONLY,
        **settings,
    }
    urls = ",".join(site.url(path) for path in paths)
    return run_crawl(
        tmp_path, "-a", f"urls={urls}", "-a", "depth=0", settings=merged, replay=None, name=name
    )


def comparable(item: dict[str, Any], site: RenderSite) -> str:
    """An item as JSON, with the site's address as ``SITE`` and every time as ``TIME``.

    Times (fetch time, and publication times computed from it) differ between crawls.
    """
    text = json.dumps(item, sort_keys=True, ensure_ascii=False).replace(site.base, "SITE")
    return ISO_TIME.sub('"TIME"', text)


def by_id(result: CrawlResult, site: RenderSite) -> dict[str, str]:
    return {item["id"]: comparable(item, site) for item in result.items}


@pytest.fixture(scope="module")
def browser() -> str:
    found = find_browser()
    assert found, "rendering tests need Chromium: apt-get install chromium"
    return found


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RenderSite]:
    site = RenderSite(build_site(tmp_path_factory.mktemp("plain"), shells_too=False))
    yield site
    site.close()


@pytest.fixture(scope="module")
def shell_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RenderSite]:
    site = RenderSite(build_site(tmp_path_factory.mktemp("shell"), shells_too=True))
    yield site
    site.close()


@pytest.fixture(scope="module")
def plain_crawl(tmp_path_factory: pytest.TempPathFactory, plain_site: RenderSite) -> CrawlResult:
    return live_crawl(tmp_path_factory.mktemp("crawl"), plain_site, [HOME_PATH], "plain")


@pytest.fixture(scope="module")
def auto_crawl(
    tmp_path_factory: pytest.TempPathFactory, shell_site: RenderSite, browser: str
) -> tuple[CrawlResult, list[str]]:
    before = len(shell_site.requested())
    result = live_crawl(tmp_path_factory.mktemp("crawl"), shell_site, [HOME_PATH], "auto")
    return result, shell_site.requested()[before:]


def scrapy_response(url: str, body: bytes, status: int = 200) -> HtmlResponse:
    return HtmlResponse(url=url, body=body, status=status, encoding="utf-8")


# --- shells and the page parser ---------------------------------------------------------------


def test_shells_are_empty_to_the_page_parser_and_their_fixtures_are_not() -> None:
    manifest = shells()
    assert set(manifest) == {HOME_PATH, SEED_PATH}
    for path, shell in manifest.items():
        url = "https://www.daily8.com" + path
        fixture_body = (FIXTURES / shell["fixture"] / "inputs/HttpResponse-body.html").read_bytes()
        shell_body = (SHELLS / shell["page"]).read_bytes()
        assert is_shell(scrapy_response(url, shell_body)), path
        assert not is_shell(scrapy_response(url, fixture_body)), path
        assert b"<main" not in shell_body and b"<h1" not in shell_body
    assert not is_shell(scrapy_response(SEED.url, b"<html></html>", status=404))
    assert not is_shell(scrapy_response("https://www.daily8.com/en/about", b"<html></html>"))


def test_shell_data_is_built_from_the_fixture() -> None:
    sys.path.insert(0, str(SHELLS))
    try:
        import build  # fixtures/shell/build.py
    finally:
        sys.path.remove(str(SHELLS))
    for shell in shells().values():
        tree = build.page_tree(
            (FIXTURES / shell["fixture"] / "inputs/HttpResponse-body.html").read_bytes()
        )
        if shell["data"]:
            assert json.loads((SHELLS / shell["data"]).read_text("utf-8")) == tree
        else:
            assert build.dumps(tree) in (SHELLS / shell["page"]).read_text("utf-8")


# --- auto: only the shells are rendered ---------------------------------------------------------


def test_auto_renders_exactly_the_shell_pages(
    auto_crawl: tuple[CrawlResult, list[str]], shell_site: RenderSite
) -> None:
    result, requested = auto_crawl
    assert result.returncode == 0, result.log
    stats = result.stats
    assert stats["newsspider/render/pages"] == 2
    assert stats["newsspider/render/shells"] == 2
    assert stats["newsspider/render/seconds"] > 0
    assert "newsspider/render/failures" not in stats
    rendered = RENDERING_LINE.findall(result.log)
    assert sorted(rendered) == sorted(shell_site.url(p) for p in (HOME_PATH, SEED_PATH))
    # A rendered server-rendered page would have fetched its /_next/ scripts: none was.
    assert not [path for path in requested if path.startswith("/_next/")]
    assert requested.count(f"/_data{SEED_PATH}.json") == 1
    assert requested.count(SEED_PATH) == 2 and requested.count(PLAIN_ARTICLES[0]) == 1
    assert stats["playwright/page_count"] == stats["playwright/page_count/closed"] == 2
    assert stats["playwright/context_count"] == 1  # both renders in one context
    assert result.log.count("Starting download handler") == 1  # one Playwright, http and https
    assert stats["playwright/request_count/aborted"] >= 1  # the shells' images


def test_rendered_pages_yield_the_items_of_their_server_rendered_fixtures(
    auto_crawl: tuple[CrawlResult, list[str]],
    plain_crawl: CrawlResult,
    shell_site: RenderSite,
    plain_site: RenderSite,
) -> None:
    result, _ = auto_crawl
    assert plain_crawl.returncode == 0, plain_crawl.log
    rendered, served = by_id(result, shell_site), by_id(plain_crawl, plain_site)
    seed_id = SEED.expected_output()["id"]
    assert seed_id in rendered and len(rendered) >= 5  # the rendered home's links were followed
    assert rendered == served
    seed = next(item for item in result.items if item["id"] == seed_id)
    expected = SEED.expected_output()
    for name in ("title", "source", "stamp_raw", "body", "images", "hashtags", "comment_count"):
        assert seed[name] == expected[name], name


def test_server_rendered_pages_start_no_browser(plain_crawl: CrawlResult) -> None:
    assert plain_crawl.items
    assert "playwright/browser_count" not in plain_crawl.stats
    assert "Starting download handler" not in plain_crawl.log  # nor Playwright itself
    assert not [key for key in plain_crawl.stats if key.startswith("newsspider/render/")]


# --- always and never ---------------------------------------------------------------------------


def test_always_renders_every_page_without_images_fonts_or_other_hosts(
    tmp_path: Path, plain_site: RenderSite, plain_crawl: CrawlResult, browser: str
) -> None:
    # A page that loads a script from a host the crawl may not request. Were it loaded, the
    # browser's resolver rule would send it here: this site would see /offsite.js.
    offsite = "/en/article/" + "f" * 32
    script = f'<script src="http://offsite.invalid:{plain_site.port}/offsite.js"></script>'
    page = (plain_site.root / page_file(PLAIN_ARTICLES[1])).read_text("utf-8")
    (plain_site.root / page_file(offsite)).write_text(page.replace("</head>", script + "</head>"))
    before = len(plain_site.requested())
    paths = [SEED_PATH, *PLAIN_ARTICLES, offsite]
    # One page at a time, one render per context: were contexts not closed after use, the
    # third render would wait for ever (PLAYWRIGHT_MAX_CONTEXTS) and the crawl time out.
    result = live_crawl(
        tmp_path,
        plain_site,
        paths,
        "always",
        RENDER="always",
        RENDER_MAX_PAGES=1,
        RENDER_CONTEXT_PAGES=1,
    )
    requested = plain_site.requested()[before:]
    assert result.returncode == 0, result.log
    assert result.stats["newsspider/render/pages"] == 4
    assert "newsspider/render/shells" not in result.stats
    assert result.stats["playwright/page_count/max_concurrent"] == 1
    assert result.stats["playwright/context_count"] == 4
    assert result.stats["playwright/context_count/max_concurrent"] <= 2
    served, rendered = by_id(plain_crawl, plain_site), by_id(result, plain_site)
    assert sorted(rendered) == sorted(path.rsplit("/", 1)[1] for path in paths)
    for key in set(rendered) - {"f" * 32}:
        assert rendered[key] == served[key]
    # The browser loaded the pages' scripts and styles: never images, fonts or other hosts.
    assert [path for path in requested if path.startswith("/_next/static/chunks/")]
    assert [path for path in requested if BLOCKED_FILES.search(path)] == []
    assert "/offsite.js" not in requested
    assert result.stats["playwright/request_count/aborted"] >= 4


def test_never_renders_and_starts_no_browser(tmp_path: Path, shell_site: RenderSite) -> None:
    paths = [SEED_PATH, PLAIN_ARTICLES[0]]
    result = live_crawl(tmp_path, shell_site, paths, "never", RENDER="never")
    assert [item["url"] for item in result.items] == [shell_site.url(PLAIN_ARTICLES[0])]
    assert result.stats["newsspider/dropped/no_title"] == 1
    assert not [key for key in result.stats if key.startswith(("playwright/", "newsspider/render"))]
    assert "scrapy-playwright" not in result.log


# --- without a browser --------------------------------------------------------------------------


def test_without_a_browser_auto_drops_shells_and_crawls_the_rest(
    tmp_path: Path, shell_site: RenderSite
) -> None:
    paths = [HOME_PATH, SEED_PATH, *PLAIN_ARTICLES]
    result = live_crawl(
        tmp_path, shell_site, paths, "nobrowser", RENDER_BROWSER_PATH=MISSING_BROWSER
    )
    assert result.stats["finish_reason"] == "finished"
    # The articles were scraped, but the home page (the one listing) could not be parsed:
    # exit status 4, and a failed run publishes no feed.
    assert result.stats["item_scraped_count"] == len(PLAIN_ARTICLES)
    assert result.returncode == 4 and result.items == [] and not result.feed.exists()
    assert result.stats["newsspider/dropped/render_unavailable"] == 2
    for path in (HOME_PATH, SEED_PATH):
        assert f"Dropped {shell_site.url(path)}: render_unavailable" in result.log
    warnings = [line for line in result.log.splitlines() if "Cannot render" in line]
    assert len(warnings) == 1 and MISSING_BROWSER in warnings[0]
    assert "apt-get install chromium" in warnings[0]
    assert not [key for key in result.stats if key.startswith("playwright/")]


def test_without_a_browser_always_stops_at_start_with_one_line() -> None:
    command = [sys.executable, "-m", "scrapy", "crawl", "daily8", "-s", "RENDER=always"]
    command += ["-s", f"RENDER_BROWSER_PATH={MISSING_BROWSER}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("scrapy crawl daily8: error: RENDER=always needs a browser:")
    assert MISSING_BROWSER in lines[0] and "apt-get install chromium" in lines[0]


def test_replay_never_renders(tmp_path: Path) -> None:
    settings = {"RENDER": "always", "RENDER_BROWSER_PATH": MISSING_BROWSER}
    result = run_crawl(tmp_path, "-a", "depth=0", settings=settings)
    assert result.returncode == 0, result.log
    assert result.items
    assert not [key for key in result.stats if key.startswith(("playwright/", "newsspider/render"))]


# --- failures -----------------------------------------------------------------------------------


def test_render_timeouts_and_empty_renders_are_counted_and_the_crawl_goes_on(
    tmp_path: Path, browser: str
) -> None:
    root = build_site(tmp_path / "site", shells_too=True)
    empty = "/en/article/" + "e" * 32  # a shell whose data never comes
    shutil.copyfile(SHELLS / "article.html", root / page_file(empty))
    site = RenderSite(root, stall=(SEED_PATH,))  # the render of the seed never gets an answer
    try:
        paths = [SEED_PATH, empty, PLAIN_ARTICLES[0]]
        result = live_crawl(tmp_path, site, paths, "failing", RENDER_TIMEOUT=2)
    finally:
        site.close()
    assert result.stats["finish_reason"] == "finished"
    assert [item["url"] for item in result.items] == [site.url(PLAIN_ARTICLES[0])]
    assert result.stats["newsspider/render/failures"] == 1
    assert result.stats["newsspider/dropped/render_failed"] == 1
    assert re.search(
        rf"Dropped {re.escape(site.url(SEED_PATH))}: render_failed \(\w*Timeout", result.log
    )
    assert result.stats["newsspider/render/pages"] == 1
    assert result.stats["newsspider/render/empty"] == 1
    assert result.stats["newsspider/dropped/no_title"] == 1
    assert result.stats["newsspider/render/seconds"] >= 2


# --- settings and the browser -------------------------------------------------------------------


def settings_with(**values: Any) -> Settings:
    settings = get_project_settings()
    settings.setdict(values, priority="cmdline")
    return settings


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"RENDER": "sometimes"}, "RENDER:"),
        ({"RENDER_MAX_PAGES": "0"}, "RENDER_MAX_PAGES:"),
        ({"RENDER_MAX_PAGES": "many"}, "RENDER_MAX_PAGES:"),
        ({"RENDER_TIMEOUT": "-1"}, "RENDER_TIMEOUT:"),
        ({"RENDER_CONTEXT_PAGES": "0"}, "RENDER_CONTEXT_PAGES:"),
        ({"RENDER_BROWSER_ARGS": "[--no-sandbox"}, "RENDER_BROWSER_ARGS:"),
        ({"RENDER": "always", "RENDER_BROWSER_PATH": MISSING_BROWSER}, "RENDER=always"),
    ],
)
def test_bad_render_settings_name_the_setting(values: dict[str, str], named: str) -> None:
    with pytest.raises(RenderSettingsError, match=f"^{re.escape(named)}"):
        check_render_settings(settings_with(**values))


def test_bad_render_setting_stops_the_command_with_one_line() -> None:
    assert_crawl_fails_with_one_line(
        "-s",
        "RENDER=sometimes",
        line="scrapy crawl daily8: error: RENDER: expected one of auto, always, never, "
        "got 'sometimes'",
    )


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_find_browser_prefers_the_setting_then_playwright_then_debian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert find_browser(MISSING_BROWSER) is None
    not_executable = tmp_path / "chrome.txt"
    not_executable.write_text("")
    assert find_browser(str(not_executable)) is None
    own = executable(tmp_path / "own" / "chrome")
    assert find_browser(str(own)) == str(own)

    import playwright

    package = Path(playwright.__file__).parent / "driver" / "package"
    browsers = json.loads((package / "browsers.json").read_text("utf-8"))["browsers"]
    revision = next(b["revision"] for b in browsers if b["name"] == "chromium-headless-shell")
    cache = tmp_path / "ms-playwright"
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(cache))
    cache.mkdir()
    assert playwright_chromium() is None
    if os.access("/usr/lib/chromium/chromium", os.X_OK):
        assert find_browser() == "/usr/lib/chromium/chromium"
    shell = executable(
        cache
        / f"chromium_headless_shell-{revision}/chrome-headless-shell-linux64"
        / "chrome-headless-shell"
    )
    assert playwright_chromium() == str(shell)
    assert find_browser() == str(shell)
    assert find_browser(MISSING_BROWSER) is None  # the setting wins, even when missing


def test_the_addon_routes_through_playwright_only_when_rendering_is_possible(
    tmp_path: Path,
) -> None:
    chrome = str(executable(tmp_path / "chrome"))

    def applied(**values: Any) -> Settings:
        settings = settings_with(**values)
        RenderAddon().update_settings(settings)
        return settings

    rendering = applied(RENDER_BROWSER_PATH=chrome, RENDER_MAX_PAGES=3, RENDER_TIMEOUT=7)
    handlers = rendering.getwithbase("DOWNLOAD_HANDLERS")
    assert handlers["http"] == handlers["https"] == PLAYWRIGHT_HANDLER
    launch = rendering.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert launch["executable_path"] == chrome and launch["headless"] is True
    assert {"--no-sandbox", "--disable-gpu", "--disable-quic"} <= set(launch["args"])
    assert rendering.getint("PLAYWRIGHT_MAX_CONTEXTS") == 2
    assert rendering.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT") == 3
    assert rendering.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT") == 7000
    assert isinstance(rendering["PLAYWRIGHT_ABORT_REQUEST"], ResourceFilter)
    for values in (
        {"RENDER": "never", "RENDER_BROWSER_PATH": chrome},
        {"REPLAY_DIR": str(FIXTURES), "RENDER_BROWSER_PATH": chrome},
        {"RENDER_BROWSER_PATH": MISSING_BROWSER},
    ):
        handlers = applied(**values).getwithbase("DOWNLOAD_HANDLERS")
        assert PLAYWRIGHT_HANDLER not in handlers.values(), values
    extra = RenderConfig.from_settings(settings_with(RENDER_BROWSER_ARGS='["--a", "--b=c d"]'))
    assert extra.browser_args == ("--a", "--b=c d")


@pytest.mark.parametrize(
    ("resource_type", "url", "aborted"),
    [
        ("image", "https://www.daily8.com/logo.svg", True),
        ("font", "https://www.daily8.com/font.woff2", True),
        ("media", "https://www.daily8.com/clip.mp4", True),
        ("document", "https://www.daily8.com/en", False),
        ("script", "https://www.daily8.com/_next/app.js", False),
        ("fetch", "http://127.0.0.1:8123/_data/x.json", False),
        ("stylesheet", "data:text/css,p{}", False),
        ("script", "https://tracker.example/t.js", True),
        ("fetch", "http://169.254.169.254/latest/meta-data/", True),
        ("fetch", "http://127.0.0.1:9999/x.json", True),
    ],
)
def test_renders_skip_images_fonts_media_and_other_hosts(
    resource_type: str, url: str, aborted: bool
) -> None:
    skip = ResourceFilter("127.0.0.1:8123")
    request = SimpleNamespace(resource_type=resource_type, url=url)
    assert skip(request) is aborted  # type: ignore[arg-type]


def test_a_context_closes_once_its_renders_are_done() -> None:
    pool = ContextPool(size=2)
    zero, one = object(), object()
    assert [pool.assign() for _ in range(3)] == ["render-0", "render-0", "render-1"]
    assert pool.finish("render-0", zero) is None  # type: ignore[arg-type]  # one still runs
    assert pool.finish("render-1", one) is None  # type: ignore[arg-type]  # takes one more
    assert pool.finish("render-0", None) is zero  # the last one (it never got a page)
    assert pool.assign() == "render-1"
    assert pool.finish("render-1", None) is one
    assert pool.assign() == "render-2"
