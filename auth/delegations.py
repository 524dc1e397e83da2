"""Acting for someone (대리): a principal lets a proxy act for them, within scopes.

A person who finds the app hard (an older parent, someone in hospital) lets another
person's account see their benefits (`view_benefits`), apply for them (`apply`) or
read their notices (`read_notifications`), until a date at most a year ahead. The
principal sets it up in the app with a recent aal 2 sign-in, or at a counter, where
a clerk has just checked their ID document (a `match` in the last 8 hours); there a
clerk may also be the proxy, for the length of the visit (8 hours at most).

Either side may end it, at once; so may a clerk with the principal present and their
ID checked, as for setting one up. Every action a proxy takes is recorded with both
people in `delegation_actions`, which the principal reads as their activity. That is
its own table rather than audit-log rows because the principal reads it by person,
newest first, on an index; the hash-chained audit log keeps a row as well.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import asyncpg
import msgspec

from auth.accounts import get_account
from auth.counter.identity_checks import (
    PERSON_NOT_FOUND,
    RECENT_MATCH,
    get_recent_match,
    lock_living_person,
)
from auth.delegation_store import (
    DelegatedAction,
    Delegation,
    Scope,
    find_active_delegation,
    get_delegation_for_update,
    insert_delegated_action,
    insert_delegation,
    mark_delegation_revoked,
    select_active_given,
    select_active_received,
    select_delegated_actions,
)
from auth.sessions import CurrentSession, require_recent_aal2
from auth.staff.accounts import staff_actor
from auth.staff.roles import COUNTER_ROLES, require_role
from auth.staff.sessions import StaffSession
from foundation.audit import record_audit
from foundation.korea import KOREA
from foundation.problems import NOT_FOUND, BadInput, InvalidInput, Problem, problem_kind
from i18n import N_

MAX_VALIDITY_DAYS = 365
# A clerk acts for the person only while they are at the counter.
VISIT_LENGTH = timedelta(hours=8)

DELEGATION_NEEDED = problem_kind(
    "delegation-needed",
    403,
    N_("You cannot do this for this person"),
    N_(
        "This person has not let you do this for them, or their permission has ended "
        "or was withdrawn. Ask them to set it up again."
    ),
)
PRINCIPAL_CHECK_NEEDED = problem_kind(
    "principal-identity-check-needed",
    409,
    N_("Check the person's ID first"),
    N_(
        "Acting for someone can be set up at the counter only after that person's ID "
        "document matched, within the last 8 hours. Check the document first."
    ),
)

ActingSession = CurrentSession | StaffSession


class DelegationsOverview(msgspec.Struct, frozen=True, kw_only=True):
    # People who may act for me.
    proxies: list[Delegation]
    # People I may act for.
    acting_for: list[Delegation]


def account_actor(account_id: int) -> str:
    return f"account:{account_id}"


def acting_actor(acting: ActingSession) -> str:
    if isinstance(acting, StaffSession):
        return staff_actor(acting.staff_id)
    return account_actor(acting.account_id)


def end_of_korean_day(day: date) -> datetime:
    """A delegation `until` a date holds through that whole day in Korea."""
    return datetime.combine(day + timedelta(days=1), time(0), KOREA).astimezone(UTC)


def _invalid(name: str, message: str, **params: object) -> InvalidInput:
    return InvalidInput(BadInput(name, message, params))


def checked_scopes(scopes: list[Scope]) -> list[Scope]:
    if not scopes or len(set(scopes)) != len(scopes):
        raise _invalid(
            "scopes",
            N_("Choose one or more of view_benefits, apply and read_notifications, each once."),
        )
    return scopes


def checked_until(until: date, *, today: date | None = None) -> datetime:
    today = today or datetime.now(KOREA).date()
    if not today <= until <= today + timedelta(days=MAX_VALIDITY_DAYS):
        raise _invalid(
            "until",
            N_("Choose a date from today to {days} days from today."),
            days=MAX_VALIDITY_DAYS,
        )
    return end_of_korean_day(until)


async def _checked_proxy(
    conn: asyncpg.Connection, proxy_account_id: int, principal_person_id: int
) -> int:
    account = await get_account(conn, proxy_account_id) if 1 <= proxy_account_id < 2**63 else None
    if account is None or account.person_id == principal_person_id:
        raise _invalid(
            "proxy_account_id",
            N_(
                "Enter the account number of the person who will act for you. "
                "They find it in their app under My account."
            ),
        )
    return account.id


async def _created(conn: asyncpg.Connection, delegation: Delegation, *, channel: str) -> None:
    await record_audit(
        conn,
        actor=delegation.created_by,
        action="delegation.created",
        subject=f"person:{delegation.principal_person_id}",
        channel=channel,
        details={
            "delegation": delegation.id,
            "proxy": (
                account_actor(delegation.proxy_account_id)
                if delegation.proxy_account_id is not None
                else staff_actor(delegation.proxy_staff_id or 0)
            ),
            "scopes": list(delegation.scopes),
            "expires_at": delegation.expires_at.isoformat(),
        },
    )


async def create_delegation(
    conn: asyncpg.Connection,
    session: CurrentSession,
    *,
    proxy_account_id: int,
    scopes: list[Scope],
    until: date,
) -> Delegation:
    """The principal, signed in at aal 2 within the last 12 hours, names a proxy."""
    require_recent_aal2(session)
    scopes = checked_scopes(scopes)
    expires_at = checked_until(until)
    proxy = await _checked_proxy(conn, proxy_account_id, session.person_id)
    delegation = await insert_delegation(
        conn,
        principal_person_id=session.person_id,
        proxy_account_id=proxy,
        proxy_staff_id=None,
        scopes=scopes,
        expires_at=expires_at,
        created_via="principal",
        created_by=account_actor(session.account_id),
        verification_id=None,
        visit_length=VISIT_LENGTH,
    )
    await _created(conn, delegation, channel=session.channel)
    return delegation


async def create_counter_delegation(
    conn: asyncpg.Connection,
    staff: StaffSession,
    *,
    principal_person_id: int,
    proxy_account_id: int | None,
    scopes: list[Scope],
    until: date | None,
) -> Delegation:
    """At the counter, the principal present: to another account, or (no account) to the
    clerk for this visit. Needs a matching ID check of the principal in the last 8 hours."""
    if not await lock_living_person(conn, principal_person_id):
        raise Problem(PERSON_NOT_FOUND)
    verification = await get_recent_match(conn, principal_person_id, within=RECENT_MATCH)
    if verification is None:
        raise Problem(PRINCIPAL_CHECK_NEEDED)
    scopes = checked_scopes(scopes)
    expires_at: datetime | None
    if proxy_account_id is None:
        expires_at = None  # VISIT_LENGTH from the database's now(), as created_at is
        proxy: int | None = None
    else:
        if until is None:
            raise _invalid("until", N_("This field is required."))
        expires_at = checked_until(until)
        proxy = await _checked_proxy(conn, proxy_account_id, principal_person_id)
    delegation = await insert_delegation(
        conn,
        principal_person_id=principal_person_id,
        proxy_account_id=proxy,
        proxy_staff_id=staff.staff_id if proxy is None else None,
        scopes=scopes,
        expires_at=expires_at,
        created_via="counter",
        created_by=staff_actor(staff.staff_id),
        verification_id=verification.id,
        visit_length=VISIT_LENGTH,
    )
    await _created(conn, delegation, channel="counter")
    return delegation


async def list_delegations(
    conn: asyncpg.Connection, session: CurrentSession
) -> DelegationsOverview:
    return DelegationsOverview(
        proxies=await select_active_given(conn, session.person_id),
        acting_for=await select_active_received(conn, session.account_id),
    )


async def revoke_delegation(
    conn: asyncpg.Connection, session: CurrentSession, delegation_id: int
) -> None:
    """The principal or the proxy ends it, at once. Someone else's is 404; ending an
    ended one changes nothing."""
    delegation = (
        await get_delegation_for_update(conn, delegation_id) if 1 <= delegation_id < 2**63 else None
    )
    party = delegation is not None and (
        session.person_id == delegation.principal_person_id
        or session.account_id == delegation.proxy_account_id
    )
    if delegation is None or not party:
        raise Problem(NOT_FOUND)
    if delegation.revoked_at is not None or delegation.expires_at <= datetime.now(UTC):
        return
    await mark_delegation_revoked(conn, delegation.id, revoked_by=account_actor(session.account_id))
    await record_audit(
        conn,
        actor=account_actor(session.account_id),
        action="delegation.revoked",
        subject=f"person:{delegation.principal_person_id}",
        channel=session.channel,
        details={"delegation": delegation.id},
    )


async def revoke_delegation_at_counter(
    conn: asyncpg.Connection, staff: StaffSession, *, principal_person_id: int, delegation_id: int
) -> None:
    """A clerk ends one of the principal's delegations, the principal present: as for
    setting one up, their ID document must have matched in the last 8 hours. Another
    person's delegation is 404; ending an ended one changes nothing."""
    require_role(staff, *COUNTER_ROLES)
    if not await lock_living_person(conn, principal_person_id):
        raise Problem(PERSON_NOT_FOUND)
    verification = await get_recent_match(conn, principal_person_id, within=RECENT_MATCH)
    if verification is None:
        raise Problem(PRINCIPAL_CHECK_NEEDED)
    delegation = (
        await get_delegation_for_update(conn, delegation_id) if 1 <= delegation_id < 2**63 else None
    )
    if delegation is None or delegation.principal_person_id != principal_person_id:
        raise Problem(NOT_FOUND)
    if delegation.revoked_at is not None or delegation.expires_at <= datetime.now(UTC):
        return
    await mark_delegation_revoked(conn, delegation.id, revoked_by=staff_actor(staff.staff_id))
    await record_audit(
        conn,
        actor=staff_actor(staff.staff_id),
        action="delegation.revoked",
        subject=f"person:{principal_person_id}",
        office=staff.office_code,
        channel="counter",
        details={"delegation": delegation.id, "verification": verification.id},
    )


async def require_scope(
    conn: asyncpg.Connection,
    acting_session: ActingSession,
    principal_person_id: int,
    scope: Scope,
) -> Delegation:
    """The delegation in force that lets this session act for the principal, or 403."""
    if isinstance(acting_session, StaffSession):
        delegation = await find_active_delegation(
            conn,
            principal_person_id=principal_person_id,
            proxy_account_id=None,
            proxy_staff_id=acting_session.staff_id,
            scope=scope,
        )
    else:
        delegation = await find_active_delegation(
            conn,
            principal_person_id=principal_person_id,
            proxy_account_id=acting_session.account_id,
            proxy_staff_id=None,
            scope=scope,
        )
    if delegation is None:
        raise Problem(DELEGATION_NEEDED)
    return delegation


async def record_delegated_action(
    conn: asyncpg.Connection,
    delegation: Delegation,
    acting_session: ActingSession,
    *,
    action: str,
    subject: str | None = None,
) -> None:
    """What the proxy did, with both people: for the principal and for the audit log."""
    actor = acting_actor(acting_session)
    channel = "counter" if isinstance(acting_session, StaffSession) else acting_session.channel
    await insert_delegated_action(
        conn,
        delegation_id=delegation.id,
        principal_person_id=delegation.principal_person_id,
        actor=actor,
        action=action,
        subject=subject,
        channel=channel,
    )
    await record_audit(
        conn,
        actor=actor,
        action=action,
        subject=f"person:{delegation.principal_person_id}",
        office=acting_session.office_code if isinstance(acting_session, StaffSession) else None,
        channel=channel,
        details={"delegation": delegation.id, "on_behalf_of": delegation.principal_person_id},
    )


async def list_activity(
    conn: asyncpg.Connection, principal_person_id: int, *, before: int | None, limit: int
) -> list[DelegatedAction]:
    return await select_delegated_actions(conn, principal_person_id, before=before, limit=limit)
