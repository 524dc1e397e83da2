"""Applications: apply in one step (idempotent), follow them, ask for review or appeal."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.openapi import SIGNED_IN
from auth import CurrentSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.idempotency_key import IdempotencyKey, checked_key
from foundation.problems import problem_responses
from onestop.applications import (
    AppealKind,
    ApplicationRequest,
    ApplicationSummary,
    ApplicationView,
    file_appeal,
    korea_today,
    my_application,
    my_applications,
    submit_once,
)


class AppealRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # human_review: a caseworker looks again (재검토); appeal: 심사청구 (고용보험법 제87조).
    kind: AppealKind
    statement: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


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
    locale = request_locale(request)
    key = checked_key(idempotency_key, locale)
    submitted = await submit_once(
        tx.conn, session, data, key, for_person=data.on_behalf_of, locale=locale
    )
    return Response(
        content=submitted.body,  # type: ignore[arg-type]
        status_code=submitted.status,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"} if submitted.replayed else None,
    )


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
