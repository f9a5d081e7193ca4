"""Structured data of an article page: JSON-LD, OpenGraph / ``article:`` meta, Next.js data.

A small reader of its own (no extruct: its RDFa and microdata parsers cost more than the
whole page parser, and JSON-LD and meta tags are a few lines with the tree at hand). Each
reader returns what it found as `Facts`; `read_structured` merges them, first source first.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

#: Provenance names, in the order a field is taken from them.
JSON_LD = "json-ld"
NEXT_DATA = "next-data"
OPENGRAPH = "opengraph"
DOM = "dom"

# Inline scripts (JSON-LD, Next.js data, flight payload) and meta tags; which is which is
# told in Python (an XPath string test on every script's text costs more).
_SOURCES = etree.XPath("//script[not(@src)] | //meta[@content]", smart_strings=False, regexp=False)
_ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"}
)
# ``self.__next_f.push([1, "..."])``: the app router's flight payload, in string chunks.
_FLIGHT_PUSH = re.compile(r"self\.__next_f\.push\((\[.*?\])\)\s*(?:;|$)", re.S)
_FLIGHT_ROW = re.compile(r"^[0-9a-zA-Z]+:(?=[\[{])", re.M)
_MAX_DEPTH = 12


@dataclass(slots=True)
class Facts:
    """Fields one kind of structured data gives (None: not given)."""

    title: str | None = None
    source: str | None = None
    body: list[str] | None = None
    published: str | None = None


@dataclass(slots=True)
class Structured:
    """The merged structured data of a page, with where each field came from."""

    title: str | None = None
    source: str | None = None
    body: list[str] | None = None
    published: str | None = None
    origin: dict[str, str] = field(default_factory=dict)


def read_structured(root: etree._Element, article_id: str | None) -> Structured:
    """Structured data of the page under `root`: JSON-LD first, then Next.js data, then meta."""
    ld: list[Any] = []
    next_data: Any = None
    flight: list[str] = []
    meta: dict[str, str] = {}
    nodes = _SOURCES(root)
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, etree._Element):
            continue
        if node.tag == "meta":
            key = (node.get("property") or node.get("name") or "").strip().lower()
            meta.setdefault(key, node.get("content", ""))
            continue
        text = node.text or ""
        if node.get("type") == "application/ld+json":
            ld.append(_loads(text))
        elif node.get("id") == "__NEXT_DATA__":
            next_data = _loads(text)
        elif "__next_f" in text:
            flight.extend(_flight_chunks(text))
    found = [
        (JSON_LD, _from_json_ld(ld)),
        (NEXT_DATA, _from_next(next_data, flight, article_id)),
        (OPENGRAPH, _from_meta(meta)),
    ]
    merged = Structured()
    for name, facts in found:
        for key in ("title", "source", "body", "published"):
            value = getattr(facts, key)
            if value and getattr(merged, key) is None:
                setattr(merged, key, value)
                merged.origin[key] = name
    return merged


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("name")
    if not isinstance(value, str):
        return None
    return " ".join(html.unescape(value).split()) or None


def _walk(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every JSON object in `value`, outermost first."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child, depth + 1)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, depth + 1)


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _from_json_ld(documents: list[Any]) -> Facts:
    for node in (n for document in documents for n in _walk(document)):
        if _types(node).isdisjoint(_ARTICLE_TYPES):
            continue
        body = node.get("articleBody")
        paragraphs = (
            [p for p in (" ".join(line.split()) for line in html.unescape(body).splitlines()) if p]
            if isinstance(body, str)
            else None
        )
        # An aggregator's own name as publisher is not the article's source.
        source = _text(node.get("sourceOrganization")) or _text(node.get("provider"))
        return Facts(
            title=_text(node.get("headline")) or _text(node.get("name")),
            source=source,
            body=paragraphs or None,
            published=_text(node.get("datePublished")),
        )
    return Facts()


def _from_meta(meta: dict[str, str]) -> Facts:
    title = _text(meta.get("og:title"))
    site = _text(meta.get("og:site_name"))
    if title and site:
        for separator in (" | ", " - ", " – ", " — "):
            if title.endswith(separator + site):
                title = title[: -len(separator + site)].rstrip()
    return Facts(title=title, published=_text(meta.get("article:published_time")))


def _flight_chunks(script: str) -> Iterator[str]:
    for match in _FLIGHT_PUSH.finditer(script):
        pushed = _loads(match[1])
        if isinstance(pushed, list) and len(pushed) >= 2 and isinstance(pushed[1], str):
            yield pushed[1]


def _flight_values(chunks: list[str]) -> Iterator[Any]:
    """The JSON rows (``1:{...}``, ``2:["$", ...]``) of a flight payload."""
    payload = "".join(chunks)
    starts = [m.end() for m in _FLIGHT_ROW.finditer(payload)]
    for start in starts:
        end = payload.find("\n", start)
        value = _loads(payload[start : end if end >= 0 else None])
        if value is not None:
            yield value


def _from_next(next_data: Any, flight: list[str], article_id: str | None) -> Facts:
    values: list[Any] = []
    if isinstance(next_data, dict):
        props = next_data.get("props")
        values.append(props.get("pageProps") if isinstance(props, dict) else None)
    if flight:
        values.extend(_flight_values(flight))
    for value in values:
        article = _article_object(value, article_id)
        if article is not None:
            body = article.get("body")
            paragraphs = (
                [" ".join(p.split()) for p in body if isinstance(p, str) and p.strip()]
                if isinstance(body, list)
                else None
            )
            return Facts(
                title=_text(article.get("title")),
                source=_text(article.get("source")),
                body=paragraphs or None,
                published=_text(article.get("publishedAt") or article.get("date")),
            )
    return Facts()


def _article_object(value: Any, article_id: str | None) -> dict[str, Any] | None:
    """The article of a Next.js payload: the object under ``article``, or one with the
    page's id and a title."""
    for node in _walk(value):
        candidate = node.get("article")
        if (
            isinstance(candidate, dict)
            and "title" in candidate
            and (article_id is None or candidate.get("id") in (None, article_id))
        ):
            return candidate
        if article_id is not None and node.get("id") == article_id and "title" in node:
            return node
    return None
