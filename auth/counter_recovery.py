"""Recovery at the counter: reset a PIN, unlock, revoke authenticators, change the phone
of record, so that the person leaves the counter able to sign in the same day (unlike
login.gov, which deletes the account and makes the person wait 24 hours).

Every action needs a staff session and a matching check of the person's ID document
in the last 30 minutes (auth/counter.py): the person is at the counter now.

Revoking every authenticator and changing the phone of record are what someone who
took over an account would want most, so they follow the two-person rule: a staff
member asks, with a reason; a supervisor or administrator of the same office, who
is not the one who asked, approves or refuses. Only an approval runs the action, in
the same transaction as the approval. Every step is audited with the office and the
counter channel; approved actions are marked `two_person`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import asyncpg
import msgspec

from auth.access_card_store import revoke_live_cards
from auth.access_cards import METHOD as CARD_METHOD
from auth.accounts import Account, get_account_by_person, get_account_for_update, unlock_account
from auth.counter import (
    PERSON_NOT_FOUND,
    IdentityVerification,
    get_recent_match,
    lock_living_person,
)
from auth.counter_recovery_store import (
    AuditTrailEntry,
    RecoveryAction,
    RecoveryRequest,
    RecoveryStatus,
    clear_card_pin_locks,
    clear_phone_pin_locks,
    clear_pin,
    clear_totp,
    delete_passkeys,
    delete_unused_recovery_codes,
    get_recovery_request_for_update,
    insert_recovery_request,
    is_expired,
    list_recovery_requests,
    mark_recovery_request_decided,
    remove_live_phones,
    revoke_live_card,
    revoke_sessions_by_method,
    select_audit_trail,
    set_phone_of_record,
)
from auth.enrollment_codes import retire_open_codes
from auth.passkey_store import delete_passkey_row, get_passkey
from auth.people import mask_phone
from auth.registered_phone_store import mark_phone_removed, person_exists, revoke_phone_sessions
from auth.sessions import revoke_account_sessions
from auth.staff import staff_actor
from auth.staff_roles import COUNTER_ROLES, SUPERVISOR_ROLES, require_role
from auth.staff_sessions import StaffSession
from i18n import N_
from server.audit import record_audit
from server.problems import NOT_FOUND, Problem, problem_kind

AuthenticatorKind = Literal["passkey", "totp", "card", "phone"]
AUTHENTICATOR_KINDS: tuple[AuthenticatorKind, ...] = ("passkey", "totp", "card", "phone")
RECOVERY_ACTIONS: tuple[RecoveryAction, ...] = (
    "revoke_all_authenticators",
    "change_phone_of_record",
)
RECOVERY_STATUSES: tuple[RecoveryStatus, ...] = ("pending", "approved", "refused")
# The person is still at the counter: a check from earlier in the day is not enough
# to hand their account to whoever stands there now.
RECENT_MATCH_FOR_RECOVERY = timedelta(minutes=30)
# A request not decided within a working day lapses; the person asks again.
REQUEST_LIFETIME = timedelta(hours=8)
MAX_REQUESTS_LISTED = 100
MAX_AUDIT_ROWS = 200
CHANNEL = "counter"

RECENT_CHECK_NEEDED = problem_kind(
    "recent-identity-check-needed",
    409,
    N_("Check the person's ID again first"),
    N_(
        "This needs a matching check of the person's ID document within the last 30 minutes. "
        "Check the document and record the result first."
    ),
)
APPROVAL_NOT_ALLOWED = problem_kind(
    "approval-not-allowed",
    403,
    N_("You cannot decide on this request"),
    N_(
        "A supervisor or administrator of the same job centre, other than the person who "
        "asked, must approve or refuse this request."
    ),
)
REQUEST_ALREADY_DECIDED = problem_kind(
    "recovery-request-decided",
    409,
    N_("This request was already decided"),
    N_("This request was already approved or refused. Nothing was changed."),
)
REQUEST_EXPIRED = problem_kind(
    "recovery-request-expired",
    409,
    N_("This request has expired"),
    N_(
        "A request must be decided within 8 hours. Check the person's ID again and make a "
        "new request."
    ),
)


class PinReset(msgspec.Struct, frozen=True, kw_only=True):
    account_id: int
    had_pin: bool
    cards_unlocked: int
    phones_unlocked: int


class AccountUnlocked(msgspec.Struct, frozen=True, kw_only=True):
    account_id: int
    was_locked: bool
    was_locked_until_counter: bool


class AuthenticatorRevoked(msgspec.Struct, frozen=True, kw_only=True):
    kind: AuthenticatorKind
    id: int
    sessions_ended: int


class AllAuthenticatorsRevoked(msgspec.Struct, frozen=True, kw_only=True):
    passkeys: list[int]
    totp: bool
    recovery_codes: int
    cards: list[int]
    phones: list[int]
    enrollment_codes: int
    sessions_ended: int


def _audit_as(staff: StaffSession) -> dict[str, str]:
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
        **_audit_as(staff),
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
    """Lift the 10-minute lock and the lock after 100 failures."""
    require_role(staff, *COUNTER_ROLES)
    account, verification = await checked_account(conn, person_id)
    now = datetime.now(UTC)
    was_locked = account.locked_until is not None and account.locked_until > now
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
        was_locked=was_locked,
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
        **_audit_as(staff),
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


# --- Two people: ask, then approve or refuse -------------------------------------


async def request_recovery(
    conn: asyncpg.Connection,
    staff: StaffSession,
    *,
    person_id: int,
    action: RecoveryAction,
    reason: str,
    new_phone_e164: str | None = None,
) -> RecoveryRequest:
    """Ask for a second person's approval; nothing changes until it is given."""
    if (action == "change_phone_of_record") != (new_phone_e164 is not None):
        raise ValueError("a new phone goes with a change of the phone of record, and only there")
    require_role(staff, *COUNTER_ROLES)
    account, verification = await checked_account(conn, person_id)
    request = await insert_recovery_request(
        conn,
        person_id=person_id,
        account_id=account.id,
        action=action,
        reason=reason,
        new_phone_e164=new_phone_e164,
        verification_id=verification.id,
        office_code=staff.office_code,
        requested_by=staff.staff_id,
    )
    details: dict[str, object] = {
        "request": request.id,
        "action": action,
        "verification": verification.id,
    }
    if new_phone_e164 is not None:
        details["new_phone"] = mask_phone(new_phone_e164)
    await record_audit(
        conn,
        **_audit_as(staff),
        action="counter.recovery_requested",
        subject=f"person:{person_id}",
        reason=reason,
        details=details,
    )
    return request


async def decide_recovery(
    conn: asyncpg.Connection,
    staff: StaffSession,
    *,
    request_id: int,
    approve: bool,
    reason: str | None = None,
) -> RecoveryRequest:
    """Approve (the action runs now, in this transaction) or refuse a pending request."""
    request = await get_recovery_request_for_update(conn, request_id)
    if request is None:
        raise Problem(NOT_FOUND)
    if (
        staff.role not in SUPERVISOR_ROLES
        or staff.office_code != request.office_code
        or staff.staff_id == request.requested_by
    ):
        # Kept although the answer is an error: an attempt to approve alone is worth knowing.
        await record_audit(
            conn,
            **_audit_as(staff),
            action="counter.recovery_decision_refused",
            subject=f"person:{request.person_id}",
            details={"request": request.id, "role": staff.role, "approve": approve},
        )
        raise Problem(APPROVAL_NOT_ALLOWED, commit_first=True)
    if request.status != "pending":
        raise Problem(REQUEST_ALREADY_DECIDED)
    if is_expired(request, REQUEST_LIFETIME, datetime.now(UTC)):
        raise Problem(REQUEST_EXPIRED)
    decided = await mark_recovery_request_decided(
        conn,
        request.id,
        status="approved" if approve else "refused",
        decided_by=staff.staff_id,
        decision_reason=reason,
    )
    two_people = {
        "request": request.id,
        "requested_by": staff_actor(request.requested_by),
        "decided_by": staff_actor(staff.staff_id),
    }
    await record_audit(
        conn,
        **_audit_as(staff),
        action="counter.recovery_approved" if approve else "counter.recovery_refused",
        subject=f"person:{request.person_id}",
        reason=reason or request.reason,
        details={**two_people, "action": request.action, "two_person": True},
    )
    if approve:
        await _carry_out(conn, staff, request, two_people)
    return decided


async def _carry_out(
    conn: asyncpg.Connection,
    approver: StaffSession,
    request: RecoveryRequest,
    two_people: dict[str, object],
) -> None:
    if not await lock_living_person(conn, request.person_id):
        raise Problem(PERSON_NOT_FOUND)
    details: dict[str, object]
    if request.action == "revoke_all_authenticators":
        revoked = await _revoke_all(conn, approver, request)
        details = msgspec.to_builtins(revoked)
        action = "counter.all_authenticators_revoked"
    else:
        assert request.new_phone_e164 is not None
        old = await set_phone_of_record(conn, request.person_id, request.new_phone_e164)
        # Whoever holds the old number may have signed in with its codes.
        ended = await revoke_account_sessions(
            conn, request.account_id, reason="phone_of_record_changed"
        )
        details = {
            "old_phone": mask_phone(old) if old else None,
            "new_phone": mask_phone(request.new_phone_e164),
            "sessions_ended": ended,
        }
        action = "counter.phone_of_record_changed"
    await record_audit(
        conn,
        **_audit_as(approver),
        action=action,
        subject=f"person:{request.person_id}",
        reason=request.reason,
        details={**details, **two_people, "account": request.account_id, "two_person": True},
    )


async def _revoke_all(
    conn: asyncpg.Connection, approver: StaffSession, request: RecoveryRequest
) -> AllAuthenticatorsRevoked:
    """Every way in but the PIN (reset separately): passkeys, TOTP, recovery codes, cards,
    registered phones, open enrollment codes, and every session."""
    account_id = request.account_id
    return AllAuthenticatorsRevoked(
        passkeys=await delete_passkeys(conn, account_id),
        totp=await clear_totp(conn, account_id),
        recovery_codes=await delete_unused_recovery_codes(conn, account_id),
        cards=await revoke_live_cards(conn, request.person_id),
        phones=await remove_live_phones(
            conn, person_id=request.person_id, staff_id=approver.staff_id
        ),
        enrollment_codes=await retire_open_codes(conn, account_id),
        sessions_ended=await revoke_account_sessions(
            conn, account_id, reason="all_authenticators_revoked"
        ),
    )


async def pending_for_office(
    conn: asyncpg.Connection, staff: StaffSession, *, status: RecoveryStatus = "pending"
) -> list[RecoveryRequest]:
    """Requests of the staff member's own office (supervisors and administrators)."""
    require_role(staff, *SUPERVISOR_ROLES)
    return await list_recovery_requests(conn, staff.office_code, status, limit=MAX_REQUESTS_LISTED)


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
        **_audit_as(staff),
        action="counter.audit_trail_viewed",
        subject=f"person:{person_id}",
        details={"rows": len(entries)},
    )
    return entries
