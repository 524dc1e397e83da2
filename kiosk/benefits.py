"""My benefits and applying in one step at the kiosk.

`/kiosk/benefits`: every programme evaluated for the person today, with the reason for
each criterion: the app's `GET /v1/me/eligibility` answer (`eligibility_of`).

`/kiosk/benefits/{programme}/apply`: the confirm page, then a form post with an
idempotency key the page generated, through `submit_once` exactly as the app's
`POST /v1/applications` calls it; a repeated post answers the first application again.
The payment account is one of the person's usable accounts. With none, the person adds
one here and it is proven by the holder inquiry (`add_account`, `check_holder`, as the
app's holder check): the deposit code cannot be read at a kiosk.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from arq.connections import ArqRedis
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from auth import Action, CurrentSession, may_see_history
from foundation.db import Transaction
from foundation.idempotency_key import checked_key
from foundation.jobs import enqueue_after_commit
from foundation.korea import KOREA
from foundation.problems import BadInput, InvalidInput, Problem
from i18n import N_
from i18n.formatting import format_datetime
from kiosk.render import Page, kiosk_locale, link
from kiosk.services_pages import allowed, service_page
from onestop.applications import (
    BANKS,
    ApplicationRequest,
    add_account,
    bank_name,
    check_holder,
    list_bank_accounts,
    submit_once,
)
from onestop.catalog import PROGRAMME_NOT_FOUND
from onestop.eligibility import EligibilityList, eligibility_of
from onestop.eligibility.explain import EligibilityExplained

# At a kiosk people are told by text, call or letter (the app's push needs the app).
CONTACTS = ("sms", "voice", "letter")
CHOOSE_AN_ACCOUNT = N_("Choose the account for the payment.")
CHOOSE_HOW = N_("Choose how we should tell you.")
CONFIRM = N_("Check the information and tick the box to say it is right.")


async def benefits_of(tx: Transaction, acting: CurrentSession, locale: str) -> EligibilityList:
    """What the kiosk shows: the app's eligibility answer for the same session."""
    allowed(acting, Action.VIEW_BENEFITS)
    return await eligibility_of(tx.conn, acting.person_id, locale, history=may_see_history(acting))


@get("/benefits", include_in_schema=False)
async def benefits(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
) -> Page:
    locale = kiosk_locale(request)
    answer = await benefits_of(tx, acting, locale)
    return service_page(
        request,
        "benefits.html",
        page="benefits",
        answer=answer,
    )


def _programme(answer: EligibilityList, programme_id: str) -> EligibilityExplained:
    for programme in answer.programmes:
        if programme.programme_id == programme_id:
            return programme
    raise Problem(PROGRAMME_NOT_FOUND)


@get("/benefits/{programme_id:str}/apply", include_in_schema=False)
async def apply_page(
    programme_id: FromPath[str],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
) -> Page:
    locale = kiosk_locale(request)
    programme = _programme(await benefits_of(tx, acting, locale), programme_id)
    allowed(acting, Action.APPLY)
    now = datetime.now(UTC)
    accounts = await list_bank_accounts(tx.conn, acting.person_id)
    usable = [
        {"id": a.id, "bank": bank_name(locale, a.bank_code), "last4": a.number_last4}
        for a in accounts
        if a.usable(now)
    ]
    waiting = [
        {
            "bank": bank_name(locale, a.bank_code),
            "last4": a.number_last4,
            "time": format_datetime(locale, a.effective_from, KOREA),
        }
        for a in accounts
        if a.status == "verified" and a.effective_from is not None and a.effective_from > now
    ]
    return service_page(
        request,
        "apply.html",
        page="apply",
        name=programme.name,
        programme=programme,
        accounts=usable,
        waiting=waiting,
        banks=[{"code": code, "name": bank_name(locale, code)} for code in BANKS],
        contacts=CONTACTS,
        # New for each confirm page, the same on a repeated post of this form.
        idempotency_key=str(uuid.uuid4()),
        # For the service worker, should the post find the line down: the session the
        # application is queued under (kiosk/offline.py; honoured only for this kiosk).
        session_id=str(acting.id),
        added=request.query_params.get("added") == "1",
    )


def _application_request(programme_id: str, form: Any) -> ApplicationRequest:
    wrong = []
    account = str(form.get("bank_account_id", ""))
    contact = str(form.get("contact_preference", ""))
    if not account.isdigit() or not 1 <= int(account) <= 2**63 - 1:
        wrong.append(BadInput("bank_account_id", CHOOSE_AN_ACCOUNT))
    if contact not in CONTACTS:
        wrong.append(BadInput("contact_preference", CHOOSE_HOW))
    if form.get("confirmed") != "yes":
        wrong.append(BadInput("confirmed", CONFIRM))
    if wrong:
        raise InvalidInput(*wrong)
    return ApplicationRequest(
        programme_id=programme_id,
        confirmed=True,
        bank_account_id=int(account),
        contact_preference=contact,  # type: ignore[arg-type]
    )


@post("/benefits/{programme_id:str}/apply", include_in_schema=False, status_code=303)
async def apply(
    programme_id: FromPath[str],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
) -> Redirect:
    locale = kiosk_locale(request)
    form = await request.form()
    allowed(acting, Action.APPLY)
    key = checked_key(str(form.get("idempotency_key", "")) or None, locale)
    data = _application_request(programme_id, form)
    submitted = await submit_once(tx.conn, acting, data, key, for_person=None, locale=locale)
    return Redirect(
        link(request, f"/kiosk/applications/{submitted.application_id}/receipt", applied="1"),
        status_code=303,
    )


@post("/benefits/{programme_id:str}/account", include_in_schema=False, status_code=303)
async def add_payment_account(
    programme_id: FromPath[str],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    acting: NamedDependency[CurrentSession],
) -> Redirect:
    form = await request.form()
    allowed(acting, Action.PAYMENT_ACCOUNTS)
    settings = request.app.state.settings
    account = await add_account(
        tx.conn,
        settings,
        acting,
        bank_code=str(form.get("bank_code", "")),
        account_number=str(form.get("account_number", "")),
        proof="holder",
    )
    verified = await check_holder(tx.conn, settings, acting, bank_account_id=account.id)
    if verified.cooling_off:
        enqueue_after_commit(tx, queue, "announce_bank_account_change", verified.account.id)
    return Redirect(
        link(request, f"/kiosk/benefits/{programme_id}/apply", added="1"), status_code=303
    )


ROUTES = [benefits, apply_page, apply, add_payment_account]
