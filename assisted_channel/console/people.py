"""The counter pages: find a person, check their ID document, then issue an access card
or an enrollment code. Each form calls the same core function as the JSON API
(console/api/identity_checks.py, console/api/access_cards.py); a wrong answer shows the form again
with the problem next to the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any, get_args

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.card_print import print_url
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
from auth import issue_card, issue_enrollment_code, set_preferred_language
from auth.counter import (
    DOCUMENT_TYPES,
    NAME_MAX_LENGTH,
    DocumentType,
    InvalidDocumentNumber,
    VerificationResult,
    find_people,
    normalize_name,
    open_person_at_counter,
    verify_identity,
)
from auth.staff import SUPERVISOR_ROLES, StaffSession, staff_actor
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import InvalidInput
from i18n import LANGUAGES

RESULTS: tuple[VerificationResult, ...] = get_args(VerificationResult)
# Form text to the core's literal types: anything else is not one of the options.
_DOCUMENT_TYPES: dict[str, DocumentType] = {value: value for value in DOCUMENT_TYPES}
_RESULTS: dict[str, VerificationResult] = {value: value for value in RESULTS}


def _field_errors(t: dict[str, str], name: str, birth_date: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        normalize_name(name)
    except ValueError:
        errors["name"] = (
            t["required"] if not name.strip() else t["bad_name"].format(count=NAME_MAX_LENGTH)
        )
    try:
        date.fromisoformat(birth_date.strip())
    except ValueError:
        errors["birth_date"] = t["required"] if not birth_date.strip() else t["bad_date"]
    return errors


@get("/people", include_in_schema=False, opt=HTML)
async def people_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
) -> Page | Redirect:
    cookie = staff_cookie(request)
    t = texts(request_locale(request))
    name = request.query_params.get("name", "")
    birth_date = request.query_params.get("birth_date", "")
    errors: dict[str, str] = {}
    people = None
    if "name" in request.query_params or "birth_date" in request.query_params:
        errors = _field_errors(t, name, birth_date)
        if not errors:
            people = await find_people(
                tx.conn, name, date.fromisoformat(birth_date.strip()), staff=staff
            )
    return render_page(
        request,
        "people.html",
        title=t["people_title"],
        status_code=400 if errors else 200,
        session_cookie=cookie,
        errors=errors,
        name=name,
        birth_date=birth_date,
        people=people,
        locale_param=request.query_params.get("lang", ""),
    )


async def _person_page(
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
    t = texts(locale)
    person = await open_person_at_counter(tx.conn, staff=staff, person_id=person_id)
    matched_text = (
        t["last_match"].format(time=korea_time(person.matched_at, locale))
        if person.matched_at
        else t["no_match_yet"]
    )
    checked = request.query_params.get("checked")
    form = form or {}
    return render_page(
        request,
        "person.html",
        title=t["person_title"],
        status_code=400 if errors else 200,
        session_cookie=cookie,
        person=person,
        matched_text=matched_text,
        checked=checked if checked in RESULTS and not errors else None,
        document_types=[(value, t[f"doc_{value}"]) for value in DOCUMENT_TYPES],
        results=[(value, t[f"result_{value}"]) for value in RESULTS],
        form=form,
        errors=errors or {},
        is_supervisor=staff.role in SUPERVISOR_ROLES,
        # Each language by its own name and its Korean name, as the person and the clerk
        # read them.
        language_choices=[
            (language.code, f"{language.name} ({language.korean_name})") for language in LANGUAGES
        ],
        chosen_language=form.get("language", person.preferred_language),
        language_saved=request.query_params.get("language_saved") == "1" and not errors,
    )


@get("/people/{person_id:int}", include_in_schema=False, opt=HTML)
async def person_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page:
    return await _person_page(request, tx, staff, staff_cookie(request), person_id)


@post("/people/{person_id:int}/verify", include_in_schema=False, opt=HTML)
async def verify_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page | Redirect:
    cookie, form = staff_cookie(request), await read_form(request)
    t = texts(request_locale(request))
    document_type = _DOCUMENT_TYPES.get(form.get("document_type", ""))
    result = _RESULTS.get(form.get("result", ""))
    last4 = form.get("document_last4", "")
    errors: dict[str, str] = {}
    if document_type is None:
        errors["document_type"] = t["bad_choice"]
    if len(last4.strip()) != 4:
        errors["document_last4"] = t["bad_last4"]
    if result is None:
        errors["result"] = t["bad_choice"]
    if document_type is not None and result is not None and not errors:
        try:
            await verify_identity(
                tx.conn,
                staff=staff,
                person_id=person_id,
                document_type=document_type,
                document_last4=last4,
                result=result,
            )
        except InvalidDocumentNumber:
            errors["document_last4"] = t["bad_last4"]
    if errors or result is None:
        return await _person_page(request, tx, staff, cookie, person_id, form=form, errors=errors)
    return Redirect(link(request, f"/console/people/{person_id}", checked=result), status_code=303)


@post("/people/{person_id:int}/language", include_in_schema=False, opt=HTML)
async def language_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page | Redirect:
    cookie, form = staff_cookie(request), await read_form(request)
    try:
        await set_preferred_language(
            tx.conn,
            person_id,
            form.get("language", ""),
            actor=staff_actor(staff.staff_id),
            channel="counter",
            office=staff.office_code,
        )
    except InvalidInput as wrong:
        errors = wrong.messages(request_locale(request))
        return await _person_page(request, tx, staff, cookie, person_id, form=form, errors=errors)
    return Redirect(
        link(request, f"/console/people/{person_id}", language_saved="1"), status_code=303
    )


@post("/people/{person_id:int}/access-card", include_in_schema=False, opt=HTML)
async def issue_card_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Redirect:
    issued = await issue_card(
        tx.conn, person_id=person_id, staff_id=staff.staff_id, office_code=staff.office_code
    )
    return Redirect(print_url(issued.card.id, issued.token), status_code=303)


@post("/people/{person_id:int}/enrollment-code", include_in_schema=False, opt=HTML)
async def issue_code_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    person_id: FromPath[int],
) -> Page:
    cookie = staff_cookie(request)
    locale = request_locale(request)
    t = texts(locale)
    issued = await issue_enrollment_code(tx.conn, staff=staff, person_id=person_id)
    expires = korea_time(issued.expires_at, locale)
    return render_page(
        request,
        "code.html",
        title=t["code_title"],
        session_cookie=cookie,
        intro=t["code_intro"].format(time=expires),
        code=issued.code,
        person_id=person_id,
    )


ROUTES = [people_page, person_page, verify_page, language_page, issue_card_page, issue_code_page]
