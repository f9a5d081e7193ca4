"""Daily8's hosts and URL rules: which page a URL is, and which hosts may be requested."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

#: Hosts that serve Daily8 (production, staging, the Amplify deployment).
HOSTS: frozenset[str] = frozenset(
    {"www.daily8.com", "daily8.com", "test.daily8.com", "main.d358xbzettaslu.amplifyapp.com"}
)
HOME_URL = {"en": "https://www.daily8.com/en", "ar": "https://www.daily8.com/"}

#: ``/en/article/<id>`` (English) and ``/article/<id>`` (Arabic, the default locale).
ARTICLE_PATH = re.compile(r"^/(?:(?P<en>en)/)?article/(?P<id>[0-9a-f]{32})/?$")
HASHTAG_PATH = re.compile(r"^/(?:(?P<en>en)/)?hashtag/(?P<tag>[^/?#]+)/?$")
HOME_PATH = re.compile(r"^/(?:(?P<en>en)/?)?$")


def page_kind(url: str) -> str | None:
    """``article``, ``listing`` or None for a Daily8 URL path."""
    path = urlsplit(url).path or "/"
    if ARTICLE_PATH.match(path):
        return "article"
    return listing_kind(path)


def listing_kind(path: str) -> str | None:
    """``listing`` for a home or hashtag path, else None."""
    if HASHTAG_PATH.match(path) or HOME_PATH.match(path):
        return "listing"
    return None


def article_id(url: str) -> str | None:
    """The 32-hex article id of an article URL on any host, else None."""
    match = ARTICLE_PATH.match(urlsplit(url).path)
    return match["id"] if match else None


def url_locale(url: str) -> str:
    """``en`` for ``/en/...`` paths, else ``ar`` (Daily8's default locale)."""
    path = urlsplit(url).path
    return "en" if path == "/en" or path.startswith("/en/") else "ar"


# Scheme and netloc as urlsplit reads them, for URLs it reads without stripping or removing
# characters first (no leading spaces or controls, no tab or newline anywhere).
_SCHEME_NETLOC = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)")
_UNSAFE = re.compile(r"[\t\r\n]")
_CACHE_SIZE = 4096


class HostPolicy:
    """Allow Daily8's hosts over http(s), plus extra ``host`` or ``host:port`` entries."""

    def __init__(self, extra: list[str] | tuple[str, ...] = ()) -> None:
        self.hosts = set(HOSTS)
        self._answers: dict[tuple[str, str, str], bool] = {}
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
        return self._remembered(self._listed, url)

    def allows(self, url: str) -> bool:
        """True for http(s) URLs on an allowed host (and port)."""
        return self._remembered(self._allows, url)

    def _remembered(self, question: Callable[[str], bool], url: str) -> bool:
        # Both answers depend on the scheme and netloc alone: remember them for each pair.
        match = _SCHEME_NETLOC.match(url)
        if match is None or _UNSAFE.search(url):
            return question(url)
        key = (question.__name__, match[1].lower(), match[2])
        answer = self._answers.get(key)
        if answer is None:
            if len(self._answers) >= _CACHE_SIZE:
                self._answers.clear()
            answer = self._answers[key] = question(url)
        return answer

    def _listed(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            host, port = (parts.hostname or "").lower(), parts.port
        except ValueError:
            return False
        return (host, port) in self.host_ports or (host in self.extra and host not in HOSTS)

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
