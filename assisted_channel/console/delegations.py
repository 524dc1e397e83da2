"""People acting for a person, set up and ended at the counter with the person present.

The page lists the delegations in force and what helpers did lately; its forms call
the core functions the console's JSON calls (console/api/delegations.py): the helper
is found by exact name and birth date (auth/counter/assist.py), or is the clerk for
this visit. A refusal of the core (no recent ID check) shows in a message box; a wrong
answer next to its field.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.assist import (
    action_label,
    actor_names,
    channel_label,
    done_text,
    korea_time,
    office_names,
    person_at_top,
    refusal,
)
from assisted_channel.console.pages import HTML
from assisted_channel.console.render import Page, link, read_form, render_page, staff_cookie
from assisted_channel.console.texts import texts
from auth import (
    MAX_VALIDITY_DAYS,
    PRINCIPAL_CHECK_NEEDED,
    SCOPES,
    DelegationShown,
    Scope,
    checked_scopes,
    checked_until,
    create_counter_delegation,
    list_activity,
    revoke_delegation_at_counter,
)
from auth.counter import PROXY_FIELD, delegations_at_counter, find_proxy_at_counter
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.korea import KOREA
from foundation.problems import InvalidInput, Problem

# What the form offers first; the core allows up to MAX_VALIDITY_DAYS.
DEFAULT_DAYS = 90
ACTIVITY_ROWS = 20
# The inputs the core names, as the form's fields.
_FIELDS = {
    "scopes": "scopes",
    "until": "until",
    "proxy_account_id": "proxy_name",
    PROXY_FIELD: "proxy_name",
}


def _on_form(wrong: InvalidInput, locale: str) -> dict[str, str]:
    """The core's refusals next to the form's fields; one the form has no field for is
    the error page."""
    said = wrong.messages(locale)
    if not said.keys() <= _FIELDS.keys():
        raise wrong
    return {_FIELDS[name]: text for name, text in said.items()}


def _proxy(t: dict[str, str], d: DelegationShown, staff: StaffSession) -> str:
    if d.proxy_staff_id is None:
        return d.proxy_name or f"account:{d.proxy_account_id}"
    if d.proxy_staff_id == staff.staff_id:
        return t["as_visit_me"]
    return t["as_visit_clerk"].format(name=d.proxy_staff_name or f"staff:{d.proxy_staff_id}")


def _until(d: DelegationShown, locale: str) -> str:
    if d.proxy_staff_id is not None:
        return korea_time(d.expires_at, locale)
    # A date's delegation holds through that day: its end is the next midnight in Korea.
    return str((d.expires_at.astimezone(KOREA) - timedelta(microseconds=1)).date())


async def _delegations_page(
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
    shown = await delegations_at_counter(tx.conn, staff, person_id=person_id)
    offices = await office_names(tx, {d.created_office for d in shown if d.created_office}, locale)
    rows = [
        {
            "id": d.id,
            "proxy": _proxy(t, d, staff),
            "scopes": [t[f"as_scope_{scope}"] for scope in d.scopes],
            "until": _until(d, locale),
            "created": (
                t["as_created_counter"].format(
                    time=korea_time(d.created_at, locale), office=offices[d.created_office]
                )
                if d.created_office
                else t["as_created_app"].format(time=korea_time(d.created_at, locale))
            ),
        }
        for d in shown
    ]
    done = await list_activity(tx.conn, person_id, before=None, limit=ACTIVITY_ROWS)
    names = await actor_names(tx, {action.actor for action in done})
    activity = [
        {
            "when": korea_time(action.occurred_at, locale),
            "what": action_label(t, action.action),
            "who": names[action.actor],
            "channel": channel_label(t, action.channel),
        }
        for action in done
    ]
    today = datetime.now(KOREA).date()
    return render_page(
        request,
        "as_delegations.html",
        title=t["as_delegations_title"],
        status_code=refused.kind.status if refused else 400 if errors else 200,
        session_cookie=cookie,
        delegations=rows,
        activity=activity,
        scopes=[(scope, t[f"as_scope_{scope}"]) for scope in SCOPES],
        today=str(today),
        default_until=str(today + timedelta(days=DEFAULT_DAYS)),
        max_until=str(today + timedelta(days=MAX_VALIDITY_DAYS)),
        form=form or {},
        errors=errors or {},
        refusal=refusal(refused, locale) if refused else None,
        done=None if errors or refused else done_text(request, t, "created", "revoked"),
        **top,
    )


@get("/people/{person_id:int}/delegations", include_in_schema=False, opt=HTML)
async def delegations_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page:
    return await _delegations_page(request, tx, staff, staff_cookie(request), person_id)


def _date(t: dict[str, str], form: dict[str, str], field: str, errors: dict[str, str]) -> date:
    text = form.get(field, "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = t["bad_date"] if text else t["required"]
        return date.min


def _answers(
    t: dict[str, str], form: dict[str, str], locale: str
) -> tuple[dict[str, str], list[Scope], date | None]:
    """The form read, and checked by the core's rules where they need no database."""
    errors: dict[str, str] = {}
    kind = form.get("proxy_kind", "")
    if kind not in ("person", "me"):
        errors["proxy_kind"] = t["bad_choice"]
    scopes = [scope for scope in SCOPES if form.get(f"scope_{scope}")]
    try:
        checked_scopes(scopes)
    except InvalidInput:
        errors["scopes"] = t["as_bad_scopes"]
    until = None
    if kind == "person":
        if not form.get("proxy_name", "").strip():
            errors["proxy_name"] = t["required"]
        _date(t, form, "proxy_birth_date", errors)
        until = _date(t, form, "until", errors)
        if "until" not in errors:
            try:
                checked_until(until)
            except InvalidInput as wrong:
                errors.update(_on_form(wrong, locale))
    return errors, scopes, until


@post("/people/{person_id:int}/delegations", include_in_schema=False, opt=HTML)
async def create_delegation_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page | Redirect:
    cookie, form = staff_cookie(request), await read_form(request)
    locale = request_locale(request)
    t = texts(locale)
    errors, scopes, until = _answers(t, form, locale)
    proxy_account_id = None
    if until is not None and not errors:
        try:
            proxy_account_id = await find_proxy_at_counter(
                tx.conn,
                staff,
                principal_person_id=person_id,
                name=form["proxy_name"],
                birth_date=date.fromisoformat(form["proxy_birth_date"].strip()),
            )
        except InvalidInput as wrong:
            errors = _on_form(wrong, locale)
    if not errors:
        try:
            await create_counter_delegation(
                tx.conn,
                staff,
                principal_person_id=person_id,
                proxy_account_id=proxy_account_id,
                scopes=scopes,
                until=until,
            )
        except InvalidInput as wrong:
            errors = _on_form(wrong, locale)
        except Problem as exc:
            if exc.kind is not PRINCIPAL_CHECK_NEEDED:
                raise
            return await _delegations_page(
                request, tx, staff, cookie, person_id, form=form, refused=exc
            )
    if errors:
        if "scopes" in errors:
            errors["scopes"] = t["as_bad_scopes"]
        return await _delegations_page(
            request, tx, staff, cookie, person_id, form=form, errors=errors
        )
    return Redirect(
        link(request, f"/console/people/{person_id}/delegations", done="created"), status_code=303
    )


@post(
    "/people/{person_id:int}/delegations/{delegation_id:int}/revoke",
    include_in_schema=False,
    opt=HTML,
)
async def revoke_delegation_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
    delegation_id: FromPath[int],
) -> Page | Redirect:
    cookie = staff_cookie(request)
    try:
        await revoke_delegation_at_counter(
            tx.conn, staff, principal_person_id=person_id, delegation_id=delegation_id
        )
    except Problem as exc:
        if exc.kind is not PRINCIPAL_CHECK_NEEDED:
            raise
        return await _delegations_page(request, tx, staff, cookie, person_id, refused=exc)
    return Redirect(
        link(request, f"/console/people/{person_id}/delegations", done="revoked"), status_code=303
    )


ROUTES = [delegations_page, create_delegation_page, revoke_delegation_page]
