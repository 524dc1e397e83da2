"""Settling `ambiguous` deliveries: sends that may or may not have reached the provider.

A timeout, a dropped connection or a worker killed mid-call leaves a delivery
whose provider call started (`provider_call_at`) and whose answer we never got.
Neither FCM nor Twilio takes an idempotency key, so sending again could tell the
person twice, and marking it sent could tell them never. So we ask:

- **SMS and voice**: Twilio lists the messages and calls to a number. Once the
  call is older than the provider's timeout plus a grace period (Twilio's lists
  lag a little), a message to that number with the same text (by its SHA-256),
  or a call, made in that window and not already another delivery's, means it was
  sent: `sent`, with Twilio's reference. None means it never arrived there:
  `temporary_failure`, due now. If Twilio cannot be asked, it stays ambiguous and
  is asked again next minute. Without Twilio (`make run`), the outbox is asked.
- **Push**: FCM cannot be asked. The notice is in the person's inbox whatever
  happens (that is idempotent), so the delivery becomes `inbox`; if it is still
  unread after 48 hours, it goes by SMS once (`fallback_unread_push`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Literal, cast

import asyncpg
import msgspec

from foundation.settings import Settings
from notifications.settle import settle_notices
from providers.twilio_client import ProviderError, find_sent

log = logging.getLogger(__name__)

PER_RUN = 500


class Unsettled(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    notice_id: int
    channel: str
    called_at: datetime
    # The provider call is over and its lists have caught up (by the database's clock).
    ready: bool
    body_sha256: bytes | None
    phone: str | None


async def _ambiguous(conn: asyncpg.Connection, settle_after_s: float) -> list[Unsettled]:
    rows = await conn.fetch(
        """
        SELECT d.id, d.notice_id, d.channel,
               coalesce(d.provider_call_at, d.updated_at) AS called_at,
               coalesce(d.provider_call_at, d.updated_at)
                   < now() - make_interval(secs => $2) AS ready,
               d.body_sha256, p.phone_e164 AS phone
        FROM notice_deliveries d
        JOIN notices n ON n.id = d.notice_id
        JOIN people p ON p.id = n.person_id
        WHERE d.state = 'ambiguous'
        ORDER BY d.updated_at
        LIMIT $1
        """,
        PER_RUN,
        settle_after_s,
    )
    return [Unsettled(**dict(row)) for row in rows]


async def _settle(
    pool: asyncpg.Pool, delivery_id: int, state: str, provider_ref: str | None, now: datetime
) -> None:
    await pool.execute(
        """
        UPDATE notice_deliveries
        SET state = $2, provider_ref = coalesce($3, provider_ref),
            next_attempt_at = CASE WHEN $2 = 'temporary_failure' THEN $4::timestamptz END,
            error = CASE WHEN $2 = 'temporary_failure' THEN 'not found at the provider'
                         ELSE error END,
            updated_at = now()
        WHERE id = $1 AND state = 'ambiguous'
        """,
        delivery_id,
        state,
        provider_ref,
        now,
    )


async def resolve_ambiguous_deliveries(
    pool: asyncpg.Pool, settings: Settings, now: datetime
) -> dict[str, int]:
    """One pass over the ambiguous deliveries; counts of what each became."""
    async with pool.acquire() as pooled:
        conn = cast(asyncpg.Connection, pooled)
        unsettled = await _ambiguous(
            conn, settings.twilio.timeout_s + settings.notifications.ambiguous_grace_s
        )
        # Every reference already given to a delivery for these people: two notices to one
        # person can carry the same text (the short pointer SMS for a language Korean phones
        # cannot show), so a message found by its text must not be one another delivery has.
        known = {
            row["provider_ref"]
            for row in await conn.fetch(
                "SELECT d.provider_ref FROM notice_deliveries d "
                "JOIN notices n ON n.id = d.notice_id "
                "WHERE d.provider_ref IS NOT NULL AND n.person_id IN "
                "(SELECT person_id FROM notices WHERE id = ANY($1::bigint[]))",
                [item.notice_id for item in unsettled],
            )
        }
    counts = {"inbox": 0, "sent": 0, "retry": 0, "unknown": 0, "waiting": 0}
    for item in unsettled:
        if item.channel == "push":
            await _settle(pool, item.id, "inbox", None, now)
            counts["inbox"] += 1
            continue
        if item.channel not in ("sms", "voice") or item.phone is None:
            continue
        if not item.ready:
            counts["waiting"] += 1
            continue
        channel = cast(Literal["sms", "voice"], item.channel)
        try:
            reference = await find_sent(
                settings.twilio, pool, channel=channel, to=item.phone,
                body_sha256=item.body_sha256, since=item.called_at,
                until=item.called_at + timedelta(seconds=settings.twilio.timeout_s),
                known=known,
            )  # fmt: skip
        except ProviderError as exc:
            log.warning("delivery %s stays ambiguous: %s", item.id, exc)
            counts["unknown"] += 1
            continue
        if reference is None:
            await _settle(pool, item.id, "temporary_failure", None, now)
            counts["retry"] += 1
        else:
            known.add(reference)
            await _settle(pool, item.id, "sent", reference, now)
            counts["sent"] += 1
    async with pool.acquire() as pooled:
        await settle_notices(
            cast(asyncpg.Connection, pooled), sorted({item.notice_id for item in unsettled})
        )
    return counts
