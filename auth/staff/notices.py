"""What staff are told on their console (`staff_notices`, migrations/0025 and 0028): that
a staff account was created in their job centre, and that a person at one of their
kiosks pressed "call staff" (`kiosk_help`).

Staff have no mailbox or phone of ours, and the console is where they work, so a notice
waits on their console home (and `GET /console/api/notices`) until they mark it seen.
A new account is told to the office's other live administrators, so that one
administrator cannot quietly make accounts for themselves; an office with no other
administrator has the region's administrators told instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import asyncpg
import msgspec

from auth.staff.store import StaffMember, StaffRole
from foundation.problems import NOT_FOUND, Problem

NoticeKind = Literal["staff_created", "kiosk_help"]
MAX_NOTICES_SHOWN = 50
# Pressing "call staff" again within this time is the same call: nobody is told twice.
HELP_CALL_REPEAT = timedelta(minutes=2)


class NoticedStaff(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    role: StaffRole


class NoticeAuthor(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str


class NoticedKiosk(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    location: str


class StaffNotice(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: NoticeKind
    created_at: datetime
    # The account the notice is about (staff_created).
    staff: NoticedStaff | None
    # Who created it; None when the operator did, on the command line.
    by: NoticeAuthor | None
    # The kiosk where a person asks for help (kiosk_help).
    kiosk: NoticedKiosk | None = None


async def _live_admins(
    conn: asyncpg.Connection, office_codes: list[str], *, leaving_out: list[int]
) -> list[int]:
    rows = await conn.fetch(
        """
        SELECT id FROM staff
        WHERE office_code = ANY($1::text[]) AND role = 'admin' AND disabled_at IS NULL
          AND id <> ALL($2::bigint[])
        ORDER BY id
        """,
        office_codes,
        leaving_out,
    )
    return [row["id"] for row in rows]


async def tell_admins_of_new_staff(
    conn: asyncpg.Connection, *, created: StaffMember, by_staff_id: int | None, region: list[str]
) -> list[int]:
    """Leave a notice for the office's other administrators (or, when there are none,
    those of `region`, the office's neighbours); the ids of those told."""
    leaving_out = [created.id] + ([by_staff_id] if by_staff_id is not None else [])
    told = await _live_admins(conn, [created.office_code], leaving_out=leaving_out)
    if not told and region:
        told = await _live_admins(conn, region, leaving_out=leaving_out)
    await conn.executemany(
        "INSERT INTO staff_notices (staff_id, kind, about_staff_id, by_staff_id) "
        "VALUES ($1, 'staff_created', $2, $3)",
        [(admin, created.id, by_staff_id) for admin in told],
    )
    return told


async def tell_office_of_help_call(
    conn: asyncpg.Connection, *, kiosk_id: int, office_code: str
) -> list[int]:
    """A person at this kiosk asks for help: a notice for every live staff member of its
    office; the ids of those told (none again when the kiosk called moments ago)."""
    repeated = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM staff_notices WHERE kind = 'kiosk_help' "
        "AND about_kiosk_id = $1 AND created_at > now() - $2::interval AND seen_at IS NULL)",
        kiosk_id,
        HELP_CALL_REPEAT,
    )
    if repeated:
        return []
    rows = await conn.fetch(
        """
        INSERT INTO staff_notices (staff_id, kind, about_kiosk_id)
        SELECT id, 'kiosk_help', $2 FROM staff
        WHERE office_code = $1 AND disabled_at IS NULL
        ORDER BY id
        RETURNING staff_id
        """,
        office_code,
        kiosk_id,
    )
    return [row["staff_id"] for row in rows]


async def unseen_notices(conn: asyncpg.Connection, staff_id: int) -> list[StaffNotice]:
    """The staff member's notices not yet marked seen, newest first."""
    rows = await conn.fetch(
        """
        SELECT n.id, n.kind, n.created_at, a.id AS staff_id, a.name AS staff_name,
               a.role AS staff_role, b.id AS by_id, b.name AS by_name,
               k.id AS kiosk_id, k.location AS kiosk_location
        FROM staff_notices n
        LEFT JOIN staff a ON a.id = n.about_staff_id
        LEFT JOIN staff b ON b.id = n.by_staff_id
        LEFT JOIN kiosks k ON k.id = n.about_kiosk_id
        WHERE n.staff_id = $1 AND n.seen_at IS NULL
        ORDER BY n.id DESC
        LIMIT $2
        """,
        staff_id,
        MAX_NOTICES_SHOWN,
    )
    return [
        StaffNotice(
            id=row["id"],
            kind=row["kind"],
            created_at=row["created_at"],
            staff=NoticedStaff(id=row["staff_id"], name=row["staff_name"], role=row["staff_role"])
            if row["staff_id"]
            else None,
            by=NoticeAuthor(id=row["by_id"], name=row["by_name"]) if row["by_id"] else None,
            kiosk=NoticedKiosk(id=row["kiosk_id"], location=row["kiosk_location"])
            if row["kiosk_id"]
            else None,
        )
        for row in rows
    ]


async def mark_notice_seen(conn: asyncpg.Connection, staff_id: int, notice_id: int) -> bool:
    """Whether the notice is the staff member's (seen now, or already)."""
    found = await conn.fetchval(
        "UPDATE staff_notices SET seen_at = coalesce(seen_at, now()) "
        "WHERE id = $1 AND staff_id = $2 RETURNING id",
        notice_id,
        staff_id,
    )
    return found is not None


async def see_notice(conn: asyncpg.Connection, staff_id: int, notice_id: int) -> None:
    """Mark one of the staff member's notices seen (again changes nothing); someone
    else's or an unknown notice is not found."""
    if not 1 <= notice_id < 2**63 or not await mark_notice_seen(conn, staff_id, notice_id):
        raise Problem(NOT_FOUND)
