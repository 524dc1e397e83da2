"""The app's FCM registration tokens: register, list, retire, and removal by their owner.

A token belongs to one live row at a time (`devices_token_unique`). When a token
comes back (the same phone signed in to another account, or the app registered
again after removing it), the old row is retired as `replaced` and a new row
holds the token, so that earlier deliveries still name the device as it was.
A retired row keeps no usable token: it is overwritten with a tombstone naming
the row and a SHA-256 digest of the token (a live token is a way to reach a
phone; we keep it no longer than we use it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import asyncpg
import msgspec

from foundation.audit import record_audit
from foundation.problems import NOT_FOUND, Problem

Platform = Literal["android", "ios", "web"]
RetiredReason = Literal["removed", "unregistered", "replaced"]
TOKEN_ENDING = 6
# Ids are bigint: a larger number names no device.
MAX_ID = 2**63 - 1

_COLUMNS = (
    "id, account_id, person_id, fcm_token, platform, locale, created_at, retired_at, retired_reason"
)


class Device(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    account_id: int
    person_id: int
    fcm_token: str
    platform: str
    locale: str
    created_at: datetime
    retired_at: datetime | None
    retired_reason: str | None

    @property
    def live(self) -> bool:
        return self.retired_at is None

    @property
    def token_ending(self) -> str:
        return self.fcm_token[-TOKEN_ENDING:]


class Registration(msgspec.Struct, frozen=True, kw_only=True):
    device: Device
    # False when this account had already registered the token (its row is updated).
    created: bool
    # The row the token was taken from, when it was another account's or a retired one.
    replaced_id: int | None = None


def _device(row: asyncpg.Record) -> Device:
    return Device(**dict(row))


async def lock_token(conn: asyncpg.Connection, fcm_token: str) -> None:
    """One registration of a token at a time, until the transaction ends."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('fcm-token:' || $1, 0))", fcm_token
    )


async def get_device_by_token(conn: asyncpg.Connection, fcm_token: str) -> Device | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM devices WHERE fcm_token = $1", fcm_token)
    return _device(row) if row else None


async def get_device(conn: asyncpg.Connection, device_id: int) -> Device | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM devices WHERE id = $1", device_id)
    return _device(row) if row else None


async def insert_device(
    conn: asyncpg.Connection,
    *,
    account_id: int,
    person_id: int,
    fcm_token: str,
    platform: str,
    locale: str,
) -> Device:
    row = await conn.fetchrow(
        f"""
        INSERT INTO devices (account_id, person_id, fcm_token, platform, locale)
        VALUES ($1, $2, $3, $4, $5)
        RETURNING {_COLUMNS}
        """,
        account_id,
        person_id,
        fcm_token,
        platform,
        locale,
    )
    assert row is not None
    return _device(row)


async def update_device_details(
    conn: asyncpg.Connection, device_id: int, *, platform: str, locale: str
) -> Device:
    row = await conn.fetchrow(
        f"UPDATE devices SET platform = $2, locale = $3 WHERE id = $1 RETURNING {_COLUMNS}",
        device_id,
        platform,
        locale,
    )
    assert row is not None
    return _device(row)


async def retire_device(conn: asyncpg.Connection, device_id: int, reason: RetiredReason) -> None:
    """Retire a device and drop its token; a row already retired keeps its first reason."""
    await conn.execute(
        """
        UPDATE devices
        SET fcm_token = 'retired:' || id || ':'
                || encode(sha256(convert_to(fcm_token, 'UTF8')), 'hex'),
            retired_at = coalesce(retired_at, now()),
            retired_reason = coalesce(retired_reason, $2)
        WHERE id = $1
        """,
        device_id,
        reason,
    )


async def list_live_devices_of_person(conn: asyncpg.Connection, person_id: int) -> list[Device]:
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM devices
        WHERE person_id = $1 AND retired_at IS NULL
        ORDER BY id DESC
        """,
        person_id,
    )
    return [_device(row) for row in rows]


async def register_device(
    conn: asyncpg.Connection,
    *,
    account_id: int,
    person_id: int,
    fcm_token: str,
    platform: str,
    locale: str,
) -> Registration:
    """Register `fcm_token` for this account, taking it over from any other row."""
    await lock_token(conn, fcm_token)
    existing = await get_device_by_token(conn, fcm_token)
    if existing is not None and existing.live and existing.account_id == account_id:
        updated = await update_device_details(conn, existing.id, platform=platform, locale=locale)
        return Registration(device=updated, created=False)
    if existing is not None:
        await retire_device(conn, existing.id, "replaced")
    device = await insert_device(
        conn,
        account_id=account_id,
        person_id=person_id,
        fcm_token=fcm_token,
        platform=platform,
        locale=locale,
    )
    return Registration(device=device, created=True, replaced_id=existing.id if existing else None)


async def remove_device(
    conn: asyncpg.Connection, device_id: int, *, person_id: int, account_id: int, channel: str
) -> None:
    """The person stops push notices to one of their devices: it is retired as `removed`,
    its token forgotten, and the removal audited. Removing it again changes nothing;
    another person's device, or none, is 404."""
    device = await get_device(conn, device_id) if 1 <= device_id <= MAX_ID else None
    if device is None or device.person_id != person_id:
        raise Problem(NOT_FOUND)
    if device.live:
        await retire_device(conn, device.id, "removed")
        await record_audit(
            conn,
            actor=f"account:{account_id}",
            action="device.removed",
            subject=f"person:{person_id}",
            channel=channel,
            details={"device_id": device.id},
        )
