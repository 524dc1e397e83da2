"""Documents by consent at the kiosk: the person's consents, and taking one back
(`/kiosk/documents`, the app's `GET /v1/me/consents` and `DELETE /v1/me/consents/{id}`:
`my_consent_answers`, `revoke_consent`); who viewed my data (`/kiosk/access-log`, the
app's `GET /v1/me/data-access`: `data_access_page`)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from auth import Action, CurrentSession
from foundation.db import Transaction
from foundation.korea import KOREA
from foundation.problems import NOT_FOUND, Problem
from kiosk.applications import programme_name
from kiosk.render import Page, kiosk_locale, link
from kiosk.services_pages import allowed, page_key, service_page
from onestop.consent_answers import MAX_ID, data_access_page, my_consent_answers
from onestop.consents import revoke_consent

PAGE = 20


@get("/documents", include_in_schema=False)
async def documents(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
) -> Page:
    allowed(acting, Action.VIEW_CONSENTS)
    locale = kiosk_locale(request)
    consents = await my_consent_answers(tx.conn, acting.person_id, locale)
    return service_page(
        request,
        "documents.html",
        page="documents",
        consents=consents,
        korea=KOREA,
        programme_name=lambda programme_id: programme_name(programme_id, locale),
        revoked=request.query_params.get("revoked") == "1",
    )


@post("/documents/{consent_id:int}/revoke", include_in_schema=False, status_code=303)
async def revoke(
    consent_id: FromPath[int],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
) -> Redirect:
    allowed(acting, Action.WITHDRAW_CONSENT)
    if not 1 <= consent_id <= MAX_ID:
        raise Problem(NOT_FOUND)
    await revoke_consent(tx.conn, acting, consent_id)
    return Redirect(link(request, "/kiosk/documents", revoked="1"), status_code=303)


@get("/access-log", include_in_schema=False)
async def access_log(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
    before: FromQuery[str | None] = None,
) -> Page:
    allowed(acting, Action.VIEW_DATA_ACCESS)
    locale = kiosk_locale(request)
    found = await data_access_page(
        tx.conn, acting.person_id, limit=PAGE, before=page_key(before), locale=locale
    )
    return service_page(
        request,
        "access_log.html",
        page="access",
        log=found,
        korea=KOREA,
        programme_name=lambda programme_id: programme_name(programme_id, locale),
    )


ROUTES = [documents, revoke, access_log]
