"""Signing in at the kiosk with an SMS code to a feature phone (`/kiosk/sign-in/sms`):
the number and birth date, then the code (aal 1), and on the same page the app's PIN if
the person has one (aal 2; or later, `/kiosk/sign-in/pin`). The same core as the app's
`/v1/auth/sms/start`, `/v1/auth/sms/verify` and `/v1/auth/pin/verify`, opening a session
bound to this kiosk with no refresh token (auth/kiosk_sign_ins.py). Wrong PINs after a
code count against the app's PIN, as in the app."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from arq.connections import ArqRedis
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from auth import (
    KioskDevice,
    KioskSession,
    checked_phone,
    kiosk_session,
    sign_in_with_code_at_kiosk,
    start_phone_challenge,
    step_up_at_kiosk,
)
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.problems import InvalidInput, Problem
from i18n import N_, translate
from kiosk.limits import limit_by_address
from kiosk.render import Page, kiosk_locale, link, refusal_page, render_page
from kiosk.sign_in import session_cookie
from kiosk.texts import texts

_DIGITS6 = re.compile(r"^[0-9]{6}$")
_BIRTH = re.compile(r"^[0-9]{8}$")
BIRTH_DATE = N_("Enter your birth date as 8 digits, for example 19600517.")
SIX_DIGIT_CODE = N_("Enter the 6 digits of the code.")
PIN_OR_NOTHING = N_("Enter the 6 digits of your PIN, or leave it empty.")
PIN_SIX = N_("Enter the 6 digits of your PIN.")


def _birth_date(text: str) -> date | None:
    if not _BIRTH.match(text):
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _phone_page(
    request: Request[Any, Any, Any], errors: dict[str, str] | None = None, **values: str
) -> Page:
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "sign_in_sms.html",
        title=t["sms_title"],
        spoken=t["sms_spoken"],
        back="/kiosk/sign-in",
        status_code=400 if errors else 200,
        errors=errors or {},
        values=values,
    )


def _code_page(
    request: Request[Any, Any, Any],
    challenge_id: str,
    message: str,
    errors: dict[str, str] | None = None,
) -> Page:
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "sign_in_sms_code.html",
        title=t["sms_code_title"],
        spoken=f"{message} {t['sms_code_spoken']}",
        back="/kiosk/sign-in/sms",
        here=f"/kiosk/sign-in/sms/code?challenge={challenge_id}",
        status_code=400 if errors else 200,
        errors=errors or {},
        challenge_id=challenge_id,
        message=message,
    )


@get("/sign-in/sms", include_in_schema=False)
async def sms_page(request: Request[Any, Any, Any]) -> Page:
    return _phone_page(request)


@post("/sign-in/sms", include_in_schema=False, status_code=200, opt={"again": "/kiosk/sign-in/sms"})
async def sms_start(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Page:
    form = await request.form()
    phone, birth = str(form.get("phone", "")).strip(), str(form.get("birth", "")).strip()
    await limit_by_address(request, queue, "sms-start-ip")
    locale = kiosk_locale(request)
    errors: dict[str, str] = {}
    phone_e164 = ""
    try:
        phone_e164 = checked_phone(phone, "phone")
    except InvalidInput as invalid:
        errors.update(invalid.messages(locale))
    birth_date = _birth_date(birth)
    if birth_date is None:
        errors["birth"] = translate(locale, BIRTH_DATE)
    if errors or birth_date is None:
        return _phone_page(request, errors, phone=phone, birth=birth)
    started = await start_phone_challenge(
        tx,
        queue,
        request.app.state.settings,
        phone_e164=phone_e164,
        birth_date=birth_date,
        purpose="sign_in",
        delivery="sms",
        locale=locale,
    )
    t = texts(locale)
    return _code_page(request, str(started.challenge_id), t["sms_code_sent"])


@get("/sign-in/sms/code", include_in_schema=False)
async def code_page(request: Request[Any, Any, Any]) -> Redirect | Page:
    """The code page again (in another language): the challenge from the query, else
    the number's page."""
    challenge = request.query_params.get("challenge", "")
    try:
        uuid.UUID(challenge)
    except ValueError:
        return Redirect(link(request, "/kiosk/sign-in/sms"), status_code=303)
    return _code_page(request, challenge, texts(kiosk_locale(request))["sms_code_sent"])


@post(
    "/sign-in/sms/code",
    include_in_schema=False,
    status_code=303,
    opt={"again": "/kiosk/sign-in/sms"},
)
async def sms_verify(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    kiosk: NamedDependency[KioskDevice],
) -> Redirect | Page:
    form = await request.form()
    challenge, code = str(form.get("challenge", "")), str(form.get("code", "")).strip()
    pin = str(form.get("pin", "")).strip()
    await limit_by_address(request, queue, "sign-in-ip")
    locale = kiosk_locale(request)
    try:
        challenge_id = uuid.UUID(challenge)
    except ValueError:
        return _phone_page(request, {"phone": texts(locale)["sms_again"]})
    errors: dict[str, str] = {}
    if not _DIGITS6.match(code):
        errors["code"] = translate(locale, SIX_DIGIT_CODE)
    if pin and not _DIGITS6.match(pin):
        errors["pin"] = translate(locale, PIN_OR_NOTHING)
    if errors:
        return _code_page(request, challenge, texts(locale)["sms_code_sent"], errors)
    address = client_address(request)
    settings = request.app.state.settings
    try:
        started = await sign_in_with_code_at_kiosk(
            tx, settings, kiosk=kiosk, challenge_id=challenge_id, code=code, address=address
        )
    except Problem as problem:
        if not problem.commit_first:
            raise  # expired, or too many tries: the problem page leads to a new code
        # A wrong code, counted on its challenge (the transaction commits): type it again.
        detail = problem.body(locale)["detail"]
        return _code_page(request, challenge, texts(locale)["sms_code_sent"], {"code": detail})
    if pin:
        session = await kiosk_session(tx.conn, started.token, kiosk)
        try:
            started = await step_up_at_kiosk(tx.conn, settings.auth, session, pin, address=address)
        except Problem as problem:
            if not problem.commit_first:
                raise
            # The code was right: the person stays signed in at aal 1 and may try the PIN
            # again; the wrong PIN is counted (the transaction commits).
            return refusal_page(
                request,
                problem,
                again="/kiosk/sign-in/pin",
                cookies=[session_cookie(request, started.token)],
            )
    return Redirect(
        link(request, "/kiosk/me"),
        status_code=303,
        cookies=[session_cookie(request, started.token)],
    )


def _pin_page(request: Request[Any, Any, Any], errors: dict[str, str] | None = None) -> Page:
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "sign_in_pin.html",
        title=t["step_up_title"],
        spoken=t["step_up_spoken"],
        back="/kiosk/me",
        status_code=400 if errors else 200,
        errors=errors or {},
    )


@get("/sign-in/pin", include_in_schema=False)
async def pin_page(request: Request[Any, Any, Any], person: NamedDependency[KioskSession]) -> Page:
    return _pin_page(request)


@post("/sign-in/pin", include_in_schema=False, status_code=303, opt={"again": "/kiosk/sign-in/pin"})
async def pin_step_up(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    person: NamedDependency[KioskSession],
) -> Redirect | Page:
    form = await request.form()
    pin = str(form.get("pin", "")).strip()
    await limit_by_address(request, queue, "pin-verify-ip")
    if not _DIGITS6.match(pin):
        return _pin_page(request, {"pin": translate(kiosk_locale(request), PIN_SIX)})
    started = await step_up_at_kiosk(
        tx.conn, request.app.state.settings.auth, person, pin, address=client_address(request)
    )
    return Redirect(
        link(request, "/kiosk/me"),
        status_code=303,
        cookies=[session_cookie(request, started.token)],
    )


ROUTES = [sms_page, sms_start, code_page, sms_verify, pin_page, pin_step_up]
