"""Delivering notices: pick the channel, claim it, send outside the transaction, record.

Order per person: their preferred channel if they have it, then push (a live
device), SMS (a mobile number), voice call (any number, landlines too), and
last a letter queued for printing (the notice is in the kiosk inbox anyway).

- **Once per channel.** A delivery row per (notice, channel) is claimed by a
  conditional write in its own transaction before anything is sent; a job that
  runs again (a worker died, arq retried) finds it `sending` and sends nothing.
  A `sending` row older than `STUCK_AFTER` becomes `ambiguous` (see `jobs.py`).
- **Retries** on 5xx, 429 and unanswered-but-safe errors only: up to
  `MAX_ATTEMPTS` tries with backoff (about an hour in all), then the next channel.
- **Ambiguous** (a timeout: the provider may have sent it; neither FCM nor Twilio
  takes an idempotency key): never resent on that channel; the notice counts as
  sent. For push, the unread-after-48-hours fallback to SMS still applies.
- A dead FCM token is retired and the next channel is tried at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

import asyncpg
import msgspec

from notifications.fcm import PushMessage, PushOutcome, send_push
from notifications.messages import NoticeText, render_notice, voice_twiml
from notifications.recipients import (
    BACKOFF_S,
    CHANNELS,
    DONE,
    MAX_ATTEMPTS,
    Recipient,
    channels_now,
    load_recipients,
)
from notifications.twilio_client import ProviderError, place_call, send_sms
from server.settings import Settings

_TWILIO_CONCURRENCY = 20


async def _claim(
    conn: asyncpg.Connection, wanted: list[tuple[Recipient, str]]
) -> dict[tuple[int, str], tuple[int, int]]:
    """Take each (notice, channel) delivery for one attempt, in one statement.

    Returns (delivery id, attempt number) for those taken; one that another job
    holds (or that is done) is left out.
    """
    rows = await conn.fetch(
        """
        INSERT INTO notice_deliveries (notice_id, channel, state, attempts, device_id)
        SELECT notice_id, channel, 'sending', 1, device_id
        FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS t(notice_id, channel, device_id)
        ON CONFLICT (notice_id, channel) DO UPDATE
            SET state = 'sending', attempts = notice_deliveries.attempts + 1,
                device_id = coalesce(excluded.device_id, notice_deliveries.device_id),
                updated_at = now()
            WHERE notice_deliveries.state = 'temporary_failure'
        RETURNING id, notice_id, channel, attempts
        """,
        [recipient.notice_id for recipient, _ in wanted],
        [channel for _, channel in wanted],
        [recipient.devices[0][0] if channel == "push" else None for recipient, channel in wanted],
    )
    return {(row["notice_id"], row["channel"]): (row["id"], row["attempts"]) for row in rows}


_PUSH_SLOTS: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def _push_slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _PUSH_SLOTS:
        _PUSH_SLOTS[loop] = asyncio.Semaphore(1)
    return _PUSH_SLOTS[loop]


class Attempt(msgspec.Struct, kw_only=True):
    delivery_id: int
    recipient: Recipient
    channel: str
    attempts: int = 1
    state: str = "sending"
    provider_ref: str | None = None
    error: str | None = None
    retire_device: bool = False


async def _send_push(settings: Settings, conn: asyncpg.Connection, batch: list[Attempt]) -> None:
    messages = []
    for attempt in batch:
        rendered = render_notice(_text(attempt.recipient), attempt.recipient.locale)
        messages.append(
            PushMessage(
                token=attempt.recipient.devices[0][1],
                title=rendered.title,
                body=rendered.body,
                data={"notice_id": str(attempt.recipient.notice_id), "open": rendered.open},
                locale=attempt.recipient.locale,
            )
        )
    # One push batch in flight per process: firebase-admin sends each message as its own
    # request, and two batches of 500 at once make its connection pool thrash (measured:
    # 16 s a batch instead of about 1 s). Other jobs go on with their database work.
    async with _push_slot():
        outcomes: list[PushOutcome] = await send_push(settings.fcm, messages, conn)
    for attempt, outcome in zip(batch, outcomes, strict=True):
        attempt.state = outcome.state
        attempt.provider_ref = outcome.message_id
        attempt.error = outcome.error
        attempt.retire_device = outcome.token_dead


async def _send_twilio(settings: Settings, conn: asyncpg.Connection, attempt: Attempt) -> None:
    recipient = attempt.recipient
    assert recipient.phone is not None
    rendered = render_notice(_text(recipient), recipient.locale)
    callback = (
        f"{settings.http.public_url}/webhooks/twilio/status" if settings.twilio.enabled else None
    )
    try:
        if attempt.channel == "sms":
            sent = await send_sms(
                settings.twilio, conn, to=recipient.phone, body=rendered.sms,
                status_callback=callback,
            )  # fmt: skip
        else:
            sent = await place_call(
                settings.twilio, conn, to=recipient.phone,
                twiml=voice_twiml(rendered, recipient.locale), status_callback=callback,
            )  # fmt: skip
    except ProviderError as exc:
        attempt.error = str(exc)[:200]
        if exc.ambiguous:
            attempt.state = "ambiguous"
        elif exc.transient:
            attempt.state = "temporary_failure"
        else:
            attempt.state = "permanent_failure"
        return
    attempt.state = "sent"
    attempt.provider_ref = sent.provider_id
    # Recorded at once: Twilio's status callback may come before the batch is recorded.
    await conn.execute(
        "UPDATE notice_deliveries SET provider_ref = $2 WHERE id = $1",
        attempt.delivery_id,
        sent.provider_id,
    )


def _text(recipient: Recipient) -> NoticeText:
    return NoticeText(
        kind=recipient.kind, programme_id=recipient.programme_id, topic=recipient.topic
    )


async def _record(conn: asyncpg.Connection, attempts: list[Attempt], now: datetime) -> None:
    """Every outcome of a round in three statements (deliveries, devices, notices)."""
    next_attempts: list[datetime | None] = []
    for attempt in attempts:
        next_at = None
        if attempt.state == "temporary_failure":
            if attempt.attempts >= MAX_ATTEMPTS:
                attempt.state = "technical_failure"
                attempt.error = f"{attempt.error} (retries used up)"
            else:
                next_at = now + timedelta(seconds=BACKOFF_S[attempt.attempts - 1])
        next_attempts.append(next_at)
    await conn.execute(
        """
        UPDATE notice_deliveries d
        SET state = t.state, provider_ref = coalesce(t.provider_ref, d.provider_ref),
            error = t.error, next_attempt_at = t.next_attempt_at, updated_at = now()
        FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
            AS t(id, state, provider_ref, error, next_attempt_at)
        WHERE d.id = t.id AND d.state = 'sending'
        """,
        [a.delivery_id for a in attempts],
        [a.state for a in attempts],
        [a.provider_ref for a in attempts],
        [a.error for a in attempts],
        next_attempts,
    )
    dead = [a.recipient.devices[0][0] for a in attempts if a.retire_device and a.recipient.devices]
    if dead:
        await conn.execute(
            """
            UPDATE devices SET retired_at = now(), retired_reason = 'unregistered'
            WHERE id = ANY($1::bigint[]) AND retired_at IS NULL
            """,
            dead,
        )
    reached = [
        a.recipient.notice_id for a in attempts if a.state in {"sent", "ambiguous", "delivered"}
    ]
    if reached:
        await conn.execute(
            "UPDATE notices SET state = 'sent' WHERE id = ANY($1::bigint[]) "
            "AND state IN ('pending', 'sending')",
            reached,
        )


class DeliveryRound(msgspec.Struct, kw_only=True):
    attempted: dict[str, int]
    states: dict[str, int]


async def deliver_round(
    pool: asyncpg.Pool, settings: Settings, notice_ids: Sequence[int], now: datetime,
    *, unread_push: bool = False,
) -> tuple[DeliveryRound, list[int]]:  # fmt: skip
    """One round: claim a channel per notice, send, record. Returns the notices that
    should be tried again at once on their next channel (a permanent failure)."""
    attempts: list[Attempt] = []
    async with pool.acquire() as pooled, pooled.transaction():
        conn = cast(asyncpg.Connection, pooled)
        recipients = await load_recipients(conn, notice_ids)
        # A notice whose person died since, or that is no longer to be sent: stop here.
        gone = set(notice_ids) - {r.notice_id for r in recipients}
        if gone:
            await conn.execute(
                "UPDATE notices SET state = 'failed' WHERE id = ANY($1::bigint[]) "
                "AND state IN ('pending', 'sending')",
                sorted(gone),
            )
        wanted: list[tuple[Recipient, str]] = []
        for recipient in recipients:
            channels = channels_now(recipient, now, unread_push=unread_push)
            if not channels:
                await _close_if_exhausted(conn, recipient, now)
            wanted.extend((recipient, channel) for channel in channels)
        taken = await _claim(conn, wanted) if wanted else {}
        for recipient, channel in wanted:
            claimed = taken.get((recipient.notice_id, channel))
            if claimed is None:
                continue
            attempt = Attempt(
                delivery_id=claimed[0], recipient=recipient, channel=channel, attempts=claimed[1]
            )
            if channel == "letter":
                attempt.state = "sent"
            attempts.append(attempt)
        letters = [a.recipient.notice_id for a in attempts if a.channel == "letter"]
        if letters:
            await conn.execute(
                "INSERT INTO letters (notice_id) SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING",
                letters,
            )
    # Sending happens outside any transaction: a slow provider holds no lock.
    async with pool.acquire() as pooled:
        outbox = cast(asyncpg.Connection, pooled)
        push = [a for a in attempts if a.channel == "push"]
        if push:
            await _send_push(settings, outbox, push)
        limit = asyncio.Semaphore(_TWILIO_CONCURRENCY)

        async def one(attempt: Attempt) -> None:
            # A connection each: the SID (and in development the outbox row) is written
            # as soon as each send returns, while the others are still sending.
            async with limit, pool.acquire() as own:
                await _send_twilio(settings, cast(asyncpg.Connection, own), attempt)

        await asyncio.gather(*(one(a) for a in attempts if a.channel in {"sms", "voice"}))
    async with pool.acquire() as pooled, pooled.transaction():
        await _record(cast(asyncpg.Connection, pooled), attempts, now)
    attempted: dict[str, int] = {}
    states: dict[str, int] = {}
    for attempt in attempts:
        attempted[attempt.channel] = attempted.get(attempt.channel, 0) + 1
        states[attempt.state] = states.get(attempt.state, 0) + 1
    again = [
        a.recipient.notice_id
        for a in attempts
        if a.state in {"permanent_failure", "technical_failure"}
    ]
    return DeliveryRound(attempted=attempted, states=states), again


async def _close_if_exhausted(
    conn: asyncpg.Connection, recipient: Recipient, now: datetime
) -> None:
    """A notice with no channel left and nothing sent is `failed` (it stays in the inbox)."""
    if any(d.state in DONE for d in recipient.deliveries.values()):
        return
    waiting = any(
        d.state == "temporary_failure" and d.attempts < MAX_ATTEMPTS
        for d in recipient.deliveries.values()
    )
    if not waiting and recipient.deliveries:
        await conn.execute(
            "UPDATE notices SET state = 'failed' WHERE id = $1 AND state IN ('pending', 'sending')",
            recipient.notice_id,
        )


async def deliver_notices(
    pool: asyncpg.Pool, settings: Settings, notice_ids: Sequence[int], now: datetime,
    *, unread_push: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Deliver a batch, falling back channel by channel at once on permanent failures."""
    attempted: dict[str, int] = {}
    states: dict[str, int] = {}
    pending = list(notice_ids)
    for _ in CHANNELS:
        if not pending:
            break
        result, pending = await deliver_round(pool, settings, pending, now, unread_push=unread_push)
        unread_push = False
        for key, value in result.attempted.items():
            attempted[key] = attempted.get(key, 0) + value
        for key, value in result.states.items():
            states[key] = states.get(key, 0) + value
    return {"notices": len(notice_ids), "attempted": attempted, "states": states}
