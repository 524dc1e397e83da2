"""The status page's figures: one snapshot of every menu, for people and machines.

A snapshot holds, per menu, the last 24 hours, 7 days and 30 days (requests,
average and 95th-percentile server time, failures, availability, downtime,
client-side load time), 24 hourly and 30 daily points for the charts, the
latest readiness probe, and the incidents of the last 90 days with their
notes. It is plain data, the same in every language; the page words it.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Literal

import asyncpg
import msgspec

from foundation.korea import KOREA
from foundation.metrics import BUCKET_BOUNDS_MS, percentile_from_buckets
from i18n import N_, translate
from service_status.incidents import list_incidents
from service_status.menus import ALL_SERVICES, MENUS, MENUS_BY_ID
from service_status.readiness import latest_probe
from service_status.rollups import hour_start, korean_day_start
from service_status.stats import LoadTally, MenuTally, ReadinessTally, Stats, gather_stats

WINDOWS: tuple[tuple[str, timedelta], ...] = (
    ("24h", timedelta(hours=24)),
    ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)),
)
INCIDENT_HISTORY = timedelta(days=90)
HOURLY_POINTS = 24
DAILY_POINTS = 30
# A probe older than this says nothing about now.
PROBE_FRESH = timedelta(minutes=5)
SNAPSHOT_VERSION = 1

ALL_SERVICES_NAME = N_("All services")

OverallStatus = Literal["operational", "disrupted", "unknown"]


class ChannelLoad(msgspec.Struct, frozen=True):
    channel: str
    loads: int
    average_ms: float


class WindowFigures(msgspec.Struct, frozen=True, kw_only=True):
    requests: int
    failures: int
    failure_rate_percent: float | None
    average_ms: float | None
    # The upper bound of the latency bucket holding the 95th percentile.
    p95_ms: float | None
    # True when that bucket is the open one above the last bound (p95_ms is then that bound).
    p95_beyond_scale: bool
    client_loads: int
    client_average_ms: float | None
    client_channels: list[ChannelLoad]
    measured_minutes: int
    downtime_minutes: int
    availability_percent: float | None


class HourPoint(msgspec.Struct, frozen=True, kw_only=True):
    start: datetime
    requests: int
    failures: int
    average_ms: float | None
    downtime_minutes: int


class DayPoint(msgspec.Struct, frozen=True, kw_only=True):
    date: str  # Korean calendar day, YYYY-MM-DD
    start: datetime
    requests: int
    failures: int
    average_ms: float | None
    measured_minutes: int
    downtime_minutes: int
    availability_percent: float | None


class MenuFigures(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    names: dict[str, str]
    has_traffic: bool
    windows: dict[str, WindowFigures] | None
    hourly: list[HourPoint]
    daily: list[DayPoint]


class ReadinessNow(msgspec.Struct, frozen=True):
    checked_at: datetime
    postgresql: bool
    redis: bool


class NoteFigures(msgspec.Struct, frozen=True):
    written_at: datetime
    text: dict[str, str]


class IncidentFigures(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    menu: str
    names: dict[str, str]
    started_at: datetime
    ended_at: datetime | None
    ongoing: bool
    duration_minutes: int
    notes: list[NoteFigures]


class StatusSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    version: int = SNAPSHOT_VERSION
    generated_at: datetime
    status: OverallStatus
    readiness: ReadinessNow | None
    menus: list[MenuFigures]
    incidents: list[IncidentFigures]


def _names(message: str) -> dict[str, str]:
    return {"ko": translate("ko", message), "en": translate("en", message)}


def menu_names(menu_id: str) -> dict[str, str]:
    if menu_id == ALL_SERVICES:
        return _names(ALL_SERVICES_NAME)
    menu = MENUS_BY_ID.get(menu_id)
    return _names(menu.name) if menu else {"ko": menu_id, "en": menu_id}


def _average(total: float, count: int) -> float | None:
    return round(total / count, 1) if count else None


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 3) if whole else None


def window_figures(
    menu: MenuTally, ready: ReadinessTally, loads: dict[str, LoadTally]
) -> WindowFigures:
    p95 = percentile_from_buckets(menu.buckets, 0.95) if menu.requests else None
    beyond = p95 is not None and math.isinf(p95)
    measured = ready.probed_minutes + menu.unprobed_minutes
    down = ready.down_minutes + menu.failing_minutes
    client_loads = sum(t.loads for t in loads.values())
    client_sum = sum(t.load_ms_sum for t in loads.values())
    availability = _percent(measured - down, measured)
    return WindowFigures(
        requests=menu.requests,
        failures=menu.failures,
        failure_rate_percent=_percent(menu.failures, menu.requests),
        average_ms=_average(menu.duration_ms_sum, menu.requests),
        p95_ms=BUCKET_BOUNDS_MS[-1] if beyond else p95,
        p95_beyond_scale=beyond,
        client_loads=client_loads,
        client_average_ms=_average(client_sum, client_loads),
        client_channels=[
            ChannelLoad(channel, t.loads, round(t.load_ms_sum / t.loads, 1))
            for channel, t in sorted(loads.items())
            if t.loads
        ],
        measured_minutes=measured,
        downtime_minutes=down,
        availability_percent=availability,
    )


def _hour_points(stats: Stats, menu: str, first: datetime) -> list[HourPoint]:
    points = []
    for index in range(HOURLY_POINTS):
        start = first + timedelta(hours=index)
        tally = stats.menu(start, menu)
        points.append(
            HourPoint(
                start=start,
                requests=tally.requests,
                failures=tally.failures,
                average_ms=_average(tally.duration_ms_sum, tally.requests),
                downtime_minutes=stats.ready(start).down_minutes + tally.failing_minutes,
            )
        )
    return points


def _day_points(stats: Stats, menu: str, first: datetime) -> list[DayPoint]:
    points = []
    for index in range(DAILY_POINTS):
        start = korean_day_start(first + timedelta(days=index, hours=12))
        tally = stats.menu(start, menu)
        ready = stats.ready(start)
        measured = ready.probed_minutes + tally.unprobed_minutes
        down = ready.down_minutes + tally.failing_minutes
        points.append(
            DayPoint(
                date=start.astimezone(KOREA).date().isoformat(),
                start=start,
                requests=tally.requests,
                failures=tally.failures,
                average_ms=_average(tally.duration_ms_sum, tally.requests),
                measured_minutes=measured,
                downtime_minutes=down,
                availability_percent=_percent(measured - down, measured),
            )
        )
    return points


async def _menus_ever_used(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT DISTINCT menu FROM status_menu_rollup")
    return {row["menu"] for row in rows}


def overall_status(
    generated_at: datetime, readiness: ReadinessNow | None, incidents: list[IncidentFigures]
) -> OverallStatus:
    if any(incident.ongoing for incident in incidents):
        return "disrupted"
    if readiness is None or generated_at - readiness.checked_at > PROBE_FRESH:
        return "unknown"
    return "operational" if readiness.postgresql and readiness.redis else "disrupted"


async def compute_snapshot(conn: asyncpg.Connection, now: datetime) -> StatusSnapshot:
    """Every figure of the status page as of `now`."""
    windows: dict[str, Stats] = {}
    for name, length in WINDOWS:
        if length <= timedelta(days=1):
            windows[name] = await gather_stats(conn, since=now - length, until=now, group="total")
        else:
            windows[name] = await gather_stats(
                conn, since=hour_start(now - length), until=now, group="total", use_hours=True
            )
    first_hour = hour_start(now) - timedelta(hours=HOURLY_POINTS - 1)
    hourly = await gather_stats(conn, since=first_hour, until=now, group="hour")
    first_day = korean_day_start(now) - timedelta(days=DAILY_POINTS - 1)
    daily = await gather_stats(
        conn, since=first_day, until=now, group="day", use_hours=True, use_days=True
    )
    used = await _menus_ever_used(conn)
    longest = windows[WINDOWS[-1][0]]

    menus: list[MenuFigures] = []
    for menu in MENUS:
        has_traffic = menu.id in used or longest.menu(None, menu.id).requests > 0
        figures = (
            {
                name: window_figures(
                    stats.menu(None, menu.id),
                    stats.ready(None),
                    stats.channel_loads(None, menu.id),
                )
                for name, stats in windows.items()
            }
            if has_traffic
            else None
        )
        menus.append(
            MenuFigures(
                id=menu.id,
                names=_names(menu.name),
                has_traffic=has_traffic,
                windows=figures,
                hourly=_hour_points(hourly, menu.id, first_hour) if has_traffic else [],
                daily=_day_points(daily, menu.id, first_day) if has_traffic else [],
            )
        )

    probe = await latest_probe(conn)
    readiness = (
        ReadinessNow(checked_at=probe.minute, postgresql=probe.postgresql_ok, redis=probe.redis_ok)
        if probe
        else None
    )
    incidents = [
        IncidentFigures(
            id=incident.id,
            menu=incident.menu,
            names=menu_names(incident.menu),
            started_at=incident.started_at,
            ended_at=incident.ended_at,
            ongoing=incident.ended_at is None,
            duration_minutes=max(
                0, int(((incident.ended_at or now) - incident.started_at).total_seconds() // 60)
            ),
            notes=[
                NoteFigures(
                    written_at=note.written_at,
                    text={"ko": note.text_ko, **({"en": note.text_en} if note.text_en else {})},
                )
                for note in incident.notes
            ],
        )
        for incident in await list_incidents(conn, now - INCIDENT_HISTORY)
    ]
    return StatusSnapshot(
        generated_at=now,
        status=overall_status(now, readiness, incidents),
        readiness=readiness,
        menus=menus,
        incidents=incidents,
    )
