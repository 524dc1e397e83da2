"""The SMS that announces a change of bank account, sent by a job after the change commits.

It goes to the phone of record, not to anything the session could have set,
so a person whose session was stolen learns of the change during the
cooling-off day and can call 1350 before any money moves.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from arq import Retry

from auth.people import mask_phone
from i18n import N_, SUPPORTED_LOCALES, translate
from notifications.notices import create_account_notice
from notifications.twilio_client import ProviderError, send_sms
from onestop.applications.banks import bank_name, korea_time
from server.settings import Settings

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (10, 60, 300, 900)


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
    settings: Settings = ctx["settings"]
    async with ctx["pool"].acquire() as conn:
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
        # The same news on every other channel the person has (push, a call to a landline,
        # a letter) and in their inbox, through the notification core.
        notice_id = await _account_notice(ctx, conn, recipient.person_id, bank_account_id)
        if recipient.phone_e164 is None:
            return "no-phone"
        locale = (
            recipient.preferred_language
            if recipient.preferred_language in SUPPORTED_LOCALES
            else "ko"
        )
        body = change_text(
            locale,
            bank_code=recipient.bank_code,
            last4=recipient.number_last4,
            effective_from=korea_time(recipient.effective_from),
        )
        try:
            sent = await send_sms(settings.twilio, conn, to=recipient.phone_e164, body=body)
        except ProviderError as exc:
            try_number = int(ctx.get("job_try", 1))
            if exc.transient and try_number <= len(RETRY_DELAYS_S):
                log.warning(
                    "bank account notice to %s not sent (%s); retry %d",
                    mask_phone(recipient.phone_e164),
                    exc,
                    try_number,
                )
                raise Retry(defer=RETRY_DELAYS_S[try_number - 1]) from None
            log.error(
                "bank account notice to %s given up: %s", mask_phone(recipient.phone_e164), exc
            )
            await _sms_outcome(conn, notice_id, "technical_failure", None)
            return "failed"
        await _sms_outcome(conn, notice_id, "sent", sent.provider_id)
        return "sent"


async def _account_notice(
    ctx: dict[str, Any], conn: asyncpg.Connection, person_id: int, bank_account_id: int
) -> int:
    """The account notice for this change (made once, whatever the retries). Its SMS is
    this job's detailed one, so the core is told the SMS channel is taken."""
    topic = f"bank_account_changed:{bank_account_id}"
    existing = await conn.fetchval(
        "SELECT id FROM notices WHERE person_id = $1 AND kind = 'account' AND topic = $2",
        person_id,
        topic,
    )
    if existing is not None:
        return int(existing)
    async with conn.transaction():
        notice_id = await create_account_notice(conn, datetime.now(UTC), person_id, topic)
        await conn.execute(
            "INSERT INTO notice_deliveries (notice_id, channel, state, attempts) "
            "VALUES ($1, 'sms', 'sending', 1)",
            notice_id,
        )
    await ctx["redis"].enqueue_job("deliver_notices", [notice_id])
    return notice_id


async def _sms_outcome(
    conn: asyncpg.Connection, notice_id: int, state: str, provider_ref: str | None
) -> None:
    await conn.execute(
        """
        UPDATE notice_deliveries SET state = $2, provider_ref = $3, updated_at = now()
        WHERE notice_id = $1 AND channel = 'sms'
        """,
        notice_id,
        state,
        provider_ref,
    )
    if state == "sent":
        await conn.execute(
            "UPDATE notices SET state = 'sent' WHERE id = $1 AND state IN ('pending', 'sending')",
            notice_id,
        )
