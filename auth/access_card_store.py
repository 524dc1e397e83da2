"""Queries for access cards (migrations/0018_access_cards.sql); kiosks are
auth/kiosk_device_store.py's."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec


class AccessCard(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    issued_at: datetime
    issued_by: int
    office_code: str
    revoked_at: datetime | None
    pin_failures: int
    locked_at: datetime | None


_CARD = "id, person_id, issued_at, issued_by, office_code, revoked_at, pin_failures, locked_at"


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
