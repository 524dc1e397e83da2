"""Delivery receipts from Twilio's status callbacks, for SMS and voice deliveries.

Twilio reports each message or call as it moves (queued, sent, delivered, ...)
and does not promise the order in which callbacks arrive, so a receipt only
ever moves a delivery forward: a late "sent" never undoes "delivered".

When a delivery fails for good, or fails while nothing else is under way for
its notice, the delivery core (the `deliver_notices` job) decides what comes
next: a retry, or the next channel. It is enqueued only after the receipt has
committed.
"""

from __future__ import annotations

from typing import Literal

import asyncpg
import msgspec
from arq.connections import ArqRedis

from foundation.db import Transaction
from foundation.jobs import enqueue_after_commit

# Forward only: a receipt moves a delivery to a later state of this order, never back.
STATE_ORDER: tuple[str, ...] = (
    "created",
    "sending",
    "ambiguous",
    "sent",
    "temporary_failure",
    "technical_failure",
    "permanent_failure",
    "delivered",
)
FAILURES = frozenset({"temporary_failure", "technical_failure", "permanent_failure"})
# States in which a delivery may still reach the person (or be retried).
UNDER_WAY: tuple[str, ...] = ("created", "sending", "sent", "temporary_failure")
RETRY_AFTER_S = 5 * 60

# Twilio error codes (https://www.twilio.com/docs/api/errors): the number cannot
# be reached (30003), does not exist (30005), or is a landline (30006).
PERMANENT_ERRORS = frozenset({30003, 30005, 30006})
# The queue overflowed (30001), or an unknown error (30008): worth another try.
TEMPORARY_ERRORS = frozenset({30001, 30008})

_MESSAGE_STATES = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "canceled": "temporary_failure",
}
_CALL_STATES = {
    "queued": "sent",
    "initiated": "sent",
    "ringing": "sent",
    "in-progress": "sent",
    "completed": "delivered",
    "busy": "temporary_failure",
    "no-answer": "temporary_failure",
    "canceled": "temporary_failure",
}


class TwilioStatus(msgspec.Struct, frozen=True, kw_only=True):
    """One status callback: a message's or a call's SID, its status and any error code."""

    of: Literal["message", "call"]
    sid: str
    status: str
    error_code: int | None = None


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    delivery_id: int
    notice_id: int
    state: str


def status_from_form(form: dict[str, str]) -> TwilioStatus | None:
    """The callback's fields, or None when it is not a message or call status."""
    code = form.get("ErrorCode", "").strip()
    error_code = int(code) if code.isdigit() else None
    if form.get("MessageSid") and form.get("MessageStatus"):
        return TwilioStatus(
            of="message",
            sid=form["MessageSid"],
            status=form["MessageStatus"].lower(),
            error_code=error_code,
        )
    if form.get("CallSid") and form.get("CallStatus"):
        return TwilioStatus(
            of="call", sid=form["CallSid"], status=form["CallStatus"].lower(), error_code=error_code
        )
    return None


def delivery_state(status: TwilioStatus) -> str | None:
    """The delivery state a status means; None for one we do not act on."""
    known = _MESSAGE_STATES if status.of == "message" else _CALL_STATES
    if status.status in known:
        return known[status.status]
    if status.status in ("undelivered", "failed"):
        if status.error_code in TEMPORARY_ERRORS:
            return "temporary_failure"
        return "permanent_failure"
    return None


async def advance_delivery(
    conn: asyncpg.Connection,
    *,
    provider_ref: str,
    channel: str,
    state: str,
    error: str | None,
) -> list[Receipt]:
    """Move the delivery with this provider reference forward to `state`; [] if it cannot."""
    rows = await conn.fetch(
        """
        UPDATE notice_deliveries
        SET state = $3,
            error = $4,
            next_attempt_at = CASE WHEN $3 = 'temporary_failure'
                                   THEN now() + make_interval(secs => $6) END,
            updated_at = now()
        WHERE provider_ref = $1 AND channel = $2
          AND array_position($5::text[], state) < array_position($5::text[], $3::text)
        RETURNING id, notice_id, state
        """,
        provider_ref,
        channel,
        state,
        error,
        list(STATE_ORDER),
        RETRY_AFTER_S,
    )
    return [Receipt(delivery_id=r["id"], notice_id=r["notice_id"], state=r["state"]) for r in rows]


async def other_delivery_under_way(
    conn: asyncpg.Connection, notice_id: int, delivery_id: int
) -> bool:
    found: bool = await conn.fetchval(
        """
        SELECT EXISTS (
            SELECT 1 FROM notice_deliveries
            WHERE notice_id = $1 AND id <> $2 AND state = ANY($3::text[]))
        """,
        notice_id,
        delivery_id,
        list(UNDER_WAY),
    )
    return found


async def mark_notice_delivered(conn: asyncpg.Connection, notice_id: int) -> None:
    """A receipt is the only word that a notice reached the person on SMS or voice."""
    await conn.execute(
        """
        UPDATE notices SET state = 'delivered'
        WHERE id = $1 AND state IN ('pending', 'sending', 'sent', 'failed')
        """,
        notice_id,
    )


async def apply_twilio_status(
    tx: Transaction, queue: ArqRedis, status: TwilioStatus
) -> list[Receipt]:
    """Record what a status callback says; follow a failure up once this commits."""
    state = delivery_state(status)
    if state is None:
        return []
    error = f"twilio {status.error_code}" if status.error_code and state in FAILURES else None
    receipts = await advance_delivery(
        tx.conn,
        provider_ref=status.sid,
        channel="sms" if status.of == "message" else "voice",
        state=state,
        error=error,
    )
    for receipt in receipts:
        if receipt.state == "delivered":
            await mark_notice_delivered(tx.conn, receipt.notice_id)
        elif receipt.state == "permanent_failure" or (
            receipt.state in FAILURES
            and not await other_delivery_under_way(tx.conn, receipt.notice_id, receipt.delivery_id)
        ):
            # An account notice goes on as it came: on the interactive queue, unpaced.
            urgent = await tx.conn.fetchval(
                "SELECT urgent FROM notices WHERE id = $1", receipt.notice_id
            )
            if urgent:
                enqueue_after_commit(tx, queue, "deliver_urgent_notices", [receipt.notice_id])
            else:
                enqueue_after_commit(tx, queue, "deliver_notices", [receipt.notice_id])
    return receipts
