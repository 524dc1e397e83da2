"""The SMS that announces a change of bank account, sent by a job after the change commits.

It goes to the phone of record, not to anything the session could have set,
so a person whose session was stolen learns of the change during the
cooling-off day and can call 1350 before any money moves.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from arq import Retry

from auth.people import mask_phone
from i18n import N_, SUPPORTED_LOCALES, translate
from notifications.twilio_client import ProviderError, send_sms
from onestop.applications.banks import bank_name, korea_time
from server.settings import Settings

log = logging.getLogger(__name__)

RETRY_DELAYS_S = (10, 60, 300, 900)


class _Recipient(msgspec.Struct, frozen=True, kw_only=True):
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
            SELECT p.phone_e164, p.preferred_language, b.bank_code, b.number_last4,
                   b.effective_from
            FROM bank_accounts b JOIN people p ON p.id = b.person_id
            WHERE b.id = $1 AND b.status = 'verified'
            """,
            bank_account_id,
        )
        if row is None:
            return "missing"
        recipient = _Recipient(**dict(row))
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
            await send_sms(settings.twilio, conn, to=recipient.phone_e164, body=body)
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
            return "failed"
        return "sent"
