"""Delivering notices: pick the channel, claim it, send outside the transaction, record.

Order per person: their preferred channel if they have it, then push (a live
device), SMS (a mobile number), voice call (any number, landlines too), and
last a letter queued for printing (the notice is in the kiosk inbox anyway).

- **Once per channel.** A delivery row per (notice, channel) is claimed by a
  conditional write in its own transaction before anything is sent, with the
  arq job that claimed it; a second job finds it `sending` and sends nothing.
- **States tell the truth.** Just before the provider is called, the row gets
  `provider_call_at` (and the SMS text's hash), committed; right after, its
  outcome. A delivery is `sent` only with the provider's reference in hand. A
  claim whose call never started (the worker died first) is tried again, never
  guessed: at once when arq runs the same job again, else by the sweep. A call
  that may have reached the provider is `ambiguous` until `resolve_ambiguous`
  asks the provider (SMS, voice) or leaves the notice in the inbox (push: FCM
  cannot be asked, and the inbox is idempotent). A notice is `sent` only when
  none of its deliveries is still unsettled.
- **One connection at a time.** No step holds a connection while it waits for
  another or for a provider: the claim is one transaction, each send marks and
  records its row with short statements of its own.
- **Paced.** Bulk sends take a slot of their provider's pace (notifications/
  pacing.py), so that a burst neither trips its limits nor crowds out codes.
  Urgent notices (an account change) go unpaced, from the interactive worker.
- **Retries** on 5xx, 429 and unanswered-but-safe errors only: up to
  `MAX_ATTEMPTS` tries with backoff (about an hour in all), then the next channel.
- A dead FCM token is retired and the next channel is tried at once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

import asyncpg
import msgspec
from redis.asyncio import Redis

from notifications.fcm import PushMessage, PushOutcome, send_push
from notifications.messages import NoticeText, render_notice, voice_twiml
from notifications.pacing import take_slots
from notifications.recipients import (
    BACKOFF_S,
    CHANNELS,
    DONE,
    MAX_ATTEMPTS,
    Recipient,
    channels_now,
    load_recipients,
)
from notifications.settle import settle_notices
from notifications.twilio_client import ProviderError, place_call, send_sms
from server.settings import Settings

_TWILIO_CONCURRENCY = 20


def body_digest(body: str) -> bytes:
    return hashlib.sha256(body.encode()).digest()


async def _take_back_own_claims(
    conn: asyncpg.Connection, job_id: str, notice_ids: Sequence[int], now: datetime
) -> None:
    """arq runs a job again when its worker died: the claims that job left are its own.
    One whose provider call never started is due again now; one whose call started may
    have been sent, and waits for `resolve_ambiguous`."""
    await conn.execute(
        """
        UPDATE notice_deliveries
        SET state = CASE WHEN provider_call_at IS NULL THEN 'temporary_failure'
                         ELSE 'ambiguous' END,
            attempts = CASE WHEN provider_call_at IS NULL THEN greatest(attempts - 1, 0)
                            ELSE attempts END,
            next_attempt_at = CASE WHEN provider_call_at IS NULL THEN $3::timestamptz END,
            error = CASE WHEN provider_call_at IS NULL THEN 'claim of a dead worker'
                         ELSE 'no answer recorded' END,
            updated_at = now()
        WHERE claimed_by = $1 AND notice_id = ANY($2::bigint[]) AND state = 'sending'
        """,
        job_id,
        list(notice_ids),
        now,
    )


async def _claim(
    conn: asyncpg.Connection, wanted: list[tuple[Recipient, str]], job_id: str
) -> dict[tuple[int, str], tuple[int, int]]:
    """Take each (notice, channel) delivery for one attempt, in one statement.

    Returns (delivery id, attempt number) for those taken; one that another job
    holds (or that is done) is left out.
    """
    rows = await conn.fetch(
        """
        INSERT INTO notice_deliveries (notice_id, channel, state, attempts, device_id, claimed_by)
        SELECT notice_id, channel, 'sending', 1, device_id, $4
        FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS t(notice_id, channel, device_id)
        ON CONFLICT (notice_id, channel) DO UPDATE
            SET state = 'sending', attempts = notice_deliveries.attempts + 1,
                device_id = coalesce(excluded.device_id, notice_deliveries.device_id),
                claimed_by = excluded.claimed_by, provider_call_at = NULL, body_sha256 = NULL,
                updated_at = now()
            WHERE notice_deliveries.state = 'temporary_failure'
        RETURNING id, notice_id, channel, attempts
        """,
        [recipient.notice_id for recipient, _ in wanted],
        [channel for _, channel in wanted],
        [recipient.devices[0][0] if channel == "push" else None for recipient, channel in wanted],
        job_id,
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


async def _mark_called(
    pool: asyncpg.Pool, job_id: str, delivery_ids: list[int], digests: list[bytes | None]
) -> set[int]:
    """Committed before the provider is called: from here on, the send may have happened.
    Returns the rows this job still holds (a sweep may have given one to another job)."""
    rows = await pool.fetch(
        """
        UPDATE notice_deliveries d SET provider_call_at = now(), body_sha256 = t.digest,
               updated_at = now()
        FROM unnest($1::bigint[], $2::bytea[]) AS t(id, digest)
        WHERE d.id = t.id AND d.state = 'sending' AND d.claimed_by = $3
        RETURNING d.id
        """,
        delivery_ids,
        digests,
        job_id,
    )
    return {row["id"] for row in rows}


async def _send_push(
    settings: Settings,
    pool: asyncpg.Pool,
    redis: Redis,
    batch: list[Attempt],
    *,
    job_id: str,
    paced: bool,
) -> list[Attempt]:
    """Send the batch; returns the attempts that were sent (this job still held them)."""
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
        if paced:
            await take_slots(redis, "fcm", settings.fcm.bulk_per_second, len(batch))
        held = await _mark_called(pool, job_id, [a.delivery_id for a in batch], [None] * len(batch))
        kept = [(a, m) for a, m in zip(batch, messages, strict=True) if a.delivery_id in held]
        outcomes: list[PushOutcome] = await send_push(
            settings.fcm, [message for _, message in kept], pool
        )
    for (attempt, _), outcome in zip(kept, outcomes, strict=True):
        attempt.state = outcome.state
        attempt.provider_ref = outcome.message_id
        attempt.error = outcome.error
        attempt.retire_device = outcome.token_dead
    return [attempt for attempt, _ in kept]


async def _send_twilio(
    settings: Settings,
    pool: asyncpg.Pool,
    redis: Redis,
    attempt: Attempt,
    now: datetime,
    *,
    job_id: str,
    paced: bool,
) -> None:
    """One SMS or call: wait for its slot, mark, send, record — holding no connection
    while Twilio answers."""
    recipient = attempt.recipient
    assert recipient.phone is not None
    rendered = render_notice(_text(recipient), recipient.locale)
    callback = (
        f"{settings.http.public_url}/webhooks/twilio/status" if settings.twilio.enabled else None
    )
    if paced:
        await take_slots(redis, "twilio", settings.twilio.bulk_per_second)
    sms = attempt.channel == "sms"
    digest = body_digest(rendered.sms) if sms else None
    if not await _mark_called(pool, job_id, [attempt.delivery_id], [digest]):
        attempt.state = "taken_over"
        return
    try:
        if sms:
            sent = await send_sms(
                settings.twilio, pool, to=recipient.phone, body=rendered.sms,
                status_callback=callback,
            )  # fmt: skip
        else:
            sent = await place_call(
                settings.twilio, pool, to=recipient.phone,
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
    else:
        attempt.state = "sent"
        attempt.provider_ref = sent.provider_id
    # Recorded at once: Twilio's status callback may come soon after.
    await _record(pool, [attempt], now, job_id)


def _text(recipient: Recipient) -> NoticeText:
    return NoticeText(
        kind=recipient.kind, programme_id=recipient.programme_id, topic=recipient.topic
    )


async def _record(
    conn: asyncpg.Connection | asyncpg.Pool, attempts: list[Attempt], now: datetime, job_id: str
) -> None:
    """Outcomes of sends (deliveries, then dead devices); notices are settled per round."""
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
        WHERE d.id = t.id AND d.state = 'sending' AND d.claimed_by = $6
        """,
        [a.delivery_id for a in attempts],
        [a.state for a in attempts],
        [a.provider_ref for a in attempts],
        [a.error for a in attempts],
        next_attempts,
        job_id,
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


class DeliveryRound(msgspec.Struct, kw_only=True):
    attempted: dict[str, int]
    states: dict[str, int]


async def deliver_round(
    pool: asyncpg.Pool, redis: Redis, settings: Settings, notice_ids: Sequence[int],
    now: datetime, *, job_id: str, unread_push: bool = False, paced: bool = True,
) -> tuple[DeliveryRound, list[int]]:  # fmt: skip
    """One round: claim a channel per notice, send, record. Returns the notices that
    should be tried again at once on their next channel (a permanent failure)."""
    attempts: list[Attempt] = []
    async with pool.acquire() as pooled, pooled.transaction():
        conn = cast(asyncpg.Connection, pooled)
        await _take_back_own_claims(conn, job_id, notice_ids, now)
        recipients = await load_recipients(conn, notice_ids, unread_push=unread_push)
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
        taken = await _claim(conn, wanted, job_id) if wanted else {}
        for recipient, channel in wanted:
            claimed = taken.get((recipient.notice_id, channel))
            if claimed is None:
                continue
            attempt = Attempt(
                delivery_id=claimed[0], recipient=recipient, channel=channel, attempts=claimed[1]
            )
            attempts.append(attempt)
        letters = [a for a in attempts if a.channel == "letter"]
        if letters:
            # Queued for printing in this same transaction: the letter is as good as sent.
            await conn.execute(
                "INSERT INTO letters (notice_id) SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING",
                [a.recipient.notice_id for a in letters],
            )
            for letter in letters:
                letter.state = "sent"
            await _record(conn, letters, now, job_id)
    # Sending happens outside any transaction and without a held connection.
    push = [a for a in attempts if a.channel == "push"]
    if push:
        sent_push = await _send_push(settings, pool, redis, push, job_id=job_id, paced=paced)
        await _record(pool, sent_push, now, job_id)
        for attempt in push:
            if attempt.state == "sending":
                attempt.state = "taken_over"
    limit = asyncio.Semaphore(_TWILIO_CONCURRENCY)

    async def one(attempt: Attempt) -> None:
        async with limit:
            await _send_twilio(settings, pool, redis, attempt, now, job_id=job_id, paced=paced)

    await asyncio.gather(*(one(a) for a in attempts if a.channel in {"sms", "voice"}))
    async with pool.acquire() as pooled:
        await settle_notices(cast(asyncpg.Connection, pooled), sorted(set(notice_ids)))
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
    pool: asyncpg.Pool, redis: Redis, settings: Settings, notice_ids: Sequence[int],
    now: datetime, *, job_id: str, unread_push: bool = False, paced: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Deliver a batch, falling back channel by channel at once on permanent failures."""
    attempted: dict[str, int] = {}
    states: dict[str, int] = {}
    pending = list(notice_ids)
    for _ in CHANNELS:
        if not pending:
            break
        result, pending = await deliver_round(
            pool, redis, settings, pending, now,
            job_id=job_id, unread_push=unread_push, paced=paced,
        )  # fmt: skip
        unread_push = False
        for key, value in result.attempted.items():
            attempted[key] = attempted.get(key, 0) + value
        for key, value in result.states.items():
            states[key] = states.get(key, 0) + value
    return {"notices": len(notice_ids), "attempted": attempted, "states": states}
