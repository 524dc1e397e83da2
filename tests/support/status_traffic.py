"""Synthetic traffic for the status page tests, written through the production code paths.

Requests go through `RequestMetrics.record` and its batched flush (as the
middleware records them), probes through `record_probes`, beacons through
`record_screen_loads`, each at the exact minute a test names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import cast

import asyncpg

from foundation.metrics import RequestMetrics
from service_status.beacons import ScreenLoadRecord, record_screen_loads
from service_status.readiness import ReadinessProbe, record_probes


@asynccontextmanager
async def acquire(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection, typed as the Connection our query functions take."""
    async with pool.acquire() as conn:
        yield cast(asyncpg.Connection, conn)


# (status, milliseconds, how many)
Outcome = tuple[int, float, int]


async def record_traffic(
    pool: asyncpg.Pool,
    minute: datetime,
    route: str,
    outcomes: Iterable[Outcome],
    method: str = "POST",
) -> None:
    metrics = RequestMetrics()
    for status, duration_ms, count in outcomes:
        for _ in range(count):
            metrics.record(method, route, status, duration_ms, now=minute.timestamp() + 1)
    assert await metrics.flush(pool) > 0


async def record_readiness(
    conn: asyncpg.Connection,
    first: datetime,
    minutes: int,
    *,
    postgresql: bool = True,
    redis: bool = True,
) -> None:
    await record_probes(
        conn,
        [ReadinessProbe(first + timedelta(minutes=i), postgresql, redis) for i in range(minutes)],
    )


async def record_loads(
    conn: asyncpg.Connection, at: datetime, menu: str, channel: str, loads_ms: Iterable[float]
) -> None:
    await record_screen_loads(
        conn,
        [
            ScreenLoadRecord(menu=menu, channel=channel, load_ms=ms, occurred_at=at)
            for ms in loads_ms
        ],
    )
