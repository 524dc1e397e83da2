"""Inline SVG bar charts: no script, no font, no file; every chart has a table beside it.

Colours are chosen for contrast on white: text and bars are dark enough for
7:1 (text) and far above 3:1 (graphics); a triangle, not colour alone, marks
a period with downtime.
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

WIDTH = 720
HEIGHT = 240
LEFT = 64
RIGHT = 12
TOP = 24
BOTTOM = 36
TEXT = "#1a1a1a"
GRID = "#767676"
BAR = "#0b3d91"
MARK = "#8a1010"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:g}"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description_id: str,
    values: list[float | None],
    labels: list[str],
    marks: list[bool],
    unit: str,
    label_every: int = 1,
) -> Markup:
    """A bar chart; `labels[i]` names bar i (every `label_every`-th is printed), `marks[i]` adds a triangle.

    `description_id` names the visible paragraph that describes the chart.
    """
    count = max(len(values), 1)
    top = nice_ceiling(max((v for v in values if v is not None), default=0.0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / count
    bar_width = max(slot * 0.7, 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title" '
        f'aria-describedby="{description_id}" class="chart" '
        f'font-family="system-ui, sans-serif" font-size="15">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + plot_height * (1 - fraction)
        dashes = "" if fraction == 0 else ' stroke-dasharray="3 3"'
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"{dashes}/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{escape(_number(top * fraction))}</text>"
        )
    parts.append(
        f'<text x="{LEFT - 6}" y="{TOP - 10}" text-anchor="end" fill="{TEXT}">{escape(unit)}</text>'
    )
    for index, value in enumerate(values):
        x = LEFT + slot * index + (slot - bar_width) / 2
        if value is not None and value > 0:
            height = max(plot_height * value / top, 1.5)
            y = TOP + plot_height - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{height:.1f}" '
                f'fill="{BAR}"/>'
            )
        if index < len(marks) and marks[index]:
            cx = x + bar_width / 2
            parts.append(
                f'<path d="M{cx - 5:.1f} {TOP - 2} L{cx + 5:.1f} {TOP - 2} L{cx:.1f} {TOP + 7}Z" '
                f'fill="{MARK}"/>'
            )
        if index % label_every == 0 and index < len(labels):
            parts.append(
                f'<text x="{x + bar_width / 2:.1f}" y="{HEIGHT - BOTTOM + 18}" '
                f'text-anchor="middle" fill="{TEXT}">{escape(labels[index])}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
