"""Card sign-in at the kiosk (`/kiosk/sign-in`), who is signed in (`/kiosk/me`) and
signing out (`/kiosk/sign-out`).

The card's QR code comes from the scanner as typed text; the PIN from the on-screen
keypad; both in a plain form post, signed by the kiosk like every request. A right PIN
opens a session bound to this kiosk (auth/kiosk_sessions.py) in the `hanchang_kiosk`
cookie: HttpOnly, SameSite=Strict, sent only under `/kiosk`, gone when the browser
closes; there is no refresh token.
"""

from __future__ import annotations

import re
from typing import Any

from arq.connections import ArqRedis
from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.response import Redirect

from auth import (
    KIOSK_SIGN_IN_REQUIRED,
    KioskDevice,
    KioskSession,
    end_kiosk_session,
    get_person,
    kiosk_session,
    sign_in_with_card,
)
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.errors import PREFERRED_LANGUAGE_STATE
from foundation.problems import Problem
from i18n import N_, translate
from kiosk.limits import limit_by_address
from kiosk.render import KIOSK_COOKIE, Page, kiosk_locale, link, render_page
from kiosk.services_texts import service_texts
from kiosk.texts import texts

COOKIE_PATH = "/kiosk"
_CARD = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_PIN = re.compile(r"^[0-9]{6}$")
SCAN_THE_CARD = N_("Hold the QR code of your card under the scanner again.")
SIX_DIGITS = N_("Enter the 6 digits of your PIN.")


def session_cookie(request: Request[Any, Any, Any], value: str) -> Cookie:
    """The cookie of a new kiosk session, or (empty) the one that clears it."""
    public_url: str = request.app.state.settings.http.public_url
    return Cookie(
        key=KIOSK_COOKIE,
        value=value,
        max_age=None if value else 0,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=public_url.startswith("https://"),
    )


async def provide_kiosk_session(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    kiosk: NamedDependency[KioskDevice],
) -> KioskSession:
    """The person signed in at this kiosk, or a page that says to sign in."""
    token = request.cookies.get(KIOSK_COOKIE, "").strip()
    if not token:
        raise Problem(KIOSK_SIGN_IN_REQUIRED)
    session = await kiosk_session(tx.conn, token, kiosk)
    # The pages follow the person's language from here on (`kiosk_locale`).
    request.state[PREFERRED_LANGUAGE_STATE] = session.preferred_language
    return session


def _sign_in_page(request: Request[Any, Any, Any], errors: dict[str, str] | None = None) -> Page:
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "sign_in.html",
        title=t["sign_in_title"],
        spoken=t["sign_in_spoken"],
        status_code=400 if errors else 200,
        errors=errors or {},
    )


@get("/sign-in", include_in_schema=False)
async def sign_in_page(request: Request[Any, Any, Any]) -> Page:
    return _sign_in_page(request)


@post("/sign-in", include_in_schema=False, status_code=303)
async def sign_in(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    kiosk: NamedDependency[KioskDevice],
) -> Redirect | Page:
    form = await request.form()
    card, pin = str(form.get("card", "")).strip(), str(form.get("pin", "")).strip()
    await limit_by_address(request, queue, "card-verify-ip")
    locale = kiosk_locale(request)
    errors: dict[str, str] = {}
    if not _CARD.match(card):
        errors["card"] = translate(locale, SCAN_THE_CARD)
    if not _PIN.match(pin):
        errors["pin"] = translate(locale, SIX_DIGITS)
    if errors:
        return _sign_in_page(request, errors)
    started = await sign_in_with_card(
        tx.conn,
        queue,
        request.app.state.settings.auth,
        kiosk=kiosk,
        card_token=card,
        pin=pin,
        address=client_address(request),
    )
    return Redirect(
        link(request, "/kiosk/me"),
        status_code=303,
        cookies=[session_cookie(request, started.token)],
    )


@get("/me", include_in_schema=False)
async def me(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    person: NamedDependency[KioskSession],
) -> Page:
    locale = kiosk_locale(request)
    t = texts(locale)
    found = await get_person(tx.conn, person.person_id)
    assert found is not None
    intro = t["me_intro"].format(name=found.name)
    return render_page(
        request,
        "me.html",
        title=t["me_title"],
        spoken=intro,
        intro=intro,
        # A code alone (aal 1): the app's PIN opens the personal pages (auth/kiosk_sign_ins.py).
        offer_step_up=person.aal < 2 and person.method in ("sms", "voice"),
        pin_set=request.query_params.get("pin_set") == "1",
        # The links to the service pages (kiosk/services.py), in their words.
        s=service_texts(locale),
    )


@post("/sign-out", include_in_schema=False, status_code=303)
async def sign_out(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    kiosk: NamedDependency[KioskDevice],
) -> Redirect:
    """The session ends on the server; the browser drops the cookie and its cache of the
    person's pages (`Clear-Site-Data: "cache"`: not "storage", which would take the kiosk's
    device key from IndexedDB). kiosk.js clears the rest: history, forms, settings. An
    ended or unknown session signs out too (the frame offers sign-out whenever a cookie
    is there); one opened at another kiosk is refused."""
    token = request.cookies.get(KIOSK_COOKIE, "").strip()
    if token:
        try:
            session = await kiosk_session(tx.conn, token, kiosk)
        except Problem as problem:
            # A session opened at another kiosk stays refused here (nothing changes).
            if problem.kind is not KIOSK_SIGN_IN_REQUIRED:
                raise
        else:
            await end_kiosk_session(tx.conn, session)
    return Redirect(
        link(request, "/kiosk", signed_out="1"),
        status_code=303,
        cookies=[session_cookie(request, "")],
        headers={"Clear-Site-Data": '"cache"', "Cache-Control": "no-store"},
    )


ROUTES = [sign_in_page, sign_in, me, sign_out]
