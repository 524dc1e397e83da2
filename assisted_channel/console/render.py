"""How the console pages are drawn and guarded: Litestar templates from `templates/`
(Jinja, autoescaped, strict about undefined names), the page frame, the reader's
language, and the anti-forgery token every form carries.

The console cookie is already SameSite=Strict; the form token is a second lock
(OWASP's synchronizer token): an HMAC of the session cookie under the server's
data key, so it needs no storage, changes with each session, and a page from
elsewhere cannot know it. It is checked before the session is even read, so a
refused post writes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import jinja2
from babel.dates import format_datetime
from litestar import MediaType, Request
from litestar.response import Template

from assisted_channel.console.session import STAFF_COOKIE
from assisted_channel.console.texts import texts
from foundation.errors import request_locale
from foundation.korea import KOREA
from foundation.problems import Problem, problem_kind
from foundation.settings import AuthSettings
from i18n import LANGUAGES as TABLE_OF_LANGUAGES
from i18n import N_
from i18n.formatting import babel_locale

CSRF_FIELD = "csrf_token"
# Every language we have a catalog for, each in its own name (i18n/languages.py).
LANGUAGES: tuple[tuple[str, str], ...] = tuple(
    (language.code, language.name) for language in TABLE_OF_LANGUAGES
)
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

CONSOLE_FORM_EXPIRED = problem_kind(
    "console-form-expired",
    403,
    N_("This form has expired"),
    N_("Go back, reload the page and send the form again."),
)

# The console's page templates (`templates/*.html`), which the app's one template engine
# finds under `console/` (server/app.py).
TEMPLATE_LOADER = jinja2.PackageLoader("assisted_channel.console")
# What a console page handler answers: a template, rendered by Litestar as it is sent.
Page = Template


def korea_time(value: datetime, locale: str) -> str:
    """A moment as the counter reads it: Korea time, to the minute, the same figures in
    every language (a clerk compares them with forms and records)."""
    return format_datetime(value, "yyyy-MM-dd HH:mm", tzinfo=KOREA, locale=babel_locale(locale))


def staff_cookie(request: Request[Any, Any, Any]) -> str:
    return request.cookies.get(STAFF_COOKIE, "").strip()


def csrf_token(settings: AuthSettings, session_cookie: str) -> str:
    key = settings.data_keys[settings.current_data_key]
    digest = hmac.new(key, b"console-form:" + session_cookie.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_csrf(request: Request[Any, Any, Any], form: dict[str, str]) -> str:
    """The session cookie, if the form carries its token; else a 403 before anything else."""
    cookie = staff_cookie(request)
    sent = form.get(CSRF_FIELD, "")
    settings: AuthSettings = request.app.state.settings.auth
    if not cookie or not sent or not hmac.compare_digest(sent, csrf_token(settings, cookie)):
        raise Problem(CONSOLE_FORM_EXPIRED)
    return cookie


async def read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


def link(request: Request[Any, Any, Any], path: str, **params: str) -> str:
    """`path` with `params`, keeping an explicit `?lang=` the reader chose."""
    chosen = request.query_params.get("lang")
    if chosen:
        params = {**params, "lang": chosen}
    return f"{path}?{urlencode(params)}" if params else path


def render_page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    title: str,
    status_code: int = 200,
    session_cookie: str | None = None,
    **view: Any,
) -> Page:
    locale = request_locale(request)
    t = texts(locale)
    settings: AuthSettings = request.app.state.settings.auth
    context = dict(
        locale=locale,
        t=t,
        title=title,
        csrf_field=CSRF_FIELD,
        csrf=csrf_token(settings, session_cookie) if session_cookie else "",
        signed_in=session_cookie is not None,
        link=lambda path, **params: link(request, path, **params),
        languages=[
            {
                "label": label,
                "href": f"{request.url.path}?{_with_lang(request, code)}",
                "current": code == locale,
                "locale": code,
            }
            for code, label in LANGUAGES
        ],
        **view,
    )
    return Page(
        template_name=f"console/{template}",
        context=context,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={**PAGE_HEADERS, "Content-Language": locale},
    )


def _with_lang(request: Request[Any, Any, Any], code: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return urlencode({**params, "lang": code})
