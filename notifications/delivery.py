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
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import asyncpg
import msgspec
from redis.asyncio import Redis

from foundation.settings import Settings
from notifications.recipients import (
    CHANNELS,
    DONE,
    MAX_ATTEMPTS,
    Recipient,
    channels_now,
    load_recipients,
)
from notifications.sending import Attempt, record_outcomes, send_push_batch, send_twilio_one
from notifications.settle import settle_notices

_TWILIO_CONCURRENCY = 20


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
            await record_outcomes(conn, letters, now, job_id)
    # Sending happens outside any transaction and without a held connection.
    push = [a for a in attempts if a.channel == "push"]
    if push:
        sent_push = await send_push_batch(settings, pool, redis, push, job_id=job_id, paced=paced)
        await record_outcomes(pool, sent_push, now, job_id)
        for attempt in push:
            if attempt.state == "sending":
                attempt.state = "taken_over"
    limit = asyncio.Semaphore(_TWILIO_CONCURRENCY)

    async def one(attempt: Attempt) -> None:
        async with limit:
            await send_twilio_one(settings, pool, redis, attempt, now, job_id=job_id, paced=paced)

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
