"""`hanchang status ...`: operators list incidents and add the public notes shown on /status."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from foundation.audit import record_audit
from service_status.incidents import UnknownIncident, add_incident_note, list_incidents

MAX_NOTE = 2000


def add_status_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = commands.add_parser("status", help="public status page: incidents and their notes")
    status_commands = status.add_subparsers(dest="status_command", required=True)
    listing = status_commands.add_parser("incidents", help="list incidents of the last N days")
    listing.add_argument("--days", type=int, default=30)
    note = status_commands.add_parser("note", help="add a public note to an incident")
    note.add_argument(
        "incident", type=int, help="incident number (see `hanchang status incidents`)"
    )
    note.add_argument("--ko", required=True, help="the note in Korean (shown to everyone)")
    note.add_argument("--en", help="the note in English (Korean is shown when missing)")


def _checked(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if not 1 <= len(text) <= MAX_NOTE:
        raise ValueError(f"{option} must be 1 to {MAX_NOTE} characters")
    return text


async def run_status_command(
    args: argparse.Namespace, connect: Callable[[], Awaitable[asyncpg.Connection]]
) -> int:
    conn = await connect()
    try:
        if args.status_command == "incidents":
            since = datetime.now(UTC) - timedelta(days=args.days)
            for incident in await list_incidents(conn, since):
                ended = incident.ended_at.isoformat() if incident.ended_at else "ongoing"
                print(
                    f"{incident.id}\t{incident.menu}\t{incident.started_at.isoformat()}\t{ended}"
                    f"\t{len(incident.notes)} note(s)"
                )
            return 0
        try:
            text_ko = _checked(args.ko, "--ko")
            text_en = _checked(args.en, "--en")
        except ValueError as exc:
            print(f"hanchang status note: {exc}", file=sys.stderr)
            return 2
        assert text_ko is not None
        async with conn.transaction():
            try:
                note = await add_incident_note(
                    conn, args.incident, text_ko=text_ko, text_en=text_en
                )
            except UnknownIncident:
                print(f"hanchang status note: no incident {args.incident}", file=sys.stderr)
                return 1
            await record_audit(
                conn,
                actor="system",
                action="status.incident_note",
                subject=f"incident:{args.incident}",
                channel="cli",
                details={"note_id": note.id},
            )
        print(
            f"note {note.id} added to incident {args.incident}; it shows on /status within a minute"
        )
        return 0
    finally:
        await conn.close()
