"""A local Daily8 site for tests: serves fixtures on 127.0.0.1, with chosen faults.

Run as ``python -m tests.site_server FIXTURES_DIR [--delay S] [--faults JSON]``; it prints
its port on the first line of stdout. Pages are looked up by path, whatever the host;
absolute Daily8 URLs in bodies are rewritten to this server, so a crawl never leaves it.
Faults are given per path; the path ``*`` gives the fault of every other path. A fault
``NAME:N`` takes a number (``503-retry-after:4``: a 503 with ``Retry-After: 4`` first).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from twisted.internet import reactor
from twisted.web import resource, server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsspider.crawl.fixtures import iter_fixtures
from newsspider.site import urls


class Site(resource.Resource):
    isLeaf = True

    def __init__(self, fixtures: Path, delay: float, faults: dict[str, str]) -> None:
        super().__init__()
        self.delay = delay
        self.faults = faults
        self.hits: dict[str, int] = {}
        self.pages: dict[str, Any] = {}
        for fixture in iter_fixtures(fixtures):
            path = urlsplit(fixture.url).path or "/"
            self.pages[path] = fixture

    def render_GET(self, request: Any) -> Any:
        path = request.path.decode()
        self.hits[path] = self.hits.get(path, 0) + 1
        if self.delay:
            reactor.callLater(self.delay, self._respond, request, path)
            return server.NOT_DONE_YET
        return self._respond(request, path, sync=True)

    def _respond(self, request: Any, path: str, sync: bool = False) -> Any:
        fault = self.faults.get(path, self.faults.get("*"))
        fault, _, number = (fault or "").partition(":")
        status, headers, body = self._page(request, path)
        hits = self.hits[path]
        error_page = b"<html><body>Internal Server Error</body></html>"
        if fault == "stall":
            return server.NOT_DONE_YET  # never answers
        if fault == "500" or (fault == "500-then-200" and hits == 1):
            status, body = 500, error_page
        elif fault == "429-then-200" and hits == 1:
            status, body = 429, b"slow down"
            headers = [*headers, ("Retry-After", "1")]
        elif fault in ("503-retry-after", "429-retry-after") and hits == 1:
            status, body = int(fault[:3]), b"busy"
            headers = [*headers, ("Retry-After", number)]
        elif fault == "close":
            headers = [*headers, ("Connection", "close")]
        elif fault == "gzip-bomb":
            headers = [*headers, ("Content-Encoding", "gzip")]
            body = _bomb()
        elif fault == "deep-nesting":
            cut = body.index(b">", body.index(b"<body")) + 1
            body = body[:cut] + b"<div>" * 100_000 + b"</div>" * 100_000 + body[cut:]
        elif fault == "userinfo-links":
            host = (request.getHeader("host") or "127.0.0.1").encode()
            body = body.replace(b"http://" + host, b"http://reader:secret@" + host)
        elif fault == "offsite-related":
            body = _offsite_related(body, path, request.getHeader("host") or "127.0.0.1")
        elif fault == "redirect-loop":
            status, body = 302, b""
            headers = [("Location", path)]
        elif fault == "redirect-offsite":
            status, body = 302, b""
            headers = [("Location", "http://offsite.invalid" + path)]
        elif fault == "huge":
            body = body + b" " * (20 * 1024 * 1024)
        elif fault == "text-plain":
            headers = [
                (k, "text/plain; charset=utf-8" if k.lower() == "content-type" else v)
                for k, v in headers
            ]
        elif fault == "binary-as-html":
            body = bytes(range(256)) * 64
        elif fault == "bad-utf8":
            body = body.replace(b"<p>", b"<p>\xff\xfe\xc3(", 3)
        elif fault == "mixed-encoding":
            body = body.replace(b"<p>", "<p>\u0645\u0631\u062d\u0628\u0627 ".encode("cp1256"), 2)
        elif fault == "empty":
            body = b""
        elif fault == "no-article":
            body = b"<html><head><title>Daily8</title></head><body><main><p>Soon.</p></main>"
        elif fault == "nested":
            cut = body.index(b"<section")
            body = body[:cut] + b"<div><span><b>" * 20000 + b"<p>deep</i></table>" + body[cut:]
        request.setResponseCode(status)
        for name, value in headers:
            request.setHeader(name, value)
        if fault in ("reset", "truncate"):
            request.setHeader("Content-Length", str(len(body)))
            request.write(body[: len(body) // 2])
            transport = request.channel.transport
            if fault == "reset":
                transport.abortConnection()
            else:
                transport.loseConnection()
            return server.NOT_DONE_YET
        if sync:
            return body
        request.write(body)
        request.finish()
        return None

    def _page(self, request: Any, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        fixture = self.pages.get(path) or self.pages.get(path.rstrip("/") or "/")
        if fixture is None and path in self.faults and "/article/" in path:
            # A fault page with no fixture of its own: a copy of a template article.
            template = self.pages[self.template]
            body = bytes(template.response().body)
            body = body.replace(
                self.template.rsplit("/", 1)[-1].encode(), path.rsplit("/", 1)[-1].encode()
            )
            return 200, [("Content-Type", "text/html; charset=utf-8")], self._rewrite(request, body)
        if fixture is None:
            return 404, [("Content-Type", "text/html")], b"<html><body>Not found</body></html>"
        body = self._rewrite(request, bytes(fixture.response().body))
        headers = [(k, v) for k, v in fixture.info["headers"] if k.lower() != "content-length"]
        return fixture.info["status"], headers, body

    def _rewrite(self, request: Any, body: bytes) -> bytes:
        host = request.getHeader("host") or "127.0.0.1"
        for daily8 in urls.HOSTS:
            body = body.replace(f"https://{daily8}".encode(), f"http://{host}".encode())
        return body

    @property
    def template(self) -> str:
        return min(p for p in self.pages if "/en/article/" in p)


def _offsite_related(body: bytes, path: str, host: str) -> bytes:
    """The first related card's link moved to example.org, the second to port 8443."""
    own = path.rsplit("/", 1)[-1].encode()
    origin = re.escape(b"http://" + host.encode())
    found = re.findall(rb'href="((?:' + origin + rb')?(/[^"]*article/(\w+)))"', body)
    links = list(dict.fromkeys((href, link) for href, link, aid in found if aid != own))
    targets = (b"https://example.org", b"https://www.daily8.com:8443")
    for (href, link), target in zip(links, targets, strict=False):
        body = body.replace(b'href="' + href + b'"', b'href="' + target + link + b'"')
    return body


@cache
def _bomb() -> bytes:
    """A gzip body of 20 MiB of zeros (about 20 KiB on the wire)."""
    return gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("fixtures", type=Path)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--faults", default="{}", help="JSON object: path -> fault")
    args = parser.parse_args()
    root = Site(args.fixtures, args.delay, json.loads(args.faults))
    port = reactor.listenTCP(0, server.Site(root), interface="127.0.0.1", backlog=128)
    print(port.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
