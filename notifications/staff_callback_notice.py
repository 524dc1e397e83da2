"""The SMS that confirms a call-back a person asked their job centre's staff for (on the
phone line), sent from the codes' sender on the interactive queue: the person is waiting
for it. Only to a number that can take a text (a mobile); a landline is told on the call.
No link, and no personal detail beyond the office and the time."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from arq import Retry

from auth import is_mobile_number
from foundation.korea import KOREA
from foundation.settings import Settings
from i18n import N_, locale_of, translate
from i18n.formatting import format_date, format_time
from notifications.korean_handsets import sms_text_korean_phones_show
from providers.twilio_client import ProviderError, send_sms

log = logging.getLogger(__name__)
RETRY_DELAYS_S = (10, 30, 90)


def confirmation_text(locale: str, office: str, starts_at: datetime, ends_at: datetime) -> str:
    start, end = starts_at.astimezone(KOREA), ends_at.astimezone(KOREA)
    return translate(
        locale,
        N_(
            "[Ministry of Employment and Labor] {office} will call you back on {day} "
            "between {start} and {end}."
        ),
        office=office,
        day=format_date(locale, start.date()),
        start=format_time(locale, start),
        end=format_time(locale, end),
    )


async def confirm_staff_callback(ctx: dict[str, Any], request_id: int, locale: str) -> str:
    settings: Settings = ctx["settings"]
    locale = locale_of(locale)
    async with ctx["pool"].acquire() as conn:
        row = await conn.fetchrow(
            """
            SELECT r.phone_e164, r.window_starts_at, r.window_ends_at, r.done_at,
                   r.confirmed_by_sms_at, o.name_ko, o.name_en
            FROM staff_callback_requests r JOIN offices o ON o.code = r.office_code
            WHERE r.id = $1
            """,
            request_id,
        )
        if row is None or row["done_at"] is not None or row["confirmed_by_sms_at"] is not None:
            return "nothing-to-do"
        if not is_mobile_number(row["phone_e164"]):
            return "no-mobile"
    body = sms_text_korean_phones_show(
        locale,
        lambda language: confirmation_text(
            language,
            row["name_ko"] if language == "ko" else row["name_en"],
            row["window_starts_at"],
            row["window_ends_at"],
        ),
    )
    try:
        if settings.twilio.enabled:
            # No connection held while Twilio answers.
            await send_sms(settings.twilio, None, to=row["phone_e164"], body=body, interactive=True)
        else:
            async with ctx["pool"].acquire() as conn:
                await send_sms(settings.twilio, conn, to=row["phone_e164"], body=body)
    except ProviderError:
        tries = int(ctx.get("job_try", 1))
        if tries <= len(RETRY_DELAYS_S):
            raise Retry(defer=RETRY_DELAYS_S[tries - 1]) from None
        log.warning("a staff call-back's SMS could not be sent: request %s", request_id)
        return "failed"
    async with ctx["pool"].acquire() as conn:
        await conn.execute(
            "UPDATE staff_callback_requests SET confirmed_by_sms_at = now() WHERE id = $1",
            request_id,
        )
    return "sent"
