"""The console's benefits page: a clerk the person lets act for them during the visit
(a visit delegation) sees their benefits and applies for them. The page calls the same
functions as `/console/api/people/{id}/eligibility|bank-accounts|applications`
(api/console_acting.py); the delegation's scopes decide what shows.
"""

from __future__ import annotations

import uuid
from typing import Any, get_args

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from api.applications import ApplicationRequest, checked_key
from api.console_acting import BankAccountChoice, apply_at_counter, usable_accounts_of
from api.eligibility import eligibility_of
from assisted_channel.console.pages import HTML, for_staff, posting_staff
from assisted_channel.console.render import Page, link, render_page
from assisted_channel.console.texts import texts
from auth.counter_view import open_person_at_counter
from auth.delegations import DELEGATION_NEEDED, record_delegated_action, require_scope
from auth.staff_sessions import StaffSession
from onestop.applications.records import ContactPreference
from onestop.eligibility.explain import EligibilityExplained
from server.db import Transaction
from server.errors import request_locale
from server.problems import Problem

CONTACTS: tuple[str, ...] = get_args(ContactPreference)


async def _scoped(tx: Transaction, staff: StaffSession, person_id: int, scope: Any) -> bool:
    try:
        await require_scope(tx.conn, staff, person_id, scope)
    except Problem as problem:
        if problem.kind == DELEGATION_NEEDED:
            return False
        raise
    return True


async def _acting_page(
    request: Request[Any, Any, Any],
    tx: Transaction,
    staff: StaffSession,
    cookie: str,
    person_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Page:
    locale = request_locale(request)
    person = await open_person_at_counter(tx.conn, staff=staff, person_id=person_id)
    programmes: list[EligibilityExplained] | None = None
    banks: list[BankAccountChoice] | None = None
    if await _scoped(tx, staff, person_id, "view_benefits"):
        delegation = await require_scope(tx.conn, staff, person_id, "view_benefits")
        await record_delegated_action(
            tx.conn, delegation, staff, action="delegation.eligibility_viewed"
        )
        programmes = (await eligibility_of(tx.conn, person_id, locale, history=True)).programmes
        if await _scoped(tx, staff, person_id, "apply"):
            banks = await usable_accounts_of(tx, staff, person_id, locale)
    applied = request.query_params.get("applied", "")
    return render_page(
        request,
        "acting.html",
        title=texts(locale)["act_title"],
        status_code=400 if errors else 200,
        session_cookie=cookie,
        person=person,
        programmes=programmes,
        banks=banks,
        contacts=CONTACTS,
        key=str(uuid.uuid4()),
        applied=applied if applied.isdigit() else None,
        form=form or {},
        errors=errors or {},
    )


@get("/console/people/{person_id:int}/benefits", include_in_schema=False, opt=HTML)
async def acting_page(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction], person_id: FromPath[int]
) -> Page | Redirect:
    return await for_staff(request, tx, _acting_page, person_id)


@post("/console/people/{person_id:int}/apply", include_in_schema=False, opt=HTML)
async def apply_page(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction], person_id: FromPath[int]
) -> Page | Redirect:
    staff, cookie, form = await posting_staff(request, tx)
    locale = request_locale(request)
    if form.get("confirmed") != "yes":
        errors = {"confirmed": texts(locale)["act_confirm_needed"]}
        return await _acting_page(request, tx, staff, cookie, person_id, form=form, errors=errors)
    key = checked_key(form.get("key"), locale)
    bank = form.get("bank_account_id", "")
    data = msgspec.convert(
        {
            "programme_id": form.get("programme_id", ""),
            "confirmed": True,
            "bank_account_id": int(bank) if bank.isdigit() else 0,
            "contact_preference": form.get("contact_preference") or "letter",
        },
        ApplicationRequest,
    )
    answer = await apply_at_counter(request, tx, staff, person_id, data, key)
    # The answer is the JSON body the API sends (a replay's stored bytes, or the new one).
    body: Any = answer.content
    number = msgspec.json.decode(body)["id"]
    return Redirect(
        link(request, f"/console/people/{person_id}/benefits", applied=str(number)),
        status_code=303,
    )


ROUTES = [acting_page, apply_page]
