"""Development-only pages: the SMS/voice outbox when Twilio is not configured.

These routes answer 404 in production.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from server.db import Transaction
from server.problems import NOT_FOUND, Problem


class OutboxMessage(msgspec.Struct, kw_only=True):
    id: int
    created_at: datetime
    channel: str
    to: str
    body: str


@get(
    "/dev/outbox",
    tags=["development"],
    summary="Messages that would have gone to Twilio",
    include_in_schema=False,
)
async def outbox(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction], limit: FromQuery[int] = 20
) -> list[OutboxMessage]:
    if request.app.state.settings.is_production:
        raise Problem(NOT_FOUND)
    rows = await tx.conn.fetch(
        "SELECT id, created_at, channel, to_e164 AS to, body FROM dev_outbox "
        "ORDER BY id DESC LIMIT $1",
        min(max(limit, 1), 200),
    )
    return [OutboxMessage(**dict(row)) for row in rows]


ROUTES = [outbox]
