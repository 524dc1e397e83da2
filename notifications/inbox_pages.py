"""The person's inbox as every channel shows it: one page of notices, each in the reader's
language (its title, body and where the app opens it), with the unread count. The app's
`GET /v1/me/inbox`, a proxy's view of their principal's inbox and the kiosk's inbox page
all call `inbox_page`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import asyncpg
import msgspec

from foundation.problems import VALIDATION_ERROR, FieldError, Problem
from i18n import N_, translate
from notifications.inbox import InboxNotice, count_unread, list_inbox
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


def inbox_item(notice: InboxNotice, locale: str) -> InboxItem:
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
        notices=[inbox_item(n, locale) for n in page],
        unread=await count_unread(conn, person_id),
        next_before=page[-1].id if len(notices) > limit else None,
    )
