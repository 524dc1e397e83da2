"""Incidents: opened when a menu keeps failing, closed when it keeps working.

A menu's minute fails when more than 5% of at least 20 requests failed in it
(stats.py); readiness (PostgreSQL and Redis) failing opens an incident for
all services (menu 'all'). Five failing minutes in a row open an incident
that started at the first of them; ten healthy minutes in a row close it at
the end of the last failing one. For readiness, a minute nobody probed is
neither failing nor healthy.

Evaluation walks the minutes after the 'incidents' mark, replaying the 15
minutes before it to know the runs in progress, under an advisory lock and in
one transaction: a second run finds nothing new to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import msgspec

from service_status.menus import ALL_SERVICES
from service_status.rollups import MINUTE_RETENTION, SETTLE, minute_start
from service_status.stats import MENU_MINUTES_SQL, menu_minute_params

INCIDENT_LOCK = 0x73746963  # 'stic'
OPEN_AFTER_MINUTES = 5
CLOSE_AFTER_MINUTES = 10
LOOKBACK = timedelta(minutes=15)
MINUTE = timedelta(minutes=1)


class IncidentNote(msgspec.Struct, frozen=True):
    id: int
    written_at: datetime
    text_ko: str
    text_en: str | None


class Incident(msgspec.Struct, frozen=True):
    id: int
    menu: str
    started_at: datetime
    ended_at: datetime | None
    notes: list[IncidentNote]


class IncidentChanges(msgspec.Struct, frozen=True):
    opened: list[tuple[str, datetime]]
    closed: list[tuple[str, datetime]]
    evaluated_through: datetime | None


class UnknownIncident(Exception):
    pass


async def _failing_minutes(
    conn: asyncpg.Connection, since: datetime, until: datetime
) -> tuple[set[tuple[str, datetime]], set[datetime]]:
    """(menu, minute) pairs that failed, and the minutes readiness was probed in."""
    failing: set[tuple[str, datetime]] = {
        (row["menu"], row["minute"])
        for row in await conn.fetch(
            MENU_MINUTES_SQL + "SELECT menu, minute FROM classified WHERE failing",
            *menu_minute_params(since, until),
        )
    }
    probed: set[datetime] = set()
    for row in await conn.fetch(
        """
        SELECT minute, postgresql_ok AND redis_ok AS ok FROM status_readiness_minute
        WHERE minute >= $1 AND minute < $2
        """,
        since,
        until,
    ):
        probed.add(row["minute"])
        if not row["ok"]:
            failing.add((ALL_SERVICES, row["minute"]))
    return failing, probed


async def _open_incident(conn: asyncpg.Connection, menu: str, started_at: datetime) -> int | None:
    incident_id: int | None = await conn.fetchval(
        """
        INSERT INTO status_incidents (menu, started_at) VALUES ($1, $2)
        ON CONFLICT DO NOTHING RETURNING id
        """,
        menu,
        started_at,
    )
    return incident_id


async def evaluate_incidents(conn: asyncpg.Connection, now: datetime) -> IncidentChanges:
    """Open and close incidents for the minutes settled since the last run (own transaction)."""
    opened: list[tuple[str, datetime]] = []
    closed: list[tuple[str, datetime]] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", INCIDENT_LOCK)
        through = minute_start(now - SETTLE)  # minutes before this one are complete
        mark: datetime | None = await conn.fetchval(
            "SELECT through FROM status_marks WHERE name = 'incidents'"
        )
        start = max(mark, through - MINUTE_RETENTION) if mark else through - MINUTE_RETENTION
        if start >= through:
            return IncidentChanges(opened=[], closed=[], evaluated_through=mark)
        replay_from = start - LOOKBACK
        failing, probed = await _failing_minutes(conn, replay_from, through)
        open_by_menu: dict[str, tuple[int, datetime]] = {
            row["menu"]: (row["id"], row["started_at"])
            for row in await conn.fetch(
                "SELECT id, menu, started_at FROM status_incidents WHERE ended_at IS NULL"
            )
        }
        menus = {menu for menu, _ in failing} | set(open_by_menu)
        for menu in sorted(menus):
            current = open_by_menu.get(menu)
            failing_run = healthy_run = 0
            run_start: datetime | None = None
            last_failing: datetime | None = None
            minute = replay_from
            while minute < through:
                if (menu, minute) in failing:
                    if failing_run == 0:
                        run_start = minute
                    failing_run += 1
                    healthy_run = 0
                    last_failing = minute
                elif menu != ALL_SERVICES or minute in probed:
                    failing_run = 0
                    healthy_run += 1
                if minute >= start:
                    if current is None and failing_run >= OPEN_AFTER_MINUTES:
                        assert run_start is not None
                        incident_id = await _open_incident(conn, menu, run_start)
                        if incident_id is not None:
                            current = (incident_id, run_start)
                            opened.append((menu, run_start))
                    elif current is not None and healthy_run >= CLOSE_AFTER_MINUTES:
                        ended_at = (last_failing + MINUTE) if last_failing else replay_from
                        ended_at = max(ended_at, current[1] + MINUTE)
                        await conn.execute(
                            "UPDATE status_incidents SET ended_at = $2 WHERE id = $1",
                            current[0],
                            ended_at,
                        )
                        closed.append((menu, ended_at))
                        current = None
                minute += MINUTE
        await conn.execute(
            """
            INSERT INTO status_marks (name, through) VALUES ('incidents', $1)
            ON CONFLICT (name) DO UPDATE SET through = excluded.through
            """,
            through,
        )
    return IncidentChanges(opened=opened, closed=closed, evaluated_through=through)


async def list_incidents(conn: asyncpg.Connection, since: datetime) -> list[Incident]:
    """Incidents that were open at some time since `since`, newest first, with their notes."""
    rows = await conn.fetch(
        """
        SELECT i.id, i.menu, i.started_at, i.ended_at,
               coalesce(
                   (SELECT json_agg(json_build_object(
                        'id', n.id, 'written_at', n.written_at,
                        'text_ko', n.text_ko, 'text_en', n.text_en) ORDER BY n.written_at, n.id)
                    FROM status_incident_notes n WHERE n.incident_id = i.id),
                   '[]'::json
               ) AS notes
        FROM status_incidents i
        WHERE i.ended_at IS NULL OR i.ended_at >= $1
        ORDER BY i.started_at DESC, i.id DESC
        """,
        since,
    )
    return [
        Incident(
            id=row["id"],
            menu=row["menu"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            notes=msgspec.json.decode(row["notes"], type=list[IncidentNote]),
        )
        for row in rows
    ]


async def add_incident_note(
    conn: asyncpg.Connection, incident_id: int, *, text_ko: str, text_en: str | None = None
) -> IncidentNote:
    """A public note on an incident; raises UnknownIncident when there is no such incident."""
    row = await conn.fetchrow(
        """
        INSERT INTO status_incident_notes (incident_id, text_ko, text_en)
        SELECT id, $2, $3 FROM status_incidents WHERE id = $1
        RETURNING id, written_at, text_ko, text_en
        """,
        incident_id,
        text_ko,
        text_en,
    )
    if row is None:
        raise UnknownIncident(incident_id)
    return IncidentNote(
        id=row["id"], written_at=row["written_at"], text_ko=row["text_ko"], text_en=row["text_en"]
    )
