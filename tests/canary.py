"""A canary on a forbidden 127.0.0.1 port: it counts every TCP connection (HTTP, WebSocket,
TURN, anything) and every UDP datagram (STUN) that reaches it, and what each asked for.

It runs in a thread of the test process; the crawl under test runs in a subprocess.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections import Counter


class Canary:
    """Listen on one TCP and one UDP port of 127.0.0.1 until `close`."""

    def __init__(self) -> None:
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(64)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp_port = self.udp.getsockname()[1]
        self.connections = 0
        self.datagrams = 0
        self.paths: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self.tcp, selectors.EVENT_READ, "tcp")
        selector.register(self.udp, selectors.EVENT_READ, "udp")
        while not self._stop.is_set():
            for key, _ in selector.select(timeout=0.1):
                if key.data == "udp":
                    self.udp.recvfrom(65536)
                    with self._lock:
                        self.datagrams += 1
                    continue
                connection, _ = self.tcp.accept()
                with self._lock:
                    self.connections += 1
                threading.Thread(target=self._read, args=(connection,), daemon=True).start()
        selector.close()

    def _read(self, connection: socket.socket) -> None:
        """Note the request line (what asked), answer a minimal 200 and close."""
        connection.settimeout(2)
        try:
            head = connection.recv(2048).split(b"\r\n", 1)[0].decode("latin-1")
            parts = head.split()
            with self._lock:
                self.paths[parts[1] if len(parts) > 1 else head or "(silent)"] += 1
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            )
        except OSError:
            with self._lock:
                self.paths["(silent)"] += 1
        finally:
            connection.close()

    def count(self) -> tuple[int, int]:
        """(TCP connections, UDP datagrams) so far."""
        time.sleep(0.2)  # let connections in flight land
        with self._lock:
            return self.connections, self.datagrams

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.tcp.close()
        self.udp.close()
