"""An office's number, its opening hours (per ISO weekday, Korea time: office_hours,
migration 0029) and the regions it serves; whether it is open now; the windows in which
its staff can call a person back."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import asyncpg
import msgspec

from foundation.korea import KOREA

# The morning ends, and the afternoon begins, at noon (Korea time).
NOON = time(12, 0)
# A window is offered while at least this much of it is left.
LEAST_LEFT = timedelta(minutes=30)
# How far ahead the next morning is looked for (a long holiday weekend).
DAYS_AHEAD = 7


class Office(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name_ko: str
    name_en: str
    phone_e164: str | None
    # ISO weekday → (opens, closes), Korea time; a weekday not here is closed.
    hours: dict[int, tuple[time, time]]

    def name(self, locale: str) -> str:
        return self.name_ko if locale == "ko" else self.name_en


class CallbackWindow(msgspec.Struct, frozen=True, kw_only=True):
    """A part of an opening day in which staff can call back: `part` is "morning" or
    "afternoon"; `day` is its date in Korea."""

    day: date
    part: str
    starts_at: datetime
    ends_at: datetime


async def office_serving(conn: asyncpg.Connection, region_code: str) -> Office | None:
    """The job centre that serves `region_code` (one standing in the region first), or,
    when none lists it, the one standing in it; None when there is neither."""
    row = await conn.fetchrow(
        """
        SELECT code, name_ko, name_en, phone_e164 FROM offices
        WHERE $1 = ANY (serves_regions) OR region_code = $1
        ORDER BY ($1 = ANY (serves_regions)) DESC, (region_code = $1) DESC, code
        LIMIT 1
        """,
        region_code,
    )
    return None if row is None else await _with_hours(conn, row)


async def office_by_code(conn: asyncpg.Connection, code: str) -> Office | None:
    """The job centre `code`, with its opening hours (a kiosk's own office)."""
    row = await conn.fetchrow(
        "SELECT code, name_ko, name_en, phone_e164 FROM offices WHERE code = $1", code
    )
    return None if row is None else await _with_hours(conn, row)


async def _with_hours(conn: asyncpg.Connection, row: asyncpg.Record) -> Office:
    hours = await conn.fetch(
        "SELECT iso_weekday, opens_at, closes_at FROM office_hours WHERE office_code = $1",
        row["code"],
    )
    return Office(
        **dict(row), hours={h["iso_weekday"]: (h["opens_at"], h["closes_at"]) for h in hours}
    )


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=KOREA)


def is_open(office: Office, now: datetime) -> bool:
    local = now.astimezone(KOREA)
    hours = office.hours.get(local.isoweekday())
    return hours is not None and hours[0] <= local.time() < hours[1]


def callback_windows(office: Office, now: datetime) -> list[CallbackWindow]:
    """This morning and this afternoon while enough of them is left, then the next opening
    day's morning: the choices a person is offered, in order."""
    local = now.astimezone(KOREA)
    windows: list[CallbackWindow] = []
    today = local.date()
    for offset in range(DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        hours = office.hours.get(day.isoweekday())
        if hours is None:
            continue
        opens, closes = hours
        parts = [("morning", opens, min(NOON, closes)), ("afternoon", max(NOON, opens), closes)]
        for part, start, end in parts:
            if start >= end:
                continue
            starts_at, ends_at = _at(day, start), _at(day, end)
            if offset == 0 and ends_at - local < LEAST_LEFT:
                continue
            if offset > 0 and part == "afternoon":
                continue
            windows.append(
                CallbackWindow(day=day, part=part, starts_at=max(starts_at, local), ends_at=ends_at)
            )
        if offset > 0 and windows and windows[-1].day == day:
            break
    return windows
