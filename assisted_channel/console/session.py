"""The console's staff session cookie, `hanchang_staff`: HttpOnly (page scripts cannot
read it), SameSite=Strict (no other site can make the browser send it), Secure on
https, and sent only under `/console`."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from foundation.problems import problem_kind
from i18n import N_

STAFF_COOKIE = "hanchang_staff"
COOKIE_PATH = "/console"

STAFF_SIGN_IN_REQUIRED = problem_kind(
    "staff-sign-in-required",
    401,
    N_("Please sign in to the console"),
    N_("You are not signed in, or your session has ended. Sign in again with your passkey."),
)


def session_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    """The cookie that carries a new session's token, or (empty, `max_age` 0) clears it."""
    public_url: str = request.app.state.settings.http.public_url
    return Cookie(
        key=STAFF_COOKIE,
        value=value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=public_url.startswith("https://"),
    )
