"""The console's own pages: sign-in, enrollment of a staff passkey, home, sign-out.

Sign-in and enrollment run WebAuthn in the browser against the console's JSON API
(console/api/sign_in.py); home and sign-out call the same core functions it calls.
Every console page takes `staff` from the router's guard (staff_guard.py) and is
marked `HTML`, so that its problems answer as pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.render import (
    Page,
    check_csrf,
    korea_time,
    link,
    read_form,
    render_page,
    staff_cookie,
)
from assisted_channel.console.session import session_cookie
from assisted_channel.console.texts import texts
from auth.staff import (
    ADMIN_ROLES,
    SUPERVISOR_ROLES,
    StaffNotice,
    StaffSession,
    authenticate_staff_token,
    get_office,
    see_notice,
    sign_out_staff,
    unseen_notices,
)
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.settings import Settings

# A console page: its problems answer as pages (foundation/errors.py), a form post is checked
# for its anti-forgery token and a read without a session goes to sign-in (staff_guard.py).
HTML = {"error_format": "html", "console_page": True}


@get("/sign-in", include_in_schema=False, opt=HTML)
async def sign_in_page(request: Request[Any, Any, Any]) -> Page:
    return _simple(request, "sign_in.html", "sign_in_title", home=link(request, "/console"))


def enrollment_link(settings: Settings, token: str) -> str:
    """The enrollment page's address with a new staff member's one-time token: what the
    console's staff page and `hanchang staff create` give them."""
    return f"{settings.http.public_url}/console/enroll?token={quote(token)}"


@get("/enroll", include_in_schema=False, opt=HTML)
async def enroll_page(request: Request[Any, Any, Any]) -> Page:
    # Only a well-formed token reaches the script; the API judges whether it is valid.
    token = request.query_params.get("token", "").strip()
    if not (0 < len(token) <= 100 and token.replace("-", "").replace("_", "").isalnum()):
        token = ""
    return _simple(request, "enroll.html", "enroll_title", token=token)


def _simple(request: Request[Any, Any, Any], template: str, title: str, **view: Any) -> Page:
    return render_page(request, template, title=texts(request_locale(request))[title], **view)


@get("/", include_in_schema=False, opt=HTML)
async def home_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
) -> Page | Redirect:
    cookie = staff_cookie(request)
    locale = request_locale(request)
    t = texts(locale)
    office = await get_office(tx.conn, staff.office_code)
    return render_page(
        request,
        "home.html",
        title=t["home_title"],
        session_cookie=cookie,
        name=staff.name,
        office=office.name(locale) if office else staff.office_code,
        role=t[f"role_{staff.role}"],
        is_supervisor=staff.role in SUPERVISOR_ROLES,
        is_admin=staff.role in ADMIN_ROLES,
        notices=_notice_lines(t, locale, await unseen_notices(tx.conn, staff.staff_id)),
    )


def _notice_lines(
    t: dict[str, str], locale: str, notices: list[StaffNotice]
) -> list[dict[str, Any]]:
    return [_notice_line(t, locale, n) for n in notices]


def _notice_line(t: dict[str, str], locale: str, n: StaffNotice) -> dict[str, Any]:
    time = korea_time(n.created_at, locale)
    if n.kiosk is not None:
        return {
            "id": n.id,
            "kind": n.kind,
            "text": t["notice_kiosk_help"].format(location=n.kiosk.location, time=time),
            "hint": t["notice_kiosk_help_hint"],
        }
    assert n.staff is not None
    return {
        "id": n.id,
        "kind": n.kind,
        "text": t["notice_staff_created"].format(
            by=n.by.name if n.by else t["notice_by_operator"],
            name=n.staff.name,
            role=t[f"role_{n.staff.role}"],
            time=time,
        ),
        "hint": t["notice_staff_created_hint"],
    }


@post("/notices/{notice_id:int}/seen", include_in_schema=False, opt=HTML, status_code=303)
async def notice_seen_page(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    staff: NamedDependency[StaffSession],
    notice_id: FromPath[int],
) -> Redirect:
    await see_notice(tx.conn, staff.staff_id, notice_id)
    return Redirect(link(request, "/console"), status_code=303)


@post("/sign-out", include_in_schema=False, opt=HTML, status_code=303)
async def sign_out_page(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction]
) -> Redirect:
    cookie = check_csrf(request, await read_form(request))
    session = await authenticate_staff_token(tx.conn, cookie)
    if session is not None:
        await sign_out_staff(tx.conn, session)
    cleared = session_cookie(request, "", 0)
    return Redirect(link(request, "/console/sign-in"), status_code=303, cookies=[cleared])


# Before a staff session exists (or after it): on the console's router without the guard.
SIGN_IN_ROUTES = [sign_in_page, enroll_page, sign_out_page]
ROUTES = [home_page, notice_seen_page]
