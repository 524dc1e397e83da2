"""Documents by consent (열람승인) for the signed-in citizen: consents, their own documents,
and every look at their data.

There is no upload: documents come from the records the government holds
(onestop/documents.py). Agencies view them through `onestop.consents.view_document`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.openapi import SIGNED_IN
from api.paging import PageBefore, PageLimit
from auth import CurrentSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import NOT_FOUND, Problem, problem_responses
from onestop.consent_answers import (
    MAX_ID,
    ConsentAnswer,
    ConsentList,
    DataAccessPage,
    consent_answer,
    data_access_page,
    my_consent_answers,
)
from onestop.consents import MAX_PURPOSE, grant_consent, revoke_consent, view_own_document
from onestop.documents import DocumentView, render_document


class ConsentGrantRequest(msgspec.Struct, kw_only=True):
    document_type: Annotated[
        str, msgspec.Meta(max_length=64, examples=["employment-insurance-history"])
    ]
    grantee: Annotated[str, msgspec.Meta(max_length=64, examples=["unemployment-benefit"])]
    purpose: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=MAX_PURPOSE, examples=["구직급여 수급자격 심사"]),
    ]
    # Single use, or an end date (a Korean date, up to one year ahead); a
    # single-use consent may have an end date too.
    single_use: bool = False
    expires_on: Annotated[date, msgspec.Meta(examples=["2026-12-31"])] | None = None


@post(
    "/v1/me/consents",
    status_code=201,
    tags=["documents"],
    summary="Let a programme's agency view one of your documents (recent aal 2)",
    security=SIGNED_IN,
    responses=problem_responses(400, 401),
    description=(
        "`document_type` is one of the documents the government holds (no upload), `grantee` "
        "a programme id of the catalog, `purpose` why (1 to 200 characters). Give "
        "`single_use: true`, or `expires_on` (today up to one year ahead, Korean dates; the "
        "consent lasts to the end of that day), or both. A single-use consent without a date "
        "lapses after 90 days if unused. An aal 1 session gets 401 `step-up-required`."
    ),
)
async def grant(
    data: JSONBody[ConsentGrantRequest],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> ConsentAnswer:
    locale = request_locale(request)
    consent = await grant_consent(
        tx.conn,
        session,
        document_type=data.document_type,
        grantee=data.grantee,
        purpose=data.purpose,
        single_use=data.single_use,
        expires_on=data.expires_on,
    )
    return consent_answer(consent, locale)


@get(
    "/v1/me/consents",
    tags=["documents"],
    summary="Your consents, live and past, newest first, each with its status",
    security=SIGNED_IN,
    responses=problem_responses(401),
)
async def my_consents(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> ConsentList:
    locale = request_locale(request)
    return ConsentList(consents=await my_consent_answers(tx.conn, session.person_id, locale))


@delete(
    "/v1/me/consents/{consent_id:int}",
    status_code=204,
    tags=["documents"],
    summary="Withdraw a consent: no agency can view the document with it from now on",
    security=SIGNED_IN,
    responses=problem_responses(401, 404),
    description="Withdrawing a consent twice is not an error. Another person's consent is 404.",
)
async def withdraw(
    consent_id: FromPath[int],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> Response[None]:
    if not 1 <= consent_id <= MAX_ID:
        raise Problem(NOT_FOUND)
    await revoke_consent(tx.conn, session, consent_id)
    return Response(None, status_code=204)


@get(
    "/v1/me/data-access",
    tags=["documents"],
    summary="Every look at your documents, newest first: who, when, why, which document",
    security=SIGNED_IN,
    responses=problem_responses(400, 401),
    description=(
        "Agencies' views inside your consents and your own views. Pages of `limit` (1 to 100, "
        "default 20); pass `next_before` as `before` for older ones."
    ),
)
async def data_access(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    limit: PageLimit = 20,
    before: PageBefore = None,
) -> DataAccessPage:
    return await data_access_page(
        tx.conn,
        session.person_id,
        limit=limit,
        before=before,
        locale=request_locale(request),
    )


@get(
    "/v1/me/documents/{document_type:str}",
    tags=["documents"],
    summary="Your own document, as an agency would see it (recent aal 2)",
    security=SIGNED_IN,
    responses=problem_responses(401, 404),
    description=(
        "Produced from the records the government holds, with the holder, the source systems "
        "and `refreshed_at` (when the oldest record in it was refreshed). Your view is logged "
        "and shows in `GET /v1/me/data-access`."
    ),
)
async def my_document(
    document_type: FromPath[str],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> DocumentView:
    document = await view_own_document(tx.conn, session, document_type)
    return render_document(document, request_locale(request))


ROUTES = [grant, my_consents, withdraw, data_access, my_document]
