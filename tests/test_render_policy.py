"""Rendering under a hostile web: the browser inside the host policy, renders bounded.

A canary (`tests.canary`) listens on a forbidden 127.0.0.1 port; pages of
`tests.render_site` try every way a page can reach it (subresources, redirects, workers,
WebSockets, popups, forms, downloads, WebRTC, prefetch and preconnect; and those of
`tests.attack_pages`: worklets, WebTransport, pings, navigations, response headers...). A
plain browser reaches it (the control: with the attack page, with each WebRTC page on its
own, and with each technique of the other pages); crawls with ``RENDER=always`` and
``RENDER=auto`` must not, once.
Faults are injected for the bounds: an oversize page, a browser and a driver killed
mid-run, a page that eats memory.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import random
import shutil
import uuid
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from string import Template
from typing import Any

import pytest
from playwright.async_api import async_playwright
from scrapy.settings import Settings
from scrapy_playwright.handler import Config, ScrapyPlaywrightDownloadHandler

from newsspider.render import playwright_compat
from newsspider.render.config import (
    CHROMIUM_FLAGS,
    RenderConfig,
    RenderSettingsError,
    check_render_settings,
    find_browser,
)
from newsspider.render.policy import REFUSING_PROXY, browser_policy_flags
from newsspider.site.urls import HOSTS, HostPolicy
from tests.attack_pages import ISOLATED, MORE, MORE_FILES
from tests.canary import Canary
from tests.conftest import CrawlResult, run_crawl
from tests.render_site import SHELLS, RenderSite, build_site, page_file

SEED_PATH = "/en/article/359bdb84f6143cc90741b6348728ffdf"
PLAIN = "/en/article/b9a4f793b8ee91aff536ff75ba6f99fd"
LOCAL_ONLY = "--host-resolver-rules=MAP * 127.0.0.1"

ATTACK = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>Daily8</title>
<link rel="preconnect" href="{C}">
<link rel="dns-prefetch" href="//canary-dns.example:{PORT}">
<link rel="prefetch" href="{C}/prefetch">
<link rel="preload" as="fetch" href="{C}/preload" crossorigin>
<link rel="stylesheet" href="{C}/style.css">
<link rel="stylesheet" href="/hop.css?redirect={C}/redirected.css">
<script type="speculationrules">{{"prefetch":[{{"source":"list","urls":["{C}/spec-prefetch"]}}],
"prerender":[{{"source":"list","urls":["{C}/spec-prerender"]}}]}}</script>
<script src="{C}/script.js"></script>
<script src="/hop.js?redirect={C}/redirected.js"></script>
<script src="http://canary-name.example:{PORT}/named.js"></script>
</head><body><div id="__next"></div>
<iframe src="{C}/frame"></iframe>
<iframe src="/hop?redirect={C}/redirected-frame"></iframe>
<a id="blank" target="_blank" href="{C}/blank">x</a>
<a id="noopener" target="_blank" rel="noopener" href="{C}/noopener">x</a>
<a id="download" download href="{C}/download">d</a>
<form id="post" method="post" target="_blank" action="{C}/form"><input name="a" value="b"></form>
<script>
const C = "{C}", W = "ws://127.0.0.1:{PORT}";
const attempt = (f) => {{ try {{ f(); }} catch (e) {{}} }};
attempt(() => fetch(C + "/fetch").catch(() => 0));
attempt(() => fetch("/hop?redirect=" + encodeURIComponent(C + "/redirected-fetch")).catch(() => 0));
attempt(() => navigator.sendBeacon(C + "/beacon", "x"));
attempt(() => new EventSource(C + "/events"));
attempt(() => new WebSocket(W + "/ws"));
attempt(() => new WebSocket("ws://canary-name.example:{PORT}/ws-named"));
const code = `fetch("${{C}}/worker-fetch").catch(()=>0); new WebSocket("${{W}}/worker-ws");`;
attempt(() => new Worker(URL.createObjectURL(new Blob([code], {{type: "text/javascript"}}))));
attempt(() => new Worker("/attack-worker.js"));
attempt(() => new SharedWorker("/attack-worker.js?shared"));
attempt(() => navigator.serviceWorker.register("/attack-worker.js?service"));
attempt(() => window.open(C + "/popup"));
attempt(() => window.open("/attack-popup.html"));
attempt(() => document.getElementById("blank").click());
attempt(() => document.getElementById("noopener").click());
attempt(() => document.getElementById("download").click());
attempt(() => document.getElementById("post").submit());
setTimeout(() => {{
  const app = document.createElement("script");
  app.src = "/_shell/app.js";
  document.body.appendChild(app);
}}, 1500);
</script></body></html>
"""
WORKER = """fetch("{C}/worker-file-fetch").catch(() => 0);
try {{ new WebSocket("ws://127.0.0.1:{PORT}/worker-file-ws"); }} catch (e) {{}}
onconnect = () => fetch("{C}/shared-connect").catch(() => 0);
"""
POPUP = """<!DOCTYPE html><html><head><script src="{C}/popup-script.js"></script>
<link rel="icon" href="{C}/favicon.ico"></head><body>
<img src="{C}/popup-image.png"><script>fetch("{C}/popup-fetch").catch(() => 0);</script>
</body></html>"""
# WebRTC has pages of its own: the attack page navigates itself (a cross-origin
# ``<a download>`` is followed as a link), which closed its peer connections before they
# gathered. Each page makes one peer connection with a data channel (an m-line, so ICE
# gathers) that asks an ICE server, or that is answered with a remote candidate (ICE then
# checks it); it shows its article once that has been tried, or after 3 s.
WEBRTC_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>Daily8</title></head>
<body><div id="__next"></div><script>
const {{servers, candidate}} = {config};
let shown = false;
const show = () => {{
  if (shown) return;
  shown = true;
  const app = document.createElement("script");
  app.src = "/_shell/app.js";
  app.onload = () => {{ window.webrtcDone = true; }};
  document.body.appendChild(app);
}};
setTimeout(show, 3000);
const answer = (sdp) => sdp.replace("a=setup:actpass", "a=setup:active")
  .replace(/a=ice-ufrag:.*/, "a=ice-ufrag:canary")
  .replace(/a=ice-pwd:.*/, "a=ice-pwd:canary-canary-canary-canary")
  .replace(/a=candidate:.*\\r\\n/g, "")
  .replace(/(a=mid:.*\\r\\n)/, "$1a=" + candidate + "\\r\\n");
try {{
  const pc = window.pc = new RTCPeerConnection({{iceServers: servers}});
  const tried = () => pc.iceGatheringState === "complete"
    && (!candidate || pc.iceConnectionState !== "new") && show();
  pc.onicegatheringstatechange = tried;
  pc.oniceconnectionstatechange = tried;
  pc.createDataChannel("x");
  pc.createOffer().then((offer) => pc.setLocalDescription(offer)).then(() => candidate
    && pc.setRemoteDescription({{type: "answer", sdp: answer(pc.localDescription.sdp)}}))
    .catch(show);
}} catch (e) {{ show(); }}
</script></body></html>
"""
#: The WebRTC techniques: the ICE server URL a page asks (with a TURN user), or the remote
#: candidate it is answered with, and what reaches the canary from an unguarded browser.
WEBRTC = {
    "stun": ("stun:127.0.0.1:{UDP}", "(udp: stun binding)"),
    "stun-named": ("stun:canary-name.example:{UDP}", "(udp: stun binding)"),
    "turn-udp": ("turn:127.0.0.1:{UDP}", "(udp: turn allocate)"),
    "turn-tcp": ("turn:127.0.0.1:{PORT}?transport=tcp", "(tcp: turn allocate)"),
    "turn-tcp-named": ("turn:canary-name.example:{PORT}?transport=tcp", "(tcp: turn allocate)"),
    "turns": ("turns:127.0.0.1:{PORT}?transport=tcp", "(tcp: tls)"),
    "remote-udp": ("candidate:1 1 udp 2130706431 127.0.0.1 {UDP} typ host", "(udp: stun binding)"),
    "remote-tcp": (
        "candidate:2 1 tcp 1518280447 127.0.0.1 {PORT} typ host tcptype passive",
        "(tcp: stun binding)",
    ),
}


def webrtc_page(technique: str, values: dict[str, Any]) -> str:
    """The page of a WebRTC `technique` aimed at the canary."""
    target = WEBRTC[technique][0].format(**values)
    config: dict[str, Any] = {"servers": [], "candidate": None}
    if target.startswith("candidate:"):
        config["candidate"] = target
    else:
        config["servers"] = [{"urls": target, "username": "u", "credential": "c"}]
    return WEBRTC_PAGE.format(config=json.dumps(config))


def article_path() -> str:
    return "/en/article/" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def browser() -> str:
    found = find_browser()
    assert found, "rendering tests need Chromium: apt-get install chromium"
    return found


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    running = Canary()
    yield running
    running.close()


class AttackSite:
    """A render site whose attack pages aim at `canary`; each attack page is also an
    article shell (its data is the seed's), so a guarded render still yields an item."""

    def __init__(self, root: Path, canary: Canary, pages: int = 2) -> None:
        build_site(root, shells_too=True)
        values = {"C": f"http://127.0.0.1:{canary.port}", "PORT": canary.port}
        values["UDP"] = canary.udp_port
        (root / "attack-worker.js").write_text(WORKER.format(**values))
        (root / "attack-popup.html").write_text(POPUP.format(**values))
        seed_data = root / "_data" / page_file(SEED_PATH + ".json")
        self.attacks = [article_path() for _ in range(pages)]
        for path in self.attacks:
            (root / page_file(path)).write_text(ATTACK.format(**values))
            shutil.copyfile(seed_data, root / "_data" / page_file(path + ".json"))
        self.webrtc = {name: article_path() for name in WEBRTC}
        for name, path in self.webrtc.items():
            (root / page_file(path)).write_text(webrtc_page(name, values))
            shutil.copyfile(seed_data, root / "_data" / page_file(path + ".json"))
        # The pages of `tests.attack_pages`: "more", and those of their own.
        self.pages = {name: article_path() for name in ["more", *ISOLATED]}
        headers = {}
        for name, path in self.pages.items():
            page = MORE if name == "more" else ISOLATED[name]
            (root / page_file(path)).write_text(page.page(values))
            shutil.copyfile(seed_data, root / "_data" / page_file(path + ".json"))
            headers[path] = page.response_headers(values)
        for name, text in MORE_FILES.items():
            (root / name).write_text(Template(text).substitute(values))
        # Redirects of the navigation: at once (always), and after a plain shell (auto).
        self.redirected, self.redirected_later = article_path(), article_path()
        shutil.copyfile(SHELLS / "article.html", root / page_file(self.redirected_later))
        target = f"http://127.0.0.1:{canary.port}/navigation-redirect"
        self.site = RenderSite(
            root,
            redirects={self.redirected: target},
            later={self.redirected_later: target},
            headers=headers,
        )

    @property
    def paths(self) -> list[str]:
        webrtc, pages = list(self.webrtc.values()), list(self.pages.values())
        return [*self.attacks, *webrtc, *pages, self.redirected, self.redirected_later]


@pytest.fixture
def attack_site(tmp_path_factory: pytest.TempPathFactory, canary: Canary) -> Iterator[AttackSite]:
    # One per test: the redirect-later page must meet each crawl's plain fetch first.
    site = AttackSite(tmp_path_factory.mktemp("attack"), canary)
    yield site
    site.site.close()


def crawl(tmp_path: Path, site: RenderSite, paths: list[str], **settings: Any) -> CrawlResult:
    merged = {
        "ALLOWED_HOSTS": site.allowed,
        "AUTOTHROTTLE_ENABLED": "False",
        "RENDER_BROWSER_ARGS": json.dumps([LOCAL_ONLY]),
        **settings,
    }
    urls = ",".join(site.url(path) for path in paths)
    return run_crawl(
        tmp_path, "-a", f"urls={urls}", "-a", "depth=0", settings=merged, replay=None, timeout=240
    )


# --- the control: without the guards, the attack pages reach the canary --------------------


def test_the_attack_pages_reach_the_canary_from_an_unguarded_browser(
    attack_site: AttackSite, canary: Canary, browser: str
) -> None:
    before = canary.count()
    paths_before = canary.paths.copy()

    async def visit() -> None:
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch(
                executable_path=browser, args=[*CHROMIUM_FLAGS, LOCAL_ONLY]
            )
            page = await chromium.new_page()
            await page.goto(attack_site.site.url(attack_site.attacks[0]))
            await page.wait_for_timeout(2500)
            await chromium.close()

    asyncio.run(visit())
    connections, _ = canary.count()
    reached = set(canary.paths - paths_before)
    assert connections - before[0] >= 10, reached
    expected = {"/script.js", "/fetch", "/ws", "/popup", "/worker-fetch", "/redirected.js"}
    assert expected <= reached, reached


@pytest.mark.parametrize("technique", sorted(WEBRTC))
def test_each_webrtc_technique_reaches_the_canary_from_an_unguarded_browser(
    attack_site: AttackSite, canary: Canary, browser: str, technique: str
) -> None:
    what = WEBRTC[technique][1]
    before = canary.paths[what]

    async def visit() -> None:
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch(
                executable_path=browser, args=[*CHROMIUM_FLAGS, LOCAL_ONLY]
            )
            page = await chromium.new_page()
            await page.goto(attack_site.site.url(attack_site.webrtc[technique]))
            await page.wait_for_function("window.webrtcDone === true")
            await chromium.close()

    asyncio.run(visit())
    assert canary.reached(what, more_than=before), canary.paths


@pytest.mark.parametrize("name", ["more", *sorted(ISOLATED)])
def test_each_technique_of_the_other_pages_reaches_the_canary_from_an_unguarded_browser(
    attack_site: AttackSite, canary: Canary, browser: str, name: str
) -> None:
    expected = (MORE if name == "more" else ISOLATED[name]).reaches
    before = canary.paths.copy()

    async def visit() -> list[str]:
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch(
                executable_path=browser, args=[*CHROMIUM_FLAGS, LOCAL_ONLY]
            )
            page = await chromium.new_page()
            await page.goto(attack_site.site.url(attack_site.pages[name]))
            # The browser stays open while the canary is waited for, each technique in turn.
            missed = [
                what
                for what in expected
                if not await asyncio.to_thread(canary.reached, what, more_than=before[what])
            ]
            await chromium.close()
            return missed

    assert asyncio.run(visit()) == [], canary.paths - before


# --- the crawls: zero connections ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["always", "auto"])
def test_rendered_pages_never_reach_a_forbidden_host(
    tmp_path: Path, attack_site: AttackSite, canary: Canary, browser: str, mode: str
) -> None:
    before = canary.count()
    paths_before = canary.paths.copy()
    result = crawl(tmp_path, attack_site.site, attack_site.paths, RENDER=mode)
    assert canary.count() == before, canary.paths - paths_before
    stats = result.stats
    assert stats["finish_reason"] == "finished", result.log
    # Every page rendered or failed with a label; none is parsed from an error page.
    rendered = stats.get("newsspider/render/pages", 0) + stats["newsspider/render/failures"]
    pages = len(attack_site.paths) - (mode == "auto")  # auto: the plain 302 is not rendered
    assert rendered == pages, stats
    labelled = {k.rsplit("/", 1)[1] for k in stats if k.startswith("newsspider/pages/failed/")}
    offsite = {"render_redirect_offsite", "render_navigation_offsite", "redirect_offsite"}
    assert labelled <= offsite, labelled
    assert all(item["url"].startswith(attack_site.site.base) for item in result.items)
    assert "newsspider/dropped/no_id" not in stats
    assert stats.get("newsspider/render/refused/popup", 0) >= 1
    assert stats.get("newsspider/render/refused/websocket", 0) >= 1
    assert stats.get("newsspider/render/refused/redirect", 0) >= 1
    # The navigation redirected to the forbidden host is a failed page, labelled.
    failed = stats.get("newsspider/pages/failed/render_redirect_offsite", 0)
    assert failed >= (2 if mode == "auto" else 1), stats
    assert set(attack_site.site.hosts()) == {attack_site.site.allowed}


# --- the flags --------------------------------------------------------------------------------


def random_policy(rng: random.Random) -> tuple[HostPolicy, list[str]]:
    entries = []
    for _ in range(rng.randint(0, 5)):
        host = rng.choice(
            [
                f"h{rng.randint(0, 999)}.example",
                f"10.{rng.randint(0, 255)}.0.{rng.randint(1, 254)}",
                "::1",
                "localhost",
            ]
        )
        port = rng.choice([None, rng.randint(1, 65535)])
        host = f"[{host}]" if ":" in host else host
        entries.append(host if port is None else f"{host}:{port}")
    return HostPolicy(entries), entries


@pytest.mark.parametrize("seed", range(20))
def test_the_policy_flags_bypass_the_proxy_for_exactly_the_allowed_hosts(seed: int) -> None:
    rng = random.Random(seed)
    policy, entries = random_policy(rng)
    answers = {host: [f"93.184.{rng.randrange(256)}.{rng.randrange(1, 255)}"] for host in HOSTS}
    rebound = sorted(HOSTS)[rng.randrange(len(HOSTS))]
    answers[rebound] = [rng.choice(["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1"])]
    flags = browser_policy_flags(policy, resolve=lambda name: answers.get(name, []))
    values = dict(flag.split("=", 1) for flag in flags if "=" in flag)
    assert values["--proxy-server"] == REFUSING_PROXY
    bypass = values["--proxy-bypass-list"].split(";")
    assert bypass[0] == "<-loopback>"
    for host in HOSTS:
        assert f"{host}:443" in bypass and f"{host}:80" in bypass
    for entry in entries:
        host, sep, port = entry.rpartition(":")
        if sep and port.isdigit():
            assert entry in bypass, (entry, bypass)
    for rule in bypass[1:]:
        host, _, port = rule.rpartition(":")
        url = f"http://{host}:{port}/x"
        assert policy.allows(url) or policy.allows(f"https://{host}:{port}/x"), rule
    rules = values["--host-resolver-rules"].split(", ")
    assert rules[-1] == "MAP * ~NOTFOUND"
    listed = policy.extra | {h for h, _ in policy.host_ports}
    for host in HOSTS:
        if host in listed:
            assert f"EXCLUDE {host}" in rules
        elif host == rebound:  # resolved to a non-public address: the browser cannot reach it
            assert f"MAP {host} ~NOTFOUND" in rules
        else:  # pinned to the address that was checked: a later answer is never used
            assert f"MAP {host} {answers[host][0]}" in rules
    # The flag Debian's Chromium 156 obeys (the --force- one alone lets STUN out).
    assert values["--webrtc-ip-handling-policy"] == "disable_non_proxied_udp"
    user = browser_policy_flags(policy, (LOCAL_ONLY,))
    assert user[-1] == LOCAL_ONLY and not any("~NOTFOUND" in flag for flag in user)


@pytest.mark.parametrize(
    "flag",
    [
        "--proxy-server=direct://",
        "--no-proxy-server",
        "--proxy-bypass-list=*",
        "--proxy-pac-url=x",
        "--enable-quic",
        "--origin-to-force-quic-on=127.0.0.1:443",
    ],
)
def test_browser_args_may_not_undo_the_policy(flag: str) -> None:
    settings = Settings({"RENDER_BROWSER_ARGS": json.dumps(["--a", flag])})
    with pytest.raises(RenderSettingsError, match=r"^RENDER_BROWSER_ARGS: "):
        check_render_settings(settings)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("512M", 512 * 2**20), ("1G", 2**30), (str(3 * 2**20), 3 * 2**20), ("64MiB", 64 * 2**20)],
)
def test_render_max_memory_reads_sizes(value: str, expected: int) -> None:
    assert RenderConfig.from_settings(Settings({"RENDER_MAX_MEMORY": value})).max_memory == expected


@pytest.mark.parametrize("value", ["0", "-1", "lots", "M"])
def test_bad_render_max_memory_names_the_setting(value: str) -> None:
    with pytest.raises(RenderSettingsError, match=r"^RENDER_MAX_MEMORY: "):
        check_render_settings(Settings({"RENDER_MAX_MEMORY": value}))


# --- scrapy-playwright internals (newsspider.render.playwright_compat) -------------------------


def test_the_scrapy_playwright_internals_used_are_still_there() -> None:
    launch = ScrapyPlaywrightDownloadHandler._maybe_launch_in_thread
    assert inspect.iscoroutinefunction(launch)
    assert list(inspect.signature(launch).parameters) == ["self"]
    source = inspect.getsource(ScrapyPlaywrightDownloadHandler.__init__)
    assert "self._maybe_launch_in_thread, signals.engine_started" in source
    assert "target_closed_max_retries" in {f for f in Config.__dataclass_fields__}
    retry = inspect.getsource(ScrapyPlaywrightDownloadHandler._download_request)
    assert "self.config.target_closed_max_retries" in retry
    assert set(playwright_compat.INTERNALS) <= {*dir(ScrapyPlaywrightDownloadHandler), "config"}
    # The range these were tested with (pyproject.toml pins it).
    assert version("scrapy-playwright") == "0.0.48"
    assert version("playwright").startswith("1.")


# --- bounds and faults -----------------------------------------------------------------------


def fault_site(root: Path, extra: dict[str, str], **options: Any) -> RenderSite:
    """A render site with the shells, plus `extra` pages (path -> HTML) as article shells
    with the seed's data."""
    build_site(root, shells_too=True)
    seed_data = root / "_data" / page_file(SEED_PATH + ".json")
    for path, html in extra.items():
        (root / page_file(path)).write_text(html)
        shutil.copyfile(seed_data, root / "_data" / page_file(path + ".json"))
    return RenderSite(root, **options)


APP = '<script src="/_shell/app.js"></script>'
SHELL_WITH = """<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Daily8</title></head>
<body><div id="__next"></div><script>{script}</script>
<script src="/_shell/app.js"></script></body></html>"""


def test_an_oversize_render_is_refused_and_counted_as_failed(tmp_path: Path, browser: str) -> None:
    rng = random.Random(17)
    big, built, fine = article_path(), article_path(), article_path()
    padding = "<!--" + "".join(rng.choice("abcdefgh ") for _ in range(1000)) + "-->"
    pages = {
        # 12 MiB served; then a small page whose script builds 12 MiB of DOM.
        big: SHELL_WITH.format(script="") + padding * (12 * 1024 + 10),
        built: SHELL_WITH.format(
            script="document.body.appendChild(document.createElement('pre')).textContent"
            " = 'x'.repeat(12 * 1024 * 1024);"
        ),
        fine: SHELL_WITH.format(script=""),
    }
    site = fault_site(tmp_path / "site", pages)
    try:
        result = crawl(tmp_path, site, [big, built, fine], RENDER="always")
    finally:
        site.close()
    stats = result.stats
    assert stats["item_scraped_count"] == 1  # the fine page
    assert stats["newsspider/pages/failed/render_too_large"] == 2, stats
    assert stats["newsspider/render/failures/too_large"] == 2
    assert result.returncode == 5  # 2 of 3 pages failed
    assert result.items == []  # and a failed run publishes no feed


def test_a_killed_browser_and_a_killed_driver_are_restarted(tmp_path: Path, browser: str) -> None:
    marker = f"--newsspider-test-{uuid.uuid4().hex}"
    # The page shows its article only after the kill was asked for: the render cannot
    # finish (and close the page) before the request leaves.
    kill = (
        "fetch('/__kill__/{what}').catch(() => 0).finally(() => {{"
        " const app = document.createElement('script'); app.src = '/_shell/app.js';"
        " document.body.appendChild(app); }});"
    )
    first, second = article_path(), article_path()
    rest = [article_path() for _ in range(4)]
    pages = {
        first: SHELL_WITH.format(script=kill.format(what="browser")).replace(APP, ""),
        second: SHELL_WITH.format(script=kill.format(what="driver")).replace(APP, ""),
        **{path: SHELL_WITH.format(script="") for path in rest},
    }
    site = fault_site(tmp_path / "site", pages, marker=marker)
    try:
        result = crawl(  # restarts are judged here, not the failure share
            tmp_path,
            site,
            [first, second, *rest],
            RENDER="always",
            RENDER_MAX_PAGES=1,
            RENDER_BROWSER_ARGS=json.dumps([LOCAL_ONLY, marker]),
            FAILURE_THRESHOLD="1",
        )
        requested = site.requested()
    finally:
        site.close()
    stats = result.stats
    assert requested.count("/__kill__/browser") >= 1 and requested.count("/__kill__/driver") >= 1
    failed = stats.get("newsspider/render/failures", 0)
    assert stats.get("newsspider/pages/failed", 0) == failed
    assert len(result.items) + failed == 6, stats
    assert failed <= 2
    assert stats["newsspider/render/playwright_starts"] == 2  # a new driver after the kill
    assert stats.get("playwright/browser_count", 0) >= 2
    assert stats.get("newsspider/render/restarts/driver", 0) == 1
    assert "log_count/ERROR" not in stats


def test_a_browser_over_its_memory_cap_is_restarted(tmp_path: Path, browser: str) -> None:
    hog, rest = article_path(), [article_path() for _ in range(2)]
    grow = (
        "window.hog = []; const grow = () => { for (let i = 0; i < 4; i++)"
        " window.hog.push(new Float64Array(1 << 20).fill(Math.random()));"
        " if (window.hog.length < 400) setTimeout(grow, 50); }; grow();"
        # A request that never gets an answer: the page never goes network-idle.
        " fetch('/slow').then(() => fetch('/slow'));"
    )
    pages = {hog: SHELL_WITH.format(script=grow).replace("/_shell/app.js", "/never.js")}
    pages.update({path: SHELL_WITH.format(script="") for path in rest})
    site = fault_site(tmp_path / "site", pages, stall=("/slow",))
    try:
        result = crawl(  # restarts are judged here, not the failure share
            tmp_path,
            site,
            [hog, *rest],
            RENDER="always",
            RENDER_MAX_PAGES=1,
            RENDER_TIMEOUT=20,
            RENDER_MAX_MEMORY="1200M",
            FAILURE_THRESHOLD="1",
        )
    finally:
        site.close()
    stats = result.stats
    assert stats.get("newsspider/render/restarts/memory", 0) >= 1, stats
    assert stats["newsspider/pages/failed/render_memory"] == 1, stats
    assert sorted(item["url"] for item in result.items) == sorted(site.url(p) for p in rest)
