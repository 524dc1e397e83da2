"""An enrollment code from the counter, then a PIN (`/kiosk/sign-in/enrollment-code`,
`/kiosk/pin`): the same core as the app's `/v1/auth/enrollment/redeem` and
`PUT /v1/me/pin`. The code opens a session at aal 1 bound to this kiosk (no refresh
token, auth/kiosk_sign_ins.py); within 5 minutes the person sets their PIN with it."""

from __future__ import annotations

import re
from typing import Any

from arq.connections import ArqRedis
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from auth import KioskDevice, KioskSession, redeem_enrollment_code_at_kiosk, set_pin
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.problems import InvalidInput
from i18n import N_, translate
from kiosk.limits import limit_by_address
from kiosk.render import Page, kiosk_locale, link, render_page
from kiosk.sign_in import session_cookie
from kiosk.texts import texts

_CODE = re.compile(r"^[A-Za-z0-9 -]{1,40}$")
_PIN = re.compile(r"^[0-9]{6}$")
TYPE_THE_CODE = N_("Type the 16 letters and digits of the code from the counter.")
NEW_PIN_SIX = N_("Choose 6 digits for your new PIN.")
PINS_DIFFER = N_("The two PINs are not the same. Enter the new PIN twice.")


def _code_page(request: Request[Any, Any, Any], errors: dict[str, str] | None = None) -> Page:
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "enrollment_code.html",
        title=t["enrollment_title"],
        spoken=t["enrollment_spoken"],
        back="/kiosk/sign-in",
        status_code=400 if errors else 200,
        errors=errors or {},
    )


@get("/sign-in/enrollment-code", include_in_schema=False)
async def enrollment_code_page(request: Request[Any, Any, Any]) -> Page:
    return _code_page(request)


@post(
    "/sign-in/enrollment-code",
    include_in_schema=False,
    status_code=303,
    opt={"again": "/kiosk/sign-in/enrollment-code"},
)
async def redeem(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    kiosk: NamedDependency[KioskDevice],
) -> Redirect | Page:
    form = await request.form()
    code = str(form.get("code", "")).strip()
    await limit_by_address(request, queue, "enrollment-redeem-ip")
    if not _CODE.match(code):
        return _code_page(request, {"code": translate(kiosk_locale(request), TYPE_THE_CODE)})
    started = await redeem_enrollment_code_at_kiosk(
        tx.conn, kiosk=kiosk, code=code, address=client_address(request)
    )
    return Redirect(
        link(request, "/kiosk/pin"),
        status_code=303,
        cookies=[session_cookie(request, started.token)],
    )


def _pin_page(request: Request[Any, Any, Any], errors: dict[str, str] | None = None) -> Page:
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "new_pin.html",
        title=t["new_pin_title"],
        spoken=t["new_pin_spoken"],
        back="/kiosk/me",
        status_code=400 if errors else 200,
        errors=errors or {},
    )


@get("/pin", include_in_schema=False)
async def new_pin_page(
    request: Request[Any, Any, Any], person: NamedDependency[KioskSession]
) -> Page:
    return _pin_page(request)


@post(
    "/pin",
    include_in_schema=False,
    status_code=303,
    opt={"again": "/kiosk/sign-in/enrollment-code"},
)
async def save_pin(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    person: NamedDependency[KioskSession],
) -> Redirect | Page:
    form = await request.form()
    pin, again = str(form.get("pin", "")).strip(), str(form.get("pin_again", "")).strip()
    locale = kiosk_locale(request)
    if not _PIN.match(pin):
        return _pin_page(request, {"pin": translate(locale, NEW_PIN_SIX)})
    if pin != again:
        return _pin_page(request, {"pin_again": translate(locale, PINS_DIFFER)})
    try:
        await set_pin(tx, queue, request.app.state.settings.auth, person.as_current(), pin)
    except InvalidInput as invalid:
        return _pin_page(request, invalid.messages(locale))
    return Redirect(link(request, "/kiosk/me", pin_set="1"), status_code=303)


ROUTES = [enrollment_code_page, redeem, new_pin_page, save_pin]
