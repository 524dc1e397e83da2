"""The arq job that sends an SMS or voice code, outside any request.

It runs on the interactive queue (foundation/jobs.py), never behind bulk notices,
and sends from the codes' own sender with a validity period: a code Twilio
could not hand over while it still works is dropped there, not delivered dead.

Twilio down or slow: the job retries with backoff while the code is still
valid, then gives up cleanly (the challenge is marked failed; the person can
ask for a new code). A retry sends the same code, so a message that arrives
late still works. Nothing is sent for a challenge that matched nobody.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from arq import Retry

from auth.people import mask_phone
from auth.secrets import unseal
from auth.sms_codes import code_context, get_challenge
from foundation.settings import Settings
from i18n import N_, translate
from providers.twilio_client import ProviderError, send_sms, shown_on_korean_phones
from providers.twilio_voice import Pause, Say, Speech, Step, has_voice, place_call_saying

log = logging.getLogger(__name__)

# Seconds before each retry; all within the code's 10 minutes.
RETRY_DELAYS_S = (5, 15, 45, 90, 180)


def sms_text(locale: str, code: str) -> str:
    """The code's SMS in the person's language; in English when Korean phones cannot show
    that language's text (notifications/korean_handsets.py says why: Korean and English
    together would not fit two segments)."""
    text = _sms_text(locale, code)
    return text if shown_on_korean_phones(text) else _sms_text("en", code)


def _sms_text(locale: str, code: str) -> str:
    # No link, ever: links in SMS invite smishing. Say who sent it and never to share it.
    return translate(
        locale,
        N_(
            "[Ministry of Employment and Labor] Your Hanchang code is {code}. It works for "
            "10 minutes. Never tell it to anyone, not even our staff. Questions: call 1350."
        ),
        code=code,
    )


def spoken_code(locale: str, code: str) -> Speech:
    """The code spoken slowly, digit by digit, twice, in the person's language; in
    English when Twilio has no voice for it (a code will not wait for a pointer to the
    counselling centres)."""
    locale = locale if has_voice(locale) else "en"
    steps: list[Step] = [
        Pause(1),
        Say(
            translate(
                locale, N_("Hello. This is the Ministry of Employment and Labor. Your code is:")
            )
        ),
    ]
    for round_number in range(2):
        if round_number == 1:
            steps.append(Say(translate(locale, N_("Once more. Your code is:"))))
        for digit in code:
            steps += [Say(digit), Pause(1)]
    steps.append(Say(translate(locale, N_("Never tell this code to anyone. Goodbye."))))
    return Speech(locale=locale, steps=steps)


async def send_code(ctx: dict[str, Any], challenge_id: str, sealed_code: bytes) -> str:
    settings: Settings = ctx["settings"]
    pool = ctx["pool"]
    async with pool.acquire() as conn:
        challenge = await get_challenge(conn, uuid.UUID(challenge_id), lock=False)
        if challenge is None:
            return "missing"
        if challenge.person_id is None and challenge.account_id is None:
            await conn.execute(
                "UPDATE sms_challenges SET send_state = 'skipped' WHERE id = $1", challenge.id
            )
            return "skipped"
        if challenge.consumed_at is not None or challenge.expires_at <= datetime.now(UTC):
            return "stale"
        if challenge.send_state == "sent":
            return "already-sent"
        code = unseal(settings.auth, sealed_code, code_context(challenge.id)).decode()
        valid_for_s = int((challenge.expires_at - datetime.now(UTC)).total_seconds())
        await conn.execute(
            "UPDATE sms_challenges SET send_attempts = send_attempts + 1 WHERE id = $1",
            challenge.id,
        )
        try:
            if challenge.delivery == "voice":
                sent = await place_call_saying(
                    settings.twilio,
                    conn,
                    to=challenge.phone_e164,
                    speech=spoken_code(challenge.locale, code),
                    interactive=True,
                )
            else:
                sent = await send_sms(
                    settings.twilio,
                    conn,
                    to=challenge.phone_e164,
                    body=sms_text(challenge.locale, code),
                    interactive=True,
                    valid_for_s=valid_for_s,
                )
        except ProviderError as exc:
            try_number = int(ctx.get("job_try", 1))
            remaining = (challenge.expires_at - datetime.now(UTC)).total_seconds()
            delay = RETRY_DELAYS_S[min(try_number - 1, len(RETRY_DELAYS_S) - 1)]
            if exc.transient and try_number < len(RETRY_DELAYS_S) and delay < remaining - 30:
                log.warning(
                    "code to %s not sent (%s); retry %d in %d s",
                    mask_phone(challenge.phone_e164),
                    exc,
                    try_number,
                    delay,
                )
                raise Retry(defer=delay) from None
            await conn.execute(
                "UPDATE sms_challenges SET send_state = 'failed' WHERE id = $1", challenge.id
            )
            log.error("code to %s given up: %s", mask_phone(challenge.phone_e164), exc)
            return "failed"
        await conn.execute(
            "UPDATE sms_challenges SET send_state = 'sent', provider_id = $2 WHERE id = $1",
            challenge.id,
            sent.provider_id,
        )
        return "sent"
