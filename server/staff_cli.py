"""`hanchang staff ...`: create staff accounts (with their one-time enrollment link), disable
them, and print the monthly review of their access records (`access-report`).

Until the console has an administrators' page, this is how accounts begin: the
link goes to the new staff member, who opens it and registers a passkey.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

import asyncpg

from assisted_channel.console.pages import enrollment_link
from auth.staff import (
    STAFF_ROLES,
    AccessReport,
    UnknownOffice,
    access_report,
    create_staff,
    disable_staff,
    get_office,
    list_office_codes,
    parse_month,
)
from foundation.settings import Settings

# Who acts from the command line: the operator at the terminal (recorded in the audit log).
CLI_ACTOR = "operator:cli"


def add_staff_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = commands.add_parser("staff", help="staff accounts for the counter console")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    create = staff_commands.add_parser(
        "create", help="create a staff account and print its one-time enrollment link"
    )
    create.add_argument("--name", required=True)
    create.add_argument("--office", required=True, help="office code, e.g. seoul or busan")
    create.add_argument("--role", required=True, choices=STAFF_ROLES)
    disable = staff_commands.add_parser(
        "disable", help="disable a staff account (its sessions end at once)"
    )
    disable.add_argument("staff_id", type=int)
    report = staff_commands.add_parser(
        "access-report",
        help="the month's staff access records, per staff member, with unusual access flagged",
    )
    report.add_argument("--month", required=True, help="YYYY-MM, in Korea time, e.g. 2026-11")
    report.add_argument("--office", help="one office code (default: every office)")


async def run_staff_command(
    args: argparse.Namespace,
    settings: Settings,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
) -> int:
    conn = await connect()
    try:
        if args.staff_command == "access-report":
            return await _access_report(conn, args)
        if args.staff_command == "create":
            try:
                async with conn.transaction():
                    created = await create_staff(
                        conn,
                        name=args.name,
                        office_code=args.office,
                        role=args.role,
                        actor=CLI_ACTOR,
                    )
            except UnknownOffice:
                offices = ", ".join(await list_office_codes(conn))
                print(
                    f"hanchang staff create: no office {args.office!r} (offices: {offices})",
                    file=sys.stderr,
                )
                return 2
            except ValueError as exc:
                print(f"hanchang staff create: {exc}", file=sys.stderr)
                return 2
            print(f"staff {created.staff.id} created ({created.staff.role}, {args.office})")
            print("enrollment link (valid 24 hours, once):")
            print(enrollment_link(settings, created.enrollment_token))
            return 0
        try:
            async with conn.transaction():
                staff = await disable_staff(conn, args.staff_id, actor=CLI_ACTOR)
        except LookupError:
            print(f"hanchang staff disable: no staff {args.staff_id}", file=sys.stderr)
            return 1
        print(f"staff {staff.id} disabled")
        return 0
    finally:
        await conn.close()


def report_lines(report: AccessReport) -> list[str]:
    """One line per staff member, beginning with their id; the flags at the end."""
    where = f"office {report.office}" if report.office else "every office"
    lines = [f"access report {report.month} (Korea time), {where}: {len(report.staff)} staff"]
    for s in report.staff:
        actions = ", ".join(f"{action} {times}" for action, times in s.actions.items())
        flags = " ".join(flag.replace("_", "-") for flag in s.flags) or "none"
        lines.append(
            f"{s.staff_id} {s.name} ({s.role}, {s.office}): {s.people} people, busiest day "
            f"{s.busiest_day_people}, after hours {s.after_hours}, outside the region "
            f"{s.outside_region}, from {', '.join(s.addresses) or '-'}; {actions}; "
            f"flags: {flags}"
        )
    return lines


async def _access_report(conn: asyncpg.Connection, args: argparse.Namespace) -> int:
    try:
        month = parse_month(args.month)
    except ValueError as exc:
        print(f"hanchang staff access-report: --month: {exc}", file=sys.stderr)
        return 2
    if args.office is not None and await get_office(conn, args.office) is None:
        offices = ", ".join(await list_office_codes(conn))
        print(
            f"hanchang staff access-report: no office {args.office!r} (offices: {offices})",
            file=sys.stderr,
        )
        return 2
    async with conn.transaction():
        report = await access_report(
            conn, month=month, office_code=args.office, actor=CLI_ACTOR, channel="cli"
        )
    print("\n".join(report_lines(report)))
    return 0
