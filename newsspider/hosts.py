"""Which hosts newsspider may request: Daily8's own plus ``ALLOWED_HOSTS``."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newsspider import site

# Scheme and netloc as urlsplit reads them, for URLs it reads without stripping or removing
# characters first (no leading spaces or controls, no tab or newline anywhere).
_SCHEME_NETLOC = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)")
_UNSAFE = re.compile(r"[\t\r\n]")
_CACHE_SIZE = 4096


class HostPolicy:
    """Allow Daily8's hosts over http(s), plus extra ``host`` or ``host:port`` entries."""

    def __init__(self, extra: list[str] | tuple[str, ...] = ()) -> None:
        self.hosts = set(site.HOSTS)
        self._decisions: dict[tuple[str, str], bool] = {}
        self.extra: set[str] = set()
        self.host_ports: set[tuple[str, int | None]] = set()
        for entry in extra:
            entry = entry.strip().lower()
            if not entry:
                continue
            host, sep, port = entry.rpartition(":")
            if sep and port.isdigit():
                self.host_ports.add((host.strip("[]"), int(port)))
            else:
                self.hosts.add(entry.strip("[]"))
                self.extra.add(entry.strip("[]"))

    @classmethod
    def from_setting(cls, value: object) -> HostPolicy:
        """Build from the ``ALLOWED_HOSTS`` setting (a list or a comma-separated string)."""
        if isinstance(value, str):
            return cls(value.split(","))
        if isinstance(value, list | tuple):
            return cls([str(v) for v in value])
        return cls()

    def listed(self, url: str) -> bool:
        """True when the URL's host (and port) is listed in ``ALLOWED_HOSTS`` itself."""
        try:
            parts = urlsplit(url)
            host, port = (parts.hostname or "").lower(), parts.port
        except ValueError:
            return False
        return (host, port) in self.host_ports or (host in self.extra and host not in site.HOSTS)

    def allows(self, url: str) -> bool:
        """True for http(s) URLs on an allowed host (and port)."""
        # The answer depends on the scheme and netloc alone: remember it for each pair.
        match = _SCHEME_NETLOC.match(url)
        if match is None or _UNSAFE.search(url):
            return self._allows(url)
        key = (match[1].lower(), match[2])
        decision = self._decisions.get(key)
        if decision is None:
            if len(self._decisions) >= _CACHE_SIZE:
                self._decisions.clear()
            decision = self._decisions[key] = self._allows(url)
        return decision

    def _allows(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host = parts.hostname.lower()
        if port is None:
            return host in self.hosts
        if (host, port) in self.host_ports:
            return True
        default = 443 if parts.scheme == "https" else 80
        return port == default and host in self.hosts
