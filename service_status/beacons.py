"""Screen-load beacons from the app and kiosks, added up per minute, menu and channel.

Only the sum, count and latency histogram are kept: no account, no device, no
address. A batch is written in one statement after it is checked whole.
"""

from __future__ import annotations

import bisect
from datetime import datetime

import asyncpg
import msgspec

from foundation.metrics import BUCKET_BOUNDS_MS, BUCKET_COUNT
from service_status.rollups import minute_start


class ScreenLoadRecord(msgspec.Struct, frozen=True):
    menu: str
    channel: str
    load_ms: float
    occurred_at: datetime


async def record_screen_loads(conn: asyncpg.Connection, loads: list[ScreenLoadRecord]) -> int:
    """Add checked screen loads to their minutes; returns the number of minute rows touched."""
    tallies: dict[tuple[datetime, str, str], tuple[int, float, list[int]]] = {}
    for load in loads:
        key = (minute_start(load.occurred_at), load.menu, load.channel)
        count, total, buckets = tallies.get(key) or (0, 0.0, [0] * BUCKET_COUNT)
        buckets[bisect.bisect_left(BUCKET_BOUNDS_MS, load.load_ms)] += 1
        tallies[key] = (count + 1, total + load.load_ms, buckets)
    rows = [
        (minute, menu, channel, count, total, buckets)
        for (minute, menu, channel), (count, total, buckets) in tallies.items()
    ]
    await conn.executemany(
        """
        INSERT INTO status_screen_load_minute AS s
            (minute, menu, channel, loads, load_ms_sum, buckets)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (minute, menu, channel) DO UPDATE SET
            loads = s.loads + excluded.loads,
            load_ms_sum = s.load_ms_sum + excluded.load_ms_sum,
            buckets = status_bucket_add(s.buckets, excluded.buckets)
        """,
        rows,
    )
    return len(rows)
