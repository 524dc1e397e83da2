"""The kiosk's start page (`/kiosk`), signed: where this kiosk stands and the way to sign in."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency

from auth import KioskDevice, office_name
from foundation.db import Transaction
from kiosk.render import Page, kiosk_locale, render_page
from kiosk.texts import texts


@get("/", include_in_schema=False)
async def home(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    kiosk: NamedDependency[KioskDevice],
) -> Page:
    locale = kiosk_locale(request)
    t = texts(locale)
    office = await office_name(tx.conn, kiosk.office_code, locale)
    where = t["where"].format(office=office, location=kiosk.location)
    return render_page(
        request,
        "home.html",
        title=t["home_title"],
        spoken=f"{t['home_title']}. {where}. {t['home_intro']}",
        where=where,
        signed_out=request.query_params.get("signed_out") == "1",
    )


ROUTES = [home]
