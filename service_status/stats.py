"""Reading request, readiness and screen-load figures per menu from every grain.

Minutes (`request_metrics_minute`, `status_readiness_minute`,
`status_screen_load_minute`) keep 2 days, hourly rollups 90 days, daily
rollups 2 years. `gather_stats` reads a period from the coarsest grain that
is complete for it (days before the 'day' mark, hours before the 'hour' mark,
minutes after) so that nothing is counted twice, and groups it by hour, by
Korean calendar day, or not at all.

A minute is down for a menu when readiness failed in it, or when the menu
failed more than 5% of at least 20 requests in it; a minute without traffic
counts by readiness alone. Minutes are *measured* when readiness was probed
or the menu had traffic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import asyncpg
import msgspec

from foundation.korea import TIME_ZONE
from foundation.metrics import BUCKET_COUNT
from service_status.menus import pattern_arrays

Grouping = Literal["total", "hour", "day"]
Grain = Literal["hour", "day"]

# A minute with at least this many requests of a menu, more than this share of
# them failing, is down for that menu (and counts towards an incident).
FAILING_MIN_REQUESTS = 20
FAILING_PERCENT = 5

# Constant SQL fragments, chosen by key (never built from input).
_MINUTE_BUCKET: dict[Grouping, str] = {
    "total": "NULL::timestamptz",
    "hour": "date_trunc('hour', minute, 'UTC')",
    "day": f"date_trunc('day', minute, '{TIME_ZONE}')",
}
_PERIOD_BUCKET: dict[Grouping, str] = {
    "total": "NULL::timestamptz",
    "hour": "date_trunc('hour', period_start, 'UTC')",
    "day": f"date_trunc('day', period_start, '{TIME_ZONE}')",
}

# Request figures per menu and minute, with the minute's readiness. Parameters:
# $1-$3 the menu table (menu, method, prefix), $4-$5 the minutes [from, to),
# $6 the fewest requests and $7 the percentage of failures that make a minute fail.
MENU_MINUTES_SQL = """
WITH patterns AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS p(menu, method, prefix)
),
routes AS (
    SELECT DISTINCT method, route FROM request_metrics_minute
    WHERE minute >= $4 AND minute < $5
),
route_menus AS (
    SELECT DISTINCT ON (r.method, r.route) r.method, r.route, p.menu
    FROM routes r
    JOIN patterns p
        ON (p.method = '' OR p.method = r.method)
        AND (r.route = p.prefix OR starts_with(r.route, p.prefix || '/'))
    ORDER BY r.method, r.route, length(p.prefix) DESC, (p.method <> '') DESC
),
menu_minutes AS (
    SELECT m.minute, rm.menu,
           sum(m.requests)::bigint AS requests,
           sum(m.client_errors)::bigint AS client_errors,
           sum(m.failures)::bigint AS failures,
           sum(m.duration_ms_sum) AS duration_ms_sum,
           status_bucket_sum(m.buckets::bigint[]) AS buckets
    FROM request_metrics_minute m
    JOIN route_menus rm USING (method, route)
    WHERE m.minute >= $4 AND m.minute < $5
    GROUP BY m.minute, rm.menu
),
classified AS (
    SELECT mm.*,
           r.minute IS NULL AS unprobed,
           coalesce(NOT (r.postgresql_ok AND r.redis_ok), false) AS readiness_down,
           (mm.requests >= $6 AND mm.failures * 100 > mm.requests * $7) AS failing
    FROM menu_minutes mm
    LEFT JOIN status_readiness_minute r USING (minute)
)
"""

MENU_AGGREGATES = """
    sum(requests)::bigint AS requests,
    sum(client_errors)::bigint AS client_errors,
    sum(failures)::bigint AS failures,
    sum(duration_ms_sum)::double precision AS duration_ms_sum,
    status_bucket_sum(buckets) AS buckets
"""


def menu_minute_params(since: datetime, until: datetime) -> list[object]:
    menus, methods, prefixes = pattern_arrays()
    return [menus, methods, prefixes, since, until, FAILING_MIN_REQUESTS, FAILING_PERCENT]


class MenuTally(msgspec.Struct):
    requests: int = 0
    client_errors: int = 0
    failures: int = 0
    duration_ms_sum: float = 0.0
    buckets: list[int] = msgspec.field(default_factory=lambda: [0] * BUCKET_COUNT)
    # Minutes the menu itself failed (readiness being fine or unknown).
    failing_minutes: int = 0
    # Minutes with traffic but no readiness probe: measured by the traffic alone.
    unprobed_minutes: int = 0

    def add(self, other: MenuTally) -> None:
        self.requests += other.requests
        self.client_errors += other.client_errors
        self.failures += other.failures
        self.duration_ms_sum += other.duration_ms_sum
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        self.failing_minutes += other.failing_minutes
        self.unprobed_minutes += other.unprobed_minutes


class ReadinessTally(msgspec.Struct):
    probed_minutes: int = 0
    down_minutes: int = 0

    def add(self, other: ReadinessTally) -> None:
        self.probed_minutes += other.probed_minutes
        self.down_minutes += other.down_minutes


class LoadTally(msgspec.Struct):
    loads: int = 0
    load_ms_sum: float = 0.0
    buckets: list[int] = msgspec.field(default_factory=lambda: [0] * BUCKET_COUNT)

    def add(self, other: LoadTally) -> None:
        self.loads += other.loads
        self.load_ms_sum += other.load_ms_sum
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]


Bucket = datetime | None


class Stats(msgspec.Struct):
    """Figures of a period, keyed by bucket (None when not grouped), menu and channel."""

    menus: dict[tuple[Bucket, str], MenuTally] = msgspec.field(default_factory=dict)
    readiness: dict[Bucket, ReadinessTally] = msgspec.field(default_factory=dict)
    loads: dict[tuple[Bucket, str, str], LoadTally] = msgspec.field(default_factory=dict)

    def menu(self, bucket: Bucket, menu: str) -> MenuTally:
        return self.menus.get((bucket, menu)) or MenuTally()

    def ready(self, bucket: Bucket) -> ReadinessTally:
        return self.readiness.get(bucket) or ReadinessTally()

    def channel_loads(self, bucket: Bucket, menu: str) -> dict[str, LoadTally]:
        return {
            channel: tally
            for (b, m, channel), tally in self.loads.items()
            if b == bucket and m == menu
        }


def _menu_tally(row: asyncpg.Record) -> MenuTally:
    return MenuTally(
        requests=row["requests"],
        client_errors=row["client_errors"],
        failures=row["failures"],
        duration_ms_sum=row["duration_ms_sum"],
        buckets=list(row["buckets"]),
        failing_minutes=row["failing_minutes"],
        unprobed_minutes=row["unprobed_minutes"],
    )


async def _minute_stats(
    conn: asyncpg.Connection, stats: Stats, since: datetime, until: datetime, group: Grouping
) -> None:
    bucket = _MINUTE_BUCKET[group]
    rows = await conn.fetch(
        MENU_MINUTES_SQL
        + f"""
        SELECT {bucket} AS bucket, menu, {MENU_AGGREGATES},
               (count(*) FILTER (WHERE failing AND NOT readiness_down))::int AS failing_minutes,
               (count(*) FILTER (WHERE unprobed))::int AS unprobed_minutes
        FROM classified GROUP BY 1, 2
        """,
        *menu_minute_params(since, until),
    )
    for row in rows:
        stats.menus.setdefault((row["bucket"], row["menu"]), MenuTally()).add(_menu_tally(row))
    for row in await conn.fetch(
        f"""
        SELECT {bucket} AS bucket, count(*)::int AS probed_minutes,
               (count(*) FILTER (WHERE NOT (postgresql_ok AND redis_ok)))::int AS down_minutes
        FROM status_readiness_minute WHERE minute >= $1 AND minute < $2 GROUP BY 1
        """,
        since,
        until,
    ):
        stats.readiness.setdefault(row["bucket"], ReadinessTally()).add(
            ReadinessTally(row["probed_minutes"], row["down_minutes"])
        )
    for row in await conn.fetch(
        f"""
        SELECT {bucket} AS bucket, menu, channel, sum(loads)::bigint AS loads,
               sum(load_ms_sum)::double precision AS load_ms_sum,
               status_bucket_sum(buckets) AS buckets
        FROM status_screen_load_minute WHERE minute >= $1 AND minute < $2 GROUP BY 1, 2, 3
        """,
        since,
        until,
    ):
        stats.loads.setdefault((row["bucket"], row["menu"], row["channel"]), LoadTally()).add(
            LoadTally(row["loads"], row["load_ms_sum"], list(row["buckets"]))
        )


async def _rollup_stats(
    conn: asyncpg.Connection,
    stats: Stats,
    grain: Grain,
    since: datetime,
    until: datetime,
    group: Grouping,
) -> None:
    bucket = _PERIOD_BUCKET[group]
    for row in await conn.fetch(
        f"""
        SELECT {bucket} AS bucket, menu, {MENU_AGGREGATES},
               sum(failing_minutes)::int AS failing_minutes,
               sum(unprobed_minutes)::int AS unprobed_minutes
        FROM status_menu_rollup
        WHERE grain = $1 AND period_start >= $2 AND period_start < $3
        GROUP BY 1, 2
        """,
        grain,
        since,
        until,
    ):
        stats.menus.setdefault((row["bucket"], row["menu"]), MenuTally()).add(_menu_tally(row))
    for row in await conn.fetch(
        f"""
        SELECT {bucket} AS bucket, sum(probed_minutes)::int AS probed_minutes,
               sum(down_minutes)::int AS down_minutes
        FROM status_readiness_rollup
        WHERE grain = $1 AND period_start >= $2 AND period_start < $3
        GROUP BY 1
        """,
        grain,
        since,
        until,
    ):
        stats.readiness.setdefault(row["bucket"], ReadinessTally()).add(
            ReadinessTally(row["probed_minutes"], row["down_minutes"])
        )
    for row in await conn.fetch(
        f"""
        SELECT {bucket} AS bucket, menu, channel, sum(loads)::bigint AS loads,
               sum(load_ms_sum)::double precision AS load_ms_sum,
               status_bucket_sum(buckets) AS buckets
        FROM status_screen_load_rollup
        WHERE grain = $1 AND period_start >= $2 AND period_start < $3
        GROUP BY 1, 2, 3
        """,
        grain,
        since,
        until,
    ):
        stats.loads.setdefault((row["bucket"], row["menu"], row["channel"]), LoadTally()).add(
            LoadTally(row["loads"], row["load_ms_sum"], list(row["buckets"]))
        )


async def get_marks(conn: asyncpg.Connection) -> dict[str, datetime]:
    rows = await conn.fetch("SELECT name, through FROM status_marks")
    return {row["name"]: row["through"] for row in rows}


def _clamp(value: datetime | None, low: datetime, high: datetime) -> datetime:
    if value is None:
        return low
    return min(max(value, low), high)


async def gather_stats(
    conn: asyncpg.Connection,
    *,
    since: datetime,
    until: datetime,
    group: Grouping,
    use_hours: bool = False,
    use_days: bool = False,
) -> Stats:
    """Figures for [since, until), from daily and hourly rollups where allowed, then minutes.

    With rollups, `since` should start an hour (or a Korean day) so that the
    coarser rows fall wholly inside the period.
    """
    stats = Stats()
    marks = await get_marks(conn) if use_hours or use_days else {}
    day_cut = _clamp(marks.get("day"), since, until) if use_days else since
    hour_cut = _clamp(marks.get("hour"), day_cut, until) if use_hours or use_days else day_cut
    if day_cut > since:
        await _rollup_stats(conn, stats, "day", since, day_cut, group)
    if hour_cut > day_cut:
        await _rollup_stats(conn, stats, "hour", day_cut, hour_cut, group)
    if until > hour_cut:
        await _minute_stats(conn, stats, hour_cut, until, group)
    return stats
