"""Rows of the registered-phone tables (0019): registered phones, phone sessions, call-backs."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg
import msgspec


class RegisteredPhone(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    phone_e164: str
    registered_at: datetime
    registered_by: int
    office_code: str
    removed_at: datetime | None
    pin_failures: int
    locked_at: datetime | None


class PhoneCaller(msgspec.Struct, frozen=True, kw_only=True):
    """A live registered phone with the account of the person it belongs to."""

    phone_id: int
    person_id: int
    account_id: int
    birth_date: date


class PhoneCallback(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    session_id: uuid.UUID
    account_id: int
    phone_id: int
    created_at: datetime
    expires_at: datetime
    completed_at: datetime | None


_PHONE = (
    "id, person_id, phone_e164, registered_at, registered_by, office_code, removed_at, "
    "pin_failures, locked_at"
)


async def person_exists(conn: asyncpg.Connection, person_id: int) -> bool:
    found = await conn.fetchval("SELECT 1 FROM people WHERE id = $1", person_id)
    return found is not None


async def insert_registered_phone(
    conn: asyncpg.Connection, *, person_id: int, phone_e164: str, staff_id: int, office_code: str
) -> RegisteredPhone | None:
    """The new row, or None when the person already has this number live."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO registered_phones (person_id, phone_e164, registered_by, office_code)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (person_id, phone_e164) WHERE removed_at IS NULL DO NOTHING
        RETURNING {_PHONE}
        """,
        person_id,
        phone_e164,
        staff_id,
        office_code,
    )
    return RegisteredPhone(**dict(row)) if row else None


async def get_registered_phone(
    conn: asyncpg.Connection, phone_id: int, *, lock: bool = False
) -> RegisteredPhone | None:
    row = await conn.fetchrow(
        f"SELECT {_PHONE} FROM registered_phones WHERE id = $1" + (" FOR UPDATE" if lock else ""),
        phone_id,
    )
    return RegisteredPhone(**dict(row)) if row else None


async def mark_phone_removed(
    conn: asyncpg.Connection, *, person_id: int, phone_id: int, staff_id: int
) -> RegisteredPhone | None:
    row = await conn.fetchrow(
        f"""
        UPDATE registered_phones SET removed_at = now(), removed_by = $3
        WHERE id = $1 AND person_id = $2 AND removed_at IS NULL
        RETURNING {_PHONE}
        """,
        phone_id,
        person_id,
        staff_id,
    )
    return RegisteredPhone(**dict(row)) if row else None


async def clear_phone_lock(
    conn: asyncpg.Connection, phone_id: int, *, person_id: int | None = None
) -> RegisteredPhone | None:
    """None when the phone is unknown, removed, or (given `person_id`) someone else's."""
    row = await conn.fetchrow(
        f"""
        UPDATE registered_phones SET pin_failures = 0, locked_at = NULL
        WHERE id = $1 AND removed_at IS NULL AND ($2::bigint IS NULL OR person_id = $2)
        RETURNING {_PHONE}
        """,
        phone_id,
        person_id,
    )
    return RegisteredPhone(**dict(row)) if row else None


async def list_live_phones(conn: asyncpg.Connection, person_id: int) -> list[RegisteredPhone]:
    """The person's registered phones not removed, oldest first."""
    rows = await conn.fetch(
        f"SELECT {_PHONE} FROM registered_phones WHERE person_id = $1 AND removed_at IS NULL "
        "ORDER BY id",
        person_id,
    )
    return [RegisteredPhone(**dict(row)) for row in rows]


async def find_callers(conn: asyncpg.Connection, phone_e164: str) -> list[PhoneCaller]:
    """Every live registration of this number to a living person with an account."""
    rows = await conn.fetch(
        """
        SELECT r.id AS phone_id, r.person_id, a.id AS account_id, p.birth_date
        FROM registered_phones r
        JOIN people p ON p.id = r.person_id
        JOIN accounts a ON a.person_id = r.person_id
        WHERE r.phone_e164 = $1 AND r.removed_at IS NULL AND p.deceased_on IS NULL
        """,
        phone_e164,
    )
    return [PhoneCaller(**dict(row)) for row in rows]


async def insert_phone_session(
    conn: asyncpg.Connection, session_id: uuid.UUID, phone_id: int
) -> None:
    await conn.execute(
        "INSERT INTO phone_sessions (session_id, phone_id) VALUES ($1, $2)", session_id, phone_id
    )


async def get_session_phone(
    conn: asyncpg.Connection, session_id: uuid.UUID
) -> RegisteredPhone | None:
    row = await conn.fetchrow(
        f"""
        SELECT {", ".join("r." + c for c in _PHONE.split(", "))}
        FROM phone_sessions ps JOIN registered_phones r ON r.id = ps.phone_id
        WHERE ps.session_id = $1
        """,
        session_id,
    )
    return RegisteredPhone(**dict(row)) if row else None


async def get_phone_session(
    conn: asyncpg.Connection, session_id: uuid.UUID
) -> asyncpg.Record | None:
    """A live phone session's row, shaped as `CurrentSession` (auth/sessions.py)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """
        SELECT s.id, s.account_id, a.person_id, s.aal, s.method, s.channel, s.created_at,
               s.authenticated_at, s.last_seen_at AS previous_seen_at, s.expires_at
        FROM phone_sessions ps
        JOIN sessions s ON s.id = ps.session_id
        JOIN accounts a ON a.id = s.account_id
        JOIN people p ON p.id = a.person_id
        JOIN registered_phones r ON r.id = ps.phone_id
        WHERE ps.session_id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
          AND a.hard_locked_at IS NULL AND p.deceased_on IS NULL AND r.removed_at IS NULL
        """,
        session_id,
    )
    return row


async def revoke_phone_sessions(conn: asyncpg.Connection, phone_id: int, *, reason: str) -> int:
    result = await conn.execute(
        """
        UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE revoked_at IS NULL
          AND id IN (SELECT session_id FROM phone_sessions WHERE phone_id = $1)
        """,
        phone_id,
        reason,
    )
    return int(result.split()[-1])


async def insert_callback(
    conn: asyncpg.Connection,
    *,
    callback_id: uuid.UUID,
    call_token_hash: bytes,
    session_id: uuid.UUID,
    phone_id: int,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO phone_callbacks (id, call_token_hash, session_id, phone_id, expires_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        callback_id,
        call_token_hash,
        session_id,
        phone_id,
        expires_at,
    )


async def record_callback_placed(
    conn: asyncpg.Connection, callback_id: uuid.UUID, provider_id: str
) -> None:
    await conn.execute(
        "UPDATE phone_callbacks SET provider_id = $2 WHERE id = $1", callback_id, provider_id
    )


async def get_callback_for_update(
    conn: asyncpg.Connection, callback_id: uuid.UUID, call_token_hash: bytes
) -> PhoneCallback | None:
    row = await conn.fetchrow(
        """
        SELECT c.id, c.session_id, s.account_id, c.phone_id, c.created_at, c.expires_at,
               c.completed_at
        FROM phone_callbacks c JOIN sessions s ON s.id = c.session_id
        WHERE c.id = $1 AND c.call_token_hash = $2
        FOR UPDATE OF c
        """,
        callback_id,
        call_token_hash,
    )
    return PhoneCallback(**dict(row)) if row else None


async def mark_callback_completed(conn: asyncpg.Connection, callback_id: uuid.UUID) -> None:
    await conn.execute("UPDATE phone_callbacks SET completed_at = now() WHERE id = $1", callback_id)


async def raise_session_to_aal2(
    conn: asyncpg.Connection, session_id: uuid.UUID, *, method: str
) -> bool:
    """The same session, now aal 2 proven now; False when it has ended meanwhile."""
    result = await conn.execute(
        """
        UPDATE sessions SET aal = 2, method = $2, authenticated_at = now(), last_seen_at = now()
        WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()
        """,
        session_id,
        method,
    )
    return result != "UPDATE 0"
