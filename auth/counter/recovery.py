"""Recovery at the counter: reset a PIN, unlock, revoke authenticators, change the phone
of record, so that the person leaves the counter able to sign in the same day (unlike
login.gov, which deletes the account and makes the person wait 24 hours).

Every action needs a staff session and a matching check of the person's ID document
in the last 30 minutes (auth/counter/identity_checks.py): the person is at the counter now.

The two actions that need a second person (revoking every authenticator, changing
the phone of record) are in auth/counter/two_person.py. Every step is audited with
the office and the counter channel.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import asyncpg
import msgspec

from auth.access_cards import METHOD as CARD_METHOD
from auth.accounts import Account, get_account_by_person, get_account_for_update, unlock_account
from auth.counter.identity_checks import (
    PERSON_NOT_FOUND,
    IdentityVerification,
    get_recent_match,
    lock_living_person,
)
from auth.counter.recovery_store import (
    AuditTrailEntry,
    clear_card_pin_locks,
    clear_phone_pin_locks,
    clear_pin,
    clear_totp,
    revoke_live_card,
    revoke_sessions_by_method,
    select_audit_trail,
)
from auth.passkey_store import delete_passkey_row, get_passkey
from auth.registered_phone_store import mark_phone_removed, person_exists, revoke_phone_sessions
from auth.sessions import revoke_account_sessions
from auth.staff.accounts import staff_actor
from auth.staff.roles import COUNTER_ROLES, SUPERVISOR_ROLES, require_role
from auth.staff.sessions import StaffSession
from foundation.audit import record_audit
from foundation.problems import NOT_FOUND, BadInput, InvalidInput, Problem, problem_kind
from i18n import N_

AuthenticatorKind = Literal["passkey", "totp", "card", "phone"]
AUTHENTICATOR_KINDS: tuple[AuthenticatorKind, ...] = ("passkey", "totp", "card", "phone")
# The person is still at the counter: a check from earlier in the day is not enough
# to hand their account to whoever stands there now.
RECENT_MATCH_FOR_RECOVERY = timedelta(minutes=30)
MAX_AUDIT_ROWS = 200
CHANNEL = "counter"
# Why the clerk acts, in their words: it goes in the audit log with the action.
REASON_MAX_LENGTH = 500
BAD_REASON = N_("Write the reason, up to {count} characters.")

RECENT_CHECK_NEEDED = problem_kind(
    "recent-identity-check-needed",
    409,
    N_("Check the person's ID again first"),
    N_(
        "This needs a matching check of the person's ID document within the last 30 minutes. "
        "Check the document and record the result first."
    ),
)


def checked_reason(text: str) -> str:
    """A clerk's reason for a recovery action, trimmed: 1 to 500 printable characters, or
    InvalidInput naming `reason`. The same rule for the console's JSON and its pages."""
    reason = text.strip()
    if not reason or len(reason) > REASON_MAX_LENGTH or not reason.isprintable():
        raise InvalidInput(BadInput("reason", BAD_REASON, {"count": REASON_MAX_LENGTH}))
    return reason


class PinReset(msgspec.Struct, frozen=True, kw_only=True):
    account_id: int
    had_pin: bool
    cards_unlocked: int
    phones_unlocked: int


class AccountUnlocked(msgspec.Struct, frozen=True, kw_only=True):
    account_id: int
    was_locked_until_counter: bool


class AuthenticatorRevoked(msgspec.Struct, frozen=True, kw_only=True):
    kind: AuthenticatorKind
    id: int
    sessions_ended: int


def audit_as(staff: StaffSession) -> dict[str, str]:
    return {"actor": staff_actor(staff.staff_id), "office": staff.office_code, "channel": CHANNEL}


async def checked_account(
    conn: asyncpg.Connection, person_id: int
) -> tuple[Account, IdentityVerification]:
    """The person's account, their row locked, after a match in the last 30 minutes."""
    if not await lock_living_person(conn, person_id):
        raise Problem(PERSON_NOT_FOUND)
    verification = await get_recent_match(conn, person_id, within=RECENT_MATCH_FOR_RECOVERY)
    account = await get_account_by_person(conn, person_id)
    if verification is None or account is None:
        raise Problem(RECENT_CHECK_NEEDED)
    locked = await get_account_for_update(conn, account.id)
    assert locked is not None
    return locked, verification


# --- One person at the counter ------------------------------------------------


async def reset_pin(
    conn: asyncpg.Connection, staff: StaffSession, *, person_id: int, reason: str
) -> PinReset:
    """Forget the PIN: the person sets a new one on the spot (after an SMS code or an
    enrollment code, as for a first PIN). The wrong PINs counted against the old PIN on
    their card and phones go with it."""
    require_role(staff, *COUNTER_ROLES)
    account, verification = await checked_account(conn, person_id)
    had_pin = await clear_pin(conn, account.id)
    cards = await clear_card_pin_locks(conn, person_id)
    phones = await clear_phone_pin_locks(conn, person_id)
    await record_audit(
        conn,
        **audit_as(staff),
        action="counter.pin_reset",
        subject=f"person:{person_id}",
        reason=reason,
        details={
            "account": account.id,
            "verification": verification.id,
            "had_pin": had_pin,
            "cards_unlocked": cards,
            "phones_unlocked": phones,
        },
    )
    return PinReset(
        account_id=account.id, had_pin=had_pin, cards_unlocked=cards, phones_unlocked=phones
    )


async def unlock(
    conn: asyncpg.Connection, staff: StaffSession, *, person_id: int, reason: str
) -> AccountUnlocked:
    """Lift the lock after 100 wrong PINs in a row, and start that count again."""
    require_role(staff, *COUNTER_ROLES)
    account, verification = await checked_account(conn, person_id)
    await unlock_account(
        conn,
        account.id,
        actor=staff_actor(staff.staff_id),
        reason=reason,
        office=staff.office_code,
        channel=CHANNEL,
        details={"person": person_id, "verification": verification.id},
    )
    return AccountUnlocked(
        account_id=account.id,
        was_locked_until_counter=account.hard_locked_at is not None,
    )


async def revoke_authenticator(
    conn: asyncpg.Connection,
    staff: StaffSession,
    *,
    person_id: int,
    kind: AuthenticatorKind,
    authenticator_id: int,
    reason: str,
) -> AuthenticatorRevoked:
    """Revoke one passkey, the TOTP app (its id is the account's), a card or a phone.

    The sessions it may have opened end with it. A session does not record which
    passkey or TOTP app began it, so those end every session of the account; the
    person signs in again at the counter.
    """
    require_role(staff, *COUNTER_ROLES)
    account, verification = await checked_account(conn, person_id)
    ended = 0
    if kind == "passkey":
        if await get_passkey(conn, account.id, authenticator_id, lock=True) is None:
            raise Problem(NOT_FOUND)
        await delete_passkey_row(conn, authenticator_id)
        ended = await revoke_account_sessions(conn, account.id, reason="authenticator_revoked")
    elif kind == "totp":
        if authenticator_id != account.id or not await clear_totp(conn, account.id):
            raise Problem(NOT_FOUND)
        ended = await revoke_account_sessions(conn, account.id, reason="authenticator_revoked")
    elif kind == "card":
        if not await revoke_live_card(conn, person_id=person_id, card_id=authenticator_id):
            raise Problem(NOT_FOUND)
        ended = await revoke_sessions_by_method(
            conn, account.id, CARD_METHOD, reason="authenticator_revoked"
        )
    else:
        phone = await mark_phone_removed(
            conn, person_id=person_id, phone_id=authenticator_id, staff_id=staff.staff_id
        )
        if phone is None:
            raise Problem(NOT_FOUND)
        ended = await revoke_phone_sessions(conn, phone.id, reason="authenticator_revoked")
    await record_audit(
        conn,
        **audit_as(staff),
        action="counter.authenticator_revoked",
        subject=f"person:{person_id}",
        reason=reason,
        details={
            "account": account.id,
            "verification": verification.id,
            "kind": kind,
            "id": authenticator_id,
            "sessions_ended": ended,
        },
    )
    return AuthenticatorRevoked(kind=kind, id=authenticator_id, sessions_ended=ended)


async def person_audit_trail(
    conn: asyncpg.Connection, staff: StaffSession, *, person_id: int
) -> list[AuditTrailEntry]:
    """What was done to and by the person and their account, newest first (at most 200)."""
    require_role(staff, *SUPERVISOR_ROLES)
    if not await person_exists(conn, person_id):
        raise Problem(PERSON_NOT_FOUND)
    account = await get_account_by_person(conn, person_id)
    subjects = [f"person:{person_id}"] + ([f"account:{account.id}"] if account else [])
    entries = await select_audit_trail(conn, subjects, limit=MAX_AUDIT_ROWS)
    # Reading someone's history is itself on their history.
    await record_audit(
        conn,
        **audit_as(staff),
        action="counter.audit_trail_viewed",
        subject=f"person:{person_id}",
        details={"rows": len(entries)},
    )
    return entries
