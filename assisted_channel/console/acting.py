"""The console's benefits page: a clerk the person lets act for them during the visit
(a visit delegation) sees their benefits and applies for them. The page calls the same
core functions as `/console/api/people/{id}/eligibility|bank-accounts|applications` and
the app's `POST /v1/applications` (onestop/eligibility, onestop/applications); the
delegation's scopes decide what shows.
"""

from __future__ import annotations

import uuid
from typing import Any, get_args

import msgspec
from arq.connections import ArqRedis
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.pages import HTML
from assisted_channel.console.render import Page, link, read_form, render_page, staff_cookie
from assisted_channel.console.texts import texts
from auth import DELEGATION_NEEDED
from auth.counter import open_person_at_counter
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.idempotency_key import checked_key
from foundation.jobs import enqueue_after_commit
from foundation.problems import InvalidInput, Problem
from onestop.applications import (
    BANKS,
    ApplicationRequest,
    BankAccountChoice,
    add_account,
    bank_name,
    check_holder,
    submit_once,
    usable_bank_accounts,
)
from onestop.applications.records import ContactPreference
from onestop.eligibility import eligibility_on_behalf
from onestop.eligibility.explain import EligibilityExplained

CONTACTS: tuple[str, ...] = get_args(ContactPreference)


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
    try:
        seen = await eligibility_on_behalf(tx.conn, staff, person_id, locale, history=True)
        programmes = seen.programmes
        banks = await usable_bank_accounts(tx.conn, staff, person_id, locale)
    except Problem as problem:
        # Without the scope, that part of the page says what the person must allow.
        if problem.kind != DELEGATION_NEEDED:
            raise
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
        bank_added=request.query_params.get("bank_added") == "1",
        bank_names=[(code, bank_name(locale, code)) for code in BANKS],
        form=form or {},
        errors=errors or {},
    )


@get("/people/{person_id:int}/benefits", include_in_schema=False, opt=HTML)
async def acting_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page:
    return await _acting_page(request, tx, staff, staff_cookie(request), person_id)


@post("/people/{person_id:int}/apply", include_in_schema=False, opt=HTML)
async def apply_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page | Redirect:
    cookie, form = staff_cookie(request), await read_form(request)
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
    try:
        # In a savepoint: a refused application leaves nothing behind, its key included.
        async with tx.conn.transaction():
            submitted = await submit_once(
                tx.conn, staff, data, key, for_person=person_id, locale=locale
            )
    except InvalidInput as wrong:
        # The core names the form's own fields (programme_id, bank_account_id, confirmed).
        errors = wrong.messages(locale)
        return await _acting_page(request, tx, staff, cookie, person_id, form=form, errors=errors)
    return Redirect(
        link(
            request, f"/console/people/{person_id}/benefits", applied=str(submitted.application_id)
        ),
        status_code=303,
    )


@post("/people/{person_id:int}/bank-account", include_in_schema=False, opt=HTML)
async def add_bank_account_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    queue: NamedDependency[ArqRedis],
    person_id: FromPath[int],
) -> Page | Redirect:
    """For a person with no smartphone: the clerk adds their account and the bank is asked
    whose name it is in, as `/console/api/people/{id}/bank-accounts[/.../holder-check]`
    and the kiosk do (onestop/applications/holder_check.py)."""
    cookie, form = staff_cookie(request), await read_form(request)
    locale = request_locale(request)
    settings = request.app.state.settings
    try:
        async with tx.conn.transaction():
            account = await add_account(
                tx.conn,
                settings,
                staff,
                for_person=person_id,
                bank_code=form.get("bank_code", ""),
                account_number=form.get("account_number", ""),
                proof="holder",
            )
    except InvalidInput as wrong:
        errors = wrong.messages(locale)
        return await _acting_page(request, tx, staff, cookie, person_id, form=form, errors=errors)
    verified = await check_holder(
        tx.conn, settings, staff, for_person=person_id, bank_account_id=account.id
    )
    if verified.cooling_off:
        enqueue_after_commit(tx, queue, "announce_bank_account_change", verified.account.id)
    return Redirect(
        link(request, f"/console/people/{person_id}/benefits", bank_added="1"), status_code=303
    )


ROUTES = [acting_page, apply_page, add_bank_account_page]
