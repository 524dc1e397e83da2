"""Unlock a locked access card at the kiosk with an SMS code to the holder's mobile phone.

After 5 wrong PINs a card is locked (auth/access_cards.py). A counter clerk can unlock
it; so can its holder, at an enrolled kiosk (whose requests its device key signs), with a
code sent to their mobile phone of record: the same 6-digit codes, sending job and per-number limits as sign-in codes
(auth/sms_codes.py), in a challenge bound to this one card.

The code unlocks the card and nothing more: it never signs anyone in, and the PIN stays
the second factor at sign-in. It lifts the lock and resets no count (only a right PIN
does; the card locks again at its next 5th wrong PIN). Unlocking gives back 5 PIN
guesses, so a stolen card with the holder's phone could grind the PIN one unlock at a
time: at most `UNLOCKS_PER_CARD_PER_DAY` SMS unlocks per card in 24 hours, then only a
counter unlocks it. That cap is this path's own (the app's PIN has its own,
auth/app_pin_unlocks.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
from arq.connections import ArqRedis

from auth.access_card_store import AccessCard, get_card, lift_card_lock
from auth.access_cards import CHANNEL, live_card_at_kiosk
from auth.accounts import get_account_by_person
from auth.kiosk_device_store import KioskDevice
from auth.people import Person, get_person, is_mobile_number, mask_phone_for_display
from auth.problems import CODE_ATTEMPTS_EXCEEDED, CODE_EXPIRED
from auth.secrets import code_hash, same_hash
from auth.sms_codes import (
    MAX_WRONG_CODES,
    Challenge,
    get_challenge,
    start_card_unlock_challenge,
)
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.problems import Problem, problem_kind
from foundation.settings import Settings
from i18n import N_, negotiate_locale

UNLOCKS_PER_CARD_PER_DAY = 3
UNLOCK_WINDOW = timedelta(hours=24)
METHOD = "sms"

CARD_NOT_LOCKED = problem_kind(
    "card-not-locked",
    409,
    N_("This card is not locked"),
    N_("You can use this card with your PIN as usual."),
)
CARD_UNLOCK_NO_MOBILE = problem_kind(
    "card-unlock-no-mobile",
    409,
    N_("We cannot send a code to unlock this card"),
    N_(
        "There is no mobile phone number on record to send a code to. Bring your ID card "
        "to a job centre counter and we will unlock the card, or call 1350."
    ),
)
CARD_UNLOCK_LIMIT = problem_kind(
    "card-unlock-limit",
    429,
    N_("Please unlock this card at a counter"),
    N_(
        "This card was unlocked with a text message code {limit} times in the last 24 hours. "
        "To protect you, bring your ID card to a job centre counter to unlock it."
    ),
)
CARD_UNLOCK_CODE_WRONG = problem_kind(
    "card-unlock-code-wrong",
    401,
    N_("The code is not right"),
    N_("Check the code in the text message and enter it again."),
)


class CardUnlockStarted(msgspec.Struct, frozen=True, kw_only=True):
    challenge_id: uuid.UUID
    phone_masked: str
    expires_at: datetime
    resend_after: int


async def _locked_card(conn: asyncpg.Connection, card: AccessCard) -> AccessCard:
    """The card again with its row locked (serialising starts and unlocks of one card);
    409 when it is not locked."""
    current = await get_card(conn, card.id, lock=True)
    assert current is not None
    if current.locked_at is None:
        raise Problem(CARD_NOT_LOCKED)
    return current


async def _unlock_window_ends(conn: asyncpg.Connection, card_id: int) -> datetime | None:
    """When the card may be unlocked by SMS again; None while it is under the daily cap."""
    # The cap-th latest unlock in the window: once it leaves the window, one is free again.
    oldest_counted: datetime | None = await conn.fetchval(
        """
        SELECT consumed_at FROM sms_challenges
        WHERE card_id = $1 AND purpose = 'card_unlock' AND consumed_at > now() - $2::interval
        ORDER BY consumed_at DESC OFFSET $3 LIMIT 1
        """,
        card_id,
        UNLOCK_WINDOW,
        UNLOCKS_PER_CARD_PER_DAY - 1,
    )
    return oldest_counted + UNLOCK_WINDOW if oldest_counted is not None else None


async def _ensure_under_daily_cap(
    conn: asyncpg.Connection, card: AccessCard, kiosk: KioskDevice, actor: str
) -> None:
    ends = await _unlock_window_ends(conn, card.id)
    if ends is None:
        return
    await record_audit(
        conn,
        actor=actor,
        action="auth.card.unlock_refused",
        subject=f"person:{card.person_id}",
        office=kiosk.office_code,
        channel=CHANNEL,
        reason="daily_limit",
        details={"card": card.id, "kiosk": kiosk.id, "method": METHOD},
    )
    wait = max(int((ends - datetime.now(UTC)).total_seconds()), 1)
    raise Problem(
        CARD_UNLOCK_LIMIT,
        limit=UNLOCKS_PER_CARD_PER_DAY,
        headers={"Retry-After": str(wait)},
        commit_first=True,
    )


class _Holder(msgspec.Struct, frozen=True, kw_only=True):
    person: Person
    account_id: int | None
    # How audit rows name them: their account, else the person.
    actor: str


async def _holder(conn: asyncpg.Connection, card: AccessCard) -> _Holder:
    person = await get_person(conn, card.person_id)
    assert person is not None  # access_cards.person_id references people
    account = await get_account_by_person(conn, card.person_id)
    return _Holder(
        person=person,
        account_id=account.id if account is not None else None,
        actor=f"account:{account.id}" if account is not None else f"person:{person.id}",
    )


async def start_card_unlock(
    tx: Transaction,
    queue: ArqRedis,
    settings: Settings,
    *,
    kiosk: KioskDevice,
    card_token: str,
) -> CardUnlockStarted:
    """Send a code that unlocks this locked card to its holder's mobile phone of record."""
    conn = tx.conn
    card = await live_card_at_kiosk(conn, kiosk, card_token, step="unlock_start")
    card = await _locked_card(conn, card)
    holder = await _holder(conn, card)
    person = holder.person
    if person.is_deceased or person.phone_e164 is None or not is_mobile_number(person.phone_e164):
        raise Problem(CARD_UNLOCK_NO_MOBILE)
    await _ensure_under_daily_cap(conn, card, kiosk, holder.actor)
    started = await start_card_unlock_challenge(
        tx,
        queue,
        settings,
        card_id=card.id,
        phone_e164=person.phone_e164,
        person_id=person.id,
        account_id=holder.account_id,
        # The text goes to the person's own phone: in their language, not the kiosk's.
        locale=negotiate_locale(preferred=person.preferred_language),
    )
    await record_audit(
        conn,
        actor=holder.actor,
        action="auth.card.unlock_code_sent",
        subject=f"person:{card.person_id}",
        office=kiosk.office_code,
        channel=CHANNEL,
        details={"card": card.id, "kiosk": kiosk.id, "challenge": str(started.challenge_id)},
    )
    return CardUnlockStarted(
        challenge_id=started.challenge_id,
        phone_masked=mask_phone_for_display(person.phone_e164),
        expires_at=started.expires_at,
        resend_after=started.resend_after,
    )


async def _usable_challenge(
    conn: asyncpg.Connection, challenge_id: uuid.UUID, card: AccessCard
) -> Challenge:
    challenge = await get_challenge(conn, challenge_id, lock=True)
    # Unknown, used, or another card's or purpose's challenge: one answer, no guess counted.
    if (
        challenge is None
        or challenge.purpose != "card_unlock"
        or challenge.card_id != card.id
        or challenge.consumed_at is not None
    ):
        raise Problem(CARD_UNLOCK_CODE_WRONG)
    if challenge.expires_at <= datetime.now(UTC):
        raise Problem(CODE_EXPIRED)
    if challenge.failed_attempts >= MAX_WRONG_CODES:
        raise Problem(CODE_ATTEMPTS_EXCEEDED)
    return challenge


async def verify_card_unlock(
    tx: Transaction,
    settings: Settings,
    *,
    kiosk: KioskDevice,
    card_token: str,
    challenge_id: uuid.UUID,
    code: str,
) -> AccessCard:
    """Check the code; on success lift the card's lock, keeping its count (no sign-in)."""
    conn = tx.conn
    card = await live_card_at_kiosk(conn, kiosk, card_token, step="unlock_verify")
    card = await _locked_card(conn, card)
    actor = (await _holder(conn, card)).actor
    challenge = await _usable_challenge(conn, challenge_id, card)
    # Codes started before the cap was reached must not unlock past it.
    await _ensure_under_daily_cap(conn, card, kiosk, actor)
    if not same_hash(challenge.code_hash, code_hash(settings.auth, str(challenge.id), code)):
        failures: int = await conn.fetchval(
            "UPDATE sms_challenges SET failed_attempts = failed_attempts + 1 WHERE id = $1 "
            "RETURNING failed_attempts",
            challenge.id,
        )
        await record_audit(
            conn,
            actor=actor,
            action="auth.card.unlock_refused",
            subject=f"person:{card.person_id}",
            office=kiosk.office_code,
            channel=CHANNEL,
            reason="code_wrong",
            details={"card": card.id, "kiosk": kiosk.id, "method": METHOD},
        )
        raise Problem(
            CARD_UNLOCK_CODE_WRONG,
            extra={"tries_left": max(MAX_WRONG_CODES - failures, 0)},
            commit_first=True,
        )
    await conn.execute("UPDATE sms_challenges SET consumed_at = now() WHERE id = $1", challenge.id)
    await lift_card_lock(conn, card.id)
    await record_audit(
        conn,
        actor=actor,
        action="auth.card.unlocked",
        subject=f"person:{card.person_id}",
        office=kiosk.office_code,
        channel=CHANNEL,
        details={"card": card.id, "kiosk": kiosk.id, "method": METHOD},
    )
    unlocked = await get_card(conn, card.id)
    assert unlocked is not None
    return unlocked
