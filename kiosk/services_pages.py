"""What the kiosk's service pages share: the person's session as the core takes it (the
`acting` dependency: the same `CurrentSession` as the app's, checked by the same
assurance rule), drawing a page with its words and its spoken description, the page's
stylesheet, and the friendly page of a refused form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency

from auth import (
    KIOSK_NOT_ENROLLED,
    KIOSK_SESSION_ELSEWHERE,
    KIOSK_SIGN_IN_REQUIRED,
    Action,
    CurrentSession,
    KioskSession,
    acting_at_kiosk,
    require_assurance,
)
from foundation.db import Transaction
from foundation.problems import InvalidInput, Problem
from kiosk.render import Page, kiosk_locale, problem_page, render_page
from kiosk.services_texts import service_texts

STATIC = Path(__file__).resolve().parent / "static"


async def provide_acting(
    tx: NamedDependency[Transaction], person: NamedDependency[KioskSession]
) -> CurrentSession:
    """The session opened at this kiosk (checked on this request), as the core takes it."""
    return await acting_at_kiosk(tx.conn, person)


def allowed(acting: CurrentSession, action: Action) -> CurrentSession:
    """The one assurance rule, as the app applies it to the same action."""
    require_assurance(acting, action)
    return acting


def page_key(before: str | None) -> int | None:
    """`?before=` of an older page, as typed in a link: not a number is out of range (0),
    which the core refuses as the app's routes do, with a friendly page here."""
    if before is None:
        return None
    return int(before) if before.isascii() and before.isdigit() and len(before) < 20 else 0


def service_page(
    request: Request[Any, Any, Any], template: str, *, page: str, name: str = "", **view: Any
) -> Page:
    """A service page: `s` its words; its title `<page>_title` and `spoken`, the short
    description read aloud, `<page>_spoken` (both of SERVICE_TEXTS)."""
    s = service_texts(kiosk_locale(request))
    return render_page(
        request,
        template,
        title=s[f"{page}_title"].format(name=name),
        s=s,
        spoken=s[f"{page}_spoken"],
        **view,
    )


@get("/services.css", include_in_schema=False, media_type="text/css")
async def stylesheet() -> Response[bytes]:
    return Response(
        (STATIC / "services.css").read_bytes(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def _back_from(path: str) -> str:
    """Where "try again" leads after a refused form: the page the form was on."""
    parts = path.rstrip("/").split("/")
    if parts[-1] in {"apply", "account"} and len(parts) >= 5:
        return "/".join(parts[:-1]) + "/apply"
    if parts[-1] == "revoke":
        return "/kiosk/documents"
    return "/kiosk/me"


def refused_page(request: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
    """A refusal of a service page. "Try again" leads back to the form's page after a form,
    to the page itself after a page that may work later, and to my page after a page that
    is not there (an unknown benefit, someone else's application)."""
    if exc.kind in (KIOSK_NOT_ENROLLED, KIOSK_SIGN_IN_REQUIRED, KIOSK_SESSION_ELSEWHERE) or (
        "text/html" not in request.headers.get("accept", "")
    ):
        return problem_page(request, exc)
    if request.method != "GET":
        again = _back_from(request.url.path)
    elif exc.kind.status == 404:
        again = "/kiosk/me"
    else:
        again = request.url.path
    body = exc.body(kiosk_locale(request))
    return render_page(
        request,
        "problem.html",
        title=body["title"],
        status_code=exc.kind.status,
        detail=body["detail"],
        again=again,
    )


def invalid_input_page(request: Request[Any, Any, Any], exc: InvalidInput) -> Response[Any]:
    """Inputs the core refused (an unknown programme, an account number of the wrong
    length): each sentence in the reader's language, and the way back to the form."""
    locale = kiosk_locale(request)
    body = Problem(exc.kind).body(locale)
    return render_page(
        request,
        "problem.html",
        title=body["title"],
        status_code=exc.kind.status,
        detail=" ".join(exc.messages(locale).values()) or body["detail"],
        again=_back_from(request.url.path) if request.method != "GET" else "/kiosk/me",
    )
