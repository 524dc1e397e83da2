"""Queries for kiosks and access cards (migrations/0018_access_cards.sql)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec


class Kiosk(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    office_code: str
    name: str
    enrolled_at: datetime
    retired_at: datetime | None


class AccessCard(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    issued_at: datetime
    issued_by: int
    office_code: str
    revoked_at: datetime | None
    pin_failures: int
    locked_at: datetime | None


_KIOSK = "id, office_code, name, enrolled_at, retired_at"
_CARD = "id, person_id, issued_at, issued_by, office_code, revoked_at, pin_failures, locked_at"


async def insert_kiosk(
    conn: asyncpg.Connection, *, office_code: str, name: str, key_hash: bytes
) -> Kiosk:
    row = await conn.fetchrow(
        f"INSERT INTO kiosks (office_code, name, key_hash) VALUES ($1, $2, $3) RETURNING {_KIOSK}",
        office_code,
        name,
        key_hash,
    )
    assert row is not None
    return Kiosk(**dict(row))


async def get_live_kiosk_by_key(conn: asyncpg.Connection, key_hash: bytes) -> Kiosk | None:
    row = await conn.fetchrow(
        f"SELECT {_KIOSK} FROM kiosks WHERE key_hash = $1 AND retired_at IS NULL", key_hash
    )
    return Kiosk(**dict(row)) if row else None


async def mark_kiosk_retired(conn: asyncpg.Connection, kiosk_id: int) -> Kiosk | None:
    row = await conn.fetchrow(
        f"UPDATE kiosks SET retired_at = coalesce(retired_at, now()) WHERE id = $1 "
        f"RETURNING {_KIOSK}",
        kiosk_id,
    )
    return Kiosk(**dict(row)) if row else None


async def revoke_live_cards(conn: asyncpg.Connection, person_id: int) -> list[int]:
    """Revoke every live card of the person; the ids revoked."""
    rows = await conn.fetch(
        "UPDATE access_cards SET revoked_at = now() "
        "WHERE person_id = $1 AND revoked_at IS NULL RETURNING id",
        person_id,
    )
    return [row["id"] for row in rows]


async def insert_card(
    conn: asyncpg.Connection,
    *,
    person_id: int,
    token_hash: bytes,
    issued_by: int,
    office_code: str,
) -> AccessCard:
    row = await conn.fetchrow(
        f"""
        INSERT INTO access_cards (person_id, token_hash, issued_by, office_code)
        VALUES ($1, $2, $3, $4) RETURNING {_CARD}
        """,
        person_id,
        token_hash,
        issued_by,
        office_code,
    )
    assert row is not None
    return AccessCard(**dict(row))


async def get_live_card_by_token(conn: asyncpg.Connection, token_hash: bytes) -> AccessCard | None:
    row = await conn.fetchrow(
        f"SELECT {_CARD} FROM access_cards WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    return AccessCard(**dict(row)) if row else None


async def get_card(
    conn: asyncpg.Connection, card_id: int, *, lock: bool = False
) -> AccessCard | None:
    query = f"SELECT {_CARD} FROM access_cards WHERE id = $1"
    row = await conn.fetchrow(query + (" FOR UPDATE" if lock else ""), card_id)
    return AccessCard(**dict(row)) if row else None


async def card_token_matches(conn: asyncpg.Connection, card_id: int, token_hash: bytes) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM access_cards WHERE id = $1 AND token_hash = $2 "
        "AND revoked_at IS NULL)",
        card_id,
        token_hash,
    )
    return found


async def lock_card_row(conn: asyncpg.Connection, card_id: int) -> datetime | None:
    """The card's lock time (None when not locked), its row locked until the transaction ends."""
    locked_at: datetime | None = await conn.fetchval(
        "SELECT locked_at FROM access_cards WHERE id = $1 FOR UPDATE", card_id
    )
    return locked_at


async def add_card_pin_failure(conn: asyncpg.Connection, card_id: int, lock_every: int) -> int:
    """One more wrong PIN (since the last right one); every `lock_every`-th locks the card."""
    failures: int = await conn.fetchval(
        """
        UPDATE access_cards SET pin_failures = pin_failures + 1,
            locked_at = CASE WHEN (pin_failures + 1) % $2 = 0 THEN coalesce(locked_at, now())
                             ELSE locked_at END
        WHERE id = $1
        RETURNING pin_failures
        """,
        card_id,
        lock_every,
    )
    return failures


async def lift_card_lock(conn: asyncpg.Connection, card_id: int) -> None:
    """Unlock the card, keeping its count of wrong PINs (an SMS unlock at the kiosk)."""
    await conn.execute("UPDATE access_cards SET locked_at = NULL WHERE id = $1", card_id)


async def clear_card_pin_failures(conn: asyncpg.Connection, card_id: int) -> None:
    await conn.execute(
        "UPDATE access_cards SET pin_failures = 0, locked_at = NULL "
        "WHERE id = $1 AND (pin_failures <> 0 OR locked_at IS NOT NULL)",
        card_id,
    )
