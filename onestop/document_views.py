"""The record of every look at a person's documents (`document_views`, append-only).

It is what the person sees under "who looked at my data" (`GET /v1/me/data-access`):
an agency's view inside a consent, and the person's own views too.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

# What a person's own view records as its purpose (shown to them in their language).
OWN_VIEW_PURPOSE = "own view"


class DocumentAccess(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    document_type: str
    consent_id: int | None
    # The programme the consent let look, None for the person's own view.
    grantee: str | None
    viewer: str
    purpose: str
    channel: str
    viewed_at: datetime

    @property
    def own_view(self) -> bool:
        return self.consent_id is None


async def insert_document_view(
    conn: asyncpg.Connection,
    *,
    person_id: int,
    document_type: str,
    consent_id: int | None,
    viewer: str,
    purpose: str,
    channel: str,
) -> int:
    view_id: int = await conn.fetchval(
        """
        INSERT INTO document_views (person_id, document_type, consent_id, viewer, purpose, channel)
        VALUES ($1, $2, $3, $4, $5, $6)
        RETURNING id
        """,
        person_id,
        document_type,
        consent_id,
        viewer,
        purpose,
        channel,
    )
    return view_id


async def list_document_views(
    conn: asyncpg.Connection, person_id: int, *, before: int | None, limit: int
) -> list[DocumentAccess]:
    """The person's views, newest first; `before` is the last id of the previous page."""
    rows = await conn.fetch(
        """
        SELECT v.id, v.person_id, v.document_type, v.consent_id, c.grantee, v.viewer,
               v.purpose, v.channel, v.viewed_at
        FROM document_views v
        LEFT JOIN document_consents c ON c.id = v.consent_id
        WHERE v.person_id = $1 AND ($2::bigint IS NULL OR v.id < $2)
        ORDER BY v.id DESC
        LIMIT $3
        """,
        person_id,
        before,
        limit,
    )
    return [DocumentAccess(**dict(row)) for row in rows]
