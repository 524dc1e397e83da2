"""Applications: apply in one step (idempotent), follow them, ask for review or appeal."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody

from api.openapi import SIGNED_IN
from auth.delegation_store import Delegation
from auth.delegations import ActingSession, record_delegated_action, require_scope
from auth.sessions import CurrentSession
from i18n import N_, translate
from onestop.applications import (
    AppealKind,
    Applicant,
    ApplicationSummary,
    ApplicationView,
    ContactPreference,
    StoredAnswer,
    claim_key,
    file_appeal,
    korea_today,
    my_application,
    my_applications,
    request_fingerprint,
    store_answer,
    submit_application,
    valid_key,
)
from onestop.applications.views import application_view
from server.db import Transaction
from server.errors import request_locale
from server.problems import VALIDATION_ERROR, FieldError, Problem, problem_responses

SUBMIT_SCOPE = "POST /v1/applications"
BAD_KEY = N_(
    "Send an Idempotency-Key header of 8 to 128 characters, new for each application "
    "(a random UUID is best), and the same when you retry."
)


class ApplicationRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    programme_id: Annotated[
        str, msgspec.Meta(min_length=1, max_length=64, examples=["unemployment-benefit"])
    ]
    # The citizen checked the prefilled form and confirms it is right.
    confirmed: bool
    # A verified bank account of the applicant (see /v1/me/bank-accounts).
    bank_account_id: int
    contact_preference: ContactPreference
    # Apply for this person (their person id) under a delegation in force with scope
    # `apply`: the application and the bank account are theirs.
    on_behalf_of: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1, examples=[2051])] | None = None


class AppealRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # human_review: a caseworker looks again (재검토); appeal: 심사청구 (고용보험법 제87조).
    kind: AppealKind
    statement: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="idempotency-key",
        required=False,
        description="8 to 128 characters, new for each application; the same on a retry.",
    ),
]


@post(
    "/v1/applications",
    status_code=201,
    tags=["applications"],
    summary="Apply for a benefit in one step (recent aal 2, Idempotency-Key)",
    security=SIGNED_IN,
    responses=problem_responses(400, 401, 403, 409, 422, 503),
    description=(
        "With `on_behalf_of`, a proxy applies for the person who let them (scope `apply`; "
        "403 `delegation-needed` otherwise); the bank account must be that person's own, "
        "and the principal sees the application and the proxy's action in their activity. "
        "Eligibility is evaluated now and kept with the application, with a form prefilled "
        "from the data the government holds. Applying is allowed whatever the answer: a "
        "caseworker decides (개인정보 보호법 제37조의2). One application per programme and "
        "eligibility period unless it was rejected (409 `application-already-open`). "
        "A retry with the same `Idempotency-Key` and body answers the first answer again "
        "(a retry sent while the first is still running waits for it); the same key with "
        "another body is 422. Needs a verified payment account past its cooling-off day "
        "(409 `bank-account-not-verified`, `bank-account-cooling-off`)."
    ),
)
async def apply(
    data: JSONBody[ApplicationRequest],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    idempotency_key: IdempotencyKey = None,
) -> Response[ApplicationView]:
    idempotency_key = checked_key(idempotency_key, request_locale(request))
    delegation = None
    person_id = session.person_id
    if data.on_behalf_of is not None and data.on_behalf_of != session.person_id:
        # Checked before a replay too: once revoked, not even a retry answers.
        delegation = await require_scope(tx.conn, session, data.on_behalf_of, "apply")
        person_id = delegation.principal_person_id
    return await submit_once(
        request,
        tx,
        data,
        idempotency_key,
        Applicant(person_id=person_id, account_id=session.account_id, channel=session.channel),
        acting=(delegation, session) if delegation is not None else None,
    )


async def submit_once(
    request: Request[Any, Any, Any],
    tx: Transaction,
    data: ApplicationRequest,
    idempotency_key: str,
    applicant: Applicant,
    *,
    acting: tuple[Delegation, ActingSession] | None,
) -> Response[ApplicationView]:
    """Submit under an idempotency key of `applicant.account_id`: a retry answers the first
    answer again. With `acting`, a proxy (a person or a clerk) applies for the principal,
    and the action is recorded with both. The app's route and the counter's share it."""
    locale = request_locale(request)
    fingerprint = request_fingerprint(SUBMIT_SCOPE, data)
    stored = await claim_key(tx.conn, applicant.account_id, idempotency_key, fingerprint)
    if stored is not None:
        return Response(
            content=stored.body,  # type: ignore[arg-type]
            status_code=stored.status,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    # A failure rolls back the key with the work: the same request may be sent again.
    application = await submit_application(
        tx.conn,
        applicant,
        programme_id=data.programme_id,
        confirmed=data.confirmed,
        bank_account_id=data.bank_account_id,
        contact_preference=data.contact_preference,
        locale=locale,
    )
    if acting is not None:
        delegation, acting_session = acting
        await record_delegated_action(
            tx.conn,
            delegation,
            acting_session,
            action="delegation.application_submitted",
            subject=f"application:{application.id}",
        )
    view = await application_view(tx.conn, application, locale, korea_today())
    body = msgspec.json.encode(view)
    await store_answer(
        tx.conn, applicant.account_id, idempotency_key, StoredAnswer(status=201, body=body)
    )
    return Response(
        content=body,  # type: ignore[arg-type]
        status_code=201,
        media_type="application/json",
    )


def checked_key(idempotency_key: str | None, locale: str) -> str:
    if idempotency_key is None or not valid_key(idempotency_key):
        raise Problem(
            VALIDATION_ERROR,
            errors=[FieldError(field="header.Idempotency-Key", detail=translate(locale, BAD_KEY))],
        )
    return idempotency_key


@get(
    "/v1/applications",
    tags=["applications"],
    summary="The signed-in person's applications, newest first",
    security=SIGNED_IN,
    responses=problem_responses(401),
)
async def list_my_applications(
    session: NamedDependency[CurrentSession], tx: NamedDependency[Transaction]
) -> list[ApplicationSummary]:
    return await my_applications(tx.conn, session.person_id)


@get(
    "/v1/applications/{application_id:int}",
    tags=["applications"],
    summary="One application: the eligibility answer it was made on, its form, its history",
    security=SIGNED_IN,
    responses=problem_responses(401, 404),
    description=(
        "A rejection lists the conditions not met with the figures used and the "
        "caseworker's reason, and `can_ask` says whether a review or an appeal can be filed."
    ),
)
async def get_my_application(
    application_id: FromPath[int],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> ApplicationView:
    return await my_application(
        tx.conn, session.person_id, application_id, request_locale(request), korea_today()
    )


@post(
    "/v1/applications/{application_id:int}/appeal",
    status_code=201,
    tags=["applications"],
    summary="Ask for a caseworker's review or file an appeal against a rejection (recent aal 2)",
    security=SIGNED_IN,
    responses=problem_responses(400, 401, 404, 409),
    description=(
        "`human_review` (재검토) asks a caseworker to look again; `appeal` files 심사청구 "
        "(고용보험법 제87조), within 90 days of the decision (409 `appeal-period-over` "
        "after). One per application."
    ),
)
async def appeal(
    application_id: FromPath[int],
    data: JSONBody[AppealRequest],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> ApplicationView:
    today = korea_today()
    await file_appeal(
        tx.conn,
        person_id=session.person_id,
        application_id=application_id,
        kind=data.kind,
        statement=data.statement,
        actor=f"account:{session.account_id}",
        channel=session.channel,
        today=today,
    )
    return await my_application(
        tx.conn, session.person_id, application_id, request_locale(request), today
    )


ROUTES = [apply, list_my_applications, get_my_application, appeal]
