"""What every kiosk page carries (templates/layout.html): its script and style sheet
(`/kiosk/kiosk.js`, `/kiosk/kiosk.css`), "call staff" (`POST /kiosk/help`: the office's
console is told, auth/kiosk_devices.py: `call_staff_to_kiosk`), "more time" before the
inactivity sign-out (`POST /kiosk/more-time`), and the page of the card unlock by SMS
(`/kiosk/card/unlock`, over the kiosk's signed JSON of card_unlock.py)."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency

from auth import KioskDevice, KioskSession, call_staff_to_kiosk
from foundation.db import Transaction
from kiosk.device_guard import UNSIGNED
from kiosk.enrolment import SCRIPT_HEADERS, STATIC
from kiosk.render import Page, kiosk_locale, render_page
from kiosk.texts import texts


def _kiosk_page_path(text: str) -> str:
    """Where "back" from the help page leads: one of our pages, else the start."""
    if text.startswith("/kiosk") and "//" not in text and "\\" not in text and len(text) < 300:
        return text
    return "/kiosk"


@post("/help", include_in_schema=False, status_code=200)
async def call_staff(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    kiosk: NamedDependency[KioskDevice],
) -> Page:
    form = await request.form()
    came_from = _kiosk_page_path(str(form.get("from", "")))
    await call_staff_to_kiosk(tx.conn, kiosk)
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "help.html",
        title=t["help_title"],
        spoken=f"{t['help_title']}. {t['help_coming']}",
        back=came_from,
        # A post cannot be fetched again: the language switch shows the page before it.
        here=came_from,
        came_from=came_from,
    )


@post("/more-time", include_in_schema=False, status_code=204)
async def more_time(person: NamedDependency[KioskSession]) -> Response[None]:
    # The session dependency keeps the session alive on the server (auth/kiosk_sessions.py).
    return Response(None, status_code=204)


@get("/card/unlock", include_in_schema=False)
async def card_unlock_page(request: Request[Any, Any, Any]) -> Page:
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "card_unlock.html",
        title=t["unlock_title"],
        spoken=t["unlock_spoken"],
        back="/kiosk/sign-in",
    )


@get("/kiosk.js", include_in_schema=False, opt=UNSIGNED, media_type=MediaType.TEXT)
async def shell_script() -> Response[bytes]:
    return Response(
        (STATIC / "kiosk.js").read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers=SCRIPT_HEADERS,
    )


@get("/kiosk.css", include_in_schema=False, opt=UNSIGNED, media_type=MediaType.TEXT)
async def shell_style() -> Response[bytes]:
    return Response(
        (STATIC / "kiosk.css").read_bytes(),
        media_type="text/css; charset=utf-8",
        headers=SCRIPT_HEADERS,
    )


ROUTES = [call_staff, more_time, card_unlock_page, shell_script, shell_style]
