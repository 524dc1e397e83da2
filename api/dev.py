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

from auth import checked_phone
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import NOT_FOUND, VALIDATION_ERROR, FieldError, InvalidInput, Problem
from i18n import N_, translate

OUTBOX_CHANNELS = ("sms", "voice", "push", "bank")


class OutboxMessage(msgspec.Struct, kw_only=True):
    id: int
    created_at: datetime
    channel: str
    to: str
    body: str


def _outbox_filters(locale: str, to: str | None, channel: str | None) -> str | None:
    """The number `to` names, as E.164; a problem naming each bad parameter."""
    errors: list[FieldError] = []
    to_e164 = None
    if to is not None:
        # A `+` typed in an address bar arrives as a space (form encoding): put it back.
        typed = "+" + to[1:] if to.startswith(" ") else to
        try:
            to_e164 = checked_phone(typed, "to")
        except InvalidInput as wrong:
            errors += wrong.problem(locale, under="query").errors or []
    if channel is not None and channel not in OUTBOX_CHANNELS:
        detail = translate(locale, N_("Choose sms, voice, push or bank."))
        errors.append(FieldError(field="query.channel", detail=detail))
    if errors:
        raise Problem(VALIDATION_ERROR, errors=errors)
    return to_e164


@get(
    "/dev/outbox",
    tags=["development"],
    summary="Messages that would have gone to Twilio",
    include_in_schema=False,
)
async def outbox(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    limit: FromQuery[int] = 20,
    to: FromQuery[str | None] = None,
    channel: FromQuery[str | None] = None,
) -> list[OutboxMessage]:
    """Newest first; `?to=010-1234-5678` (or +821012345678) finds one person's codes among
    thousands of notices, `?channel=sms` one channel's."""
    if request.app.state.settings.is_production:
        raise Problem(NOT_FOUND)
    to_e164 = _outbox_filters(request_locale(request), to, channel)
    rows = await tx.conn.fetch(
        "SELECT id, created_at, channel, to_e164 AS to, body FROM dev_outbox "
        "WHERE ($2::text IS NULL OR to_e164 = $2) AND ($3::text IS NULL OR channel = $3) "
        "ORDER BY id DESC LIMIT $1",
        min(max(limit, 1), 200),
        to_e164,
        channel,
    )
    return [OutboxMessage(**dict(row)) for row in rows]


ROUTES = [outbox]
