"""The signed-in person's inbox of notices, in the language of the request (the page is
built in the core, notifications/inbox_pages.py, for every channel)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from api.openapi import SIGNED_IN
from api.paging import PageBefore, PageLimit
from auth import CurrentSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import NOT_FOUND, Problem, problem_responses
from notifications.inbox import mark_notice_read
from notifications.inbox_pages import MAX_ID, InboxPage, inbox_page


class ReadAnswer(msgspec.Struct, kw_only=True):
    id: int
    read_at: datetime


@get(
    "/v1/me/inbox",
    tags=["notifications"],
    summary="Your notices, newest first, in your language",
    security=SIGNED_IN,
    responses=problem_responses(400, 401),
    description=(
        "Every notice the ministry sent you is here, whatever happened on push, SMS, voice or "
        "letter, and also the ones that went nowhere else (you opted out, or we had no way to "
        "reach you). Pages of `limit` (1 to 100, default 20); pass `next_before` as `before` "
        "for older ones. `unread` counts the whole inbox."
    ),
)
async def inbox(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    limit: PageLimit = 20,
    before: PageBefore = None,
) -> InboxPage:
    return await inbox_page(
        tx.conn, session.person_id, limit=limit, before=before, locale=request_locale(request)
    )


@post(
    "/v1/me/inbox/{notice_id:int}/read",
    status_code=200,
    tags=["notifications"],
    summary="Mark a notice read",
    security=SIGNED_IN,
    responses=problem_responses(401, 404),
    description=(
        "Call it when the person opens the notice (also from a push). `read_at` is the first "
        "time; marking it again changes nothing. A push notice read here is not sent again "
        "by SMS. Another person's notice is 404."
    ),
)
async def mark_read(
    notice_id: FromPath[int],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> ReadAnswer:
    read_at = (
        await mark_notice_read(tx.conn, session.person_id, notice_id)
        if 1 <= notice_id <= MAX_ID
        else None
    )
    if read_at is None:
        raise Problem(NOT_FOUND)
    return ReadAnswer(id=notice_id, read_at=read_at)


ROUTES: list[Any] = [inbox, mark_read]
