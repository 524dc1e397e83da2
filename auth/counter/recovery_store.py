"""Queries for recovery at the counter (migrations/0021_recovery.sql and the
authenticator tables it acts on). One statement per function; none commits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import asyncpg
import msgspec

RecoveryAction = Literal["revoke_all_authenticators", "change_phone_of_record"]
RecoveryStatus = Literal["pending", "approved", "refused"]


class RecoveryRequest(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    account_id: int
    action: RecoveryAction
    reason: str
    new_phone_e164: str | None
    verification_id: int
    office_code: str
    requested_by: int
    requested_at: datetime
    status: RecoveryStatus
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str | None
    # Nobody of the office could be the second person: the region's offices may decide.
    offered_to_region: bool


class AuditTrailEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    occurred_at: datetime
    actor: str
    action: str
    subject: str | None
    office: str | None
    channel: str | None
    reason: str | None
    details: dict[str, Any]


_REQUEST = (
    "id, person_id, account_id, action, reason, new_phone_e164, verification_id, office_code, "
    "requested_by, requested_at, status, decided_by, decided_at, decision_reason, "
    "offered_to_region"
)
# The requests (`r`) a staff member of office $1 may see: their office's, and those
# another office of the same region could not approve itself.
SEEN_FROM_OFFICE = """
    (r.office_code = $1 OR (r.offered_to_region AND r.office_code IN (
        SELECT o.code FROM offices o JOIN offices mine ON mine.region_code = o.region_code
        WHERE mine.code = $1
    )))
"""


def _request(row: asyncpg.Record) -> RecoveryRequest:
    return RecoveryRequest(**dict(row))


# --- Recovery requests ---------------------------------------------------------


async def insert_recovery_request(
    conn: asyncpg.Connection,
    *,
    person_id: int,
    account_id: int,
    action: RecoveryAction,
    reason: str,
    new_phone_e164: str | None,
    verification_id: int,
    office_code: str,
    requested_by: int,
    offered_to_region: bool,
) -> RecoveryRequest:
    row = await conn.fetchrow(
        f"""
        INSERT INTO recovery_requests (person_id, account_id, action, reason, new_phone_e164,
                                       verification_id, office_code, requested_by,
                                       offered_to_region)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        RETURNING {_REQUEST}
        """,
        person_id,
        account_id,
        action,
        reason,
        new_phone_e164,
        verification_id,
        office_code,
        requested_by,
        offered_to_region,
    )
    assert row is not None
    return _request(row)


async def get_recovery_request_for_update(
    conn: asyncpg.Connection, request_id: int
) -> RecoveryRequest | None:
    row = await conn.fetchrow(
        f"SELECT {_REQUEST} FROM recovery_requests WHERE id = $1 FOR UPDATE", request_id
    )
    return _request(row) if row else None


async def list_recovery_requests(
    conn: asyncpg.Connection, office_code: str, status: RecoveryStatus, *, limit: int
) -> list[RecoveryRequest]:
    rows = await conn.fetch(
        f"""
        SELECT {_REQUEST} FROM recovery_requests r
        WHERE {SEEN_FROM_OFFICE} AND status = $2
        ORDER BY requested_at DESC, id DESC
        LIMIT $3
        """,
        office_code,
        status,
        limit,
    )
    return [_request(row) for row in rows]


async def mark_recovery_request_decided(
    conn: asyncpg.Connection,
    request_id: int,
    *,
    status: RecoveryStatus,
    decided_by: int,
    decision_reason: str | None,
) -> RecoveryRequest:
    row = await conn.fetchrow(
        f"""
        UPDATE recovery_requests
        SET status = $2, decided_by = $3, decided_at = now(), decision_reason = $4
        WHERE id = $1 AND status = 'pending'
        RETURNING {_REQUEST}
        """,
        request_id,
        status,
        decided_by,
        decision_reason,
    )
    assert row is not None
    return _request(row)


def is_expired(request: RecoveryRequest, lifetime: timedelta, now: datetime) -> bool:
    return now - request.requested_at > lifetime


# --- Authenticators ------------------------------------------------------------


async def clear_pin(conn: asyncpg.Connection, account_id: int) -> bool:
    """Forget the PIN and the app's wrong PINs; whether there was a PIN."""
    had_pin: bool | None = await conn.fetchval(
        """
        UPDATE accounts a SET pin_hash = NULL, pin_set_at = NULL,
            app_pin_failures = 0, app_pin_locked_at = NULL
        FROM accounts before
        WHERE a.id = $1 AND before.id = a.id
        RETURNING before.pin_hash IS NOT NULL
        """,
        account_id,
    )
    return bool(had_pin)


async def clear_card_pin_locks(conn: asyncpg.Connection, person_id: int) -> int:
    result = await conn.execute(
        "UPDATE access_cards SET pin_failures = 0, locked_at = NULL "
        "WHERE person_id = $1 AND revoked_at IS NULL AND (pin_failures > 0 OR locked_at IS NOT NULL)",
        person_id,
    )
    return int(result.split()[-1])


async def clear_phone_pin_locks(conn: asyncpg.Connection, person_id: int) -> int:
    result = await conn.execute(
        "UPDATE registered_phones SET pin_failures = 0, locked_at = NULL "
        "WHERE person_id = $1 AND removed_at IS NULL "
        "AND (pin_failures > 0 OR locked_at IS NOT NULL)",
        person_id,
    )
    return int(result.split()[-1])


async def delete_passkeys(conn: asyncpg.Connection, account_id: int) -> list[int]:
    rows = await conn.fetch("DELETE FROM passkeys WHERE account_id = $1 RETURNING id", account_id)
    return [row["id"] for row in rows]


async def clear_totp(conn: asyncpg.Connection, account_id: int) -> bool:
    """Turn TOTP off; whether it was on."""
    result = await conn.execute(
        """
        UPDATE accounts SET totp_secret_enc = NULL, totp_pending_secret_enc = NULL,
            totp_confirmed_at = NULL, totp_last_step = NULL
        WHERE id = $1 AND (totp_confirmed_at IS NOT NULL OR totp_pending_secret_enc IS NOT NULL)
        """,
        account_id,
    )
    return result != "UPDATE 0"


async def delete_unused_recovery_codes(conn: asyncpg.Connection, account_id: int) -> int:
    result = await conn.execute(
        "DELETE FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL", account_id
    )
    return int(result.split()[-1])


async def revoke_live_card(conn: asyncpg.Connection, *, person_id: int, card_id: int) -> bool:
    result = await conn.execute(
        "UPDATE access_cards SET revoked_at = now() "
        "WHERE id = $1 AND person_id = $2 AND revoked_at IS NULL",
        card_id,
        person_id,
    )
    return result != "UPDATE 0"


async def remove_live_phones(
    conn: asyncpg.Connection, *, person_id: int, staff_id: int
) -> list[int]:
    rows = await conn.fetch(
        "UPDATE registered_phones SET removed_at = now(), removed_by = $2 "
        "WHERE person_id = $1 AND removed_at IS NULL RETURNING id",
        person_id,
        staff_id,
    )
    return [row["id"] for row in rows]


async def revoke_sessions_by_method(
    conn: asyncpg.Connection, account_id: int, method: str, *, reason: str
) -> int:
    result = await conn.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $3 "
        "WHERE account_id = $1 AND method = $2 AND revoked_at IS NULL",
        account_id,
        method,
        reason,
    )
    return int(result.split()[-1])


async def set_phone_of_record(
    conn: asyncpg.Connection, person_id: int, phone_e164: str
) -> str | None:
    """Set the phone of record; the number it replaces (None when there was none)."""
    row = await conn.fetchrow(
        """
        UPDATE people p SET phone_e164 = $2
        FROM people before
        WHERE p.id = $1 AND before.id = p.id
        RETURNING before.phone_e164
        """,
        person_id,
        phone_e164,
    )
    assert row is not None
    old: str | None = row["phone_e164"]
    return old


# --- The audit trail -----------------------------------------------------------


async def select_audit_trail(
    conn: asyncpg.Connection, subjects: list[str], *, limit: int
) -> list[AuditTrailEntry]:
    rows = await conn.fetch(
        """
        SELECT id, occurred_at, actor, action, subject, office, channel, reason,
               details::text AS details
        FROM audit_log WHERE subject = ANY($1::text[])
        ORDER BY id DESC
        LIMIT $2
        """,
        subjects,
        limit,
    )
    return [
        AuditTrailEntry(**{**dict(row), "details": msgspec.json.decode(row["details"])})
        for row in rows
    ]
