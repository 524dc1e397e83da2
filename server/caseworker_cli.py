"""`hanchang caseworker ...`: list applications and move them through review.

A stand-in for the staff console: it calls the same core function
(`onestop.applications.move_application`), so the allowed transitions, the
event row and the audit row are the same whichever side moves an application.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

import asyncpg

from foundation.problems import Problem
from i18n import translate
from onestop.applications import STATUSES, list_applications_by_status, move_application

MAX_NAME = 64


def add_caseworker_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    caseworker = commands.add_parser("caseworker", help="review applications (caseworker side)")
    caseworker_commands = caseworker.add_subparsers(dest="caseworker_command", required=True)
    listing = caseworker_commands.add_parser("list", help="list applications, oldest first")
    listing.add_argument("--status", choices=STATUSES, help="only applications in this status")
    listing.add_argument("--limit", type=int, default=200)
    move = caseworker_commands.add_parser("move", help="move an application to a new status")
    move.add_argument("application_id", type=int)
    move.add_argument("status", choices=STATUSES)
    move.add_argument("--reason", help="why (required to reject; shown to the applicant)")
    move.add_argument("--caseworker", required=True, help="your staff id, recorded as the actor")


async def run_caseworker_command(
    args: argparse.Namespace, connect: Callable[[], Awaitable[asyncpg.Connection]]
) -> int:
    conn = await connect()
    try:
        if args.caseworker_command == "list":
            for a in await list_applications_by_status(conn, args.status, limit=args.limit):
                print(
                    f"{a.id}\t{a.status}\t{a.programme_id}\t{a.eligibility_status}"
                    f"\t{a.criteria}\tperson {a.person_id}\t{a.submitted_at.isoformat()}"
                )
            return 0
        name = args.caseworker.strip()
        if not 1 <= len(name) <= MAX_NAME or not name.isprintable():
            print(
                f"hanchang caseworker move: --caseworker must be 1 to {MAX_NAME} characters",
                file=sys.stderr,
            )
            return 2
        try:
            async with conn.transaction():
                moved = await move_application(
                    conn,
                    args.application_id,
                    args.status,
                    actor=f"staff:{name}",
                    channel="cli",
                    reason=args.reason,
                )
        except Problem as problem:
            detail = translate("en", problem.kind.detail, **problem.params)
            print(f"hanchang caseworker move: {problem.kind.slug}: {detail}", file=sys.stderr)
            return 1
        print(f"application {moved.id} is now {moved.status}")
        return 0
    finally:
        await conn.close()
