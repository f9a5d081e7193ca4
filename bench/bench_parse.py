"""CPU time per page: newsspider's extraction against the lxml floor and trafilatura.

Run by hand from the project folder::

    python bench/bench_parse.py [--pages 1000] [--seed 1] [--runs 5] [--profile]

The pages are those of the crawl benchmark: ``bench/sitegen.py``'s synthetic site
(``--pages`` articles of the same seed, plus its hashtag and home listings), rendered in
memory as the HTTP responses the fixtures hold (body, ``Content-Type``, ``Date``).
On every article page, in one process, interleaved, each timed with
``time.process_time()`` over a full pass (median of ``--runs`` passes, min and max):

- ``newsspider``: what a crawl runs per article (and `newsspider.crawl.replay.FixtureParser`
  per fixture): a web-poet ``HttpResponse`` of the body, ``ArticlePage.to_item()``, then
  every stateless item pipeline of ``ITEM_PIPELINES`` (the seen-store is stateful and off);
- ``lxml floor``: ``lxml.html.fromstring(body)`` alone; no extractor can parse less;
- ``trafilatura``: ``trafilatura.extract(body, url=url)`` (defaults), what users would
  pick instead.

Listing pages (``ListingPage.to_item()``) are timed against the floor too. ``--profile``
prints cProfile's top functions of the newsspider pass; ``--stages`` times each stage of it
per page (parse, reading the page, structured data, web-poet's ``to_item``, each pipeline)
in one pass with the floor interleaved, so every stage pays the same cold caches a crawl
does. ``--libraries`` also times the same extraction on parsel's own tree
(``response.selector``) instead of `newsspider.site.html.parse_html`.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import platform
import pstats
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "fixtures" / "model"))

import lxml  # noqa: E402
import lxml.html  # noqa: E402
import scrapy  # noqa: E402
from render import render  # noqa: E402
from sitegen import CAPTURED, generate  # noqa: E402
from web_poet import HttpResponse  # noqa: E402

from newsspider.crawl.replay import FixtureParser, build_crawler  # noqa: E402
from newsspider.site.pages import ArticlePage, ListingPage  # noqa: E402

HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Date", format_datetime(CAPTURED, usegmt=True)),
]

Page = tuple[str, bytes]  # (url, body)


def run_sync(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never suspends (web-poet's ``to_item``), without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("to_item() suspended: run it in an event loop instead")


def site_pages(pages: int, seed: int) -> tuple[list[Page], list[Page]]:
    """(articles, listings) of the synthetic site, as (url, body) pairs."""
    articles, listings = [], []
    for spec in generate(pages, seed):
        page = (spec["url"], render(spec).encode())
        (listings if spec["kind"] == "listing" else articles).append(page)
    return articles, listings


def newsspider_article(pipelines: list[Any]) -> Callable[[Page], Any]:
    def extract(page: Page) -> Any:
        url, body = page
        response = HttpResponse(url, body, status=200, headers=HEADERS)
        page = ArticlePage(response, fetch_time=CAPTURED)
        item = run_sync(page.to_item())
        page.disagreements  # noqa: B018 - the spider counts them: structured data read too
        for pipeline in pipelines:
            item = pipeline.process_item(item)
        return item

    return extract


def _parsel_tree(self: Any) -> Any:
    """`newsspider.site.pages._Page._parse` with parsel's own tree (``response.selector``)."""
    from newsspider.site import pages

    selector = self.response.selector
    root = selector.root if selector.type == "html" else pages.empty_root()
    return pages._Parsed(root, self.response.body)


@contextmanager
def libraries(name: str) -> Iterator[None]:
    """For rows named ``... parsel tree ...``: the page objects build parsel's tree instead of
    `newsspider.site.html.parse_html` (what the reimplementation buys)."""
    if "parsel tree" not in name:
        yield
        return
    from newsspider.site import pages

    original = pages._Page._parse
    pages._Page._parse = _parsel_tree  # type: ignore[method-assign]
    try:
        yield
    finally:
        pages._Page._parse = original  # type: ignore[method-assign]


def newsspider_listing(page: Page) -> Any:
    url, body = page
    return run_sync(ListingPage(HttpResponse(url, body, status=200, headers=HEADERS)).to_item())


def lxml_floor(page: Page) -> Any:
    return lxml.html.fromstring(page[1])


def trafilatura_extract(page: Page) -> Any:
    import trafilatura

    return trafilatura.extract(page[1], url=page[0])


def stage_times(pipelines: list[Any], articles: list[Page], runs: int) -> None:
    """Wall time per article of each stage of the newsspider pass (median of `runs`)."""
    clock = time.perf_counter
    per_run: list[dict[str, float]] = []
    for _ in range(runs):
        spent: dict[str, float] = {}

        def add(stage: str, seconds: float, spent: dict[str, float] = spent) -> None:
            spent[stage] = spent.get(stage, 0.0) + seconds

        gc.collect()
        for url, body in articles:
            start = clock()
            lxml.html.fromstring(body)
            add("lxml floor", clock() - start)
            start = clock()
            page = ArticlePage(HttpResponse(url, body, status=200, headers=HEADERS), CAPTURED)
            page._parsed  # noqa: B018 - decode and parse
            add("decode + parse", clock() - start)
            start = clock()
            page._parts  # noqa: B018 - every part of the page, in one pass
            add("read the page (read_article)", clock() - start)
            start = clock()
            page.disagreements  # noqa: B018 - structured data, cross-checked
            add("structured data + cross-check", clock() - start)
            start = clock()
            item = run_sync(page.to_item())
            add("to_item (web-poet fields)", clock() - start)
            for pipeline in pipelines:
                start = clock()
                item = pipeline.process_item(item)
                add(type(pipeline).__name__, clock() - start)
        per_run.append({stage: seconds / len(articles) for stage, seconds in spent.items()})
    floor = statistics.median(run["lxml floor"] for run in per_run)
    print(f"stages, µs per article (median of {runs} passes; x = the floor measured alongside):")
    total = 0.0
    for stage in per_run[0]:
        value = statistics.median(run[stage] for run in per_run)
        if stage != "lxml floor":
            total += value
        print(f"  {stage:32s} {value * 1e6:7.1f}  {value / floor:5.2f}x")
    print(f"  {'newsspider total':32s} {total * 1e6:7.1f}  {total / floor:5.2f}x")


def cpu_pass(function: Callable[[Page], Any], pages: list[Page]) -> float:
    """CPU seconds per page of one pass of `function` over `pages`."""
    gc.collect()
    start = time.process_time()
    for page in pages:
        function(page)
    return (time.process_time() - start) / len(pages)


def check_same_as_fixture_parser(pipelines: list[Any], articles: list[Page]) -> None:
    """The timed function yields what `FixtureParser.output` yields (sanity check)."""
    from itemadapter import ItemAdapter

    class InMemoryFixture:  # what FixtureParser.output reads of a fixture
        page_object = "ArticlePage"
        captured_at = CAPTURED

        def __init__(self, url: str, body: bytes) -> None:
            self.url, self.body = url, body

        def response(self) -> HttpResponse:
            return HttpResponse(self.url, self.body, status=200, headers=HEADERS)

    extract = newsspider_article(pipelines)
    parser = FixtureParser(build_crawler({"SEEN_DB": "off"}))
    for url, body in articles[:50]:
        expected = parser.output(InMemoryFixture(url, body))  # type: ignore[arg-type]
        if ItemAdapter(extract((url, body))).asdict() != expected:
            raise SystemExit(f"bench_parse: the timed extraction differs from FixtureParser: {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="articles in the site")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-trafilatura", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the newsspider pass")
    parser.add_argument("--stages", action="store_true", help="time each stage per article")
    parser.add_argument(
        "--libraries", action="store_true", help="also time newsspider with parsel's tree"
    )
    args = parser.parse_args()

    articles, listings = site_pages(args.pages, args.seed)
    crawler = build_crawler({"SEEN_DB": "off"})
    pipelines = FixtureParser(crawler).pipelines
    check_same_as_fixture_parser(pipelines, articles)
    ours = newsspider_article(pipelines)
    methods: dict[str, tuple[Callable[[Page], Any], list[Page]]] = {
        "lxml floor (articles)": (lxml_floor, articles),
        "newsspider (articles)": (ours, articles),
        "lxml floor (listings)": (lxml_floor, listings),
        "newsspider (listings)": (newsspider_listing, listings),
    }
    if not args.no_trafilatura:
        methods["trafilatura (articles)"] = (trafilatura_extract, articles)
    if args.libraries:
        methods["newsspider, parsel tree (articles)"] = (ours, articles)
        methods["newsspider, parsel tree (listings)"] = (newsspider_listing, listings)
    for name, (function, pages) in methods.items():  # warm up: imports, caches, XPath
        with libraries(name):
            for page in pages[:20]:
                function(page)

    if args.stages:
        stage_times(pipelines, articles, args.runs)

    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for page in articles:
            ours(page)
        profile.disable()
        print(f"cProfile of the newsspider pass over {len(articles)} articles:")
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)

    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(args.runs):
        for name, (function, pages) in methods.items():
            with libraries(name):
                times[name].append(cpu_pass(function, pages))

    def row(name: str, ratio_to: str) -> str:
        values = times[name]
        median = statistics.median(values)
        ratio = median / statistics.median(times[ratio_to])
        return (
            f"| {name} | {median * 1e6:,.0f} | {min(values) * 1e6:,.0f} "
            f"| {max(values) * 1e6:,.0f} | {ratio:.2f}x |"
        )

    print()
    print("command: python " + shlex.join(sys.argv))
    print(
        f"machine: {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, Scrapy {scrapy.__version__}, lxml {lxml.__version__}"
    )
    print(
        f"pages: {len(articles)} articles, {len(listings)} listings "
        f"(bench/sitegen.py --pages {args.pages} --seed {args.seed}); "
        f"{sum(len(b) for _, b in articles) / len(articles) / 1024:.1f} KiB per article; "
        f"CPU time per page, median of {args.runs} passes"
    )
    print()
    print("| extraction | median µs/page | min | max | vs lxml floor |")
    print("|---|---:|---:|---:|---:|")
    print(row("lxml floor (articles)", "lxml floor (articles)"))
    print(row("newsspider (articles)", "lxml floor (articles)"))
    if "trafilatura (articles)" in times:
        print(row("trafilatura (articles)", "lxml floor (articles)"))
    print(row("lxml floor (listings)", "lxml floor (listings)"))
    print(row("newsspider (listings)", "lxml floor (listings)"))
    for name in ("newsspider, parsel tree (articles)", "newsspider, parsel tree (listings)"):
        if name in times:
            print(row(name, name.replace("newsspider, parsel tree", "lxml floor")))
    print()
    ours_median = statistics.median(times["newsspider (articles)"])
    floor_median = statistics.median(times["lxml floor (articles)"])
    print(f"goal: newsspider <= 3x the lxml floor: {ours_median / floor_median:.2f}x", end=" ")
    print("(met)" if ours_median <= 3 * floor_median else "(NOT met)")
    if "trafilatura (articles)" in times:
        speedup = statistics.median(times["trafilatura (articles)"]) / ours_median
        print(f"goal: >= 3x faster than trafilatura: {speedup:.2f}x", end=" ")
        print("(met)" if speedup >= 3 else "(NOT met)")


if __name__ == "__main__":
    main()
