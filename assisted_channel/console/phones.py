"""A person's registered phones at the counter: the numbers in use (masked), and forms
to register a number, remove one or unlock one after 5 wrong PINs. Each form calls the
core function the console's JSON API calls (console/api/phones.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.assist import (
    done_text,
    korea_time,
    office_names,
    person_at_top,
    refusal,
)
from assisted_channel.console.pages import HTML
from assisted_channel.console.render import Page, link, read_form, render_page, staff_cookie
from assisted_channel.console.texts import texts
from auth import checked_phone, mask_phone_for_display
from auth.counter import (
    ID_CHECK_NEEDED,
    PHONE_ALREADY_REGISTERED,
    phones_at_counter,
    register_phone,
    remove_phone,
    unlock_phone,
)
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import InvalidInput, Problem

NUMBER = "number"


async def _phones_page(
    request: Request[Any, Any, Any],
    tx: Transaction,
    staff: StaffSession,
    cookie: str,
    person_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: Problem | None = None,
) -> Page:
    locale = request_locale(request)
    t = texts(locale)
    top = await person_at_top(request, tx, staff, person_id)
    phones = await phones_at_counter(tx.conn, staff, person_id=person_id)
    offices = await office_names(tx, {phone.office_code for phone in phones}, locale)
    rows = [
        {
            "id": phone.id,
            "number": mask_phone_for_display(phone.phone_e164),
            "registered": t["as_registered_at"].format(
                time=korea_time(phone.registered_at, locale), office=offices[phone.office_code]
            ),
            "locked": (
                t["as_locked_since"].format(time=korea_time(phone.locked_at, locale))
                if phone.locked_at
                else None
            ),
        }
        for phone in phones
    ]
    return render_page(
        request,
        "as_phones.html",
        title=t["as_phones_title"],
        status_code=refused.kind.status if refused else 400 if errors else 200,
        session_cookie=cookie,
        phones=rows,
        form=form or {},
        errors=errors or {},
        done=None if errors else done_text(request, t, "registered", "removed", "unlocked"),
        refusal=refusal(refused, locale) if refused else None,
        **top,
    )


def _back(request: Request[Any, Any, Any], person_id: int, done: str) -> Redirect:
    return Redirect(
        link(request, f"/console/people/{person_id}/phones", done=done), status_code=303
    )


@get("/people/{person_id:int}/phones", include_in_schema=False, opt=HTML)
async def phones_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page:
    return await _phones_page(request, tx, staff, staff_cookie(request), person_id)


@post("/people/{person_id:int}/phones", include_in_schema=False, opt=HTML)
async def register_phone_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page | Redirect:
    cookie, form = staff_cookie(request), await read_form(request)
    locale = request_locale(request)
    try:
        number = checked_phone(form.get(NUMBER, ""), NUMBER, landline=True)
        await register_phone(tx.conn, staff, person_id=person_id, phone_e164=number)
    except InvalidInput as wrong:
        errors = wrong.messages(locale)
        return await _phones_page(request, tx, staff, cookie, person_id, form=form, errors=errors)
    except Problem as exc:
        if exc.kind is ID_CHECK_NEEDED:
            # Refused before anything was written: the page says why, the form kept.
            return await _phones_page(request, tx, staff, cookie, person_id, form=form, refused=exc)
        if exc.kind is not PHONE_ALREADY_REGISTERED:
            raise
        errors = {NUMBER: refusal(exc, locale)["detail"]}
        return await _phones_page(request, tx, staff, cookie, person_id, form=form, errors=errors)
    return _back(request, person_id, "registered")


@post(
    "/people/{person_id:int}/phones/{phone_id:int}/remove",
    include_in_schema=False,
    opt=HTML,
)
async def remove_phone_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
    phone_id: FromPath[int],
) -> Redirect:
    await remove_phone(tx.conn, staff, person_id=person_id, phone_id=phone_id)
    return _back(request, person_id, "removed")


@post(
    "/people/{person_id:int}/phones/{phone_id:int}/unlock",
    include_in_schema=False,
    opt=HTML,
)
async def unlock_phone_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
    phone_id: FromPath[int],
) -> Redirect:
    await unlock_phone(tx.conn, staff, phone_id, person_id=person_id)
    return _back(request, person_id, "unlocked")


ROUTES = [phones_page, register_phone_page, remove_phone_page, unlock_phone_page]
