"""The report page: one self-contained HTML document (inline CSS and SVG, no scripts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from html import escape

from newsspider.report.charts import bar_chart, time_chart
from newsspider.report.figures import (
    NO_LOCALE,
    NO_SOURCE,
    Feeds,
    counts_by,
    coverage,
    histogram,
    share,
    window_widths,
    windows,
    with_prefix,
)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222;
       padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem;
       border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8rem 0; }
th, td { padding: 0.2rem 0.8rem; border-bottom: 1px solid #eee; text-align: left; }
td.count, td.share { text-align: right; font-variant-numeric: tabular-nums; }
figure.chart { margin: 0.8rem 0; } figure.chart svg { max-width: 100%; height: auto; }
p.none { color: #777; font-style: italic; }
"""
LONG_TABLE = 12  # rows beyond which a table starts folded (its chart shows the top rows)
NO_STATS = "no stats file given (run the crawl with -s STATS_FILE=PATH, then --stats PATH)"


def _table(
    key: str, rows: Sequence[tuple[str, int]], total: int | None, headings: Sequence[str]
) -> str:
    """Rows of label, count (and share of `total`); ``data-key`` carries the label."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = []
    for label, count in rows:
        cells = f'<th dir="auto">{escape(label)}</th><td class="count">{count}</td>'
        if total is not None:
            cells += f'<td class="share">{share(count, total)}</td>'
        body.append(f'<tr data-key="{escape(label)}">{cells}</tr>')
    rows_html = "".join(body)
    table = f'<table id="{key}"><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>'
    if len(rows) > LONG_TABLE:
        return f"<details><summary>all {len(rows)} rows</summary>{table}</details>"
    return table


def _chart(svg: str, caption: str) -> str:
    return f'<figure class="chart">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


def _none(text: str) -> str:
    return f'<p class="none">{escape(text)}</p>'


def _duration(span: timedelta) -> str:
    seconds = span.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _counts_section(key: str, title: str, rows: list[tuple[str, int]], total: int) -> str:
    if not rows:
        return f'<section id="{key}"><h2>{title}</h2>{_none("no articles")}</section>'
    chart = _chart(bar_chart(rows, "articles"), f"{title} ({total} articles)")
    table = _table(f"{key}-table", rows, total, ("", "articles", "share"))
    return f'<section id="{key}"><h2>{title}</h2>{chart}{table}</section>'


def _times_section(feeds: Feeds) -> str:
    found = windows(feeds.articles)
    parts = ['<section id="times"><h2>Publication times</h2>']
    unread = len(feeds.articles) - len(found)
    if not found:
        parts.append(_none("no article has a readable stamp"))
    else:
        width, bins = histogram(found)
        parts.append(
            _chart(
                time_chart(bins, width),
                "Bars: articles by published_at. Whiskers: from the articles whose whole window "
                "(published_earliest..published_latest) lies in the bin to those whose window "
                "touches it.",
            )
        )
        rows = "".join(
            f'<tr data-key="{escape(unit)}"><th>{escape(unit)}</th><td class="count">{n}</td>'
            f'<td class="share">{_duration(median)}</td><td class="share">{_duration(widest)}</td>'
            "</tr>"
            for unit, n, median, widest in window_widths(found)
        )
        parts.append(
            '<table id="windows-table"><thead><tr><th>stamp unit</th><th>articles</th>'
            f"<th>median window</th><th>widest window</th></tr></thead><tbody>{rows}</tbody>"
            "</table>"
        )
    parts.append(f'<p id="unread-stamps">articles without a readable stamp: {unread}</p>')
    return "".join(parts) + "</section>"


def _coverage_section(feeds: Feeds) -> str:
    total = len(feeds.articles)
    title = "<h2>Field coverage</h2>"
    if not total:
        return f'<section id="coverage">{title}{_none("no articles")}</section>'
    rows = coverage(feeds.articles)
    percent = [(label, round(100 * n / total, 1)) for label, n in rows]
    chart = _chart(
        bar_chart(percent, "% of articles", limit=110), "share of articles with each field"
    )
    table = _table("coverage-table", rows, total, ("field", "articles", "share"))
    return f'<section id="coverage">{title}{chart}{table}</section>'


def _stats_sections(stats: Mapping[str, float] | None) -> str:
    sections = {
        "drops": "Drops by reason",
        "render": "Rendered pages",
        "failures": "Failures per host",
    }
    if stats is None:
        return "".join(
            f'<section id="{key}"><h2>{title}</h2>{_none(NO_STATS)}</section>'
            for key, title in sections.items()
        )
    drops = with_prefix(stats, "newsspider/dropped/")
    drop_html = (
        _chart(bar_chart(drops, "items dropped"), "dropped items by reason")
        + _table("drops-table", drops, None, ("reason", "dropped"))
        if drops
        else _none("nothing was dropped")
    )
    fetched = int(stats.get("newsspider/pages/fetched", 0))
    rendered = int(stats.get("newsspider/render/pages", 0))
    render_rows = [
        ("pages parsed", fetched),
        ("rendered in the browser", rendered),
        ("client-rendered shells found", int(stats.get("newsspider/render/shells", 0))),
        ("renders failed", int(stats.get("newsspider/render/failures", 0))),
        ("renders still empty", int(stats.get("newsspider/render/empty", 0))),
    ]
    render_html = (
        f'<p id="render-share">render share: {share(rendered, fetched)} of pages parsed</p>'
        + _table("render-table", render_rows, None, ("", "pages"))
    )
    hosts = with_prefix(stats, "newsspider/pages/failed_host/")
    reasons = with_prefix(stats, "newsspider/pages/failed/")
    failed = int(stats.get("newsspider/pages/failed", 0))
    failure_html = f'<p id="failed-total">pages failed: {failed} of {fetched + failed}</p>'
    if hosts:
        failure_html += _chart(bar_chart(hosts, "pages failed"), "failed pages per host")
        failure_html += _table("failures-host-table", hosts, None, ("host", "failed"))
    elif failed:
        failure_html += _none("these stats count no failures per host (an older crawl)")
    if reasons:
        failure_html += _table("failures-reason-table", reasons, None, ("reason", "failed"))
    bodies = {"drops": drop_html, "render": render_html, "failures": failure_html}
    return "".join(
        f'<section id="{key}"><h2>{title}</h2>{bodies[key]}</section>'
        for key, title in sections.items()
    )


def _overview(feeds: Feeds, stats_paths: Sequence[str]) -> str:
    files = "".join(
        f"<li><code>{escape(path)}</code>: {lines} lines</li>" for path, lines in feeds.files
    )
    stats_files = "".join(f"<li><code>{escape(path)}</code></li>" for path in stats_paths)
    rows = [
        ("articles", len(feeds.articles)),
        ("lines read", feeds.lines),
        ("repeated ids (the last line counts)", feeds.repeated),
        ("bad lines (skipped)", feeds.bad_count),
    ]
    html = (
        f'<section id="overview"><h2>Overview</h2><p>Feeds:</p><ul>{files}</ul>'
        + (f"<p>Stats files:</p><ul>{stats_files}</ul>" if stats_paths else "")
        + _table("overview-table", rows, None, ("", ""))
    )
    if feeds.bad_count:
        listed = "".join(
            f"<li><code>{escape(bad.path)}:{bad.line}</code>: {escape(bad.reason)}</li>"
            for bad in feeds.bad
        )
        more = feeds.bad_count - len(feeds.bad)
        html += f'<div id="bad-lines"><p>Bad lines:</p><ul>{listed}</ul>'
        html += f"<p>... and {more} more</p></div>" if more else "</div>"
    return html + "</section>"


def render_page(
    feeds: Feeds, stats: Mapping[str, float] | None, stats_paths: Sequence[str] = ()
) -> str:
    """The whole report as one HTML document."""
    total = len(feeds.articles)
    body = [
        "<h1>newsspider run report</h1>",
        _overview(feeds, stats_paths),
        _counts_section(
            "sources", "Articles per source", counts_by(feeds.articles, "source", NO_SOURCE), total
        ),
        _counts_section(
            "locales", "Articles per locale", counts_by(feeds.articles, "locale", NO_LOCALE), total
        ),
        _times_section(feeds),
        _coverage_section(feeds),
        _stats_sections(stats),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>newsspider run report</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
