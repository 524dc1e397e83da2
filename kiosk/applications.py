"""My applications at the kiosk and a receipt to print.

`/kiosk/applications`: the person's applications and their status, the app's
`GET /v1/applications` answer (`my_applications`). `/kiosk/applications/{id}/receipt`:
one of them (`my_application`, as the app's `GET /v1/applications/{id}`; someone else's
is not found) with its reference number, date, programme and a QR code of the reference
(SVG drawn by segno, no image from elsewhere), laid out for the kiosk's printer.
"""

from __future__ import annotations

from typing import Any

import segno
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from markupsafe import Markup

from auth import Action, CurrentSession
from foundation.db import Transaction
from foundation.korea import KOREA
from foundation.problems import NOT_FOUND, Problem
from i18n import translate
from i18n.formatting import format_datetime
from kiosk.render import Page, kiosk_locale
from kiosk.services_pages import allowed, service_page
from onestop.applications import ApplicationSummary, korea_today, my_application, my_applications
from onestop.catalog import get_programme

MAX_ID = 2**63 - 1


def programme_name(programme_id: str, locale: str) -> str:
    programme = get_programme(programme_id)
    return translate(locale, programme.name) if programme else programme_id


async def applications_of(tx: Transaction, acting: CurrentSession) -> list[ApplicationSummary]:
    """What the kiosk shows: the app's list of applications for the same session."""
    allowed(acting, Action.VIEW_APPLICATION_STATUSES)
    return await my_applications(tx.conn, acting.person_id)


@get("/applications", include_in_schema=False)
async def applications(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
) -> Page:
    locale = kiosk_locale(request)
    found = await applications_of(tx, acting)
    return service_page(
        request,
        "applications.html",
        page="applications",
        applications=[
            {
                "id": a.id,
                "name": programme_name(a.programme_id, locale),
                "status": a.status,
                "date": a.submitted_at.astimezone(KOREA).date().isoformat(),
            }
            for a in found
        ],
    )


def reference_qr(reference: str, label: str) -> Markup:
    """The reference as a QR code, inline SVG (black on white, quiet zone kept)."""
    # Without a fixed size (a viewBox only), so that the stylesheet sizes it on screen and on paper.
    svg = segno.make(reference, error="m").svg_inline(
        dark="#000", light="#fff", title=label, svgclass="qr", omitsize=True
    )
    return Markup(svg)  # noqa: S704 - segno's own SVG of our reference number, no user text


@get("/applications/{application_id:int}/receipt", include_in_schema=False)
async def receipt(
    application_id: FromPath[int],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
) -> Page:
    locale = kiosk_locale(request)
    allowed(acting, Action.VIEW_APPLICATION)
    if not 1 <= application_id <= MAX_ID:
        raise Problem(NOT_FOUND)
    view = await my_application(tx.conn, acting.person_id, application_id, locale, korea_today())
    reference = str(view.id)
    page = service_page(request, "receipt.html", page="receipt")
    s = page.context["s"]
    page.context.update(
        reference=reference,
        date=format_datetime(locale, view.submitted_at, KOREA),
        name=programme_name(view.programme_id, locale),
        status=view.status,
        qr=reference_qr(reference, s["qr_label"].format(reference=reference)),
        applied=request.query_params.get("applied") == "1",
    )
    return page


ROUTES = [applications, receipt]
