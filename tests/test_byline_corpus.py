"""Table test over tests/data/bylines/corpus.jsonl: real bylines, tails, sign-offs, captions
and negatives, each with its source URL. Floors: each field right on >= 0.90 of the positives
that label it, and nothing found in any negative."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from newsspider.text.bylines import parse_byline
from newsspider.text.credits import parse_credit

CORPUS = Path(__file__).parent / "data" / "bylines" / "corpus.jsonl"
FLOOR = 0.90
KINDS = {"byline", "tail", "signoff", "caption", "negative"}
MAX_PER_SOURCE = 15  # positives from any one source page, so no page dominates the rates
ARABIC = re.compile(r"[\u0600-\u06ff]")


def _load() -> list[dict[str, Any]]:
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


ENTRIES = _load()


def _fields(entry: dict[str, Any]) -> dict[str, object]:
    """What the code reads from the entry's text, under the corpus's field names."""
    if entry["kind"] == "caption":
        credit = parse_credit(entry["text"])
        return {
            "credit.photographer": credit.photographer,
            "credit.agencies": credit.agencies,
            "credit.via": credit.via,
        }
    byline = parse_byline(entry["text"])
    return {
        "authors": byline.authors,
        "agencies": byline.agencies,
        "contributors": {str(k): v for k, v in byline.roles.items()},
    }


def _expected(entry: dict[str, Any]) -> dict[str, object]:
    if entry["kind"] == "caption":
        credit = entry["credit"]
        return {f"credit.{k}": credit[k] for k in ("photographer", "agencies", "via")}
    return {k: entry[k] for k in ("authors", "agencies", "contributors")}


def test_corpus_shape() -> None:
    kinds = Counter(e["kind"] for e in ENTRIES)
    assert set(kinds) <= KINDS
    assert len(ENTRIES) >= 500
    assert kinds["negative"] >= 100
    assert all(e["text"] and e["source_url"] for e in ENTRIES)
    assert len({e["text"] for e in ENTRIES}) == len(ENTRIES), "duplicate strings"
    per_source = Counter(e["source_url"] for e in ENTRIES if e["kind"] != "negative")
    crowded = {url: n for url, n in per_source.items() if n > MAX_PER_SOURCE}
    assert not crowded, f"more than {MAX_PER_SOURCE} positives from one source: {crowded}"
    arabic = [e for e in ENTRIES if e["kind"] != "negative" and ARABIC.search(e["text"])]
    assert {e["kind"] for e in arabic} >= {"byline", "tail", "signoff", "caption"}


def test_positive_rates(capsys: pytest.CaptureFixture[str]) -> None:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: list[str] = []
    for entry in ENTRIES:
        if entry["kind"] == "negative":
            continue
        got = _fields(entry)
        for name, want in _expected(entry).items():
            total[name] += 1
            if got[name] == want:
                right[name] += 1
            else:
                misses.append(f"{name}: {entry['text'][:90]!r} got {got[name]!r} want {want!r}")
    rates = {name: right[name] / total[name] for name in total}
    with capsys.disabled():
        print("\nbyline corpus, positives:", sum(e["kind"] != "negative" for e in ENTRIES))
        for name in sorted(rates):
            print(f"  {name:22} {right[name]:4}/{total[name]:<4} {rates[name]:.3f}")
    low = {name: rate for name, rate in rates.items() if rate < FLOOR}
    assert not low, "\n".join(misses)


def test_negatives_give_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    negatives = [e for e in ENTRIES if e["kind"] == "negative"]
    fired = []
    for entry in negatives:
        byline = parse_byline(entry["text"])
        credit = parse_credit(entry["text"])
        if byline.authors or byline.agencies or byline.roles:
            fired.append(f"byline: {entry['text']!r} -> {byline!r}")
        if credit.photographer or credit.agencies or credit.via:
            fired.append(f"credit: {entry['text']!r} -> {credit!r}")
    with capsys.disabled():
        print(
            f"\nbyline corpus, negatives left empty: {len(negatives) - len(fired)}/{len(negatives)}"
        )
    assert not fired, "\n".join(fired)
