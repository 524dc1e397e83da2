"""Registered phones at the counter: a clerk registers a number for a person (landlines
too), removes it, or unlocks its PIN (auth/registered_phones.py has the phone line)."""

from __future__ import annotations

import asyncpg

from auth.counter.identity_checks import require_recent_match
from auth.people import mask_phone
from auth.registered_phone_store import (
    RegisteredPhone,
    clear_phone_lock,
    insert_registered_phone,
    mark_phone_removed,
    person_exists,
    revoke_phone_sessions,
)
from auth.staff.accounts import staff_actor
from auth.staff.roles import COUNTER_ROLES, require_role
from auth.staff.sessions import StaffSession
from foundation.audit import record_audit
from foundation.problems import NOT_FOUND, Problem, problem_kind
from i18n import N_

PHONE_ALREADY_REGISTERED = problem_kind(
    "phone-already-registered",
    409,
    N_("This number is already registered"),
    N_("This phone number is already registered for this person."),
)


def _staff_audit(staff: StaffSession) -> dict[str, str]:
    return {"actor": staff_actor(staff.staff_id), "office": staff.office_code, "channel": "counter"}


async def register_phone(
    conn: asyncpg.Connection, staff: StaffSession, *, person_id: int, phone_e164: str
) -> RegisteredPhone:
    require_role(staff, *COUNTER_ROLES)
    if not await person_exists(conn, person_id):
        raise Problem(NOT_FOUND)
    await require_recent_match(conn, person_id)
    phone = await insert_registered_phone(
        conn,
        person_id=person_id,
        phone_e164=phone_e164,
        staff_id=staff.staff_id,
        office_code=staff.office_code,
    )
    if phone is None:
        raise Problem(PHONE_ALREADY_REGISTERED)
    await record_audit(
        conn,
        **_staff_audit(staff),
        action="auth.phone.registered",
        subject=f"person:{person_id}",
        details={"phone_id": phone.id, "number": mask_phone(phone_e164)},
    )
    return phone


async def remove_phone(
    conn: asyncpg.Connection, staff: StaffSession, *, person_id: int, phone_id: int
) -> None:
    """The number stops working at once: sign-ins, call-backs and its live sessions."""
    require_role(staff, *COUNTER_ROLES)
    phone = await mark_phone_removed(
        conn, person_id=person_id, phone_id=phone_id, staff_id=staff.staff_id
    )
    if phone is None:
        raise Problem(NOT_FOUND)
    ended = await revoke_phone_sessions(conn, phone.id, reason="phone_removed")
    await record_audit(
        conn,
        **_staff_audit(staff),
        action="auth.phone.removed",
        subject=f"person:{person_id}",
        details={"phone_id": phone.id, "number": mask_phone(phone.phone_e164), "sessions": ended},
    )


async def unlock_phone(
    conn: asyncpg.Connection, staff: StaffSession, phone_id: int, *, person_id: int | None = None
) -> None:
    require_role(staff, *COUNTER_ROLES)
    phone = await clear_phone_lock(conn, phone_id, person_id=person_id)
    if phone is None:
        raise Problem(NOT_FOUND)
    await require_recent_match(conn, phone.person_id)  # rolls the clearing back
    await record_audit(
        conn,
        **_staff_audit(staff),
        action="auth.phone.unlocked",
        subject=f"person:{phone.person_id}",
        details={"phone_id": phone.id},
    )
