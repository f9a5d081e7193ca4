"""The rendering settings (``RENDER*``), validated in one place, and the browser they name.

`RenderConfig` reads and checks every rendering setting; `RenderAddon` installs
scrapy-playwright (through `newsspider.render.handler`) only when the crawl can render.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import playwright
from scrapy.settings import BaseSettings

from newsspider.crawl.config import ConfigError, RunConfig
from newsspider.render.policy import ResourceFilter, browser_policy_flags, guarded_flag
from newsspider.site.urls import HostPolicy

#: Chromium flags for a headless browser in a (root) container, without background traffic.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
#: Debian's Chromium: the binary itself, then its launcher script.
SYSTEM_CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
INSTALL_HINT = (
    "install one with `apt-get install chromium` or `playwright install chromium`, "
    "or point RENDER_BROWSER_PATH at a Chromium executable"
)
MIB = 1024 * 1024
PLAYWRIGHT_HANDLER = "newsspider.render.handler.RenderDownloadHandler"
#: Default cap on the memory of the browser's process tree (``RENDER_MAX_MEMORY``).
DEFAULT_MAX_MEMORY = 2048 * MIB


class RenderSettingsError(ValueError):
    """A bad rendering setting, or ``RENDER=always`` without a browser; one line."""


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def playwright_chromium() -> str | None:
    """The Chromium that ``playwright install chromium`` put in Playwright's cache, if any."""
    package = Path(playwright.__file__).parent / "driver" / "package"
    try:
        browsers = json.loads((package / "browsers.json").read_text("utf-8"))["browsers"]
        revisions = {str(b["name"]): str(b["revision"]) for b in browsers}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH", "")
    if configured == "0":
        root = package / ".local-browsers"
    elif configured:
        root = Path(configured)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"
    patterns = []
    if shell := revisions.get("chromium-headless-shell"):
        patterns += [
            f"chromium_headless_shell-{shell}/*/chrome-headless-shell",
            f"chromium_headless_shell-{shell}/*/headless_shell",
        ]
    if full := revisions.get("chromium"):
        patterns.append(f"chromium-{full}/*/chrome")
    for pattern in patterns:
        for candidate in sorted(root.glob(pattern)):
            if _is_executable(candidate):
                return str(candidate)
    return None


def find_browser(configured: str = "") -> str | None:
    """The Chromium to render with: `configured` if given, else Playwright's, else Debian's."""
    if configured:
        return configured if _is_executable(Path(configured)) else None
    found = playwright_chromium()
    if found:
        return found
    for candidate in (*SYSTEM_CHROMIUM, shutil.which("chromium")):
        if candidate and _is_executable(Path(candidate)):
            return candidate
    return None


def _browser_args(value: object) -> tuple[str, ...]:
    """``RENDER_BROWSER_ARGS``: a list, a JSON list, or one flag as a string."""
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return ()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise RenderSettingsError(
                    f"RENDER_BROWSER_ARGS: expected a JSON list of flags, got {text!r}"
                ) from None
        else:
            value = [text]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        if flag := guarded_flag(tuple(value)):
            raise RenderSettingsError(
                f"RENDER_BROWSER_ARGS: {flag} would undo the browser's host policy"
            )
        return tuple(value)
    raise RenderSettingsError(f"RENDER_BROWSER_ARGS: expected a list of flags, got {value!r}")


def _size(settings: BaseSettings, name: str, default: int, zero_is_none: bool = False) -> int:
    """A size in bytes (an integer, or with a ``K``/``M``/``G`` suffix for KiB/MiB/GiB);
    with `zero_is_none`, 0 (no limit) too."""
    raw = settings.get(name, default)
    text = str(raw).strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1024, "M": MIB, "G": 1024 * MIB}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    try:
        value = int(float(number) * scale)
    except ValueError:
        value = 0
    if value == 0 and zero_is_none and number.strip() in ("0", "0.0"):
        return 0
    if value < 1:
        raise RenderSettingsError(f"{name}: expected a size in bytes > 0 (or 512M), got {raw!r}")
    return value


def _positive_int(settings: BaseSettings, name: str, default: int) -> int:
    """An integer setting that must be at least 1; `RenderSettingsError` names it if not."""
    try:
        value = settings.getint(name, default)
    except ValueError:
        value = 0
    if value < 1:
        raise RenderSettingsError(
            f"{name}: expected a positive integer, got {settings.get(name)!r}"
        )
    return value


@dataclass(frozen=True, slots=True)
class RenderConfig:
    """The rendering settings of a crawl, validated, and the browser they resolve to."""

    mode: str
    browser: str | None
    browser_setting: str
    max_pages: int
    context_pages: int
    timeout: float
    browser_args: tuple[str, ...]
    allowed_hosts: object
    replay: bool
    max_bytes: int = 10 * MIB
    max_memory: int = DEFAULT_MAX_MEMORY

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RenderConfig:
        """Read the ``RENDER_*`` settings; `RenderSettingsError` names a bad one.

        ``RENDER``, ``REPLAY_DIR`` and ``ALLOWED_HOSTS`` come from the run's configuration
        (`newsspider.crawl.config.RunConfig`), read and checked there.
        """
        try:
            run = RunConfig.from_settings(settings)
        except ConfigError as error:
            raise RenderSettingsError(str(error)) from None
        mode = run.render
        max_pages = _positive_int(settings, "RENDER_MAX_PAGES", 4)
        context_pages = _positive_int(settings, "RENDER_CONTEXT_PAGES", 50)
        try:
            timeout = settings.getfloat("RENDER_TIMEOUT", 30.0)
        except ValueError:
            timeout = 0.0
        if not timeout > 0:
            raise RenderSettingsError(
                f"RENDER_TIMEOUT: expected seconds > 0, got {settings.get('RENDER_TIMEOUT')!r}"
            )
        browser_setting = str(settings.get("RENDER_BROWSER_PATH") or "").strip()
        replay = run.replay_dir is not None
        rendering = mode != "never" and not replay
        return cls(
            mode=mode,
            browser=find_browser(browser_setting) if rendering else None,
            browser_setting=browser_setting,
            max_pages=max_pages,
            context_pages=context_pages,
            timeout=timeout,
            browser_args=_browser_args(settings.get("RENDER_BROWSER_ARGS")),
            allowed_hosts=list(run.allowed_hosts),
            replay=replay,
            max_bytes=_size(settings, "DOWNLOAD_MAXSIZE", 10 * MIB, zero_is_none=True),
            max_memory=_size(settings, "RENDER_MAX_MEMORY", DEFAULT_MAX_MEMORY),
        )

    @property
    def can_render(self) -> bool:
        """True when this crawl may render: not ``never``, not replay, a browser found."""
        return self.mode != "never" and not self.replay and self.browser is not None

    @property
    def hard_timeout(self) -> float:
        """Seconds a whole render may take: loading, waiting for the article, reading it."""
        return 2 * self.timeout + 10

    def policy(self) -> HostPolicy:
        """The host policy of the crawl (Daily8's hosts and ``ALLOWED_HOSTS``)."""
        return HostPolicy.from_setting(self.allowed_hosts)

    def missing_browser(self) -> str:
        """One line saying that no browser was found, and how to install one."""
        where = (
            f"RENDER_BROWSER_PATH={self.browser_setting} is not an executable"
            if self.browser_setting
            else "no Chromium found (Playwright's or /usr/bin/chromium)"
        )
        return f"{where}; {INSTALL_HINT}"

    def launch_args(self) -> list[str]:
        """Chromium's flags: headless in a container, the host policy, then the user's."""
        return [*CHROMIUM_FLAGS, *browser_policy_flags(self.policy(), self.browser_args)]

    def playwright_settings(self) -> dict[str, Any]:
        """The scrapy-playwright settings that enforce these rendering settings."""
        return {
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {
                "executable_path": self.browser,
                "headless": True,
                "args": self.launch_args(),
            },
            # The middleware caps pages in all contexts; a context in use, one closing.
            "PLAYWRIGHT_MAX_CONTEXTS": 2,
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": self.max_pages,
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": self.timeout * 1000,
            "PLAYWRIGHT_ABORT_REQUEST": ResourceFilter(self.allowed_hosts),
            # Downloads are refused: waiting for one after an aborted navigation is pointless.
            "PLAYWRIGHT_DOWNLOAD_TIMEOUT": 1000,
        }


def check_render_settings(settings: BaseSettings) -> None:
    """Raise `RenderSettingsError` for bad settings or ``RENDER=always`` without a browser."""
    config = RenderConfig.from_settings(settings)
    if config.mode == "always" and not config.replay and config.browser is None:
        raise RenderSettingsError(f"RENDER=always needs a browser: {config.missing_browser()}")


class RenderAddon:
    """Send http(s) through scrapy-playwright's handler, only when this crawl can render.

    The handler starts Playwright and the browser at the first page to render; with
    ``RENDER=never``, in replay or without a browser it is not installed at all.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        try:
            config = RenderConfig.from_settings(settings)
        except RenderSettingsError:
            return  # the middleware stops the crawl with the message
        if not config.can_render:
            return
        handlers = settings["DOWNLOAD_HANDLERS"]
        for scheme in ("http", "https"):
            handlers.set(scheme, PLAYWRIGHT_HANDLER, "addon")
        for name, value in config.playwright_settings().items():
            settings.set(name, value, "addon")
