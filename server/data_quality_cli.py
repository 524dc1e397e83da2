"""`hanchang data-quality`: the data-quality report as a table for a terminal, or JSON."""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Awaitable, Callable

import asyncpg
import msgspec

from i18n import SUPPORTED_LOCALES
from onestop.data_quality import DataQualityReport, data_quality_report, localized_report


def add_data_quality_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    quality = commands.add_parser(
        "data-quality", help="check the linked data: ranges, missing, stale, disagreeing facts"
    )
    quality.add_argument("--json", action="store_true", help="print JSON instead of a table")
    quality.add_argument(
        "--lang", choices=SUPPORTED_LOCALES, default="ko", help="language of the titles"
    )


def _width(text: str) -> int:
    """Columns on a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_report(report: DataQualityReport, *, as_json: bool) -> str:
    """JSON, or a table: one line per check, then the totals and the time taken."""
    if as_json:
        return msgspec.json.format(msgspec.json.encode(report), indent=2).decode()
    rows = [("check", "severity", "affected", "sample person ids", "title")]
    for figure in report.checks:
        rows.append(
            (
                figure.id,
                figure.severity,
                f"{figure.affected:,} {figure.unit}",
                " ".join(str(person_id) for person_id in figure.sample_person_ids) or "-",
                figure.title,
            )
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "".join(
            cell.rjust(width) + "  " if index == 2 else cell + " " * (width - _width(cell) + 2)
            for index, (cell, width) in enumerate(zip(row, widths, strict=False))
        )
        + row[-1]
        for row in rows
    ]
    lines.append("")
    lines.append(
        f"{report.people:,} people, {report.facts:,} facts, as of {report.as_of.isoformat()}; "
        f"checked in {report.seconds:.2f} s at {report.computed_at.isoformat(timespec='seconds')}"
    )
    return "\n".join(lines)


async def run_data_quality_command(
    args: argparse.Namespace, connect: Callable[[], Awaitable[asyncpg.Connection]]
) -> int:
    conn = await connect()
    try:
        # One snapshot for every check, and nothing written.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute("SET LOCAL statement_timeout = 0")
            report = await data_quality_report(conn)
    finally:
        await conn.close()
    print(format_report(localized_report(report, args.lang), as_json=args.json))
    return 0
