"""Readiness: PostgreSQL and Redis answer within 2 seconds (`check_readiness`, for `/readyz`
and the worker), probed once a minute by the worker and kept per minute for the status page.

A probe that cannot be written (PostgreSQL is the thing that is down) is kept
by the caller and written with the next probe that can be: an outage of the
database is recorded once it is back. When Redis is down the worker's cron
cannot run at all (arq schedules through Redis), so those minutes stay
unprobed and count by traffic alone.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import asyncpg
import msgspec
from redis.asyncio import Redis

from service_status.rollups import MINUTE_RETENTION, minute_start

CHECK_TIMEOUT_S = 2.0


async def _check_postgres(pool: asyncpg.Pool) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S), pool.acquire() as conn:
            return bool(await conn.fetchval("SELECT 1") == 1)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False


async def _check_redis(redis: Redis) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return bool(await redis.ping())
    except (TimeoutError, OSError, Exception):
        return False


async def check_readiness(pool: asyncpg.Pool, redis: Redis) -> dict[str, bool]:
    postgres_ok, redis_ok = await asyncio.gather(_check_postgres(pool), _check_redis(redis))
    return {"postgresql": postgres_ok, "redis": redis_ok}


class ReadinessProbe(msgspec.Struct, frozen=True):
    minute: datetime
    postgresql_ok: bool
    redis_ok: bool

    @property
    def ok(self) -> bool:
        return self.postgresql_ok and self.redis_ok


def probe_result(at: datetime, results: dict[str, bool]) -> ReadinessProbe:
    return ReadinessProbe(
        minute=minute_start(at),
        postgresql_ok=results.get("postgresql", False),
        redis_ok=results.get("redis", False),
    )


async def record_probes(conn: asyncpg.Connection, probes: list[ReadinessProbe]) -> None:
    """Store probes; two probes of one minute keep the worse answer."""
    await conn.executemany(
        """
        INSERT INTO status_readiness_minute AS r (minute, postgresql_ok, redis_ok)
        VALUES ($1, $2, $3)
        ON CONFLICT (minute) DO UPDATE SET
            postgresql_ok = r.postgresql_ok AND excluded.postgresql_ok,
            redis_ok = r.redis_ok AND excluded.redis_ok
        """,
        [(p.minute, p.postgresql_ok, p.redis_ok) for p in probes],
    )


def keep_pending(pending: list[ReadinessProbe], now: datetime) -> list[ReadinessProbe]:
    """Probes still worth writing later: newer than the minute retention."""
    cutoff = now - MINUTE_RETENTION
    return [probe for probe in pending if probe.minute >= cutoff]


async def latest_probe(conn: asyncpg.Connection) -> ReadinessProbe | None:
    row = await conn.fetchrow(
        "SELECT minute, postgresql_ok, redis_ok FROM status_readiness_minute "
        "ORDER BY minute DESC LIMIT 1"
    )
    if row is None:
        return None
    return ReadinessProbe(
        minute=row["minute"], postgresql_ok=row["postgresql_ok"], redis_ok=row["redis_ok"]
    )
