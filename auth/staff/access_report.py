"""The monthly review of staff access records: per staff member, how many people's
records they opened in a month, what they did and from where, with what looks unusual
flagged for their supervisor.

개인정보의 안전성 확보조치 기준 제8조: those who process personal data have an access
record (who, when, from where, whose data, what was done) kept for at least two years,
and it is checked at least once a month. The record is the audit log: every row a
staff member writes in the console has their id, the time, the subject, the action
and, since 0025, the client address (foundation/audit.py). Audit rows cannot be changed
or deleted, and no job removes them (docs/privacy.md: kept 5 years).

What is flagged is meant to be looked at, not a verdict:
- `many_people`: more than 40 different people's records opened in one Korea day
  (a busy counter serves about 20 to 30 people a day);
- `after_hours`: a person's record touched outside weekdays 08:00 to 20:00 Korea time
  (public holidays are not known here and count as weekdays);
- `outside_region`: at least 5 people, and more than half of them, live outside the
  region the job centre serves (people may go to any job centre, so some are normal).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

import asyncpg
import msgspec

from auth.staff.accounts import staff_actor
from auth.staff.roles import SUPERVISOR_ROLES, require_role
from auth.staff.sessions import StaffSession
from auth.staff.store import StaffRole
from foundation.audit import record_audit
from foundation.korea import KOREA

MANY_PEOPLE_A_DAY = 40
OFFICE_HOURS = (8, 20)
OUTSIDE_REGION_AT_LEAST = 5
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

AccessFlag = Literal["many_people", "after_hours", "outside_region"]


class StaffAccess(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: int
    name: str
    role: StaffRole
    office: str
    # Different people whose records they opened or acted on.
    people: int
    # The most different people in one Korea day.
    busiest_day_people: int
    # Rows about a person outside weekdays 08:00-20:00 Korea time.
    after_hours: int
    # Different people living outside the region the office serves.
    outside_region: int
    # Every audited action and how often, sign-in and sign-out included.
    actions: dict[str, int]
    # The client addresses they worked from.
    addresses: list[str]
    flags: list[AccessFlag]


class AccessReport(msgspec.Struct, frozen=True, kw_only=True):
    month: str
    office: str | None
    # The month in Korea time: from `starts_at`, up to but not including `ends_at`.
    starts_at: datetime
    ends_at: datetime
    staff: list[StaffAccess]


def parse_month(text: str) -> date:
    """`2026-11` as the first day of that month; ValueError otherwise."""
    found = MONTH.match(text.strip())
    if found is None:
        raise ValueError("a month is written YYYY-MM, e.g. 2026-11")
    return date(int(found.group(1)), int(found.group(2)), 1)


def previous_month(now: datetime | None = None) -> date:
    """The month before this one, in Korea time: the one a review usually covers."""
    today = (now or datetime.now(KOREA)).astimezone(KOREA).date()
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


def _bounds(month: date) -> tuple[datetime, datetime]:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (
        datetime(month.year, month.month, 1, tzinfo=KOREA),
        datetime(following.year, following.month, 1, tzinfo=KOREA),
    )


def _flags(row: asyncpg.Record) -> list[AccessFlag]:
    flags: list[AccessFlag] = []
    if row["busiest_day_people"] > MANY_PEOPLE_A_DAY:
        flags.append("many_people")
    if row["after_hours"] > 0:
        flags.append("after_hours")
    outside = row["outside_region"]
    if outside >= OUTSIDE_REGION_AT_LEAST and outside * 2 > row["people"]:
        flags.append("outside_region")
    return flags


async def select_staff_access(
    conn: asyncpg.Connection, *, starts_at: datetime, ends_at: datetime, office_code: str | None
) -> list[StaffAccess]:
    rows = await conn.fetch(
        """
        WITH found AS (
            SELECT substr(a.actor, 7)::bigint AS staff_id, a.action, a.source_address,
                   a.occurred_at AT TIME ZONE 'Asia/Seoul' AS local,
                   CASE WHEN a.subject ~ '^person:[0-9]{1,18}$'
                        THEN substr(a.subject, 8)::bigint END AS subject_person,
                   CASE WHEN a.subject ~ '^account:[0-9]{1,18}$'
                        THEN substr(a.subject, 9)::bigint END AS subject_account
            FROM audit_log a
            WHERE a.actor LIKE 'staff:%' AND a.actor ~ '^staff:[0-9]{1,18}$'
              AND a.occurred_at >= $1 AND a.occurred_at < $2
        ),
        staffed AS (
            SELECT f.staff_id, f.action, f.source_address, f.local,
                   coalesce(f.subject_person, acc.person_id) AS person_id,
                   s.name, s.role, s.office_code, o.region_code AS office_region,
                   p.region_code AS person_region
            FROM found f
            JOIN staff s ON s.id = f.staff_id
            JOIN offices o ON o.code = s.office_code
            LEFT JOIN accounts acc ON acc.id = f.subject_account
            LEFT JOIN people p ON p.id = coalesce(f.subject_person, acc.person_id)
            WHERE $3::text IS NULL OR s.office_code = $3
        ),
        per_day AS (
            SELECT staff_id, max(people) AS busiest_day_people
            FROM (
                SELECT staff_id, local::date, count(DISTINCT person_id) AS people
                FROM staffed GROUP BY staff_id, local::date
            ) days
            GROUP BY staff_id
        ),
        per_action AS (
            SELECT staff_id, jsonb_object_agg(action, times) AS actions
            FROM (SELECT staff_id, action, count(*) AS times FROM staffed GROUP BY 1, 2) done
            GROUP BY staff_id
        )
        SELECT s.staff_id, s.name, s.role, s.office_code AS office,
               count(DISTINCT s.person_id) AS people,
               count(*) FILTER (
                   WHERE s.person_id IS NOT NULL AND (
                       extract(isodow FROM s.local) > 5
                       OR extract(hour FROM s.local) < $4
                       OR extract(hour FROM s.local) >= $5)
               ) AS after_hours,
               count(DISTINCT s.person_id) FILTER (
                   WHERE s.person_region <> s.office_region
               ) AS outside_region,
               coalesce(
                   array_agg(DISTINCT s.source_address) FILTER (
                       WHERE s.source_address IS NOT NULL),
                   '{}'
               ) AS addresses,
               d.busiest_day_people, a.actions::text AS actions
        FROM staffed s
        JOIN per_day d USING (staff_id)
        JOIN per_action a USING (staff_id)
        GROUP BY s.staff_id, s.name, s.role, s.office_code, d.busiest_day_people, a.actions::text
        ORDER BY s.office_code, s.name, s.staff_id
        """,
        starts_at,
        ends_at,
        office_code,
        OFFICE_HOURS[0],
        OFFICE_HOURS[1],
    )
    return [
        StaffAccess(
            staff_id=row["staff_id"],
            name=row["name"],
            role=row["role"],
            office=row["office"],
            people=row["people"],
            busiest_day_people=row["busiest_day_people"],
            after_hours=row["after_hours"],
            outside_region=row["outside_region"],
            actions=dict(sorted(msgspec.json.decode(row["actions"], type=dict[str, int]).items())),
            addresses=sorted(row["addresses"]),
            flags=_flags(row),
        )
        for row in rows
    ]


async def access_report(
    conn: asyncpg.Connection, *, month: date, office_code: str | None, actor: str, channel: str
) -> AccessReport:
    """The month's report, for one office or all; reading it is audited too."""
    starts_at, ends_at = _bounds(month)
    staff = await select_staff_access(
        conn, starts_at=starts_at, ends_at=ends_at, office_code=office_code
    )
    label = f"{month:%Y-%m}"
    await record_audit(
        conn,
        actor=actor,
        action="staff.access_report_viewed",
        office=office_code,
        channel=channel,
        details={"month": label, "staff": len(staff)},
    )
    return AccessReport(
        month=label, office=office_code, starts_at=starts_at, ends_at=ends_at, staff=staff
    )


async def review_office_access(
    conn: asyncpg.Connection, staff: StaffSession, *, month: date
) -> AccessReport:
    """The report of the supervisor's own office (supervisors and administrators)."""
    require_role(staff, *SUPERVISOR_ROLES)
    return await access_report(
        conn,
        month=month,
        office_code=staff.office_code,
        actor=staff_actor(staff.staff_id),
        channel="counter",
    )
