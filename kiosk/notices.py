"""My notices at the kiosk: the app's inbox (`inbox_page`, notifications/inbox_pages.py)
in the reader's language, each notice with a "read aloud" button that carries its spoken
text (the kiosk's shell speaks it). Opening a notice marks it read, as the app's
`POST /v1/me/inbox/{id}/read` does when the person opens it."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from auth import Action, CurrentSession
from foundation.db import Transaction
from foundation.problems import NOT_FOUND, Problem
from kiosk.render import Page, kiosk_locale
from kiosk.services_pages import allowed, page_key, service_page
from notifications.inbox import mark_notice_read
from notifications.inbox_pages import MAX_ID, InboxPage, inbox_page

PAGE = 20


async def inbox_of(
    tx: Transaction, acting: CurrentSession, locale: str, *, before: int | None = None
) -> InboxPage:
    """What the kiosk shows: the app's inbox page for the same session."""
    allowed(acting, Action.READ_INBOX)
    return await inbox_page(tx.conn, acting.person_id, limit=PAGE, before=before, locale=locale)


@get("/inbox", include_in_schema=False)
async def inbox(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
    before: FromQuery[str | None] = None,
) -> Page:
    found = await inbox_of(tx, acting, kiosk_locale(request), before=page_key(before))
    return service_page(request, "inbox.html", page="inbox", inbox=found)


@get("/inbox/{notice_id:int}", include_in_schema=False)
async def notice(
    notice_id: FromPath[int],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    acting: NamedDependency[CurrentSession],
) -> Page:
    allowed(acting, Action.MARK_NOTICE_READ)
    if not 1 <= notice_id < MAX_ID:
        raise Problem(NOT_FOUND)
    # Opening it is reading it: the same mark as the app's, once (another's is not found).
    if await mark_notice_read(tx.conn, acting.person_id, notice_id) is None:
        raise Problem(NOT_FOUND)
    found = await inbox_of(tx, acting, kiosk_locale(request), before=notice_id + 1)
    shown = next(n for n in found.notices if n.id == notice_id)
    return service_page(request, "notice.html", page="notice", notice=shown)


ROUTES = [inbox, notice]
