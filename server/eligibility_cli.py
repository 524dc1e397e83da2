"""`hanchang eligibility run` and `hanchang report data-needs`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import asyncpg


def add_eligibility_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    eligibility = commands.add_parser("eligibility", help="population eligibility")
    eligibility_commands = eligibility.add_subparsers(dest="eligibility_command", required=True)
    run = eligibility_commands.add_parser(
        "run", help="evaluate every rule for everyone (or --person) and write what changed"
    )
    run.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: today, Korea)")
    run.add_argument("--person", type=int, action="append", help="only this person id")
    report = commands.add_parser("report", help="reports generated from the code")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    needs = report_commands.add_parser(
        "data-needs", help="write docs/data-needs.md from the eligibility rules"
    )
    needs.add_argument("--output", default=None, help="file to write (default: docs/data-needs.md)")


def write_data_needs(output: str | None) -> int:
    from onestop.rules.report import REPORT_PATH, data_needs_markdown

    path = Path(output or REPORT_PATH)
    path.write_text(data_needs_markdown(), encoding="utf-8")
    print(f"wrote {path}")
    return 0


async def run_eligibility_command(
    args: argparse.Namespace, connect: Callable[[], Awaitable[asyncpg.Connection]]
) -> int:
    from onestop.eligibility import evaluate_population
    from onestop.eligibility.explain import korean_today

    conn = await connect()
    try:
        await conn.execute('SET ROLE "hanchang_app"')
        run = await evaluate_population(conn, args.as_of or korean_today(), args.person)
    finally:
        await conn.close()
    print(f"as of {run.as_of}: {run.people:,} people in {run.seconds:.2f} s")
    for programme, written in run.written.items():
        print(f"  {programme:<36} {written:>9,} rows written")
    return 0 if run.people or args.person else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `hanchang eligibility run`")
