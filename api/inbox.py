"""The signed-in person's inbox of notices, in the language of the request."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from api.openapi import SIGNED_IN
from auth import CurrentSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import NOT_FOUND, VALIDATION_ERROR, FieldError, Problem, problem_responses
from i18n import N_, translate
from notifications.inbox import InboxNotice, count_unread, list_inbox, mark_notice_read
from notifications.messages import NoticeText, render_notice

MAX_ID = 2**63 - 1
MAX_PAGE = 100


class InboxItem(msgspec.Struct, kw_only=True):
    id: int
    # benefit, application_status or account.
    kind: str
    programme_id: str | None
    title: Annotated[str, msgspec.Meta(examples=["구직급여를 받을 수 있을 것 같아요"])]
    body: str
    # Where the app opens for this notice (`apply/<programme_id>`, `applications`, `account`).
    open: Annotated[str, msgspec.Meta(examples=["apply/unemployment-benefit"])]
    legally_required: bool
    created_at: datetime
    read_at: datetime | None


class InboxPage(msgspec.Struct, kw_only=True):
    notices: list[InboxItem]
    # Unread notices in the whole inbox, for a badge.
    unread: int
    # Pass as `before` for the next (older) page; None on the last page.
    next_before: int | None


class ReadAnswer(msgspec.Struct, kw_only=True):
    id: int
    read_at: datetime


def _item(notice: InboxNotice, locale: str) -> InboxItem:
    text = NoticeText(kind=notice.kind, programme_id=notice.programme_id, topic=notice.topic)
    rendered = render_notice(text, locale)
    return InboxItem(
        id=notice.id,
        kind=notice.kind,
        programme_id=notice.programme_id,
        title=rendered.title,
        body=rendered.body,
        open=rendered.open,
        legally_required=notice.legally_required,
        created_at=notice.created_at,
        read_at=notice.read_at,
    )


def _page_errors(limit: int, before: int | None, locale: str) -> list[FieldError]:
    bad = []
    if not 1 <= limit <= MAX_PAGE:
        bad.append(("query.limit", MAX_PAGE))
    if before is not None and not 1 <= before <= MAX_ID:
        bad.append(("query.before", MAX_ID))
    return [
        FieldError(
            field=field,
            detail=translate(
                locale, N_("Enter a whole number from {low} to {high}."), low=1, high=high
            ),
        )
        for field, high in bad
    ]


def check_page(limit: int, before: int | None, locale: str) -> None:
    errors = _page_errors(limit, before, locale)
    if errors:
        raise Problem(VALIDATION_ERROR, errors=errors)


async def inbox_page(
    conn: asyncpg.Connection, person_id: int, *, limit: int, before: int | None, locale: str
) -> InboxPage:
    """One page of the person's inbox (also read by a proxy); bad paging is a 400."""
    check_page(limit, before, locale)
    notices = await list_inbox(conn, person_id, before=before, limit=limit + 1)
    page = notices[:limit]
    return InboxPage(
        notices=[_item(n, locale) for n in page],
        unread=await count_unread(conn, person_id),
        next_before=page[-1].id if len(notices) > limit else None,
    )


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
    limit: FromQuery[int] = 20,
    before: FromQuery[int | None] = None,
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
