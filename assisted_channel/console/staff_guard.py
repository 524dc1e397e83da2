"""Who may use the console: the staff member signed in with the `hanchang_staff` cookie.

`provide_staff` is the `staff` dependency of the console's router (routes.py), set
once for its pages and its JSON. A JSON route without a live session answers 401
`staff-sign-in-required`; a page asked for without one sends the reader to the sign-in
page (`sign_in_first`, the router's handler of problems). A page's form is checked for
its anti-forgery token before the session is read, so that a post from elsewhere is
refused (403) without touching the session or anything else.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.response import Redirect

from assisted_channel.console.render import check_csrf, link, read_form, staff_cookie
from assisted_channel.console.session import STAFF_SIGN_IN_REQUIRED
from auth.staff import StaffSession, authenticate_staff_token
from foundation.db import Transaction
from foundation.errors import handle_exception
from foundation.problems import Problem


def _is_page(request: Request[Any, Any, Any]) -> bool:
    """A console page (pages.py `HTML`), not its JSON nor the card's print addresses."""
    return bool(request.route_handler.opt.get("console_page"))


async def provide_staff(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction]
) -> StaffSession:
    """The live staff session (kept alive by this request), or 401."""
    if request.method == "POST" and _is_page(request):
        cookie = check_csrf(request, await read_form(request))
    else:
        cookie = staff_cookie(request)
    session = await authenticate_staff_token(tx.conn, cookie) if cookie else None
    if session is None:
        raise Problem(STAFF_SIGN_IN_REQUIRED)
    return session


def to_sign_in(request: Request[Any, Any, Any]) -> Redirect:
    return Redirect(link(request, "/console/sign-in"), status_code=303)


def sign_in_first(request: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
    """A page read without a live session is the way to sign in; any other problem is
    answered as everywhere else (foundation/errors.py)."""
    if exc.kind is STAFF_SIGN_IN_REQUIRED and request.method == "GET" and _is_page(request):
        return to_sign_in(request)
    return handle_exception(request, exc)
