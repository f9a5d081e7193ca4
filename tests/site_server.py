"""A local Daily8 site for tests: serves fixtures on 127.0.0.1, with chosen faults.

Run as ``python -m tests.site_server FIXTURES_DIR [--delay S] [--faults JSON]``; it prints
its port on the first line of stdout. Pages are looked up by path, whatever the host;
absolute Daily8 URLs in bodies are rewritten to this server, so a crawl never leaves it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from twisted.internet import reactor
from twisted.web import resource, server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsspider import site
from newsspider.fixtures import iter_fixtures


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
        fault = self.faults.get(path)
        status, headers, body = self._page(request, path)
        if fault == "500" or (fault == "500-then-200" and self.hits[path] == 1):
            status, body = 500, b"<html><body>Internal Server Error</body></html>"
        request.setResponseCode(status)
        for name, value in headers:
            request.setHeader(name, value)
        if sync:
            return body
        request.write(body)
        request.finish()
        return None

    def _page(self, request: Any, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        fixture = self.pages.get(path) or self.pages.get(path.rstrip("/") or "/")
        if fixture is None:
            return 404, [("Content-Type", "text/html")], b"<html><body>Not found</body></html>"
        host = request.getHeader("host") or "127.0.0.1"
        body = bytes(fixture.response().body)
        for daily8 in site.HOSTS:
            body = body.replace(f"https://{daily8}".encode(), f"http://{host}".encode())
        headers = [(k, v) for k, v in fixture.info["headers"] if k.lower() != "content-length"]
        return fixture.info["status"], headers, body


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
