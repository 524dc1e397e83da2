"""The console's PIN page: after a matching ID check, the person types their first PIN
on the counter's keypad (auth/counter/pin.py, the same function as
`PUT /console/api/people/{id}/pin`). The PIN is never shown, echoed or kept in the form
when the page is drawn again.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.pages import HTML
from assisted_channel.console.render import Page, link, read_form, render_page, staff_cookie
from assisted_channel.console.texts import texts
from auth.counter import open_person_at_counter, set_pin_at_counter
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import InvalidInput, Problem
from i18n import translate


async def _pin_page(
    request: Request[Any, Any, Any],
    tx: Transaction,
    staff: StaffSession,
    cookie: str,
    person_id: int,
    *,
    errors: dict[str, str] | None = None,
    refusal: Problem | None = None,
) -> Page:
    locale = request_locale(request)
    person = await open_person_at_counter(tx.conn, staff=staff, person_id=person_id)
    return render_page(
        request,
        "pin.html",
        title=texts(locale)["pin_title"],
        status_code=400 if errors else refusal.kind.status if refusal else 200,
        session_cookie=cookie,
        person=person,
        done=request.query_params.get("done") == "1" and not errors and not refusal,
        errors=errors or {},
        refusal=(
            {
                "title": translate(locale, refusal.kind.title),
                "detail": translate(locale, refusal.kind.detail),
            }
            if refusal
            else None
        ),
    )


@get("/people/{person_id:int}/pin", include_in_schema=False, opt=HTML)
async def pin_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page:
    return await _pin_page(request, tx, staff, staff_cookie(request), person_id)


@post("/people/{person_id:int}/pin", include_in_schema=False, opt=HTML)
async def set_pin_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page | Redirect:
    cookie, form = staff_cookie(request), await read_form(request)
    locale = request_locale(request)
    t = texts(locale)
    pin, again = form.get("pin", ""), form.get("pin_again", "")
    errors: dict[str, str] = {}
    if not (len(pin) == 6 and pin.isascii() and pin.isdigit()):
        errors["pin"] = t["pin_bad_format"]
    elif again != pin:
        errors["pin_again"] = t["pin_not_same"]
    if errors:
        return await _pin_page(request, tx, staff, cookie, person_id, errors=errors)
    try:
        await set_pin_at_counter(
            tx.conn, request.app.state.settings.auth, staff, person_id=person_id, pin=pin
        )
    except InvalidInput as wrong:
        errors["pin"] = wrong.messages(locale)["pin"]
        return await _pin_page(request, tx, staff, cookie, person_id, errors=errors)
    except Problem as problem:
        if problem.kind.status == 409:
            return await _pin_page(request, tx, staff, cookie, person_id, refusal=problem)
        raise
    return Redirect(link(request, f"/console/people/{person_id}/pin", done="1"), status_code=303)


ROUTES = [pin_page, set_pin_page]
