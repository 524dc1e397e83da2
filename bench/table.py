"""The one table `make bench` prints: a figure, its baseline from the same run, their ratio."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import msgspec

Unit = Literal["per_s", "ms", "s"]

HEADERS = ("benchmark", "measure", "value", "baseline", "ratio")
# Markdown alignment per column: text left, figures right.
ALIGN = ("left", "left", "right", "left", "right")


class Row(msgspec.Struct, frozen=True, kw_only=True):
    benchmark: str
    measure: str
    unit: Unit
    value: float
    baseline: float | None = None
    # What the baseline is ("bare route", "metrics off", ...), printed next to it.
    baseline_name: str = ""
    # A ratio the benchmark computed itself; otherwise value / baseline.
    reported_ratio: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.reported_ratio is not None:
            return self.reported_ratio
        if self.baseline is None or not math.isfinite(self.baseline) or self.baseline == 0:
            return None
        return self.value / self.baseline


def format_figure(value: float, unit: Unit) -> str:
    if not math.isfinite(value):
        return "—"
    if unit == "per_s":
        return f"{value:,.0f}"
    if unit == "ms":
        return f"{value:.2f}"
    return f"{value:,.2f}" if value < 10 else f"{value:,.1f}"


def _cells(row: Row) -> tuple[str, str, str, str, str]:
    baseline = "—"
    if row.baseline is not None:
        baseline = format_figure(row.baseline, row.unit)
        if row.baseline_name:
            baseline += f" ({row.baseline_name})"
    ratio = row.ratio
    return (
        row.benchmark,
        row.measure,
        format_figure(row.value, row.unit),
        baseline,
        "—" if ratio is None else _ratio(ratio),
    )


def render(rows: Sequence[Row]) -> str:
    """A markdown table, padded so that it also reads well in a terminal."""
    lines = [HEADERS, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]

    def pad(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(width) if align == "right" else cell.ljust(width)
            for cell, width, align in zip(cells, widths, ALIGN, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (width + 1) + ":" if align == "right" else "-" * (width + 2)
            for width, align in zip(widths, ALIGN, strict=True)
        )
        + "|"
    )
    return "\n".join([pad(HEADERS), rule, *(pad(line) for line in lines[1:])])


def _ratio(ratio: float) -> str:
    """Two decimals, or three significant digits when that would print 0.00."""
    return f"{ratio:.2f}" if ratio == 0 or abs(ratio) >= 0.01 else f"{ratio:.3g}"
