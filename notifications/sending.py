"""Sending one claimed delivery: mark, call the provider, record — holding no connection
while the provider answers (see delivery.py for the rules).

Each send is marked (`provider_call_at`, the SMS text's SHA-256) and committed before
its provider is called, and its outcome is recorded right after, on short statements
of their own; a row another job has taken over meanwhile is neither sent nor recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import asyncpg
import msgspec
from redis.asyncio import Redis

from auth import NOTICE_CALL_LIFETIME, NoticeCall, notice_call_token
from foundation.settings import Settings
from notifications.korean_handsets import sms_for_korean_handsets
from notifications.messages import (
    NoticeText,
    render_notice,
    speech_language,
    voice_speech,
)
from notifications.pacing import take_slots
from notifications.recipients import BACKOFF_S, MAX_ATTEMPTS, Recipient
from providers.fcm import PushMessage, PushOutcome, send_push
from providers.twilio_client import ProviderError, send_sms
from providers.twilio_voice import Speech, place_call_saying


def body_digest(body: str) -> bytes:
    return hashlib.sha256(body.encode()).digest()


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


async def send_push_batch(
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


async def send_twilio_one(
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
    # What a Korean phone can show: the text in the person's language, or where to find it.
    body = sms_for_korean_handsets(rendered.sms, recipient.locale, has_app=bool(recipient.devices))
    digest = body_digest(body) if sms else None
    if not await _mark_called(pool, job_id, [attempt.delivery_id], [digest]):
        attempt.state = "taken_over"
        return
    try:
        if sms:
            sent = await send_sms(
                settings.twilio, pool, to=recipient.phone, body=body,
                status_callback=callback,
            )  # fmt: skip
        else:
            sent = await place_call_saying(
                settings.twilio, pool, to=recipient.phone,
                speech=_notice_speech(settings, attempt), status_callback=callback,
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
    await record_outcomes(pool, [attempt], now, job_id)


def _notice_speech(settings: Settings, attempt: Attempt) -> Speech:
    """The notice said twice, then its keys, which post to the phone line with a token
    for this call and person (auth `notice_call_token`: sealed, expiring, single-use)."""
    recipient = attempt.recipient
    assert recipient.phone is not None
    token = notice_call_token(
        settings.auth,
        NoticeCall(
            delivery_id=attempt.delivery_id,
            person_id=recipient.person_id,
            phone_e164=recipient.phone,
            kind=recipient.kind,
            programme_id=recipient.programme_id,
            topic=recipient.topic,
            expires_at=datetime.now(UTC) + NOTICE_CALL_LIFETIME,
            locale=recipient.locale,
        ),
    )
    keys_to = (
        f"{settings.http.public_url}/webhooks/twilio/voice/notice"
        f"?{urlencode({'token': token, 'lang': speech_language(recipient.locale)})}"
    )
    can_apply = recipient.programme_id is not None
    return voice_speech(_text(recipient), recipient.locale, keys_to=keys_to, can_apply=can_apply)


def _text(recipient: Recipient) -> NoticeText:
    return NoticeText(
        kind=recipient.kind, programme_id=recipient.programme_id, topic=recipient.topic
    )


async def record_outcomes(
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
