"""A clerk acting for the person at the counter, under a visit delegation
(`POST /console/api/people/{id}/delegations` with no proxy: the clerk, for the visit):
see their benefits (scope `view_benefits`) and apply for them (scope `apply`).

The same core as the app's proxy routes (onestop/eligibility, onestop/applications): the
delegation is checked on every call, a revoked or ended one stops at once, and each
action is recorded with both people, the clerk's office and the counter channel.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.idempotency_key import IdempotencyKey, checked_key
from foundation.problems import VALIDATION_ERROR, FieldError, Problem, problem_responses
from i18n import N_, translate
from onestop.applications import (
    ApplicationRequest,
    ApplicationView,
    BankAccountChoice,
    submit_once,
    usable_bank_accounts,
)
from onestop.eligibility import EligibilityList, eligibility_on_behalf

OTHER_PERSON = N_("Leave this out: the application is for the person in the address.")


class BankAccountChoices(msgspec.Struct, frozen=True, kw_only=True):
    # Only accounts usable now (verified, past the cooling-off of a change).
    bank_accounts: list[BankAccountChoice]


@get(
    "/api/people/{person_id:int}/eligibility",
    tags=["staff"],
    summary="The person's benefits, for a clerk acting for them this visit (view_benefits)",
    responses=problem_responses(401, 403),
    description=(
        "Needs a delegation in force to this clerk with `view_benefits` (403 "
        "`delegation-needed`). Recorded in the person's activity."
    ),
)
async def staff_eligibility(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> EligibilityList:
    # The clerk acts for the person in front of them, whose ID document matched at the counter.
    return await eligibility_on_behalf(
        tx.conn, staff, person_id, request_locale(request), history=True
    )


@get(
    "/api/people/{person_id:int}/bank-accounts",
    tags=["staff"],
    summary="The person's usable bank accounts, to apply for them (apply)",
    responses=problem_responses(401, 403),
    description=(
        "Masked; needs a delegation in force to this clerk with `apply`. Recorded in the "
        "person's activity."
    ),
)
async def staff_bank_accounts(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> BankAccountChoices:
    return BankAccountChoices(
        bank_accounts=await usable_bank_accounts(tx.conn, staff, person_id, request_locale(request))
    )


@post(
    "/api/people/{person_id:int}/applications",
    status_code=201,
    tags=["staff"],
    summary="Apply for the person, for a clerk acting for them this visit (apply)",
    responses=problem_responses(400, 401, 403, 409, 422),
    description=(
        "As `POST /v1/applications` (the same body without `on_behalf_of`, an "
        "`Idempotency-Key`), for the person: needs a delegation in force to this clerk "
        "with `apply` (403 `delegation-needed`). The application, the event and the audit "
        "row name the clerk and their office; the person sees it in their activity."
    ),
)
async def staff_apply(
    data: JSONBody[ApplicationRequest],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
    idempotency_key: IdempotencyKey = None,
) -> Response[ApplicationView]:
    locale = request_locale(request)
    key = checked_key(idempotency_key, locale)
    if data.on_behalf_of not in (None, person_id):
        raise Problem(
            VALIDATION_ERROR,
            errors=[FieldError(field="body.on_behalf_of", detail=translate(locale, OTHER_PERSON))],
        )
    submitted = await submit_once(tx.conn, staff, data, key, for_person=person_id, locale=locale)
    return Response(
        content=submitted.body,  # type: ignore[arg-type]
        status_code=submitted.status,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"} if submitted.replayed else None,
    )


ROUTES = [staff_eligibility, staff_bank_accounts, staff_apply]
