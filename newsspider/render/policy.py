"""The host policy inside the browser: every connection a render makes passes it, or fails.

Three layers, each enough for what it covers:

- Chromium flags (`browser_policy_flags`): every connection goes to a proxy that cannot be
  reached, except to the allowed ``host:port`` pairs (``--proxy-bypass-list``, with
  ``<-loopback>`` so 127.0.0.1 is not bypassed implicitly); host names other than the
  allowed ones do not resolve (``--host-resolver-rules``); WebRTC may not send UDP outside
  the proxy (``--webrtc-ip-handling-policy``), so STUN, TURN over UDP and ICE checks are
  never sent, and TURN over TCP or TLS and ICE over TCP meet the refusing proxy. This
  covers what no Playwright hook sees: redirect hops, shared workers, WebSockets of
  workers, ``WebSocketStream``, ``fetchLater``, audio worklets, WebTransport (refused, not
  sent direct, under a proxy), the browser's own fetches (payment methods, FedCM),
  preconnect, prefetch, WebRTC.
- Playwright routes: the render page's requests (`ResourceFilter`, scrapy-playwright's
  ``PLAYWRIGHT_ABORT_REQUEST``), every other page of its context and every WebSocket
  (`BrowserGuard`); popups are closed as they open; service workers and downloads are off.
- Bounds per render (`BrowserGuard`): the bytes received, ``DOWNLOAD_MAXSIZE`` in all.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from weakref import WeakSet

from playwright.async_api import BrowserContext, Page, Route, WebSocketRoute
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request as PlaywrightRequest
from scrapy import Request
from scrapy.statscollectors import StatsCollector

from newsspider.site.urls import HostPolicy

logger = logging.getLogger(__name__)

#: Resource types a render never downloads.
BLOCKED_RESOURCES = frozenset({"image", "font", "media"})
#: Where the browser sends every connection the policy does not bypass: a name under the
#: reserved ``.invalid`` domain never resolves, so such a connection fails.
REFUSING_PROXY = "http://refused-by-newsspider.invalid:9"
#: Flags that would undo the policy flags; ``RENDER_BROWSER_ARGS`` may not set them.
GUARDED_FLAGS = (
    "--proxy-server",
    "--proxy-bypass-list",
    "--proxy-pac-url",
    "--no-proxy-server",
    "--proxy-auto-detect",
    "--force-webrtc-ip-handling-policy",
    "--webrtc-ip-handling-policy",
    # QUIC (HTTP/3, WebTransport) is UDP: it would not go through the refusing proxy.
    "--enable-quic",
    "--origin-to-force-quic-on",
)
#: Request meta key of a render's `RenderState`.
STATE_KEY = "newsspider_render_state"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def resolve_host(name: str) -> list[str]:
    """The addresses `name` resolves to now (none when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)
    except OSError:
        return []
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def _public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_global and not ip.is_multicast


def pinned_rule(name: str, resolve: Callable[[str], list[str]]) -> str:
    """The resolver rule of a policy host not listed in ``ALLOWED_HOSTS``: its checked address.

    The HTTP path refuses such a host when it resolves to a non-public address, at every
    connection; the browser resolves it once, here, with the same check, and keeps that
    address (``MAP name address``), so a later answer (DNS rebinding) is never used.
    """
    addresses = resolve(name)
    if addresses and all(_public(a) for a in addresses):
        first = addresses[0]
        return f"MAP {name} {'[' + first + ']' if ':' in first else first}"
    return f"MAP {name} ~NOTFOUND"


def browser_policy_flags(
    policy: HostPolicy,
    user_args: tuple[str, ...] = (),
    resolve: Callable[[str], list[str]] = resolve_host,
) -> list[str]:
    """Chromium flags that keep every connection inside `policy`, then `user_args`.

    A ``--host-resolver-rules`` in `user_args` replaces the built-in one (Chromium keeps the
    last); the proxy flags still hold.
    """
    bypass = ["<-loopback>"]
    for host in sorted(policy.hosts):
        bypass += [_hostport(host, 80), _hostport(host, 443)]
    bypass += [_hostport(h, p) for h, p in sorted(policy.host_ports, key=str) if p is not None]
    names = sorted({h for h in policy.hosts | {h for h, _ in policy.host_ports} if not _is_ip(h)})
    flags = [
        f"--proxy-server={REFUSING_PROXY}",
        f"--proxy-bypass-list={';'.join(bypass)}",
        # The second is the one Chromium reads (Debian's 156 has no --force- switch).
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--dns-prefetch-disable",
        "--disable-features=Prerender2,SpeculationRulesPrefetchFuture,NetworkPrediction",
    ]
    if not any(arg.startswith("--host-resolver-rules") for arg in user_args):
        listed = policy.extra | {h for h, _ in policy.host_ports}
        per_name = [
            f"EXCLUDE {name}" if name in listed else pinned_rule(name, resolve) for name in names
        ]
        # Chromium applies the first rule that matches: the names' own rules come first.
        rules = ", ".join([*per_name, "MAP * ~NOTFOUND"])
        flags.append(f"--host-resolver-rules={rules}")
    return [*flags, *user_args]


def guarded_flag(args: tuple[str, ...]) -> str | None:
    """The first of `args` that would undo the policy flags, if any."""
    for arg in args:
        if arg.split("=", 1)[0] in GUARDED_FLAGS:
            return arg
    return None


class ResourceFilter:
    """What a render never downloads (``PLAYWRIGHT_ABORT_REQUEST``).

    Images, fonts and media, and anything from a host the crawl may not request
    (Daily8's hosts and ``ALLOWED_HOSTS``).
    """

    def __init__(self, allowed_hosts: object = None) -> None:
        self.allowed_hosts = allowed_hosts
        self.policy = HostPolicy.from_setting(allowed_hosts)

    def __call__(self, request: PlaywrightRequest) -> bool:
        if request.resource_type in BLOCKED_RESOURCES:
            return True
        url = request.url
        return not url.startswith(("data:", "blob:")) and not self.policy.allows(url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.allowed_hosts!r})"


class RenderTooLarge(Exception):
    """A render received, or built, more than ``DOWNLOAD_MAXSIZE``."""


class RenderUnguarded(Exception):
    """The guards of a render could not be set up; the render is not used."""


@dataclass(eq=False)
class RenderState:
    """What the guards learn during one render."""

    generation: int = 0
    page: Page | None = None
    guarded: bool = False
    received: int = 0
    too_large: str = ""
    refused: list[str] = field(default_factory=list)


class BrowserGuard:
    """Page init callback of every render: routes, popups, WebSockets and byte budget."""

    def __init__(self, policy: HostPolicy, max_bytes: int, stats: StatsCollector) -> None:
        self.policy = policy
        self.max_bytes = max_bytes
        self.stats = stats
        self.skip = ResourceFilter()
        self.skip.policy = policy
        self._contexts: WeakSet[BrowserContext] = WeakSet()
        self._tasks: set[asyncio.Future[Any]] = set()

    async def __call__(self, page: Page, request: Request) -> None:
        state = request.meta.get(STATE_KEY)
        if not isinstance(state, RenderState):
            state = request.meta[STATE_KEY] = RenderState()
        state.page = page
        context = page.context
        if context not in self._contexts:
            await self._guard_context(context, page)
        await page.route_web_socket("**", self._websocket)
        page.on("popup", self._close_popup)
        page.on("request", partial(self._on_request, state))
        if self.max_bytes:
            session = await context.new_cdp_session(page)
            session.on("Network.dataReceived", partial(self._on_data, state, page))
            await session.send("Network.enable")
        state.guarded = True

    async def _guard_context(self, context: BrowserContext, page: Page) -> None:
        """Route every other page of `context` (popups, new windows) through the policy."""
        for attempt in range(3):
            try:
                await context.route("**", self._route)
                break
            except PlaywrightError:
                # Another page of the context closed while the route was installed on it.
                if page.is_closed() or attempt == 2:
                    raise
        self._contexts.add(context)

    def _refuse(self, kind: str, url: str) -> None:
        self.stats.inc_value(f"newsspider/render/refused/{kind}")
        logger.debug("Refused in the browser (%s): %s", kind, url)

    async def _route(self, route: Route) -> None:
        """Every request of the context's other pages (popups, windows) and its workers."""
        request = route.request
        # The page may close while this runs (its render ended, or it was refused).
        with suppress(PlaywrightError):
            if self.skip(request):
                if request.resource_type not in BLOCKED_RESOURCES:
                    self._refuse("offsite", request.url)
                await route.abort()
            else:
                await route.fallback()

    async def _websocket(self, ws: WebSocketRoute) -> None:
        url = ws.url.replace("ws://", "http://", 1).replace("wss://", "https://", 1)
        if self.policy.allows(url):
            ws.connect_to_server()
            return
        self._refuse("websocket", ws.url)
        with suppress(PlaywrightError):
            await ws.close(code=1008, reason="refused by the crawl's host policy")

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # a page or context that closed first: nothing left to close

    def _close_popup(self, popup: Page) -> None:
        self._refuse("popup", popup.url)
        self._spawn(popup.close())

    def _on_request(self, state: RenderState, request: PlaywrightRequest) -> None:
        if request.redirected_from is not None and not self.policy.allows(request.url):
            # Routes do not see redirect hops; the proxy flags make this one fail.
            state.refused.append(request.url)
            self._refuse("redirect", request.url)

    def _on_data(self, state: RenderState, page: Page, event: dict[str, Any]) -> None:
        state.received += int(event.get("dataLength") or 0)
        if state.received > self.max_bytes and not state.too_large:
            state.too_large = f"received over {self.max_bytes} bytes"
            self._spawn(page.close())


DOM_SIZE = "() => document.documentElement ? document.documentElement.outerHTML.length : 0"


async def check_dom_size(page: Page, max_bytes: int) -> None:
    """Raise `RenderTooLarge` when the rendered DOM is over `max_bytes` (UTF-8)."""
    if not max_bytes:
        return
    chars = int(await page.evaluate(DOM_SIZE))
    if chars * 3 <= max_bytes:
        return
    size = chars
    if chars <= max_bytes:  # between: count the UTF-8 bytes exactly
        size = int(
            await page.evaluate(
                "() => new TextEncoder().encode(document.documentElement.outerHTML).length"
            )
        )
    if size > max_bytes:
        raise RenderTooLarge(f"the rendered page is over {max_bytes} bytes")
