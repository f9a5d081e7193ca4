"""Serve a static site from `bench/sitegen.py --format static` on 127.0.0.1, fast.

    python bench/serve.py SITE_DIR [--port 0] [--server nginx|twisted]

Prints the port on the first line of stdout and serves until interrupted. nginx (Debian's
``/usr/sbin/nginx``, one worker, run with a config of its own under a temp folder, pid file
and logs there too, no access log) is the default; ``--server twisted`` is a fallback
(``twisted.web.static``, about 10x slower: only good for a machine without nginx).

Extension-less files (``/en/article/<id>``) are served as ``text/html``; ``/en`` and ``/``
serve ``/en/index.html`` and ``/index.html`` without a redirect.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

NGINX = "/usr/sbin/nginx"

NGINX_CONF = """\
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type text/html;
    types {{ text/html html; }}
    charset utf-8;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    open_file_cache max=1000 inactive=20s;  # an entry holds a descriptor (ulimit -n)
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ try_files $uri/index.html $uri =404; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the static server exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the static server did not listen on 127.0.0.1:{port}")


@contextlib.contextmanager
def serve(root: Path, port: int = 0, server: str = "nginx", workers: int = 1) -> Iterator[int]:
    """Serve `root` on 127.0.0.1 while the block runs; yields the port."""
    root = root.resolve()
    if not (root / "en" / "index.html").is_file():
        raise SystemExit(f"{root} is not a site of bench/sitegen.py --format static")
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        if server == "nginx":
            if not os.access(NGINX, os.X_OK):
                raise SystemExit(f"{NGINX} not found: apt-get install nginx, or --server twisted")
            conf = Path(tmp) / "nginx.conf"
            user = "user root;" if os.geteuid() == 0 else ""
            conf.write_text(
                NGINX_CONF.format(tmp=tmp, port=port, root=root, user=user, workers=workers)
            )
            command = [NGINX, "-c", str(conf), "-p", tmp, "-e", f"{tmp}/error.log"]
        else:
            command = [sys.executable, __file__, str(root), "--port", str(port), "--twisted-child"]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        try:
            wait_for_port(port, process)
            yield port
        finally:
            if process.poll() is None:
                # nginx: SIGQUIT is a graceful stop of master and workers.
                process.send_signal(signal.SIGQUIT if server == "nginx" else signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            shutil.rmtree(tmp, ignore_errors=True)


def twisted_server(root: Path, port: int) -> None:
    from twisted.internet import reactor
    from twisted.web import resource, server

    class Site(resource.Resource):
        isLeaf = True

        def render_GET(self, request: object) -> object:
            path = request.path.decode().rstrip("/") or ""  # type: ignore[attr-defined]
            target = root / path.lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                request.setResponseCode(404)  # type: ignore[attr-defined]
                return b"not found"
            request.setHeader("Content-Type", "text/html; charset=utf-8")  # type: ignore[attr-defined]
            return target.read_bytes()

    reactor.listenTCP(port, server.Site(Site()), interface="127.0.0.1", backlog=512)  # type: ignore[attr-defined]
    reactor.run()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--server", choices=("nginx", "twisted"), default="nginx")
    parser.add_argument("--twisted-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.twisted_child:
        twisted_server(args.site.resolve(), args.port)
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with serve(args.site, args.port, args.server) as port:
        print(port, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
