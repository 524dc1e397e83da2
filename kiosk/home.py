"""The kiosk's start page (`/kiosk`), signed: where this kiosk stands, the public
information anyone may read before signing in (what the job centre helps with, when it
is open, how to get help), and the way to sign in."""

from __future__ import annotations

from typing import Any

from babel.dates import get_day_names
from litestar import Request, get
from litestar.di import NamedDependency

from auth import KioskDevice, office_name
from foundation.db import Transaction
from i18n import translate
from i18n.formatting import babel_locale
from kiosk.render import Page, kiosk_locale, render_page
from kiosk.texts import texts
from onestop.catalog import PROGRAMMES
from onestop.offices import Office, office_by_code


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
    programmes = [
        {"name": translate(locale, p.name), "summary": translate(locale, p.summary)}
        for p in PROGRAMMES.values()
    ]
    hours = opening_hours(await office_by_code(tx.conn, kiosk.office_code), locale, t)
    return render_page(
        request,
        "home.html",
        title=t["home_title"],
        spoken=f"{t['home_title']}. {where}. {t['home_intro']}",
        where=where,
        programmes=programmes,
        hours=hours,
        signed_out=request.query_params.get("signed_out") == "1",
    )


def opening_hours(office: Office | None, locale: str, t: dict[str, str]) -> list[str]:
    """The office's opening hours as lines, days with the same hours together ("Monday to
    Friday"-style runs are written as the list of days, in the reader's language)."""
    if office is None or not office.hours:
        return [t["hours_unknown"]]
    days = get_day_names("wide", locale=babel_locale(locale))
    by_hours: dict[tuple[str, str], list[str]] = {}
    for weekday in sorted(office.hours):
        opens, closes = office.hours[weekday]
        key = (opens.strftime("%H:%M"), closes.strftime("%H:%M"))
        by_hours.setdefault(key, []).append(days[weekday - 1])
    lines = [
        t["hours_line"].format(days=", ".join(names), opens=opens, closes=closes)
        for (opens, closes), names in by_hours.items()
    ]
    return [*lines, t["hours_closed"]]


ROUTES = [home]
