"""What operators see of notifications: counts, never people (one statement each)."""

from __future__ import annotations

import asyncpg
import msgspec


class NoticeCount(msgspec.Struct, frozen=True, kw_only=True):
    # None for notices about the account rather than a programme.
    programme_id: str | None
    kind: str
    state: str
    count: int


class DeliveryCount(msgspec.Struct, frozen=True, kw_only=True):
    programme_id: str | None
    channel: str
    state: str
    count: int


class DeviceCount(msgspec.Struct, frozen=True, kw_only=True):
    # `live`, or why the device was retired (removed, unregistered, replaced).
    state: str
    count: int


async def count_notices(conn: asyncpg.Connection) -> list[NoticeCount]:
    rows = await conn.fetch(
        """
        SELECT programme_id, kind, state, count(*) AS count
        FROM notices
        GROUP BY programme_id, kind, state
        ORDER BY programme_id NULLS LAST, kind, state
        """
    )
    return [NoticeCount(**dict(row)) for row in rows]


async def count_deliveries(conn: asyncpg.Connection) -> list[DeliveryCount]:
    rows = await conn.fetch(
        """
        SELECT n.programme_id, d.channel, d.state, count(*) AS count
        FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id
        GROUP BY n.programme_id, d.channel, d.state
        ORDER BY n.programme_id NULLS LAST, d.channel, d.state
        """
    )
    return [DeliveryCount(**dict(row)) for row in rows]


async def count_devices(conn: asyncpg.Connection) -> list[DeviceCount]:
    rows = await conn.fetch(
        """
        SELECT CASE WHEN retired_at IS NULL THEN 'live'
                    ELSE coalesce(retired_reason, 'retired') END AS state,
               count(*) AS count
        FROM devices
        GROUP BY 1
        ORDER BY 1
        """
    )
    return [DeviceCount(**dict(row)) for row in rows]


class DeliveryStateCount(msgspec.Struct, frozen=True, kw_only=True):
    channel: str
    state: str
    count: int


async def count_deliveries_by_state(conn: asyncpg.Connection) -> list[DeliveryStateCount]:
    """Deliveries per channel and state, all programmes together (for /metrics)."""
    rows = await conn.fetch(
        """
        SELECT channel, state, count(*) AS count
        FROM notice_deliveries
        GROUP BY channel, state
        ORDER BY channel, state
        """
    )
    return [DeliveryStateCount(**dict(row)) for row in rows]
