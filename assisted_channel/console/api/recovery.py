"""Recovery at the counter, as JSON (`/console/api/...`): reset a PIN, unlock, revoke one
authenticator; ask for, list, approve and refuse the two-person actions (revoke every
authenticator, change the phone of record); a person's audit trail for supervisors.

Every call needs a staff session (the `hanchang_staff` cookie, sign_in.py).
The rules are in auth/counter/recovery.py; this module only translates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter

from auth import checked_phone, mask_phone
from auth.counter import (
    AUTHENTICATOR_KINDS,
    REASON_MAX_LENGTH,
    RECOVERY_STATUSES,
    AccountUnlocked,
    AuditTrailEntry,
    AuthenticatorRevoked,
    PinReset,
    RecoveryAction,
    RecoveryRequest,
    WhoCanApprove,
    checked_reason,
    decide_recovery,
    pending_for_office,
    person_audit_trail,
    request_recovery,
    reset_pin,
    revoke_authenticator,
    unlock,
)
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import VALIDATION_ERROR, FieldError, Problem, problem_responses
from i18n import N_, translate

Reason = Annotated[
    str, msgspec.Meta(min_length=1, max_length=REASON_MAX_LENGTH, examples=["Forgot the PIN"])
]


class ReasonBody(msgspec.Struct, kw_only=True):
    # Why, in the clerk's words: it goes in the audit log.
    reason: Reason


class RecoveryRequestBody(msgspec.Struct, kw_only=True):
    action: RecoveryAction
    reason: Reason
    # Only with `change_phone_of_record`: 010-1234-5678, 02-1234-5678 or E.164.
    new_phone: Annotated[str, msgspec.Meta(max_length=30)] | None = None


class RecoveryRequestView(msgspec.Struct, kw_only=True):
    id: int
    person_id: int
    action: RecoveryAction
    reason: str
    # Masked: the full number stays in the database.
    new_phone_masked: str | None
    office: str
    requested_by: int
    requested_at: datetime
    status: str
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str | None
    # No independent supervisor of the office: the region's job centres may decide too.
    offered_to_region: bool

    @classmethod
    def of(cls, request: RecoveryRequest) -> RecoveryRequestView:
        phone = request.new_phone_e164
        return cls(
            id=request.id,
            person_id=request.person_id,
            action=request.action,
            reason=request.reason,
            new_phone_masked=mask_phone(phone) if phone else None,
            office=request.office_code,
            requested_by=request.requested_by,
            requested_at=request.requested_at,
            status=request.status,
            decided_by=request.decided_by,
            decided_at=request.decided_at,
            decision_reason=request.decision_reason,
            offered_to_region=request.offered_to_region,
        )


class RecoveryRequestAsked(RecoveryRequestView, kw_only=True):
    # `office`: a supervisor of your job centre can approve; `region`: none can, so the
    # other job centres of your region were asked; `nobody`: no one in the region can
    # today (the request waits its 8 hours all the same).
    who_can_approve: WhoCanApprove


class RecoveryRequests(msgspec.Struct, kw_only=True):
    requests: list[RecoveryRequestView]


class AuditTrail(msgspec.Struct, kw_only=True):
    entries: list[AuditTrailEntry]


def _field_problem(
    request: Request[Any, Any, Any], field: str, message: str, **params: Any
) -> Problem:
    detail = translate(request_locale(request), message, **params)
    return Problem(VALIDATION_ERROR, errors=[FieldError(field=field, detail=detail)])


@post(
    "/api/people/{person_id:int}/pin-reset",
    status_code=200,
    tags=["staff"],
    summary="Reset the person's PIN (they set a new one on the spot)",
    responses=problem_responses(400, 401, 404, 409),
    description=(
        "Needs a `match` ID check of this person in the last 30 minutes (otherwise 409 "
        "`recent-identity-check-needed`). The PIN is forgotten, and the wrong PINs counted "
        "on the app, the person's card and their registered phones are cleared. The person "
        "sets a new PIN as a first PIN (after an SMS or enrollment code)."
    ),
)
async def post_pin_reset(
    data: JSONBody[ReasonBody],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> PinReset:
    reason = checked_reason(data.reason)
    return await reset_pin(tx.conn, staff, person_id=person_id, reason=reason)


@post(
    "/api/people/{person_id:int}/unlock",
    status_code=200,
    tags=["staff"],
    summary="Lift the person's sign-in locks (10 minutes, and after 100 failures)",
    responses=problem_responses(400, 401, 404, 409),
    description="Needs a `match` ID check of this person in the last 30 minutes.",
)
async def post_unlock(
    data: JSONBody[ReasonBody],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> AccountUnlocked:
    reason = checked_reason(data.reason)
    return await unlock(tx.conn, staff, person_id=person_id, reason=reason)


@post(
    "/api/people/{person_id:int}/authenticators/{kind:str}/{auth_id:int}/revoke",
    status_code=200,
    tags=["staff"],
    summary="Revoke one passkey, the TOTP app, an access card or a registered phone",
    responses=problem_responses(400, 401, 404, 409),
    description=(
        "`kind` is `passkey`, `totp` (`auth_id` is then the account id), `card` or `phone`. "
        "Needs a `match` ID check in the last 30 minutes. Sessions the authenticator may "
        "have begun end with it (for a passkey or TOTP, every session of the account)."
    ),
)
async def post_revoke_authenticator(
    data: JSONBody[ReasonBody],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
    kind: Annotated[str, PathParameter(schema_extra={"enum": list(AUTHENTICATOR_KINDS)})],
    auth_id: FromPath[int],
) -> AuthenticatorRevoked:
    if kind not in AUTHENTICATOR_KINDS:
        raise _field_problem(
            request,
            "path.kind",
            N_("Choose passkey, totp, card or phone."),
        )
    reason = checked_reason(data.reason)
    return await revoke_authenticator(
        tx.conn,
        staff,
        person_id=person_id,
        kind=kind,
        authenticator_id=auth_id,
        reason=reason,
    )


@post(
    "/api/people/{person_id:int}/recovery-requests",
    status_code=201,
    tags=["staff"],
    summary="Ask a supervisor to approve revoking every authenticator or a new phone of record",
    responses=problem_responses(400, 401, 404, 409),
    description=(
        "`action` is `revoke_all_authenticators` or `change_phone_of_record` (with "
        "`new_phone`). Needs a `match` ID check in the last 30 minutes. Nothing changes "
        "until a second person approves it within 8 hours: a supervisor or administrator "
        "of the same office who is independent of the one who asked (not an account they "
        "created or promoted in the last 30 days, nor one that did that to them, nor one "
        "made by the same person). Without one, the request is offered to the other job "
        "centres of the region: `who_can_approve` says `office`, `region` or `nobody`."
    ),
)
async def post_recovery_request(
    data: JSONBody[RecoveryRequestBody],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> RecoveryRequestAsked:
    reason = checked_reason(data.reason)
    new_phone: str | None = None
    if data.action == "change_phone_of_record":
        new_phone = checked_phone(data.new_phone or "", "new_phone")
    elif data.new_phone is not None:
        raise _field_problem(
            request,
            "body.new_phone",
            N_("Give a new phone number only to change the phone of record."),
        )
    created = await request_recovery(
        tx.conn,
        staff,
        person_id=person_id,
        action=data.action,
        reason=reason,
        new_phone_e164=new_phone,
    )
    view = RecoveryRequestView.of(created.request)
    return RecoveryRequestAsked(
        **msgspec.structs.asdict(view), who_can_approve=created.who_can_approve
    )


@get(
    "/api/recovery-requests",
    tags=["staff"],
    summary="Recovery requests of your office and those offered to your region (supervisors)",
    responses=problem_responses(400, 401, 403),
    description="`status` is `pending` (the default), `approved` or `refused`; newest first.",
)
async def get_recovery_requests(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    status: Annotated[
        str, QueryParameter(name="status", schema_extra={"enum": list(RECOVERY_STATUSES)})
    ] = "pending",
) -> RecoveryRequests:
    if status not in RECOVERY_STATUSES:
        raise _field_problem(request, "query.status", N_("Choose pending, approved or refused."))
    found = await pending_for_office(tx.conn, staff, status=status)
    return RecoveryRequests(requests=[RecoveryRequestView.of(r) for r in found])


@post(
    "/api/recovery-requests/{request_id:int}/approve",
    status_code=200,
    tags=["staff"],
    summary="Approve a recovery request: the action runs now (the second person)",
    responses=problem_responses(401, 403, 404, 409),
    description=(
        "Only a supervisor or administrator of the request's office (or of its region, "
        "when it was offered there) who did not ask for it (otherwise 403 "
        "`approval-not-allowed`), and who is independent of the one who asked (otherwise "
        "403 `approval-not-independent`). A refused attempt is audited."
    ),
)
async def post_approve(
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    request_id: FromPath[int],
) -> RecoveryRequestView:
    decided = await decide_recovery(tx.conn, staff, request_id=request_id, approve=True)
    return RecoveryRequestView.of(decided)


@post(
    "/api/recovery-requests/{request_id:int}/refuse",
    status_code=200,
    tags=["staff"],
    summary="Refuse a recovery request: nothing changes",
    responses=problem_responses(400, 401, 403, 404, 409),
    description="The same people as for approving; `reason` says why.",
)
async def post_refuse(
    data: JSONBody[ReasonBody],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    request_id: FromPath[int],
) -> RecoveryRequestView:
    reason = checked_reason(data.reason)
    decided = await decide_recovery(
        tx.conn, staff, request_id=request_id, approve=False, reason=reason
    )
    return RecoveryRequestView.of(decided)


@get(
    "/api/people/{person_id:int}/audit",
    tags=["staff"],
    summary="The person's audit trail, newest first (supervisors and administrators)",
    responses=problem_responses(401, 403, 404),
    description=(
        "Rows about the person and about their account, at most 200. Each view is itself audited."
    ),
)
async def get_person_audit(
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> AuditTrail:
    return AuditTrail(entries=await person_audit_trail(tx.conn, staff, person_id=person_id))


ROUTES = [
    post_pin_reset,
    post_unlock,
    post_revoke_authenticator,
    post_recovery_request,
    get_recovery_requests,
    post_approve,
    post_refuse,
    get_person_audit,
]
