"""The console's own pages: sign-in, enrollment of a staff passkey, home, sign-out.

Sign-in and enrollment run WebAuthn in the browser against the console's JSON API
(console/api/sign_in.py); home and sign-out call the same core functions it calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from assisted_channel.console.api.sign_in import COOKIE_PATH, STAFF_COOKIE, STAFF_SIGN_IN_REQUIRED
from assisted_channel.console.render import (
    Page,
    check_csrf,
    korea_time,
    link,
    read_form,
    render_page,
    staff_cookie,
)
from assisted_channel.console.texts import texts
from auth.staff_notices import StaffNotice, see_notice, unseen_notices
from auth.staff_roles import ADMIN_ROLES, SUPERVISOR_ROLES
from auth.staff_sessions import StaffSession, authenticate_staff_token, sign_out_staff
from auth.staff_store import get_office
from server.db import Transaction
from server.errors import request_locale
from server.problems import Problem

HTML = {"error_format": "html"}


async def page_staff(
    request: Request[Any, Any, Any], tx: Transaction
) -> tuple[StaffSession, str] | None:
    """The live staff session and its cookie, or None (the page then sends to sign-in)."""
    cookie = staff_cookie(request)
    session = await authenticate_staff_token(tx.conn, cookie) if cookie else None
    return (session, cookie) if session else None


async def posting_staff(
    request: Request[Any, Any, Any], tx: Transaction
) -> tuple[StaffSession, str, dict[str, str]]:
    """The form, once its anti-forgery token is right, and the live session that sent it."""
    form = await read_form(request)
    cookie = check_csrf(request, form)
    staff = await authenticate_staff_token(tx.conn, cookie)
    if staff is None:
        raise Problem(STAFF_SIGN_IN_REQUIRED)
    return staff, cookie, form


async def for_staff(
    request: Request[Any, Any, Any],
    tx: Transaction,
    draw: Callable[..., Awaitable[Page]],
    *args: Any,
) -> Page | Redirect:
    """A page for the signed-in staff member: `draw(request, tx, staff, cookie, *args)`,
    or the way to sign-in when there is no live session."""
    found = await page_staff(request, tx)
    if found is None:
        return to_sign_in(request)
    staff, cookie = found
    return await draw(request, tx, staff, cookie, *args)


def to_sign_in(request: Request[Any, Any, Any]) -> Redirect:
    return Redirect(link(request, "/console/sign-in"), status_code=303)


@get("/console/sign-in", include_in_schema=False, opt=HTML)
async def sign_in_page(request: Request[Any, Any, Any]) -> Page:
    return _simple(request, "sign_in.html", "sign_in_title", home=link(request, "/console"))


@get("/console/enroll", include_in_schema=False, opt=HTML)
async def enroll_page(request: Request[Any, Any, Any]) -> Page:
    # Only a well-formed token reaches the script; the API judges whether it is valid.
    token = request.query_params.get("token", "").strip()
    if not (0 < len(token) <= 100 and token.replace("-", "").replace("_", "").isalnum()):
        token = ""
    return _simple(request, "enroll.html", "enroll_title", token=token)


def _simple(request: Request[Any, Any, Any], template: str, title: str, **view: Any) -> Page:
    return render_page(request, template, title=texts(request_locale(request))[title], **view)


@get("/console", include_in_schema=False, opt=HTML)
async def home_page(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction]
) -> Page | Redirect:
    found = await page_staff(request, tx)
    if found is None:
        return to_sign_in(request)
    staff, cookie = found
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
    return [
        {
            "id": n.id,
            "text": t["notice_staff_created"].format(
                by=n.by.name if n.by else t["notice_by_operator"],
                name=n.staff.name,
                role=t[f"role_{n.staff.role}"],
                time=korea_time(n.created_at, locale),
            ),
        }
        for n in notices
    ]


@post("/console/notices/{notice_id:int}/seen", include_in_schema=False, opt=HTML, status_code=303)
async def notice_seen_page(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction], notice_id: FromPath[int]
) -> Redirect:
    staff, _, _ = await posting_staff(request, tx)
    await see_notice(tx.conn, staff.staff_id, notice_id)
    return Redirect(link(request, "/console"), status_code=303)


@post("/console/sign-out", include_in_schema=False, opt=HTML, status_code=303)
async def sign_out_page(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction]
) -> Redirect:
    cookie = check_csrf(request, await read_form(request))
    session = await authenticate_staff_token(tx.conn, cookie)
    if session is not None:
        await sign_out_staff(tx.conn, session)
    public_url: str = request.app.state.settings.http.public_url
    cleared = Cookie(
        key=STAFF_COOKIE,
        value="",
        max_age=0,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=public_url.startswith("https://"),
    )
    return Redirect(link(request, "/console/sign-in"), status_code=303, cookies=[cleared])


ROUTES = [sign_in_page, enroll_page, home_page, sign_out_page, notice_seen_page]
