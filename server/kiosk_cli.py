"""`hanchang kiosk ...`: enroll a job-centre kiosk (its key is printed once), retire one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

import asyncpg

from auth import UnknownOffice, enroll_kiosk, retire_kiosk
from auth.staff import list_office_codes
from server.staff_cli import CLI_ACTOR


def add_kiosk_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kiosk = commands.add_parser("kiosk", help="kiosks where access cards sign in")
    kiosk_commands = kiosk.add_subparsers(dest="kiosk_command", required=True)
    enroll = kiosk_commands.add_parser(
        "enroll", help="enroll a kiosk and print its key (shown once)"
    )
    enroll.add_argument("--office", required=True, help="office code, e.g. seoul or busan")
    enroll.add_argument("--name", required=True)
    retire = kiosk_commands.add_parser("retire", help="retire a kiosk (its key stops at once)")
    retire.add_argument("kiosk_id", type=int)


async def run_kiosk_command(
    args: argparse.Namespace, connect: Callable[[], Awaitable[asyncpg.Connection]]
) -> int:
    conn = await connect()
    try:
        if args.kiosk_command == "enroll":
            try:
                async with conn.transaction():
                    enrolled = await enroll_kiosk(
                        conn, office_code=args.office, name=args.name, actor=CLI_ACTOR
                    )
            except UnknownOffice:
                offices = ", ".join(await list_office_codes(conn))
                print(
                    f"hanchang kiosk enroll: no office {args.office!r} (offices: {offices})",
                    file=sys.stderr,
                )
                return 2
            except ValueError as exc:
                print(f"hanchang kiosk enroll: {exc}", file=sys.stderr)
                return 2
            print(f"kiosk {enrolled.kiosk.id} enrolled ({args.office})")
            print("kiosk key (shown once; install it on the kiosk as X-Kiosk-Key):")
            print(enrolled.key)
            return 0
        try:
            async with conn.transaction():
                kiosk = await retire_kiosk(conn, args.kiosk_id, actor=CLI_ACTOR)
        except LookupError:
            print(f"hanchang kiosk retire: no kiosk {args.kiosk_id}", file=sys.stderr)
            return 1
        print(f"kiosk {kiosk.id} retired")
        return 0
    finally:
        await conn.close()
