"""A canary on a forbidden 127.0.0.1 port: it counts every TCP connection (HTTP, WebSocket,
TURN, anything) and every UDP datagram (STUN) that reaches it, and what each asked for.

What each asked for (`Canary.paths`): an HTTP request's path; ``(tcp: turn allocate)``,
``(udp: stun binding)`` and so on for a STUN message (STUN, TURN); ``(tcp: tls)`` for a TLS
handshake (``turns:``, ``https:``); ``(udp: quic initial)`` and so on for a QUIC packet with a
long header (HTTP/3, WebTransport); ``(silent)`` for a connection that sent nothing.

It runs in a thread of the test process; the crawl under test runs in a subprocess.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections import Counter

#: The fixed field of every STUN message (RFC 5389), TURN's included, at bytes 4-8.
STUN_COOKIE = b"\x21\x12\xa4\x42"
STUN_METHODS = {0x001: "stun binding", 0x003: "turn allocate"}
#: The packet types of a QUIC long header (RFC 9000, 17.2), bits 4-5 of its first byte.
QUIC_TYPES = ("initial", "0-rtt", "handshake", "retry")


def label(transport: str, data: bytes) -> str | None:
    """What `data`, the first bytes on `transport`, is when it is not HTTP: STUN, TLS or QUIC."""
    if data[6:10] == STUN_COOKIE:  # framed by its length (RFC 4571): ICE over TCP
        data = data[2:]
    if len(data) >= 20 and data[4:8] == STUN_COOKIE:
        kind = int.from_bytes(data[:2], "big")
        method = kind & 0x000F | (kind & 0x00E0) >> 1 | (kind & 0x3E00) >> 2
        return f"({transport}: {STUN_METHODS.get(method, f'stun method {method:#x}')})"
    if data[:1] == b"\x16" and data[1:2] == b"\x03":
        return f"({transport}: tls)"
    if transport == "udp" and len(data) >= 5 and data[0] & 0xC0 == 0xC0 and any(data[1:5]):
        return f"(udp: quic {QUIC_TYPES[data[0] >> 4 & 0x3]})"  # a long header, a version
    return None


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
                    data, _ = self.udp.recvfrom(65536)
                    with self._lock:
                        self.datagrams += 1
                        self.paths[label("udp", data) or "(udp: other)"] += 1
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
            data = connection.recv(2048)
            head = data.split(b"\r\n", 1)[0].decode("latin-1")
            parts = head.split()
            path = parts[1] if len(parts) > 1 else head or "(silent)"
            with self._lock:
                self.paths[label("tcp", data) or path] += 1
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

    def reached(self, what: str, more_than: int = 0, within: float = 20.0) -> bool:
        """Whether `what` (a path or label) reached the canary over `more_than` times, waiting
        for it up to `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            with self._lock:
                if self.paths[what] > more_than:
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.tcp.close()
        self.udp.close()
