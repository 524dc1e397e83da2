"""Call-backs people ask their job centre's staff for (on the phone line): queued for the
office in the window the person chose, listed on the office's console, marked done by
the member of staff who called."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from foundation.audit import record_audit
from onestop.offices.hours import CallbackWindow, Office


class StaffCallbackRequest(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    office_code: str
    person_id: int
    person_name: str
    phone_e164: str
    window_starts_at: datetime
    window_ends_at: datetime
    requested_at: datetime
    done_at: datetime | None
    done_by: int | None


_COLUMNS = """r.id, r.office_code, r.person_id, p.name AS person_name, r.phone_e164,
    r.window_starts_at, r.window_ends_at, r.requested_at, r.done_at, r.done_by"""


async def request_staff_callback(
    conn: asyncpg.Connection,
    *,
    office: Office,
    person_id: int,
    phone_e164: str,
    window: CallbackWindow,
    channel: str,
) -> tuple[int, bool]:
    """Queue a call-back for the office; (its id, whether it is new). A second request for
    the same window answers the first."""
    new_id = await conn.fetchval(
        """
        INSERT INTO staff_callback_requests
            (office_code, person_id, phone_e164, window_starts_at, window_ends_at, channel)
        SELECT $1, $2, $3, $4, $5, $6
        WHERE NOT EXISTS (
            SELECT 1 FROM staff_callback_requests
            WHERE person_id = $2 AND done_at IS NULL
              AND window_ends_at = $5
        )
        ON CONFLICT DO NOTHING
        RETURNING id
        """,
        office.code,
        person_id,
        phone_e164,
        window.starts_at,
        window.ends_at,
        channel,
    )
    if new_id is None:
        existing: int = await conn.fetchval(
            "SELECT id FROM staff_callback_requests WHERE person_id = $1 AND done_at IS NULL "
            "AND window_ends_at = $2",
            person_id,
            window.ends_at,
        )
        return existing, False
    await record_audit(
        conn,
        actor=f"person:{person_id}",
        action="office.staff_callback.requested",
        subject=f"person:{person_id}",
        channel=channel,
        details={"office": office.code, "request": new_id, "window": window.part},
    )
    return int(new_id), True


async def office_staff_callbacks(
    conn: asyncpg.Connection, office_code: str, *, include_done: bool = False
) -> list[StaffCallbackRequest]:
    """The office's call-backs, soonest window first (open ones only, unless asked)."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM staff_callback_requests r JOIN people p ON p.id = r.person_id
        WHERE r.office_code = $1 AND ($2 OR r.done_at IS NULL)
        ORDER BY r.done_at IS NOT NULL, r.window_starts_at, r.id
        LIMIT 200
        """,
        office_code,
        include_done,
    )
    return [StaffCallbackRequest(**dict(row)) for row in rows]


async def mark_staff_callback_done(
    conn: asyncpg.Connection, *, request_id: int, office_code: str, staff_id: int
) -> bool:
    """Mark one of the office's open call-backs done; False when there is no such open one."""
    person_id = await conn.fetchval(
        """
        UPDATE staff_callback_requests SET done_at = now(), done_by = $3
        WHERE id = $1 AND office_code = $2 AND done_at IS NULL
        RETURNING person_id
        """,
        request_id,
        office_code,
        staff_id,
    )
    if person_id is None:
        return False
    await record_audit(
        conn,
        actor=f"staff:{staff_id}",
        action="office.staff_callback.done",
        subject=f"person:{person_id}",
        channel="counter",
        details={"request": request_id},
    )
    return True
