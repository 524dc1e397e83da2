"""Recovery at the counter, as pages: a person's PIN, locks and authenticators with the
forms to help (`/console/people/{id}/recovery`), and the supervisors' approvals
(`/console/approvals`).

Each form calls the core function the JSON API calls (console/api/recovery.py); the
page only reads the form. A refusal the core gives for a reason the clerk can act on
(no recent ID check, not theirs to approve, already decided) shows the page again with
a message box; any other problem is the friendly error page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

import asyncpg
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.assist import office_names
from assisted_channel.console.pages import HTML
from assisted_channel.console.render import (
    Page,
    korea_time,
    link,
    read_form,
    render_page,
    staff_cookie,
)
from assisted_channel.console.texts import texts
from auth import CARD_NOT_FOUND, checked_phone
from auth.counter import (
    APPROVAL_NOT_ALLOWED,
    APPROVAL_NOT_INDEPENDENT,
    AUTHENTICATOR_KINDS,
    REASON_MAX_LENGTH,
    RECENT_CHECK_NEEDED,
    REQUEST_ALREADY_DECIDED,
    REQUEST_EXPIRED,
    AuthenticatorKind,
    RecoveryAction,
    SignInSummary,
    checked_reason,
    decide_recovery,
    office_recovery_queue,
    person_sign_in_summary,
    request_recovery,
    reset_pin,
    revoke_authenticator,
    unlock,
    unlock_card_at_counter,
)
from auth.staff import SUPERVISOR_ONLY, SUPERVISOR_ROLES, StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import NOT_FOUND, VALIDATION_ERROR, InvalidInput, Problem

# Refusals the person at the desk can act on: shown on the page, not as an error page.
EXPECTED = frozenset(
    {
        RECENT_CHECK_NEEDED,
        APPROVAL_NOT_ALLOWED,
        APPROVAL_NOT_INDEPENDENT,
        REQUEST_ALREADY_DECIDED,
        REQUEST_EXPIRED,
        NOT_FOUND,
        CARD_NOT_FOUND,
    }
)
_KINDS: dict[str, AuthenticatorKind] = {kind: kind for kind in AUTHENTICATOR_KINDS}
_REQUESTS: dict[str, tuple[RecoveryAction, str]] = {
    "revoke_all_authenticators": ("revoke_all_authenticators", "revoke-all"),
    "change_phone_of_record": ("change_phone_of_record", "change-phone"),
}

Call = Callable[[], Awaitable[object]]


async def refusal_of(tx: Transaction, action: Call) -> Problem | None:
    """Run a core action in a savepoint: None when it is done, or the expected refusal
    after undoing whatever the action began. A refusal that must be kept
    (an attempt to approve alone, with its audit row) is kept, as the API keeps it."""
    savepoint = tx.conn.transaction()
    await savepoint.start()
    try:
        await action()
    except Problem as problem:
        await (savepoint.commit() if problem.commit_first else savepoint.rollback())
        if problem.kind not in EXPECTED:
            raise
        return problem
    except BaseException:
        await savepoint.rollback()
        raise
    await savepoint.commit()
    return None


def _shown(request: Request[Any, Any, Any], refusal: Problem | None) -> dict[str, str] | None:
    if refusal is None:
        return None
    body = refusal.body(request_locale(request))
    return {"title": body["title"], "detail": body["detail"]}


def _when(locale: str) -> Callable[[datetime], str]:
    return lambda moment: korea_time(moment, locale)


def _reason_error(t: dict[str, str], text: str, locale: str) -> str | None:
    if not text.strip():
        return t["required"]
    try:
        checked_reason(text)
    except InvalidInput as wrong:
        return wrong.messages(locale)["reason"]
    return None


# --- A person's page -------------------------------------------------------------


def _revocable(t: dict[str, str], s: SignInSummary) -> list[tuple[str, str]]:
    items = [(f"passkey:{p.id}", t["rec_revoke_passkey"].format(name=p.name)) for p in s.passkeys]
    if s.account and s.account.totp_enabled:
        items.append((f"totp:{s.account.id}", t["rec_revoke_totp"]))
    if s.card:
        items.append((f"card:{s.card.id}", t["rec_revoke_card"]))
    items += [
        (f"phone:{p.id}", t["rec_revoke_phone"].format(phone=p.phone_masked)) for p in s.phones
    ]
    return items


async def _recovery_page(
    request: Request[Any, Any, Any],
    tx: Transaction,
    staff: StaffSession,
    cookie: str,
    person_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: Problem | None = None,
) -> Page:
    locale = request_locale(request)
    t = texts(locale)
    summary = await person_sign_in_summary(tx.conn, staff, person_id)
    done = request.query_params.get("done", "").replace("-", "_")
    status = refusal.kind.status if refusal else 400 if errors else 200
    return render_page(
        request,
        "rec_recovery.html",
        title=t["rec_title"],
        status_code=status,
        session_cookie=cookie,
        s=summary,
        revocable=_revocable(t, summary),
        when=_when(locale),
        done=t.get(f"rec_done_{done}") if done and not (errors or refusal) else None,
        refusal=_shown(request, refusal),
        form=form or {},
        errors=errors or {},
        reason_max=REASON_MAX_LENGTH,
        is_supervisor=staff.role in SUPERVISOR_ROLES,
    )


@get("/people/{person_id:int}/recovery", include_in_schema=False, opt=HTML)
async def recovery_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page:
    return await _recovery_page(request, tx, staff, staff_cookie(request), person_id)


def _form_action(
    conn: asyncpg.Connection,
    staff: StaffSession,
    person_id: int,
    action: str,
    form: dict[str, str],
    outcome: dict[str, str],
) -> tuple[str, Call, dict[str, str]]:
    """What the form asks for: the key of its fields, the core call, and its field errors
    (the reason is checked for every form by the caller). A call may leave in `outcome`
    a `done` message other than the action's own."""
    reason = form.get("reason", "").strip()
    call: Call
    if action == "reset-pin":
        return action, partial(reset_pin, conn, staff, person_id=person_id, reason=reason), {}
    if action == "unlock":
        return action, partial(unlock, conn, staff, person_id=person_id, reason=reason), {}
    if action == "unlock-card":
        card = form.get("card_id", "")
        if not card.isdigit():
            raise Problem(VALIDATION_ERROR)
        call = partial(
            unlock_card_at_counter,
            conn,
            staff,
            person_id=person_id,
            card_id=int(card),
            reason=reason,
        )
        return action, call, {}
    if action == "revoke":
        kind_text, _, number = form.get("item", "").partition(":")
        kind = _KINDS.get(kind_text)
        if kind is None or not number.isdigit():
            raise Problem(VALIDATION_ERROR)
        call = partial(
            revoke_authenticator,
            conn,
            staff,
            person_id=person_id,
            kind=kind,
            authenticator_id=int(number),
            reason=reason,
        )
        return action, call, {}
    if action == "request":
        if form.get("action", "") not in _REQUESTS:
            raise Problem(VALIDATION_ERROR)
        wanted, key = _REQUESTS[form["action"]]
        new_phone: str | None = None
        errors: dict[str, str] = {}
        if wanted == "change_phone_of_record":
            try:
                new_phone = checked_phone(form.get("new_phone", ""), "new_phone")
            except InvalidInput:
                errors["new-phone"] = "rec_bad_phone"

        async def ask() -> None:
            asked = await request_recovery(
                conn,
                staff,
                person_id=person_id,
                action=wanted,
                reason=reason,
                new_phone_e164=new_phone,
            )
            if asked.who_can_approve != "office":
                # The clerk is told who will see it: the region's job centres, or nobody.
                outcome["done"] = f"request-{asked.who_can_approve}"

        return key, ask, errors
    raise Problem(NOT_FOUND)


@post("/people/{person_id:int}/recovery/{action:str}", include_in_schema=False, opt=HTML)
async def recovery_action(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
    action: FromPath[str],
) -> Page | Redirect:
    cookie, form = staff_cookie(request), await read_form(request)
    locale = request_locale(request)
    t = texts(locale)
    outcome: dict[str, str] = {}
    key, call, wrong = _form_action(tx.conn, staff, person_id, action, form, outcome)
    errors = {field: t[text] for field, text in wrong.items()}
    bad_reason = _reason_error(t, form.get("reason", ""), locale)
    if bad_reason:
        errors = {f"reason-{key}": bad_reason, **errors}
    if errors:
        filled = {f"reason-{key}": form.get("reason", ""), "new-phone": form.get("new_phone", "")}
        return await _recovery_page(
            request, tx, staff, cookie, person_id, form=filled, errors=errors
        )
    refusal = await refusal_of(tx, call)
    if refusal:
        return await _recovery_page(request, tx, staff, cookie, person_id, refusal=refusal)
    done = outcome.get("done", action)
    return Redirect(
        link(request, f"/console/people/{person_id}/recovery", done=done), status_code=303
    )


# --- Supervisors' approvals ------------------------------------------------------


async def _approvals_page(
    request: Request[Any, Any, Any],
    tx: Transaction,
    staff: StaffSession,
    cookie: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: Problem | None = None,
) -> Page:
    locale = request_locale(request)
    t = texts(locale)
    try:
        queue = await office_recovery_queue(tx.conn, staff)
    except Problem as problem:
        # Someone who may not see the queue still reads why their decision was refused.
        if refusal is None or problem.kind is not SUPERVISOR_ONLY:
            raise
        queue = None
    offered = {r.office_code for r in queue.pending if r.offered_to_region} if queue else set()
    done = request.query_params.get("done", "")
    status: int = refusal.kind.status if refusal else 400 if errors else 200
    return render_page(
        request,
        "rec_approvals.html",
        title=t["rec_approvals_title"],
        status_code=status,
        session_cookie=cookie,
        queue=queue,
        office_names=await office_names(tx, offered, locale),
        when=_when(locale),
        done=t.get(f"rec_done_{done}") if done and not (errors or refusal) else None,
        refusal=_shown(request, refusal),
        form=form or {},
        errors=errors or {},
        reason_max=REASON_MAX_LENGTH,
    )


@get("/approvals", include_in_schema=False, opt=HTML)
async def approvals_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
) -> Page:
    return await _approvals_page(request, tx, staff, staff_cookie(request))


@post("/approvals/{request_id:int}/{decision:str}", include_in_schema=False, opt=HTML)
async def decide_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    request_id: FromPath[int],
    decision: FromPath[str],
) -> Page | Redirect:
    cookie, form = staff_cookie(request), await read_form(request)
    if decision not in ("approve", "refuse"):
        raise Problem(NOT_FOUND)
    locale = request_locale(request)
    t = texts(locale)
    reason: str | None = None
    if decision == "refuse":
        text = form.get("reason", "")
        field = f"refuse-reason-{request_id}"
        bad_reason = _reason_error(t, text, locale)
        if bad_reason:
            return await _approvals_page(
                request, tx, staff, cookie, form={field: text}, errors={field: bad_reason}
            )
        reason = text.strip()
    refusal = await refusal_of(
        tx,
        lambda: decide_recovery(
            tx.conn, staff, request_id=request_id, approve=decision == "approve", reason=reason
        ),
    )
    if refusal:
        return await _approvals_page(request, tx, staff, cookie, refusal=refusal)
    return Redirect(link(request, "/console/approvals", done=decision), status_code=303)


ROUTES = [recovery_page, recovery_action, approvals_page, decide_page]
