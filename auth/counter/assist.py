"""What a clerk sees and looks up for a person's registered phones and delegations at
the counter (the console's pages and JSON API call these; the rules that change
anything are in auth/registered_phones.py and auth/delegations.py).

At the counter a proxy is named by their exact name and birth date, read from their
ID document, like the people search (auth/counter/identity_checks.py): never picked from a list. A
namesake born the same day cannot be told apart, so then the principal gives the
proxy's account number in the app instead.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from auth.accounts import get_account_by_person
from auth.counter.identity_checks import PERSON_NOT_FOUND, find_people
from auth.delegation_store import DelegationShown, select_active_given_shown
from auth.registered_phone_store import RegisteredPhone, list_live_phones, person_exists
from auth.staff.accounts import staff_actor
from auth.staff.roles import COUNTER_ROLES, require_role
from auth.staff.sessions import StaffSession
from foundation.audit import record_audit
from foundation.problems import BadInput, InvalidInput, Problem
from i18n import N_

PROXY_FIELD = "proxy"


async def phones_at_counter(
    conn: asyncpg.Connection, staff: StaffSession, *, person_id: int
) -> list[RegisteredPhone]:
    """The person's registered phones in use (removed ones are history, in the audit)."""
    require_role(staff, *COUNTER_ROLES)
    if not await person_exists(conn, person_id):
        raise Problem(PERSON_NOT_FOUND)
    phones = await list_live_phones(conn, person_id)
    await _viewed(conn, staff, person_id, "counter.phones_viewed", len(phones))
    return phones


async def delegations_at_counter(
    conn: asyncpg.Connection, staff: StaffSession, *, person_id: int
) -> list[DelegationShown]:
    """Who may act for the person now, newest first, with the proxies' names."""
    require_role(staff, *COUNTER_ROLES)
    if not await person_exists(conn, person_id):
        raise Problem(PERSON_NOT_FOUND)
    shown = await select_active_given_shown(conn, person_id)
    await _viewed(conn, staff, person_id, "counter.delegations_viewed", len(shown))
    return shown


async def _viewed(
    conn: asyncpg.Connection, staff: StaffSession, person_id: int, action: str, rows: int
) -> None:
    # A staff member's every look at a person's data is on the access record.
    await record_audit(
        conn,
        actor=staff_actor(staff.staff_id),
        action=action,
        subject=f"person:{person_id}",
        office=staff.office_code,
        channel="counter",
        details={"rows": rows},
    )


def _no_proxy(message: str) -> InvalidInput:
    return InvalidInput(BadInput(PROXY_FIELD, message))


async def find_proxy_at_counter(
    conn: asyncpg.Connection,
    staff: StaffSession,
    *,
    principal_person_id: int,
    name: str,
    birth_date: date,
) -> int:
    """The account of the one living person with exactly this name and birth date, to
    be the principal's proxy; InvalidInput naming `proxy` otherwise. The search is
    audited."""
    require_role(staff, *COUNTER_ROLES)
    try:
        found = await find_people(conn, name, birth_date, staff=staff)
    except ValueError:
        raise _no_proxy(N_("Enter the name as on the ID document.")) from None
    if not found:
        raise _no_proxy(
            N_("Nobody matches this name and birth date. Check them on the ID document."),
        )
    if len(found) > 1:
        raise _no_proxy(
            N_(
                "More than one person has this name and birth date. Ask the person to set "
                "this up in the app with the account number of the one who will help."
            ),
        )
    if found[0].id == principal_person_id:
        raise _no_proxy(N_("Name someone other than the person being helped."))
    account = await get_account_by_person(conn, found[0].id)
    if account is None:
        raise _no_proxy(
            N_(
                "This person has no account yet. They can sign up in the app, or at a "
                "counter with their ID document."
            ),
        )
    return account.id
