"""The two-person rule at the counter: revoking every authenticator and changing the
phone of record are what someone who took over an account would want most. A staff
member asks, with a reason, after a matching ID check in the last 30 minutes; a
supervisor or administrator of the same office approves or refuses within 8 hours.
Only an approval runs the action, in the same transaction as the approval.

Two persons means two persons: the approver must be independent of the one who asked
(auth/staff/circle.py): not them, not an account they created or promoted in the
last 30 days, not the one who created them, not created by the same person. An
administrator who makes a supervisor account and enrols its passkey is still one
person. When the office has no independent supervisor who can sign in, the request is
offered to the other job centres of its region, and the one who asked is told.

Every step is audited with the office and the counter channel; approved actions are
marked `two_person`, and an attempt to decide alone is audited although it is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import asyncpg
import msgspec

from auth.access_card_store import revoke_live_cards
from auth.counter.identity_checks import PERSON_NOT_FOUND, lock_living_person
from auth.counter.recovery import audit_as, checked_account
from auth.counter.recovery_store import (
    RecoveryAction,
    RecoveryRequest,
    RecoveryStatus,
    clear_totp,
    delete_passkeys,
    delete_unused_recovery_codes,
    get_recovery_request_for_update,
    insert_recovery_request,
    is_expired,
    list_recovery_requests,
    mark_recovery_request_decided,
    remove_live_phones,
    set_phone_of_record,
)
from auth.enrollment_codes import retire_open_codes
from auth.people import mask_phone
from auth.sessions import revoke_account_sessions
from auth.staff.accounts import staff_actor
from auth.staff.circle import are_independent, independent_approvers
from auth.staff.roles import COUNTER_ROLES, SUPERVISOR_ROLES, require_role
from auth.staff.sessions import StaffSession
from auth.staff.store import list_region_neighbours
from foundation.audit import record_audit
from foundation.problems import NOT_FOUND, Problem, problem_kind
from i18n import N_

RECOVERY_ACTIONS: tuple[RecoveryAction, ...] = (
    "revoke_all_authenticators",
    "change_phone_of_record",
)
RECOVERY_STATUSES: tuple[RecoveryStatus, ...] = ("pending", "approved", "refused")
# A request not decided within a working day lapses; the person asks again.
REQUEST_LIFETIME = timedelta(hours=8)
MAX_REQUESTS_LISTED = 100

APPROVAL_NOT_ALLOWED = problem_kind(
    "approval-not-allowed",
    403,
    N_("You cannot decide on this request"),
    N_(
        "A supervisor or administrator of the same job centre, other than the person who "
        "asked, must approve or refuse this request."
    ),
)
APPROVAL_NOT_INDEPENDENT = problem_kind(
    "approval-not-independent",
    403,
    N_("You cannot be the second person for this request"),
    N_(
        "In the last 30 days the person who asked created or promoted your account, you "
        "created or promoted theirs, or the same person did both. Another supervisor must "
        "decide. Nothing was changed."
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


# Who can approve a new request: an independent supervisor of the office, only the
# region's (the request was offered to them), or nobody who can sign in today.
WhoCanApprove = Literal["office", "region", "nobody"]


class RecoveryAsked(msgspec.Struct, frozen=True, kw_only=True):
    request: RecoveryRequest
    who_can_approve: WhoCanApprove


class AllAuthenticatorsRevoked(msgspec.Struct, frozen=True, kw_only=True):
    passkeys: list[int]
    totp: bool
    recovery_codes: int
    cards: list[int]
    phones: list[int]
    enrollment_codes: int
    sessions_ended: int


async def request_recovery(
    conn: asyncpg.Connection,
    staff: StaffSession,
    *,
    person_id: int,
    action: RecoveryAction,
    reason: str,
    new_phone_e164: str | None = None,
) -> RecoveryAsked:
    """Ask for a second person's approval; nothing changes until it is given. Offered
    to the region's job centres when nobody of the office can be the second person."""
    if (action == "change_phone_of_record") != (new_phone_e164 is not None):
        raise ValueError("a new phone goes with a change of the phone of record, and only there")
    require_role(staff, *COUNTER_ROLES)
    account, verification = await checked_account(conn, person_id)
    who: WhoCanApprove = "office"
    if not await independent_approvers(conn, staff.staff_id, [staff.office_code]):
        neighbours = await list_region_neighbours(conn, staff.office_code)
        region = await independent_approvers(conn, staff.staff_id, neighbours)
        who = "region" if region else "nobody"
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
        offered_to_region=who != "office",
    )
    details: dict[str, object] = {
        "request": request.id,
        "action": action,
        "verification": verification.id,
        "who_can_approve": who,
    }
    if new_phone_e164 is not None:
        details["new_phone"] = mask_phone(new_phone_e164)
    await record_audit(
        conn,
        **audit_as(staff),
        action="counter.recovery_requested",
        subject=f"person:{person_id}",
        reason=reason,
        details=details,
    )
    return RecoveryAsked(request=request, who_can_approve=who)


async def _may_see(conn: asyncpg.Connection, staff: StaffSession, request: RecoveryRequest) -> bool:
    if staff.office_code == request.office_code:
        return True
    return request.offered_to_region and staff.office_code in await list_region_neighbours(
        conn, request.office_code
    )


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
    refusal = None
    if (
        staff.role not in SUPERVISOR_ROLES
        or staff.staff_id == request.requested_by
        or not await _may_see(conn, staff, request)
    ):
        refusal = APPROVAL_NOT_ALLOWED
    elif not await are_independent(conn, staff.staff_id, request.requested_by):
        refusal = APPROVAL_NOT_INDEPENDENT
    if refusal is not None:
        # Kept although the answer is an error: an attempt to approve alone is worth knowing.
        await record_audit(
            conn,
            **audit_as(staff),
            action="counter.recovery_decision_refused",
            subject=f"person:{request.person_id}",
            details={
                "request": request.id,
                "role": staff.role,
                "approve": approve,
                "refused_because": "not_independent"
                if refusal is APPROVAL_NOT_INDEPENDENT
                else "not_allowed",
            },
        )
        raise Problem(refusal, commit_first=True)
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
        **audit_as(staff),
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
        **audit_as(approver),
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
    """Requests of the staff member's own office, and those offered to its region
    (supervisors and administrators)."""
    require_role(staff, *SUPERVISOR_ROLES)
    return await list_recovery_requests(conn, staff.office_code, status, limit=MAX_REQUESTS_LISTED)
