"""Fixtures in web-poet's ``savefixture`` layout, used by replay, the recorder and tests.

``fixtures/<PageObject>/test-N/`` holds ``inputs/HttpResponse-body.html``,
``inputs/HttpResponse-info.json`` (url, status, headers), ``meta.json``
(``frozen_time``: the capture time, UTC) and ``output.json`` (the feed item the
page yields after the normalizing pipelines; ``null`` when it yields none).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from w3lib.url import canonicalize_url
from web_poet import HttpResponse

from newsspider.site.items import iso, parse_iso

BODY_FILE = "inputs/HttpResponse-body.html"
INFO_FILE = "inputs/HttpResponse-info.json"
META_FILE = "meta.json"
OUTPUT_FILE = "output.json"


@dataclass(frozen=True, slots=True)
class Fixture:
    """One saved page: its response, capture time and expected output."""

    path: Path

    @property
    def page_object(self) -> str:
        return self.path.parent.name

    @property
    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = json.loads((self.path / INFO_FILE).read_text("utf-8"))
        return info

    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def captured_at(self) -> datetime:
        meta = json.loads((self.path / META_FILE).read_text("utf-8"))
        return parse_iso(meta["frozen_time"])

    def response(self) -> HttpResponse:
        info = self.info
        return HttpResponse(
            url=info["url"],
            body=(self.path / BODY_FILE).read_bytes(),
            status=info["status"],
            headers=info["headers"],
            encoding=info.get("_encoding"),
        )

    def expected_output(self) -> Any:
        return json.loads((self.path / OUTPUT_FILE).read_text("utf-8"))

    def write_output(self, output: Any) -> None:
        (self.path / OUTPUT_FILE).write_text(dumps(output), "utf-8")

    @classmethod
    def save(
        cls,
        base: Path,
        page_object: str,
        response: HttpResponse,
        captured_at: datetime,
        number: int | None = None,
    ) -> Fixture:
        """Write a response as fixture ``test-<number>`` of `page_object` under `base`
        (default: the first free number); an existing fixture is never overwritten."""
        folder = base.resolve() / page_object
        if number is None:
            number = 1
            while (folder / f"test-{number}").exists():
                number += 1
        fixture = cls(folder / f"test-{number}")
        (fixture.path / "inputs").mkdir(parents=True)
        (fixture.path / BODY_FILE).write_bytes(bytes(response.body))
        info = {
            "url": str(response.url),
            "status": response.status,
            "headers": list(response.headers.items()),
            "_encoding": response.encoding,
            "type": "HttpResponse",
        }
        (fixture.path / INFO_FILE).write_text(dumps(info), "utf-8")
        (fixture.path / META_FILE).write_text(dumps({"frozen_time": iso(captured_at)}), "utf-8")
        return fixture


def dumps(data: Any) -> str:
    """JSON as fixtures store it: sorted keys, 2-space indent, text not escapes."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def iter_fixtures(base: Path) -> Iterator[Fixture]:
    """Every fixture under `base`, in a stable order."""
    for info in sorted(base.glob("*/test-*/" + INFO_FILE)):
        yield Fixture(info.parent.parent)


def index_by_url(base: Path) -> dict[str, Fixture]:
    """Map each fixture's canonical URL to the fixture."""
    return {canonicalize_url(fixture.url): fixture for fixture in iter_fixtures(base)}
