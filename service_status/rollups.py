"""Rollups minute → hour → day, and bounded retention, for the status page.

Each run rebuilds, set-based, the hours from three hours before the last
mark (flushes that arrive a little late are taken in) up to the last
complete hour, and the Korean calendar days those hours touch; rebuilding
is delete-and-insert of whole periods, so a second run changes nothing. Runs
are serialised with an advisory lock. Then it prunes: minutes after 2 days,
hours after 90 days, days after 2 years, each only once rolled up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec

from foundation.korea import KOREA, TIME_ZONE
from service_status.stats import MENU_AGGREGATES, MENU_MINUTES_SQL, menu_minute_params

ROLLUP_LOCK = 0x73747275  # 'stru'
REBUILD_HOURS = timedelta(hours=3)
# Minutes this old are taken as complete: API processes flush every few seconds.
SETTLE = timedelta(seconds=15)
MINUTE_RETENTION = timedelta(days=2)
HOUR_RETENTION = timedelta(days=90)
DAY_RETENTION = timedelta(days=730)


class RollupReport(msgspec.Struct, frozen=True):
    hours_from: datetime | None
    hours_to: datetime | None
    days_from: datetime | None
    days_to: datetime | None
    pruned: dict[str, int]


def hour_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def minute_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def korean_day_start(moment: datetime) -> datetime:
    local = moment.astimezone(KOREA)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


async def _earliest_minute(conn: asyncpg.Connection) -> datetime | None:
    earliest: datetime | None = await conn.fetchval(
        """
        SELECT least(
            (SELECT min(minute) FROM request_metrics_minute),
            (SELECT min(minute) FROM status_readiness_minute),
            (SELECT min(minute) FROM status_screen_load_minute)
        )
        """
    )
    return earliest


async def _set_mark(conn: asyncpg.Connection, name: str, through: datetime) -> None:
    await conn.execute(
        """
        INSERT INTO status_marks (name, through) VALUES ($1, $2)
        ON CONFLICT (name) DO UPDATE SET through = greatest(status_marks.through, excluded.through)
        """,
        name,
        through,
    )


async def rebuild_hours(conn: asyncpg.Connection, since: datetime, until: datetime) -> None:
    """Replace the hourly rollups of [since, until) with sums of their minutes."""
    for table in ("status_menu_rollup", "status_readiness_rollup", "status_screen_load_rollup"):
        await conn.execute(
            f"DELETE FROM {table} WHERE grain = 'hour' AND period_start >= $1 AND period_start < $2",
            since,
            until,
        )
    await conn.execute(
        MENU_MINUTES_SQL
        + f"""
        INSERT INTO status_menu_rollup
            (grain, period_start, menu, requests, client_errors, failures, duration_ms_sum,
             buckets, failing_minutes, unprobed_minutes)
        SELECT 'hour', date_trunc('hour', minute, 'UTC'), menu, {MENU_AGGREGATES},
               count(*) FILTER (WHERE failing AND NOT readiness_down),
               count(*) FILTER (WHERE unprobed)
        FROM classified GROUP BY 2, 3
        """,
        *menu_minute_params(since, until),
    )
    await conn.execute(
        """
        INSERT INTO status_readiness_rollup (grain, period_start, probed_minutes, down_minutes)
        SELECT 'hour', date_trunc('hour', minute, 'UTC'), count(*),
               count(*) FILTER (WHERE NOT (postgresql_ok AND redis_ok))
        FROM status_readiness_minute WHERE minute >= $1 AND minute < $2
        GROUP BY 2
        """,
        since,
        until,
    )
    await conn.execute(
        """
        INSERT INTO status_screen_load_rollup
            (grain, period_start, menu, channel, loads, load_ms_sum, buckets)
        SELECT 'hour', date_trunc('hour', minute, 'UTC'), menu, channel, sum(loads), sum(load_ms_sum),
               status_bucket_sum(buckets)
        FROM status_screen_load_minute WHERE minute >= $1 AND minute < $2
        GROUP BY 2, 3, 4
        """,
        since,
        until,
    )


async def rebuild_days(conn: asyncpg.Connection, since: datetime, until: datetime) -> None:
    """Replace the daily rollups of the Korean days in [since, until) with sums of their hours."""
    for table in ("status_menu_rollup", "status_readiness_rollup", "status_screen_load_rollup"):
        await conn.execute(
            f"DELETE FROM {table} WHERE grain = 'day' AND period_start >= $1 AND period_start < $2",
            since,
            until,
        )
    day = f"date_trunc('day', period_start, '{TIME_ZONE}')"
    await conn.execute(
        f"""
        INSERT INTO status_menu_rollup
            (grain, period_start, menu, requests, client_errors, failures, duration_ms_sum,
             buckets, failing_minutes, unprobed_minutes)
        SELECT 'day', {day}, menu, {MENU_AGGREGATES},
               sum(failing_minutes), sum(unprobed_minutes)
        FROM status_menu_rollup
        WHERE grain = 'hour' AND period_start >= $1 AND period_start < $2
        GROUP BY 2, 3
        """,
        since,
        until,
    )
    await conn.execute(
        f"""
        INSERT INTO status_readiness_rollup (grain, period_start, probed_minutes, down_minutes)
        SELECT 'day', {day}, sum(probed_minutes), sum(down_minutes)
        FROM status_readiness_rollup
        WHERE grain = 'hour' AND period_start >= $1 AND period_start < $2
        GROUP BY 2
        """,
        since,
        until,
    )
    await conn.execute(
        f"""
        INSERT INTO status_screen_load_rollup
            (grain, period_start, menu, channel, loads, load_ms_sum, buckets)
        SELECT 'day', {day}, menu, channel, sum(loads), sum(load_ms_sum),
               status_bucket_sum(buckets)
        FROM status_screen_load_rollup
        WHERE grain = 'hour' AND period_start >= $1 AND period_start < $2
        GROUP BY 2, 3, 4
        """,
        since,
        until,
    )


async def prune(
    conn: asyncpg.Connection, now: datetime, marks: dict[str, datetime]
) -> dict[str, int]:
    """Delete what is past its retention and already rolled up; whole hours and days only."""
    pruned: dict[str, int] = {}
    minute_cut = min(hour_start(now - MINUTE_RETENTION), marks["hour"])
    for table in ("request_metrics_minute", "status_readiness_minute", "status_screen_load_minute"):
        status = await conn.execute(f"DELETE FROM {table} WHERE minute < $1", minute_cut)
        pruned[table] = int(status.split()[-1])
    hour_cut = min(korean_day_start(now - HOUR_RETENTION), marks["day"])
    day_cut = korean_day_start(now - DAY_RETENTION)
    for table in ("status_menu_rollup", "status_readiness_rollup", "status_screen_load_rollup"):
        status = await conn.execute(
            f"""
            DELETE FROM {table}
            WHERE (grain = 'hour' AND period_start < $1) OR (grain = 'day' AND period_start < $2)
            """,
            hour_cut,
            day_cut,
        )
        pruned[table] = int(status.split()[-1])
    return pruned


async def roll_up(conn: asyncpg.Connection, now: datetime) -> RollupReport:
    """One rollup run in its own transaction on `conn` (a connection outside any transaction)."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ROLLUP_LOCK)
        rows = await conn.fetch("SELECT name, through FROM status_marks")
        marks = {row["name"]: row["through"] for row in rows}
        hours_to = hour_start(now - SETTLE)
        earliest = await _earliest_minute(conn)
        previous = marks.get("hour")
        if earliest is None:
            hours_from = hours_to
        elif previous is None:
            hours_from = hour_start(earliest)
        else:
            # Never before the first minute still held: older hours are final.
            hours_from = max(hour_start(earliest), previous - REBUILD_HOURS)
        built_hours = hours_from < hours_to
        if built_hours:
            await rebuild_hours(conn, hours_from, hours_to)
        hour_mark = max(hours_to, previous) if previous else hours_to
        await _set_mark(conn, "hour", hour_mark)

        days_to = korean_day_start(hour_mark)
        days_from = korean_day_start(hours_from)
        if marks.get("day") is not None:
            days_from = min(days_from, marks["day"])
        built_days = days_from < days_to
        if built_days:
            await rebuild_days(conn, days_from, days_to)
        day_mark = max(days_to, marks["day"]) if marks.get("day") else days_to
        await _set_mark(conn, "day", day_mark)

        pruned = await prune(conn, now, {"hour": hour_mark, "day": day_mark})
    return RollupReport(
        hours_from=hours_from if built_hours else None,
        hours_to=hours_to if built_hours else None,
        days_from=days_from if built_days else None,
        days_to=days_to if built_days else None,
        pruned=pruned,
    )
