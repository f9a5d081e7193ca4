"""A local site of server-rendered and client-rendered (shell) pages, on 127.0.0.1.

`build_site` writes a site folder: every fixture page at its URL path and, with
``shells=True``, the client-rendered variants of ``fixtures/shell/shells.json`` in place
of their fixtures. Serve it with ``python -m tests.render_site SITE_DIR``: it prints its
port on the first line of stdout. ``/a/b`` is ``SITE_DIR/a/b.html`` (``/`` is
``index.html``), a path with a file extension is that file. Absolute Daily8 URLs in pages
and JSON are rewritten to this server, so neither a crawl nor a browser leaves it.
``GET /__requests__`` lists the paths requested so far (as JSON); ``--stall PATH`` answers
the first request for PATH and never answers the next ones.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from twisted.internet import reactor
from twisted.web import resource, server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsspider.crawl.fixtures import iter_fixtures  # noqa: E402
from newsspider.site import urls  # noqa: E402

FIXTURES = ROOT / "fixtures"
SHELLS = FIXTURES / "shell"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".js": "text/javascript",
    ".css": "text/css",
}
REWRITTEN = (".html", ".json")


def page_file(path: str) -> str:
    """The site-relative file of a URL path."""
    name = path.strip("/") or "index"
    return name if "." in name.rsplit("/", 1)[-1] else name + ".html"


def shells() -> dict[str, dict[str, Any]]:
    """The client-rendered variants: URL path -> ``{fixture, page, data}``."""
    manifest: dict[str, dict[str, Any]] = json.loads((SHELLS / "shells.json").read_text("utf-8"))
    return manifest


def build_site(dest: Path, shells_too: bool) -> Path:
    """Write every 200 fixture at its path; with `shells_too`, shells replace theirs."""
    for fixture in iter_fixtures(FIXTURES):
        if fixture.info["status"] != 200:
            continue
        target = dest / page_file(urlsplit(fixture.url).path or "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(fixture.response().body))
    if shells_too:
        for path, shell in shells().items():
            shutil.copyfile(SHELLS / shell["page"], dest / page_file(path))
            if shell["data"]:
                data = dest / "_data" / page_file(path + ".json")
                data.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(SHELLS / shell["data"], data)
        (dest / "_shell").mkdir(exist_ok=True)
        shutil.copyfile(SHELLS / "app.js", dest / "_shell" / "app.js")
    return dest


class SiteResource(resource.Resource):
    isLeaf = True

    def __init__(self, root: Path, stall: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.root = root.resolve()
        self.stall = stall
        self.requested: list[str] = []

    def render_GET(self, request: Any) -> Any:
        path = request.path.decode("utf-8", "replace")
        if path == "/__requests__":
            request.setHeader("Content-Type", "application/json")
            return json.dumps(self.requested).encode()
        if path in self.stall and path in self.requested:
            self.requested.append(path)
            return server.NOT_DONE_YET
        self.requested.append(path)
        target = (self.root / page_file(path)).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            request.setResponseCode(404)
            request.setHeader("Content-Type", "text/html; charset=utf-8")
            return b"<html><body>Not found</body></html>"
        body = target.read_bytes()
        if target.suffix in REWRITTEN:
            local = f"http://{(request.getHeader('host') or '127.0.0.1')}".encode()
            for host in urls.HOSTS:
                body = body.replace(f"https://{host}".encode(), local)
        content_type = CONTENT_TYPES.get(target.suffix, "application/octet-stream")
        request.setHeader("Content-Type", content_type)
        return body


class RenderSite:
    """`tests.render_site` serving `root` in a subprocess."""

    def __init__(self, root: Path, stall: tuple[str, ...] = ()) -> None:
        stall_options = [option for path in stall for option in ("--stall", path)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.render_site", str(root), *stall_options],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.root = root
        self.port = int(self.process.stdout.readline())
        self.base = f"http://127.0.0.1:{self.port}"
        self.allowed = f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def requested(self) -> list[str]:
        """The paths requested from this site so far."""
        with urllib.request.urlopen(self.url("/__requests__"), timeout=10) as answer:
            paths: list[str] = json.loads(answer.read())
        return paths

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--stall", action="append", default=[], help="answer PATH only once")
    args = parser.parse_args()
    root = SiteResource(args.root, tuple(args.stall))
    port = reactor.listenTCP(  # type: ignore[attr-defined]
        0, server.Site(root), interface="127.0.0.1", backlog=128
    )
    print(port.getHost().port, flush=True)
    reactor.run()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
