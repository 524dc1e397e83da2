"""Rollups minute → hour → Korean day: exact sums, idempotent, late minutes, bounded retention."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from service_status import roll_up
from service_status.rollups import korean_day_start
from tests.support.status_traffic import acquire, record_loads, record_readiness, record_traffic

# 09:10 in Korea on 5 May; traffic runs across Korean midnight (15:00 UTC) the day before.
NOW = datetime(2026, 5, 5, 0, 10, tzinfo=UTC)
ROUTE = "/v1/auth/pin/verify"


@pytest.fixture(scope="module")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert created is not None
    yield created
    await created.close()


async def _table(conn: asyncpg.Connection, table: str) -> list[tuple[str, ...]]:
    rows = await conn.fetch(f"SELECT * FROM {table}")
    return sorted(tuple(str(value) for value in row) for row in rows)


async def test_rollups_add_up_and_a_second_run_changes_nothing(pool: asyncpg.Pool) -> None:
    midnight = korean_day_start(NOW)  # 2026-05-04 15:00 UTC
    minutes = [midnight - timedelta(minutes=90) + timedelta(minutes=15 * i) for i in range(12)]
    for index, minute in enumerate(minutes):
        await record_traffic(pool, minute, ROUTE, [(200, 40.0, 10 + index), (500, 700.0, 1)])
    async with acquire(pool) as conn:
        await record_readiness(conn, minutes[0], 180)
        await record_readiness(conn, minutes[0] + timedelta(minutes=180), 2, redis=False)
        await record_loads(conn, minutes[2], "sign-in", "kiosk", [300, 500])
        await record_loads(conn, minutes[9], "sign-in", "app", [900])

        await roll_up(conn, NOW)
        hours = await conn.fetch(
            "SELECT period_start, requests, failures, duration_ms_sum, buckets "
            "FROM status_menu_rollup WHERE grain = 'hour' AND menu = 'sign-in' ORDER BY 1"
        )
        expected: dict[datetime, int] = {}
        for index, minute in enumerate(minutes):
            hour = minute.replace(minute=0)
            expected[hour] = expected.get(hour, 0) + 11 + index
        assert {r["period_start"]: r["requests"] for r in hours} == expected
        # One failure (700 ms) per sample: the failures and the slow bucket agree.
        assert all(r["failures"] == r["buckets"][7] for r in hours)
        assert sum(r["failures"] for r in hours) == 12
        assert sum(r["requests"] for r in hours) == sum(11 + i for i in range(12))
        assert sum(sum(r["buckets"]) for r in hours) == sum(r["requests"] for r in hours)

        days = {
            r["period_start"]: (r["requests"], r["failures"])
            for r in await conn.fetch(
                "SELECT period_start, requests, failures FROM status_menu_rollup "
                "WHERE grain = 'day' AND menu = 'sign-in'"
            )
        }
        # Six samples before Korean midnight; today is not over, so it has no daily row yet.
        assert days == {midnight - timedelta(days=1): (sum(11 + i for i in range(6)), 6)}
        readiness = {
            r["period_start"]: (r["probed_minutes"], r["down_minutes"])
            for r in await conn.fetch(
                "SELECT period_start, probed_minutes, down_minutes FROM status_readiness_rollup "
                "WHERE grain = 'day'"
            )
        }
        assert readiness == {midnight - timedelta(days=1): (90, 0)}
        hourly_readiness = await conn.fetch(
            "SELECT sum(probed_minutes) AS probed, sum(down_minutes) AS down "
            "FROM status_readiness_rollup WHERE grain = 'hour'"
        )
        assert (hourly_readiness[0]["probed"], hourly_readiness[0]["down"]) == (182, 2)
        loads = await conn.fetch(
            "SELECT period_start, channel, loads, load_ms_sum FROM status_screen_load_rollup "
            "WHERE grain = 'hour' ORDER BY channel"
        )
        assert [(r["channel"], r["loads"], r["load_ms_sum"]) for r in loads] == [
            ("app", 1, 900.0),
            ("kiosk", 2, 800.0),
        ]

        before = {
            t: await _table(conn, t)
            for t in (
                "status_menu_rollup",
                "status_readiness_rollup",
                "status_screen_load_rollup",
                "status_marks",
            )
        }
        await roll_up(conn, NOW)
        await roll_up(conn, NOW + timedelta(seconds=5))
        after = {t: await _table(conn, t) for t in before}
        assert after == before


async def test_late_minutes_within_three_hours_are_taken_in(pool: asyncpg.Pool) -> None:
    late = NOW - timedelta(hours=2)
    async with acquire(pool) as conn:
        await roll_up(conn, NOW)
        before = await conn.fetchval(
            "SELECT requests FROM status_menu_rollup WHERE grain = 'hour' AND period_start = $1 "
            "AND menu = 'sign-in'",
            late.replace(minute=0),
        )
    # An API process flushes late (it could not reach the database for a while).
    await record_traffic(pool, late, ROUTE, [(200, 10.0, 7)])
    async with acquire(pool) as conn:
        await roll_up(conn, NOW + timedelta(minutes=5))
        after = await conn.fetchval(
            "SELECT requests FROM status_menu_rollup WHERE grain = 'hour' AND period_start = $1 "
            "AND menu = 'sign-in'",
            late.replace(minute=0),
        )
    assert (after or 0) == (before or 0) + 7


async def test_retention_minutes_2_days_hours_90_days_days_2_years(pool: asyncpg.Pool) -> None:
    async with acquire(pool) as conn:
        for grain, age in (("hour", 91), ("hour", 89), ("day", 731), ("day", 700)):
            await conn.execute(
                """
                INSERT INTO status_menu_rollup (grain, period_start, menu, requests,
                    client_errors, failures, duration_ms_sum, buckets, failing_minutes,
                    unprobed_minutes)
                VALUES ($1, $2, 'inbox', 1, 0, 0, 1, array_fill(0::bigint, ARRAY[12]), 0, 0)
                """,
                grain,
                korean_day_start(NOW - timedelta(days=age)),
            )
        old_minute = NOW - timedelta(days=2, hours=2)
        await record_readiness(conn, old_minute, 1)
        report = await roll_up(conn, NOW)
        assert report.pruned["status_readiness_minute"] >= 1
        kept = {
            (r["grain"], (NOW - r["period_start"]).days)
            for r in await conn.fetch(
                "SELECT grain, period_start FROM status_menu_rollup WHERE menu = 'inbox'"
            )
        }
        assert kept == {("hour", 89), ("day", 700)}
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM status_readiness_minute WHERE minute = $1",
                old_minute.replace(second=0, microsecond=0),
            )
            == 0
        )
        # Minutes of the last 2 days stay for the 24-hour figures.
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM request_metrics_minute WHERE minute >= $1",
                NOW - timedelta(days=1),
            )
            > 0
        )
