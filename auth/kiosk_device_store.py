"""Queries for kiosk devices and their enrolment codes (migrations/0027_kiosk_devices.sql)."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import msgspec


class KioskDevice(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    office_code: str
    location: str
    # SubjectPublicKeyInfo (DER) and `Ed25519` or `ES256`; None for a kiosk of the old
    # shared key, which no longer signs anything.
    public_key: bytes | None
    key_algorithm: str | None
    enrolled_by: str | None
    enrolled_at: datetime
    retired_at: datetime | None


class EnrolmentCode(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    office_code: str
    location: str
    issued_by: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None


_DEVICE = (
    "id, office_code, coalesce(location, name) AS location, public_key, key_algorithm, "
    "enrolled_by, enrolled_at, retired_at"
)
_CODE = "id, office_code, location, issued_by, issued_at, expires_at, used_at"


async def office_exists(conn: asyncpg.Connection, office_code: str) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM offices WHERE code = $1)", office_code
    )
    return found


async def insert_enrolment_code(
    conn: asyncpg.Connection,
    *,
    code_hash: bytes,
    office_code: str,
    location: str,
    issued_by: str,
    lifetime: timedelta,
) -> EnrolmentCode:
    row = await conn.fetchrow(
        f"""
        INSERT INTO kiosk_enrolment_codes (code_hash, office_code, location, issued_by, expires_at)
        VALUES ($1, $2, $3, $4, now() + $5::interval) RETURNING {_CODE}
        """,
        code_hash,
        office_code,
        location,
        issued_by,
        lifetime,
    )
    assert row is not None
    return EnrolmentCode(**dict(row))


async def take_enrolment_code(conn: asyncpg.Connection, code_hash: bytes) -> EnrolmentCode | None:
    """Mark the unused, unexpired code used, and return it; None when there is no such code
    (a second use waits for the first's row lock, then finds it used)."""
    row = await conn.fetchrow(
        f"""
        UPDATE kiosk_enrolment_codes SET used_at = now()
        WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()
        RETURNING {_CODE}
        """,
        code_hash,
    )
    return EnrolmentCode(**dict(row)) if row else None


async def insert_kiosk_device(
    conn: asyncpg.Connection,
    *,
    code: EnrolmentCode,
    public_key: bytes,
    key_algorithm: str,
) -> KioskDevice:
    row = await conn.fetchrow(
        f"""
        INSERT INTO kiosks (office_code, name, location, public_key, key_algorithm,
                            enrolled_by, enrolment_code_id)
        VALUES ($1, $2, $2, $3, $4, $5, $6) RETURNING {_DEVICE}
        """,
        code.office_code,
        code.location,
        public_key,
        key_algorithm,
        code.issued_by,
        code.id,
    )
    assert row is not None
    return KioskDevice(**dict(row))


async def get_kiosk_device(conn: asyncpg.Connection, kiosk_id: int) -> KioskDevice | None:
    row = await conn.fetchrow(f"SELECT {_DEVICE} FROM kiosks WHERE id = $1", kiosk_id)
    return KioskDevice(**dict(row)) if row else None


async def list_kiosk_devices(
    conn: asyncpg.Connection, office_code: str | None = None
) -> list[KioskDevice]:
    rows = await conn.fetch(
        f"SELECT {_DEVICE} FROM kiosks WHERE $1::text IS NULL OR office_code = $1 "
        "ORDER BY office_code, id",
        office_code,
    )
    return [KioskDevice(**dict(row)) for row in rows]


async def mark_kiosk_device_retired(
    conn: asyncpg.Connection, kiosk_id: int, retired_by: str
) -> KioskDevice | None:
    row = await conn.fetchrow(
        f"""
        UPDATE kiosks SET retired_at = coalesce(retired_at, now()),
                          retired_by = coalesce(retired_by, $2)
        WHERE id = $1 RETURNING {_DEVICE}
        """,
        kiosk_id,
        retired_by,
    )
    return KioskDevice(**dict(row)) if row else None


async def revoke_kiosk_sessions(conn: asyncpg.Connection, kiosk_id: int, reason: str) -> int:
    result = await conn.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $2 "
        "WHERE kiosk_id = $1 AND revoked_at IS NULL",
        kiosk_id,
        reason,
    )
    return int(result.split()[-1])


async def office_name(conn: asyncpg.Connection, office_code: str, locale: str) -> str:
    """The office's name in Korean, or in English for any other reader."""
    column = "name_ko" if locale == "ko" else "name_en"
    name: str | None = await conn.fetchval(
        f"SELECT {column} FROM offices WHERE code = $1",
        office_code,
    )
    return name or office_code
