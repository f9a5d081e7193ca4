"""Generate a synthetic Daily8 site of N article pages from the modelled fixtures.

    python bench/sitegen.py OUT --pages 1000 [--format static|fixtures] [--seed 1]

Ids, titles and bodies are new (paragraphs shuffled from the page specs of the same
locale); each article links to three related articles so the graph is connected;
hashtag listings of 20 cards and both home pages link into it. About a quarter of the
articles are Arabic. ``static`` writes a file tree for nginx or a static server
(``/en/article/<id>``, ``/en/index.html``, ``/index.html``, ``/en/hashtag/<tag>``);
``fixtures`` writes replayable fixtures (``fixtures/<PageObject>/test-N``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "fixtures" / "model"))

from render import render  # noqa: E402
from web_poet import HttpResponse  # noqa: E402

from newsspider.crawl.fixtures import Fixture  # noqa: E402

CAPTURED = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
STAMPS = {
    "en": [
        "a few seconds ago",
        "5 minutes ago",
        "an hour ago",
        "6 hours ago",
        "a day ago",
        "3 days ago",
        "12-03-2025",
    ],
    "ar": [
        "منذ 5 دقائق",
        "منذ ساعة واحدة",
        "منذ ساعتين",
        "منذ 3 ساعات",
        "منذ يوم واحد",
        "٠٩-٠٦-٢٠٢٥",
    ],
}
CARDS_PER_LISTING = 20


def load_specs() -> dict[str, list[dict[str, Any]]]:
    specs: dict[str, list[dict[str, Any]]] = {"en": [], "ar": []}
    for path in sorted((ROOT / "fixtures/model/pages").glob("*.json")):
        spec = json.loads(path.read_text("utf-8"))
        if spec["kind"] == "article":
            specs[spec["locale"]].append(spec)
    return specs


def article_path(locale: str, article_id: str) -> str:
    return f"/en/article/{article_id}" if locale == "en" else f"/article/{article_id}"


def generate(pages: int, seed: int) -> Iterator[dict[str, Any]]:
    """Page specs: `pages` articles, hashtag listings and the two home pages."""
    rng = random.Random(seed)
    templates = load_specs()
    paragraphs = {loc: [b for s in specs for b in s["body"]] for loc, specs in templates.items()}
    ids = [hashlib.md5(f"{seed}:{n}".encode()).hexdigest() for n in range(pages)]
    locales = ["ar" if n % 4 == 3 else "en" for n in range(pages)]
    cards: list[dict[str, Any]] = []
    articles: list[dict[str, Any]] = []
    for n, (article_id, locale) in enumerate(zip(ids, locales, strict=True)):
        template = rng.choice(templates[locale])
        body = rng.sample(paragraphs[locale], k=min(len(paragraphs[locale]), rng.randint(4, 12)))
        title = f"{template['title']} #{n}"
        spec = {
            **template,
            "name": f"gen-{n}",
            "url": "https://www.daily8.com" + article_path(locale, article_id),
            "deployment": "ab"[n % 2],
            "captured_at": CAPTURED.isoformat(),
            "title": title,
            "body": body,
            "stamp": rng.choice(STAMPS[locale]) if template["stamp"] else None,
        }
        articles.append(spec)
        cards.append(
            {
                "url": article_path(locale, article_id),
                "title": title,
                "source": template["source"] or "Daily8",
                "stamp": spec["stamp"],
                "category": rng.choice(["Business", "Health", "Politics", None]),
                "text": " ".join(b for b in body if isinstance(b, str))[:600],
            }
        )
    by_locale = {loc: [n for n in range(pages) if locales[n] == loc] for loc in ("en", "ar")}
    position = {n: i for ring in by_locale.values() for i, n in enumerate(ring)}
    for n, spec in enumerate(articles):
        ring = by_locale[spec["locale"]]
        at = position[n]
        # The next article in the ring keeps the graph connected; two more add cross-links.
        linked = [ring[(at + 1) % len(ring)], ring[(at * 7 + 3) % len(ring)], rng.choice(ring)]
        spec["related"] = [cards[m] for m in dict.fromkeys(linked) if m != n]
        yield spec
    tags = []
    for start in range(0, pages, CARDS_PER_LISTING):
        tag = f"Tag{start // CARDS_PER_LISTING}"
        tags.append(f"/en/hashtag/{tag}")
        members = [cards[m] for m in range(start, min(pages, start + CARDS_PER_LISTING))]
        yield {
            "name": tag,
            "kind": "listing",
            "url": f"https://www.daily8.com/en/hashtag/{tag}",
            "deployment": "a",
            "captured_at": CAPTURED.isoformat(),
            "locale": "en",
            "heading": f"Latest news with #{tag}",
            "cards": members,
            "hashtag_links": [],
        }
    for locale, url in (("en", "https://www.daily8.com/en"), ("ar", "https://www.daily8.com/")):
        home_cards = [c for c, loc in zip(cards, locales, strict=True) if loc == locale][:30]
        yield {
            "name": f"home-{locale}",
            "kind": "listing",
            "url": url,
            "deployment": "a",
            "captured_at": CAPTURED.isoformat(),
            "locale": locale,
            "heading": "Latest News",
            "cards": home_cards,
            "hashtag_links": tags if locale == "en" else [],
        }


def write_static(spec: dict[str, Any], out: Path) -> None:
    path = spec["url"].split("daily8.com", 1)[1] or "/"
    target = out / path.lstrip("/")
    if spec["kind"] == "listing" and "/hashtag/" not in path:
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(spec), "utf-8")


_NUMBERS: dict[Path, int] = {}


def write_fixture(spec: dict[str, Any], out: Path) -> None:
    """Write the spec as the next ``test-N`` fixture (numbers counted here: looking for the
    next free one from 1 for every page would be quadratic in the pages)."""
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Date", format_datetime(CAPTURED, usegmt=True)),
    ]
    response = HttpResponse(spec["url"], render(spec).encode(), status=200, headers=headers)
    page_object = "ListingPage" if spec["kind"] == "listing" else "ArticlePage"
    folder = out.resolve() / page_object
    if folder not in _NUMBERS:
        taken = [int(p.name[5:]) for p in folder.glob("test-*") if p.name[5:].isdigit()]
        _NUMBERS[folder] = max(taken, default=0)
    _NUMBERS[folder] += 1
    Fixture.save(out, page_object, response, CAPTURED, number=_NUMBERS[folder])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--format", choices=("static", "fixtures"), default="static")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write = write_static if args.format == "static" else write_fixture
    count = 0
    for spec in generate(args.pages, args.seed):
        write(spec, args.out)
        count += 1
    print(f"{count} pages ({args.pages} articles) in {args.out}")


if __name__ == "__main__":
    main()
