"""How the kiosk pages are drawn: Litestar templates from `templates/` (found under
`kiosk/` by the app's one template engine, server/app.py), in the reader's language, and
the problem page every refusal answers with."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.response import Template

from auth import KIOSK_NOT_ENROLLED, KIOSK_SESSION_ELSEWHERE, KIOSK_SIGN_IN_REQUIRED
from foundation.errors import (
    PREFERRED_LANGUAGE_STATE,
    handle_exception,
    problem_from_exception,
    reference_sentence,
    render_problem,
)
from foundation.log_lines import current_request_id
from foundation.problems import SERVICE_BUSY, SERVICE_UNAVAILABLE, Problem
from i18n import LANGUAGES as TABLE_OF_LANGUAGES
from i18n import negotiate_locale
from kiosk.texts import texts

# Every language we have a catalog for, each in its own name (i18n/languages.py).
LANGUAGES: tuple[tuple[str, str], ...] = tuple(
    (language.code, language.name) for language in TABLE_OF_LANGUAGES
)
# The session opened at this kiosk (sign_in.py); the page frame asks only whether it is there.
KIOSK_COOKIE = "hanchang_kiosk"
PAGE_HEADERS = {
    # A kiosk is shared: no page of a person may stay in a cache once they leave.
    "Cache-Control": "no-store",
    # The service worker signs a post only when one of our pages sent it (sw.js).
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
TEMPLATE_LOADER = jinja2.PackageLoader("kiosk")
Page = Template


def kiosk_locale(request: Request[Any, Any, Any]) -> str:
    """The language of a kiosk page: the one the person chose on the page (`?lang=`), else
    the signed-in person's own (set by the session, kiosk/sign_in.py), else Korean. The
    browser's own Accept-Language is the device's setting, not the person's."""
    return negotiate_locale(
        explicit=request.query_params.get("lang"),
        preferred=request.state.get(PREFERRED_LANGUAGE_STATE),
    )


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
    spoken: str | None = None,
    back: str = "/kiosk",
    cookies: list[Cookie] | None = None,
    here: str | None = None,
    **view: Any,
) -> Page:
    """The page `template` in the reader's language. `spoken` is what the page says of
    itself in audio mode (the title when not given), `back` where the keypad's back key
    leads (kiosk.js), `here` the page the language switch shows again in another language
    (this one, when a GET can reach it; a page answering a post names one)."""
    locale = kiosk_locale(request)
    context = dict(
        locale=locale,
        t=texts(locale),
        title=title,
        spoken=spoken or title,
        back=link(request, back),
        path=request.url.path,
        # The frame offers sign-out and signs out after inactivity (kiosk.js) when a
        # session may be open; a stale cookie is cleared by signing out too.
        signed_in=bool(request.cookies.get(KIOSK_COOKIE)),
        link=lambda path, **params: link(request, path, **params),
        languages=[
            {
                "label": label,
                "href": link_with_lang(request, code, here),
                "current": code == locale,
                "locale": code,
            }
            for code, label in LANGUAGES
        ],
        **view,
    )
    return Page(
        template_name=f"kiosk/{template}",
        context=context,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={**PAGE_HEADERS, "Content-Language": locale},
        cookies=cookies or [],
    )


def link_with_lang(request: Request[Any, Any, Any], code: str, here: str | None = None) -> str:
    if here is not None:
        path, _, query = here.partition("?")
        params = {k: v for k, v in parse_qsl(query) if k != "lang"}
    else:
        path = request.url.path
        params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return f"{path}?{urlencode({**params, 'lang': code})}"


def _again(request: Request[Any, Any, Any], exc: Problem) -> str:
    """Where "try again" leads: the sign-in for a session problem, the form a post came
    from (its handler's `again`), the page itself after a page, else the start."""
    if exc.kind in (KIOSK_SIGN_IN_REQUIRED, KIOSK_SESSION_ELSEWHERE):
        return "/kiosk/sign-in"
    again: str | None = request.route_handler.opt.get("again")
    if again:
        return again
    if request.method == "GET" or request.url.path == "/kiosk/sign-in":
        return request.url.path
    return "/kiosk"


def problem_page(request: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
    """A refusal as a kiosk page in the reader's language. A request not signed by an
    enrolled kiosk gets only that sentence: no link, nothing of the service. Any other
    refusal of the kiosk's JSON (enrolment, card unlock), or of a request that does not
    take HTML, answers problem+json as everywhere else."""
    body = exc.body(kiosk_locale(request))
    if exc.kind is not KIOSK_NOT_ENROLLED and (
        request.route_handler.opt.get("kiosk_json")
        or "text/html" not in request.headers.get("accept", "")
    ):
        return handle_exception(request, exc)
    if exc.kind is KIOSK_NOT_ENROLLED:
        return render_page(
            request,
            "not_enrolled.html",
            title=body["title"],
            status_code=exc.kind.status,
            detail=body["detail"],
        )
    return refusal_page(request, exc, again=_again(request, exc))


def unexpected_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """What no kiosk handler refused itself. PostgreSQL or Redis out of reach, or the
    service too busy, is the kiosk's own page (503, "try again"); anything else answers
    as on every channel (foundation/errors.py)."""
    problem = problem_from_exception(exc, kiosk_locale(request))
    if problem.kind in (SERVICE_UNAVAILABLE, SERVICE_BUSY):
        return problem_page(request, problem)
    return render_problem(request, problem)


def refusal_page(
    request: Request[Any, Any, Any],
    exc: Problem,
    *,
    again: str,
    cookies: list[Cookie] | None = None,
) -> Page:
    """The problem page, with "try again" leading to `again`; a fault of ours (5xx) also
    gives the reference to quote at the counter or to 1350."""
    locale = kiosk_locale(request)
    body = exc.body(locale)
    request_id = current_request_id()
    return render_page(
        request,
        "problem.html",
        title=body["title"],
        status_code=exc.kind.status,
        spoken=f"{body['title']}. {body['detail']}",
        detail=body["detail"],
        again=again,
        cookies=cookies,
        reference=(
            reference_sentence(locale, request_id)
            if request_id is not None and exc.kind.status >= 500
            else None
        ),
    )
