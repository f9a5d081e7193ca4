"""A local site of server-rendered and client-rendered (shell) pages, on 127.0.0.1.

`build_site` writes a site folder: every fixture page at its URL path and, with
``shells=True``, the client-rendered variants of ``fixtures/shell/shells.json`` in place
of their fixtures. Serve it with ``python -m tests.render_site SITE_DIR``: it prints its
port on the first line of stdout. ``/a/b`` is ``SITE_DIR/a/b.html`` (``/`` is
``index.html``), a path with a file extension is that file. Absolute Daily8 URLs in pages
and JSON are rewritten to this server, so neither a crawl nor a browser leaves it.
``GET /__requests__`` lists the paths requested so far (as JSON), ``GET /__hosts__`` the
Host headers; ``--stall PATH`` answers the first request for PATH and never answers the
next ones; ``--redirect PATH=URL`` answers PATH with a 302 to URL (``--redirect-later``:
from the second request on); any path with ``?redirect=URL`` is a 302 to URL;
``--headers JSON`` (``{PATH: {NAME: VALUE}}``) adds response headers to PATH. Fault
injection: ``GET /__kill__/browser`` (or ``driver``) kills, once, the Chromium whose command
line holds ``--marker`` (or the Playwright driver above it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
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

    def __init__(
        self,
        root: Path,
        stall: tuple[str, ...] = (),
        redirects: dict[str, str] | None = None,
        later: dict[str, str] | None = None,
        marker: str = "",
        headers: dict[str, dict[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.root = root.resolve()
        self.stall = stall
        self.redirects = redirects or {}
        self.later = later or {}
        self.marker = marker
        self.headers = headers or {}
        self.killed: set[str] = set()
        self.requested: list[str] = []
        self.hosts: list[str] = []

    def render_POST(self, request: Any) -> Any:
        return self.render_GET(request)

    def render_GET(self, request: Any) -> Any:
        path = request.path.decode("utf-8", "replace")
        if path in ("/__requests__", "/__hosts__"):
            request.setHeader("Content-Type", "application/json")
            return json.dumps(self.requested if path == "/__requests__" else self.hosts).encode()
        self.hosts.append((request.getHeader("host") or "").lower())
        if path.startswith("/__kill__/"):
            self.requested.append(path)
            return self.kill(path.rsplit("/", 1)[1]).encode()
        target_url = request.args.get(b"redirect", [b""])[0].decode()
        target_url = target_url or self.redirects.get(path, "")
        if not target_url and path in self.later and path in self.requested:
            target_url = self.later[path]
        if target_url:
            self.requested.append(path)
            request.redirect(target_url.encode())
            return b""
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
        for name, value in self.headers.get(path, {}).items():
            request.setHeader(name, value)
        return body

    def kill(self, what: str) -> str:
        """Kill the marked browser (or its driver), once each: the pids killed."""
        if what in self.killed or not self.marker:
            return ""
        browsers = [
            pid
            for pid in _pids()
            if self.marker in _argv(pid) and not any(a.startswith("--type=") for a in _argv(pid))
        ]
        pids = browsers if what == "browser" else [_parent(pid) for pid in browsers]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        if pids:
            self.killed.add(what)
        return " ".join(map(str, pids))


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _argv(pid: int) -> list[str]:
    """The command line of `pid`, one argument per item (the browser's flags exactly)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return raw.decode("utf-8", "replace").split("\0")


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


class RenderSite:
    """`tests.render_site` serving `root` in a subprocess."""

    def __init__(
        self,
        root: Path,
        stall: tuple[str, ...] = (),
        redirects: dict[str, str] | None = None,
        later: dict[str, str] | None = None,
        marker: str = "",
        headers: dict[str, dict[str, str]] | None = None,
    ) -> None:
        options = [option for path in stall for option in ("--stall", path)]
        for flag, table in (("--redirect", redirects or {}), ("--redirect-later", later or {})):
            options += [item for path, url in table.items() for item in (flag, f"{path}={url}")]
        if marker:
            options.append(f"--marker={marker}")
        if headers:
            options.append(f"--headers={json.dumps(headers)}")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.render_site", str(root), *options],
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

    def hosts(self) -> list[str]:
        """The Host headers of the requests so far."""
        with urllib.request.urlopen(self.url("/__hosts__"), timeout=10) as answer:
            hosts: list[str] = json.loads(answer.read())
        return hosts

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--stall", action="append", default=[], help="answer PATH only once")
    parser.add_argument("--redirect", action="append", default=[], help="PATH=URL: a 302")
    parser.add_argument("--redirect-later", action="append", default=[], help="PATH=URL")
    parser.add_argument("--marker", default="", help="a flag of the browser to kill")
    parser.add_argument("--headers", default="{}", help="JSON: {PATH: {NAME: VALUE}}")
    args = parser.parse_args()

    def table(items: list[str]) -> dict[str, str]:
        return dict(item.split("=", 1) for item in items)

    root = SiteResource(
        args.root,
        tuple(args.stall),
        table(args.redirect),
        table(args.redirect_later),
        args.marker,
        json.loads(args.headers),
    )
    port = reactor.listenTCP(  # type: ignore[attr-defined]
        0, server.Site(root), interface="127.0.0.1", backlog=128
    )
    print(port.getHost().port, flush=True)
    reactor.run()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
