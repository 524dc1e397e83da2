"""`hanchang kiosk ...`: get a one-time enrolment code for a job-centre kiosk, list the
kiosks, retire one (auth/kiosk_devices.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

import asyncpg

from auth import issue_enrolment_code, office_kiosks, retire_kiosk_device
from auth.staff import list_office_codes
from foundation.korea import KOREA
from foundation.problems import InvalidInput
from server.staff_cli import CLI_ACTOR


def add_kiosk_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    kiosk = commands.add_parser(
        "kiosk", help="job-centre kiosks: enrolment codes, listing, retiring"
    )
    kiosk_commands = kiosk.add_subparsers(dest="kiosk_command", required=True)
    code = kiosk_commands.add_parser(
        "code", help="a one-time code (24 hours) to type on a new kiosk's /kiosk/enrol page"
    )
    code.add_argument("--office", required=True, help="office code, e.g. seoul or busan")
    code.add_argument("--location", required=True, help="where the kiosk stands")
    listing = kiosk_commands.add_parser("list", help="list the kiosks (of one office)")
    listing.add_argument("--office", help="office code, e.g. seoul or busan")
    retire = kiosk_commands.add_parser(
        "retire", help="retire a kiosk (refused at once, its sessions end)"
    )
    retire.add_argument("kiosk_id", type=int)


def _wrong(command: str, wrong: InvalidInput) -> int:
    for name, message in wrong.messages("en").items():
        print(f"hanchang kiosk {command}: {name}: {message}", file=sys.stderr)
    return 2


async def _code(conn: asyncpg.Connection, args: argparse.Namespace) -> int:
    try:
        async with conn.transaction():
            issued = await issue_enrolment_code(
                conn,
                office_code=args.office,
                location=args.location,
                actor=CLI_ACTOR,
                channel="cli",
            )
    except InvalidInput as wrong:
        if "office" in wrong.messages("en"):
            offices = ", ".join(await list_office_codes(conn))
            print(
                f"hanchang kiosk code: no office {args.office!r} (offices: {offices})",
                file=sys.stderr,
            )
            return 2
        return _wrong("code", wrong)
    expires = issued.enrolment.expires_at.astimezone(KOREA).strftime("%Y-%m-%d %H:%M KST")
    print(f"enrolment code for a kiosk at {args.office}, {issued.enrolment.location}")
    print(f"type it on the kiosk's /kiosk/enrol page; it works once, until {expires}:")
    print(issued.code)
    return 0


async def _list(conn: asyncpg.Connection, args: argparse.Namespace) -> int:
    for kiosk in await office_kiosks(conn, args.office):
        state = "retired" if kiosk.retired_at is not None else "live"
        key = kiosk.key_algorithm or "shared-key"
        enrolled = kiosk.enrolled_at.astimezone(KOREA).strftime("%Y-%m-%d %H:%M")
        print(
            f"{kiosk.id}\t{kiosk.office_code}\t{kiosk.location}\t{key}\t{enrolled}\t"
            f"{kiosk.enrolled_by or '-'}\t{state}"
        )
    return 0


async def _retire(conn: asyncpg.Connection, args: argparse.Namespace) -> int:
    try:
        async with conn.transaction():
            kiosk = await retire_kiosk_device(conn, args.kiosk_id, actor=CLI_ACTOR, channel="cli")
    except InvalidInput:
        print(f"hanchang kiosk retire: no kiosk {args.kiosk_id}", file=sys.stderr)
        return 1
    print(f"kiosk {kiosk.id} retired")
    return 0


async def run_kiosk_command(
    args: argparse.Namespace, connect: Callable[[], Awaitable[asyncpg.Connection]]
) -> int:
    commands = {"code": _code, "list": _list, "retire": _retire}
    conn = await connect()
    try:
        return await commands[args.kiosk_command](conn, args)
    finally:
        await conn.close()
