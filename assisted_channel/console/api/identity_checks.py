"""The counter console's identity checks, as JSON (`/console/api/people/...`): find a
person by exact name and birth date, record a document check, issue an enrollment code,
let the person set their first PIN on the spot.

Every call needs a staff session (the `hanchang_staff` cookie, sign_in.py)
and is audited with the staff member and their office.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from auth import EnrollmentCodeIssued, PinRequest, issue_enrollment_code
from auth.counter import (
    NAME_MAX_LENGTH,
    DocumentType,
    InvalidDocumentNumber,
    PersonFound,
    VerificationResult,
    find_people,
    normalize_name,
    set_pin_at_counter,
    verify_identity,
)
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import VALIDATION_ERROR, FieldError, Problem, problem_responses
from i18n import N_, translate

Last4 = Annotated[str, msgspec.Meta(min_length=4, max_length=4, examples=["5678"])]


class PeopleFound(msgspec.Struct, kw_only=True):
    people: list[PersonFound]


class VerificationRequest(msgspec.Struct, kw_only=True):
    document_type: DocumentType
    # The last 4 letters or digits of the document's number.
    document_last4: Last4
    result: VerificationResult


class VerificationRecorded(msgspec.Struct, kw_only=True):
    id: int
    person_id: int
    document_type: DocumentType
    result: VerificationResult
    office: str
    verified_at: datetime
    account_id: int | None
    assurance: str | None
    account_created: bool
    account_upgraded: bool


def _field_problem(field: str, detail: str) -> Problem:
    return Problem(VALIDATION_ERROR, errors=[FieldError(field=field, detail=detail)])


@get(
    "/api/people",
    tags=["staff"],
    summary="Find a person by exact name and birth date (at most 10, phones masked)",
    responses=problem_responses(400, 401),
    description=(
        "Both `name` and `birth_date` (YYYY-MM-DD) are required and must match exactly: "
        "people are never listed. Deceased people are not shown. Each search is audited."
    ),
)
async def search_people(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    name: FromQuery[str],
    birth_date: FromQuery[date],
) -> PeopleFound:
    try:
        normalize_name(name)
    except ValueError:
        raise _field_problem(
            "query.name",
            translate(
                request_locale(request),
                N_("Enter the name as on the ID document, up to {count} characters."),
                count=NAME_MAX_LENGTH,
            ),
        ) from None
    return PeopleFound(people=await find_people(tx.conn, name, birth_date, staff=staff))


@post(
    "/api/people/{person_id:int}/verifications",
    status_code=201,
    tags=["staff"],
    summary="Record an ID document check; a match creates or raises the account to in_person",
    responses=problem_responses(400, 401, 404),
    description=(
        "`document_type` is `resident_id_card`, `drivers_licence`, `passport` or "
        "`alien_registration_card`; `document_last4` the last 4 letters or digits of its "
        "number; `result` `match` or `mismatch`. A mismatch changes nothing but is recorded."
    ),
)
async def post_verification(
    data: JSONBody[VerificationRequest],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> VerificationRecorded:
    try:
        outcome = await verify_identity(
            tx.conn,
            staff=staff,
            person_id=person_id,
            document_type=data.document_type,
            document_last4=data.document_last4,
            result=data.result,
        )
    except InvalidDocumentNumber:
        raise _field_problem(
            "body.document_last4",
            translate(
                request_locale(request),
                N_("Enter the last 4 letters or digits of the document number."),
            ),
        ) from None
    verification = outcome.verification
    return VerificationRecorded(
        id=verification.id,
        person_id=verification.person_id,
        document_type=verification.document_type,
        result=verification.result,
        office=verification.office_code,
        verified_at=verification.verified_at,
        account_id=outcome.account_id,
        assurance=outcome.assurance,
        account_created=outcome.account_created,
        account_upgraded=outcome.account_upgraded,
    )


@post(
    "/api/people/{person_id:int}/enrollment-codes",
    status_code=201,
    tags=["staff"],
    summary="Issue a one-time enrollment code (shown once, valid 7 days)",
    responses=problem_responses(401, 404, 409),
    description=(
        "Only after a `match` check of this person in the last 8 hours (otherwise 409 "
        "`identity-check-needed`). The code (16 characters, grouped by 4) is shown only in "
        "this answer; a new code ends the person's earlier unused ones. The person redeems "
        "it with `POST /v1/auth/enrollment/redeem`."
    ),
)
async def post_enrollment_code(
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> EnrollmentCodeIssued:
    return await issue_enrollment_code(tx.conn, staff=staff, person_id=person_id)


@put(
    "/api/people/{person_id:int}/pin",
    status_code=204,
    tags=["staff"],
    summary="The person types their first PIN at the counter",
    responses=problem_responses(400, 401, 404, 409),
    description=(
        "For a person with no PIN yet, or whose PIN was just reset: they type it on the "
        "counter's keypad, the clerk does not see it. Needs a `match` ID check in the last "
        "30 minutes (409 `recent-identity-check-needed`); a person who has a PIN gets 409 "
        "`pin-already-set`; trivial PINs get 400 `pin-too-simple`."
    ),
)
async def put_person_pin(
    data: JSONBody[PinRequest],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> None:
    await set_pin_at_counter(
        tx.conn,
        request.app.state.settings.auth,
        staff,
        person_id=person_id,
        pin=data.pin,
    )


ROUTES = [search_people, post_verification, post_enrollment_code, put_person_pin]
