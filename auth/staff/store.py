"""Rows of the staff tables (0016): offices, staff, their passkeys and enrollment links;
and the staff realm of the WebAuthn ceremony (`STAFF_PASSKEYS`, auth/webauthn_ceremony.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import asyncpg
import msgspec

from auth.webauthn_ceremony import NewCredential, Realm

# Staff user handles are HMACs under a context of their own, so a staff member's and a
# citizen's passkeys never share a handle even when one device holds both.
STAFF_HANDLE_CONTEXT = b"webauthn-staff-handle:"

StaffRole = Literal["clerk", "supervisor", "admin"]
STAFF_ROLES: tuple[StaffRole, ...] = ("clerk", "supervisor", "admin")


class Office(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name_ko: str
    name_en: str
    # The region it serves: a 시도 code, as people.region_code ('11' Seoul, '26' Busan).
    region_code: str

    def name(self, locale: str) -> str:
        return self.name_ko if locale == "ko" else self.name_en


class StaffMember(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    office_code: str
    role: StaffRole
    created_at: datetime
    disabled_at: datetime | None


class StaffPasskey(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    staff_id: int
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: list[str]
    backed_up: bool

    @property
    def owner_id(self) -> int:
        return self.staff_id


_STAFF = "id, name, office_code, role, created_at, disabled_at"
_PASSKEY = "id, staff_id, credential_id, public_key, sign_count, transports, backed_up"


def _staff(row: asyncpg.Record) -> StaffMember:
    return StaffMember(**dict(row))


def _passkey(row: asyncpg.Record) -> StaffPasskey:
    values = dict(row)
    values["credential_id"] = bytes(values["credential_id"])
    values["public_key"] = bytes(values["public_key"])
    return StaffPasskey(**values)


async def get_office(conn: asyncpg.Connection, code: str) -> Office | None:
    row = await conn.fetchrow(
        "SELECT code, name_ko, name_en, region_code FROM offices WHERE code = $1", code
    )
    return Office(**dict(row)) if row else None


async def list_region_neighbours(conn: asyncpg.Connection, code: str) -> list[str]:
    """The other offices that serve the same region as `code`."""
    rows = await conn.fetch(
        """
        SELECT o.code FROM offices o JOIN offices mine ON mine.region_code = o.region_code
        WHERE mine.code = $1 AND o.code <> $1
        ORDER BY o.code
        """,
        code,
    )
    return [row["code"] for row in rows]


async def insert_role_grant(
    conn: asyncpg.Connection, *, staff_id: int, role: StaffRole, granted_by: int | None
) -> None:
    await conn.execute(
        "INSERT INTO staff_role_grants (staff_id, role, granted_by) VALUES ($1, $2, $3)",
        staff_id,
        role,
        granted_by,
    )


async def list_office_codes(conn: asyncpg.Connection) -> list[str]:
    return [row["code"] for row in await conn.fetch("SELECT code FROM offices ORDER BY code")]


async def insert_staff(
    conn: asyncpg.Connection, *, name: str, office_code: str, role: StaffRole
) -> StaffMember:
    row = await conn.fetchrow(
        f"INSERT INTO staff (name, office_code, role) VALUES ($1, $2, $3) RETURNING {_STAFF}",
        name,
        office_code,
        role,
    )
    assert row is not None
    return _staff(row)


async def get_staff(
    conn: asyncpg.Connection, staff_id: int, *, lock: bool = False
) -> StaffMember | None:
    row = await conn.fetchrow(
        f"SELECT {_STAFF} FROM staff WHERE id = $1" + (" FOR UPDATE" if lock else ""), staff_id
    )
    return _staff(row) if row else None


async def mark_staff_disabled(conn: asyncpg.Connection, staff_id: int) -> StaffMember | None:
    row = await conn.fetchrow(
        f"UPDATE staff SET disabled_at = coalesce(disabled_at, now()) WHERE id = $1 "
        f"RETURNING {_STAFF}",
        staff_id,
    )
    return _staff(row) if row else None


async def insert_enrollment(
    conn: asyncpg.Connection, *, staff_id: int, token_hash: bytes, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO staff_enrollments (token_hash, staff_id, expires_at) VALUES ($1, $2, $3)",
        token_hash,
        staff_id,
        expires_at,
    )


async def get_open_enrollment(
    conn: asyncpg.Connection, token_hash: bytes, *, lock: bool = False
) -> int | None:
    """The staff id of an unused, unexpired link whose staff member is not disabled."""
    staff_id: int | None = await conn.fetchval(
        """
        SELECT e.staff_id FROM staff_enrollments e JOIN staff s ON s.id = e.staff_id
        WHERE e.token_hash = $1 AND e.used_at IS NULL AND e.expires_at > now()
          AND s.disabled_at IS NULL
        """
        + (" FOR UPDATE OF e" if lock else ""),
        token_hash,
    )
    return staff_id


async def mark_enrollment_used(conn: asyncpg.Connection, token_hash: bytes) -> None:
    await conn.execute(
        "UPDATE staff_enrollments SET used_at = now() WHERE token_hash = $1", token_hash
    )


async def list_staff_passkeys(conn: asyncpg.Connection, staff_id: int) -> list[StaffPasskey]:
    rows = await conn.fetch(
        f"SELECT {_PASSKEY} FROM staff_passkeys WHERE staff_id = $1 ORDER BY id", staff_id
    )
    return [_passkey(row) for row in rows]


async def get_staff_passkey_by_credential_id(
    conn: asyncpg.Connection, credential_id: bytes, *, lock: bool = False
) -> StaffPasskey | None:
    row = await conn.fetchrow(
        f"SELECT {_PASSKEY} FROM staff_passkeys WHERE credential_id = $1"
        + (" FOR UPDATE" if lock else ""),
        credential_id,
    )
    return _passkey(row) if row else None


async def insert_staff_passkey(
    conn: asyncpg.Connection,
    *,
    staff_id: int,
    credential_id: bytes,
    public_key: bytes,
    sign_count: int,
    transports: list[str],
    aaguid: str | None,
    device_type: str,
    backed_up: bool,
) -> StaffPasskey | None:
    """The new passkey, or None when this credential is already registered."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO staff_passkeys (staff_id, credential_id, public_key, sign_count, transports,
                                    aaguid, device_type, backed_up)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (credential_id) DO NOTHING
        RETURNING {_PASSKEY}
        """,
        staff_id,
        credential_id,
        public_key,
        sign_count,
        transports,
        aaguid,
        device_type,
        backed_up,
    )
    return _passkey(row) if row else None


async def insert_new_staff_passkey(
    conn: asyncpg.Connection, staff_id: int, new: NewCredential, name: str | None
) -> StaffPasskey | None:
    """A passkey whose registration the ceremony verified (staff passkeys have no name)."""
    return await insert_staff_passkey(
        conn,
        staff_id=staff_id,
        credential_id=new.credential_id,
        public_key=new.public_key,
        sign_count=new.sign_count,
        transports=new.transports,
        aaguid=new.aaguid,
        device_type=new.device_type,
        backed_up=new.backed_up,
    )


async def record_staff_passkey_use(
    conn: asyncpg.Connection, passkey_id: int, sign_count: int, backed_up: bool
) -> None:
    await conn.execute(
        "UPDATE staff_passkeys SET sign_count = $2, backed_up = $3, last_used_at = now() "
        "WHERE id = $1",
        passkey_id,
        sign_count,
        backed_up,
    )


async def record_staff_sign_count_regression(conn: asyncpg.Connection, passkey_id: int) -> None:
    await conn.execute(
        "UPDATE staff_passkeys SET sign_count_regressions = sign_count_regressions + 1 "
        "WHERE id = $1",
        passkey_id,
    )


async def revoke_all_staff_sessions(conn: asyncpg.Connection, staff_id: int, *, reason: str) -> int:
    ended: int = await conn.fetchval(
        """
        WITH ended AS (
            UPDATE staff_sessions SET revoked_at = now(), revoked_reason = $2
            WHERE staff_id = $1 AND revoked_at IS NULL RETURNING 1
        )
        SELECT count(*) FROM ended
        """,
        staff_id,
        reason,
    )
    return ended


STAFF_PASSKEYS = Realm[StaffPasskey](
    name="staff",
    owner_noun="staff member",
    registration="staff-registration",
    authentication="staff-authentication",
    challenge_owner="staff_id",
    handle_context=STAFF_HANDLE_CONTEXT,
    list_credentials=list_staff_passkeys,
    find_credential=get_staff_passkey_by_credential_id,
    insert_credential=insert_new_staff_passkey,
    record_use=record_staff_passkey_use,
    record_sign_count_regression=record_staff_sign_count_regression,
)
