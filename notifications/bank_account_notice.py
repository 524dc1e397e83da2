"""The SMS that announces a change of bank account, sent by a job after the change commits.

It goes to the phone of record, not to anything the session could have set,
so a person whose session was stolen learns of the change during the
cooling-off day and can call 1350 before any money moves.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, cast

import asyncpg
import msgspec

from auth import create_account_notice, mask_phone
from foundation.jobs import enqueue
from foundation.korea import KOREA
from foundation.settings import Settings
from i18n import N_, locale_of, translate
from i18n.formatting import format_datetime
from notifications.korean_handsets import sms_text_korean_phones_show
from notifications.sending import body_digest
from notifications.settle import settle_notices
from onestop.applications.banks import bank_name
from providers.twilio_client import ProviderError, send_sms

log = logging.getLogger(__name__)


class _Recipient(msgspec.Struct, frozen=True, kw_only=True):
    person_id: int
    phone_e164: str | None
    preferred_language: str
    bank_code: str
    number_last4: str
    effective_from: Any


def change_text(locale: str, *, bank_code: str, last4: str, effective_from: str) -> str:
    # No link, ever (links in SMS invite smishing); the helpline number instead.
    return translate(
        locale,
        N_(
            "[Ministry of Employment and Labor] Your benefits will be paid into a new bank "
            "account, {bank} ending {last4}, from {effective_from}. If you did not ask for "
            "this, call 1350 now."
        ),
        bank=bank_name(locale, bank_code),
        last4=last4,
        effective_from=effective_from,
    )


async def announce_bank_account_change(ctx: dict[str, Any], bank_account_id: int) -> str:
    """The detailed SMS of a new payment account, on the interactive queue; the same news
    goes on every other channel through the notification core (`deliver_urgent_notices`).

    The SMS is this notice's SMS delivery and follows its rules: marked before Twilio is
    called, recorded after; a run that died mid-call leaves it `ambiguous` for the
    resolver; a failure leaves it to the delivery core's retries (with the core's text)."""
    settings: Settings = ctx["settings"]
    pool = ctx["pool"]
    job_id = str(ctx.get("job_id") or "direct")
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            """
            SELECT p.id AS person_id, p.phone_e164, p.preferred_language, b.bank_code,
                   b.number_last4, b.effective_from
            FROM bank_accounts b JOIN people p ON p.id = b.person_id
            WHERE b.id = $1 AND b.status = 'verified'
            """,
            bank_account_id,
        )
        if row is None:
            return "missing"
        recipient = _Recipient(**dict(row))
        notice_id, delivery = await _account_notice(conn, recipient, bank_account_id, job_id)
    # The same news on every other channel the person has (push, a call to a landline, a
    # letter) and in their inbox, through the notification core.
    await enqueue(ctx["redis"], "deliver_urgent_notices", [notice_id])
    if delivery is None:
        return "no-phone"
    if delivery["state"] != "sending" or delivery["claimed_by"] != job_id:
        return "already-handled"
    if delivery["provider_call_at"] is not None:
        # This job died during its call to Twilio: the SMS may have gone.
        await _sms_outcome(pool, delivery["id"], "ambiguous", None, job_id)
        return "ambiguous"
    assert recipient.phone_e164 is not None
    locale = locale_of(recipient.preferred_language)
    body = sms_text_korean_phones_show(
        locale,
        lambda language: change_text(
            language,
            bank_code=recipient.bank_code,
            last4=recipient.number_last4,
            effective_from=format_datetime(language, recipient.effective_from, KOREA),
        ),
    )
    marked = await pool.fetchval(
        "UPDATE notice_deliveries SET provider_call_at = now(), body_sha256 = $2, "
        "updated_at = now() WHERE id = $1 AND state = 'sending' AND claimed_by = $3 "
        "RETURNING id",
        delivery["id"],
        body_digest(body),
        job_id,
    )
    if marked is None:
        return "already-handled"  # the sweep gave it to the delivery core meanwhile
    try:
        sent = await send_sms(
            settings.twilio, pool, to=recipient.phone_e164, body=body, interactive=True
        )
    except ProviderError as exc:
        state = (
            "ambiguous"
            if exc.ambiguous
            else "temporary_failure"
            if exc.transient
            else "permanent_failure"
        )
        log.warning(
            "bank account notice to %s not sent (%s): %s",
            mask_phone(recipient.phone_e164),
            exc,
            state,
        )
        await _sms_outcome(pool, delivery["id"], state, None, job_id)
        if state == "permanent_failure":
            await enqueue(ctx["redis"], "deliver_urgent_notices", [notice_id])
        return state
    await _sms_outcome(pool, delivery["id"], "sent", sent.provider_id, job_id)
    return "sent"


async def _account_notice(
    conn: asyncpg.Connection, recipient: _Recipient, bank_account_id: int, job_id: str
) -> tuple[int, asyncpg.Record | None]:
    """The account notice for this change (made once, whatever the retries), and its SMS
    delivery, claimed by this job: the core is told the SMS channel is taken."""
    topic = f"bank_account_changed:{bank_account_id}"
    async with conn.transaction():
        notice_id = await conn.fetchval(
            "SELECT id FROM notices WHERE person_id = $1 AND kind = 'account' AND topic = $2",
            recipient.person_id,
            topic,
        )
        if notice_id is None:
            notice_id = await create_account_notice(
                conn, datetime.now(UTC), recipient.person_id, topic
            )
            if recipient.phone_e164 is not None:
                await conn.execute(
                    "INSERT INTO notice_deliveries (notice_id, channel, state, attempts, "
                    "claimed_by) VALUES ($1, 'sms', 'sending', 1, $2)",
                    notice_id,
                    job_id,
                )
        delivery = await conn.fetchrow(
            "SELECT id, state, claimed_by, provider_call_at FROM notice_deliveries "
            "WHERE notice_id = $1 AND channel = 'sms'",
            notice_id,
        )
    return int(notice_id), delivery


async def _sms_outcome(
    pool: asyncpg.Pool, delivery_id: int, state: str, provider_ref: str | None, job_id: str
) -> None:
    async with pool.acquire() as conn:
        notice_id = await conn.fetchval(
            """
            UPDATE notice_deliveries SET state = $2, provider_ref = $3, updated_at = now(),
                next_attempt_at = CASE WHEN $2 = 'temporary_failure'
                                       THEN now() + interval '2 minutes' END
            WHERE id = $1 AND state = 'sending' AND claimed_by = $4
            RETURNING notice_id
            """,
            delivery_id,
            state,
            provider_ref,
            job_id,
        )
        if notice_id is not None:
            await settle_notices(cast(asyncpg.Connection, conn), [notice_id])
