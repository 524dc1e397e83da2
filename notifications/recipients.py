"""Who a notice goes to, and which channel to try now (see delivery.py for the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg
import msgspec

from auth import is_mobile_number

CHANNELS = ("push", "sms", "voice", "letter")
MAX_ATTEMPTS = 5
# Seconds before try 2, 3, 4 and 5: about an hour in all.
BACKOFF_S = (120, 600, 1_200, 1_800)
STUCK_AFTER = timedelta(minutes=10)
# A channel with one of these is done (or in flight, or in doubt): never tried again.
DONE = frozenset({"sending", "sent", "delivered", "ambiguous", "inbox"})
# A push that reached the phone, or may have (left in the inbox): unread after 48 hours,
# the notice goes by SMS once.
PUSH_REACHED = frozenset({"sent", "delivered", "inbox"})


class Delivery(msgspec.Struct, frozen=True):
    state: str
    attempts: int
    next_attempt_at: datetime | None


class Recipient(msgspec.Struct, frozen=True, kw_only=True):
    notice_id: int
    person_id: int
    kind: str
    programme_id: str | None
    topic: str | None
    locale: str
    phone: str | None
    preferred_channel: str | None
    devices: tuple[tuple[int, str], ...]  # (device id, FCM token), live only
    deliveries: dict[str, Delivery]


def channels_for(recipient: Recipient) -> list[str]:
    have = {
        "push": bool(recipient.devices),
        "sms": is_mobile_number(recipient.phone),
        "voice": bool(recipient.phone),
        "letter": True,
    }
    order = list(CHANNELS)
    if recipient.preferred_channel in have:
        order.remove(recipient.preferred_channel)
        order.insert(0, recipient.preferred_channel)
    return [channel for channel in order if have[channel]]


def next_channel(recipient: Recipient, now: datetime, *, unread_push: bool = False) -> str | None:
    """The channel to try now, or None (done, in flight, or waiting for a retry)."""
    available = channels_for(recipient)
    if unread_push:
        push = recipient.deliveries.get("push")
        if push is None or push.state not in PUSH_REACHED or "sms" not in available:
            return None
        return "sms" if "sms" not in recipient.deliveries else None
    for channel in available:
        delivery = recipient.deliveries.get(channel)
        if delivery is None:
            return channel
        if delivery.state in DONE:
            return None
        if delivery.state == "temporary_failure" and delivery.attempts < MAX_ATTEMPTS:
            due = delivery.next_attempt_at is None or delivery.next_attempt_at <= now
            return channel if due else None
        # permanent or technical failure, or retries used up: the next channel.
    return None


def channels_now(recipient: Recipient, now: datetime, *, unread_push: bool = False) -> list[str]:
    """The channels to try now. A notice about the account (a new payment account) goes
    on every channel the person has at once, so that a stolen session cannot hide it."""
    if recipient.kind != "account":
        channel = next_channel(recipient, now, unread_push=unread_push)
        return [] if channel is None else [channel]
    due = []
    for channel in channels_for(recipient):
        delivery = recipient.deliveries.get(channel)
        if delivery is None or (
            delivery.state == "temporary_failure"
            and delivery.attempts < MAX_ATTEMPTS
            and (delivery.next_attempt_at is None or delivery.next_attempt_at <= now)
        ):
            due.append(channel)
    return due


async def load_recipients(
    conn: asyncpg.Connection, notice_ids: Sequence[int], *, unread_push: bool = False
) -> list[Recipient]:
    """The notices still to send; for the unread-push SMS, also those left in the inbox."""
    states = ["pending", "sending", "sent"] + (["inbox_only"] if unread_push else [])
    rows = await conn.fetch(
        """
        SELECT n.id, n.person_id, n.kind, n.programme_id, n.topic, n.locale, n.state,
               p.phone_e164, pref.preferred_channel,
               coalesce((SELECT array_agg(ARRAY[d.id::text, d.fcm_token] ORDER BY d.id DESC)
                         FROM devices d
                         WHERE d.person_id = n.person_id AND d.retired_at IS NULL), '{}')
                   AS devices,
               coalesce((SELECT jsonb_object_agg(nd.channel, jsonb_build_array(
                             nd.state, nd.attempts, nd.next_attempt_at))
                         FROM notice_deliveries nd WHERE nd.notice_id = n.id), '{}')::text
                   AS deliveries
        FROM notices n
        JOIN people p ON p.id = n.person_id
        LEFT JOIN notification_preferences pref ON pref.person_id = n.person_id
        WHERE n.id = ANY($1::bigint[]) AND n.state = ANY($2::text[])
          AND p.deceased_on IS NULL
        ORDER BY n.id
        """,
        list(notice_ids),
        states,
    )
    recipients = []
    for row in rows:
        deliveries = {
            channel: Delivery(state, attempts, None if at is None else datetime.fromisoformat(at))
            for channel, (state, attempts, at) in msgspec.json.decode(row["deliveries"]).items()
        }
        recipients.append(
            Recipient(
                notice_id=row["id"],
                person_id=row["person_id"],
                kind=row["kind"],
                programme_id=row["programme_id"],
                topic=row["topic"],
                locale=row["locale"],
                phone=row["phone_e164"],
                preferred_channel=row["preferred_channel"],
                devices=tuple((int(d[0]), d[1]) for d in row["devices"]),
                deliveries=deliveries,
            )
        )
    return recipients
