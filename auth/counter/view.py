"""One person, opened at the counter after a search: who they are and whether their ID
was checked recently. The console page shows it; every opening is audited, because
opening by id would otherwise let a clerk look people up without a search.
"""

from __future__ import annotations

from datetime import date, datetime

import asyncpg
import msgspec

from auth.counter.identity_checks import PERSON_NOT_FOUND, RECENT_MATCH, get_recent_match
from auth.people import get_person, mask_phone_for_display
from auth.staff.accounts import staff_actor
from auth.staff.sessions import StaffSession
from foundation.audit import record_audit
from foundation.problems import Problem


class PersonAtCounter(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    birth_date: date
    phone_masked: str | None
    # The language notices, letters and messages to the person are written in.
    preferred_language: str
    # The latest matching ID check within RECENT_MATCH: what a card or a code needs.
    matched_at: datetime | None


async def open_person_at_counter(
    conn: asyncpg.Connection, *, staff: StaffSession, person_id: int
) -> PersonAtCounter:
    person = await get_person(conn, person_id)
    if person is None or person.is_deceased:
        raise Problem(PERSON_NOT_FOUND)
    match = await get_recent_match(conn, person_id, within=RECENT_MATCH)
    await record_audit(
        conn,
        actor=staff_actor(staff.staff_id),
        action="counter.person_opened",
        subject=f"person:{person_id}",
        office=staff.office_code,
        channel="counter",
    )
    return PersonAtCounter(
        id=person.id,
        name=person.name,
        birth_date=person.birth_date,
        phone_masked=mask_phone_for_display(person.phone_e164) if person.phone_e164 else None,
        preferred_language=person.preferred_language,
        matched_at=match.verified_at if match else None,
    )
