"""The person's inbox: every notice, whatever became of its deliveries.

The inbox is where a notice always arrives, even when the person opted out of
its channel or has none (`inbox_only`); the kiosk and the phone line read it
out too. Reading a notice in the app marks it read, which also stops the
fall-back from push to SMS.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec


class InboxNotice(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    programme_id: str | None
    topic: str | None
    legally_required: bool
    created_at: datetime
    read_at: datetime | None


async def list_inbox(
    conn: asyncpg.Connection, person_id: int, *, before: int | None, limit: int
) -> list[InboxNotice]:
    """Newest first: ids grow with time, and `(person_id, id)` is indexed."""
    rows = await conn.fetch(
        """
        SELECT id, kind, programme_id, topic, legally_required, created_at, read_at
        FROM notices
        WHERE person_id = $1 AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC
        LIMIT $3
        """,
        person_id,
        before,
        limit,
    )
    return [InboxNotice(**dict(row)) for row in rows]


async def count_unread(conn: asyncpg.Connection, person_id: int) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM notices WHERE person_id = $1 AND read_at IS NULL", person_id
    )
    return count


async def mark_notice_read(
    conn: asyncpg.Connection, person_id: int, notice_id: int
) -> datetime | None:
    """When the notice was first read; None when it is not this person's notice."""
    read_at: datetime | None = await conn.fetchval(
        """
        UPDATE notices SET read_at = coalesce(read_at, now())
        WHERE id = $1 AND person_id = $2
        RETURNING read_at
        """,
        notice_id,
        person_id,
    )
    return read_at
