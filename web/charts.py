"""Charts drawn on the server as SVG: no script, no assets from the internet, readable on a phone.

A bar chart of one figure over a few dozen reports (the regions of a province, or the years
of one issuer). Each bar has its label above it, so long Chinese names need no rotated
text, and the value at its end; a bar may link to its report. The SVG scales with the page
(``viewBox``); its numbers are also in the table the page prints under it, and its title
and description say what it shows for screen readers.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 420  # viewBox units; the page scales the chart to its column
ROW = 34  # one bar: its label line and the bar under it
BAR = 12
LABEL_CHARS = 26  # a label longer than this is cut (its full text is the bar's tooltip)
VALUE_ROOM = 70  # room right of the longest bar for its value


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | int
    href: str | None = None
    note: str | None = None  # e.g. 统计表不平衡: the bar is drawn as flagged and the note is its tooltip


def _number(value: float | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def bar_chart(bars: list[Bar], title: str, description: str = "", chart_id: str = "chart",
              width: int = WIDTH) -> Markup:
    """A horizontal bar chart as inline SVG markup (an empty chart says so); ``width`` in viewBox
    units: a narrower chart draws the same text bigger on a small screen."""
    height = max(1, len(bars)) * ROW + 10
    low = min([0.0] + [float(b.value) for b in bars])
    high = max([0.0] + [float(b.value) for b in bars])
    span = (high - low) or 1.0
    room = width - VALUE_ROOM
    cut = LABEL_CHARS * width // WIDTH
    zero = (0.0 - low) / span * room
    parts = [f'<svg class="bar-chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="figure" '
             f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-desc">{escape(description or title)}</desc>']
    if not bars:
        parts.append(f'<text x="0" y="20" class="chart-empty">没有可显示的数据</text>')
    for index, bar in enumerate(bars):
        top = index * ROW
        label = bar.label if len(bar.label) <= cut else bar.label[: cut - 1] + "…"
        value = float(bar.value)
        start = zero + min(0.0, value) / span * room
        length = max(abs(value) / span * room, 1.5 if value else 0.0)
        classes = "chart-bar" + (" flagged" if bar.note else "") + (" negative" if value < 0 else "")
        tooltip = escape(bar.label + (f"({bar.note})" if bar.note else "") + f":{_number(bar.value)}")
        item = [f'<g class="bar-row"><title>{tooltip}</title>',
                f'<rect class="bar-hit" x="0" y="{top}" width="{width}" height="{ROW}" fill="transparent"/>',
                f'<text class="bar-label" x="0" y="{top + 13}">{escape(label)}{" ⚠" if bar.note else ""}</text>',
                f'<rect class="{classes}" x="{start:.1f}" y="{top + 18}" width="{length:.1f}" height="{BAR}" rx="2"/>',
                f'<text class="bar-value" x="{start + length + 4:.1f}" y="{top + 28}">{_number(bar.value)}</text></g>']
        if bar.href:
            item = [f'<a href="{escape(bar.href)}">', *item, "</a>"]
        parts.extend(item)
    if low < 0:
        parts.append(f'<line class="zero" x1="{zero:.1f}" x2="{zero:.1f}" y1="14" y2="{height}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
