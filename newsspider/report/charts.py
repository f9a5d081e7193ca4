"""The report's charts: matplotlib figures as inline SVG (text left as text for the browser)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from newsspider.report.figures import Bin

BAR_COLOR = "#3b6ea8"
WINDOW_COLOR = "#c0504d"
MAX_BARS = 25  # more rows than this are summed into one "other" bar


def _style() -> AbstractContextManager[None]:
    """The report's matplotlib settings, for one figure."""
    return matplotlib.rc_context(
        {
            # Text as <text>: the browser shapes it (Arabic names), and the page stays small.
            "svg.fonttype": "none",
            # Element ids from a fixed salt: the same feed gives the same page.
            "svg.hashsalt": "newsspider-report",
            "font.size": 9,
            "date.converter": "concise",
        }
    )


def _svg(figure: Figure) -> str:
    """The figure as an ``<svg>`` element without XML prolog, doctype or metadata."""
    buffer = io.StringIO()
    with _style(), warnings.catch_warnings():
        # The browser draws the text (svg.fonttype "none"), with its own fonts: a glyph
        # matplotlib's font lacks (CJK names) is no problem.
        warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
        # A bare Figure never selects a GUI backend: savefig renders with the SVG canvas.
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    start, end = text.find("<metadata>"), text.find("</metadata>")
    if start != -1 and end != -1:
        text = text[:start] + text[end + len("</metadata>") :]
    return text


def bar_chart(rows: Sequence[tuple[str, float]], xlabel: str, *, limit: float | None = None) -> str:
    shown = list(rows[:MAX_BARS])
    if len(rows) > MAX_BARS:
        rest = rows[MAX_BARS:]
        shown.append((f"other ({len(rest)})", sum(value for _, value in rest)))
    with _style():
        figure = Figure(figsize=(7.5, 0.8 + 0.28 * max(len(shown), 1)), layout="constrained")
        axes = figure.add_subplot()
        labels = [label for label, _ in shown]
        values = [value for _, value in shown]
        bars = axes.barh(range(len(shown)), values, color=BAR_COLOR)
        axes.bar_label(bars, fmt="%g" if limit is None else "%.1f%%", padding=2)
        axes.set_yticks(range(len(shown)), labels)
        axes.invert_yaxis()
        axes.set_xlabel(xlabel)
        if limit is None:
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0, limit if limit is not None else max(values, default=1) * 1.12 or 1)
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure)


def time_chart(bins: Sequence[Bin], width: str) -> str:
    """Articles per publication-time bin; whiskers span the counts the error windows allow."""
    with _style():
        figure = Figure(figsize=(7.5, 3.2), layout="constrained")
        axes = figure.add_subplot()
        starts = np.array([b.start.replace(tzinfo=None) for b in bins], dtype="datetime64[s]")
        step = np.timedelta64(bins[0].end - bins[0].start, "s")
        counts = [b.count for b in bins]
        axes.bar(starts, counts, width=step, align="edge", color=BAR_COLOR, label="best estimate")
        axes.errorbar(
            starts + step / 2,
            counts,
            yerr=[
                [c - b.low for c, b in zip(counts, bins, strict=True)],
                [b.high - c for c, b in zip(counts, bins, strict=True)],
            ],
            fmt="none",
            ecolor=WINDOW_COLOR,
            capsize=2,
            label="range the error windows allow",
        )
        axes.set_ylabel(f"articles per {width} (UTC)")
        axes.set_ylim(bottom=0)
        axes.legend(loc="upper left", frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure)
