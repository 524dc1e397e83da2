"""Registered phones: the PIN on the phone line, from a number a counter clerk registered
for a person (registering, removing and unlocking: auth/counter/phone_desk.py).

A call from a registered number (landlines too), with the person's PIN, signs in at
aal 1 only: caller ID can be spoofed, so the number proves nothing by itself. To reach
aal 2 the ministry calls the registered number back and asks for the PIN again:
answering that call is the thing the person has (NIST SP 800-63B §5.1.3, an
out-of-band device), the PIN the thing they know. The same session is raised to aal 2.

Since anyone can fake caller ID, a wrong PIN on an incoming call counts towards no
lock (auth/pin.py): it meets throttles on its source, the calling number and the
call, which expire (3 wrong PINs a call, 5 an hour and 10 a day a number: the phone
line's daily cap). Only a wrong PIN on a call we placed counts: every 5th locks that
phone's sign-in only, until a counter clerk unlocks it, and each counts towards the
account's lock at 100.

An unknown number, a number registered to more than one person (a shared landline),
a person with no PIN and a wrong PIN all answer the same problem, and meet the same
throttles, so that a caller cannot learn which numbers are registered. The phone line
asks every caller for their birth date (six digits, YYMMDD) before the PIN, whether or
not the number is shared, and the one holder of the number born on that date signs in:
so a shared landline opens each person's own account, and the question tells nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import msgspec
from redis.asyncio import Redis

from auth.accounts import record_sign_in_success
from auth.limits import FailureLimit, count_failure, refuse_when_over
from auth.people import mask_phone
from auth.pin import MAX_WRONG_PINS, PIN_NOT_NEEDED, check_pin, spend_a_pin_check
from auth.problems import CREDENTIAL_LOCKED, SESSION_INVALID, SIGN_IN_FAILED
from auth.registered_phone_store import (
    find_callers,
    get_callback_for_update,
    get_phone_session,
    get_registered_phone,
    get_session_phone,
    insert_callback,
    insert_phone_session,
    mark_callback_completed,
    raise_session_to_aal2,
    record_callback_placed,
)
from auth.secrets import new_token, token_hash
from auth.sessions import (
    LAST_SEEN_GRANULARITY,
    CurrentSession,
    Tokens,
    start_session,
)
from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from foundation.settings import AuthSettings, Settings
from i18n import N_, translate
from providers.twilio_client import ProviderError
from providers.twilio_voice import AskForDigits, Say, Speech, place_call_saying

CALLBACK_LIFETIME = timedelta(minutes=5)
SIGN_IN_METHOD = "phone_pin"
CALLBACK_METHOD = "phone_pin+callback"
# Wrong PINs on incoming calls: per call, and per calling number (the daily cap).
CALL_WRONG_PINS = FailureLimit("phone-pin-call", 3, 3600)
NUMBER_WRONG_PINS = (
    FailureLimit("phone-pin-number", 5, 3600),
    FailureLimit("phone-pin-number-day", 10, 24 * 3600),
)

PHONE_PIN_LOCKED = problem_kind(
    "phone-pin-locked",
    423,
    N_("The PIN is locked on this phone"),
    N_(
        "The PIN was entered wrongly 5 times on calls from this number. Visit a job centre "
        "counter to unlock it. Your app and your other ways in still work."
    ),
)
PHONE_SESSION_NEEDED = problem_kind(
    "phone-session-needed",
    409,
    N_("A call-back needs a phone sign-in"),
    N_("A call-back confirms a sign-in made by calling from a registered phone number."),
)
CALLBACK_ENDED = problem_kind(
    "callback-ended",
    400,
    N_("This call-back can no longer be used"),
    N_("The call-back has expired or was already used. Ask for a new call-back."),
)
CALLBACK_NOT_PLACED = problem_kind(
    "callback-not-placed",
    503,
    N_("We could not call you back"),
    N_("The call could not be placed just now. Please try again in a few minutes."),
)


class RegisteredPhonePin:
    """The PIN on the phone line: one registered phone's `pin_failures` and `locked_at`."""

    kind = "phone"

    def __init__(self, phone_id: int) -> None:
        self.phone_id = phone_id

    async def is_locked(self, conn: asyncpg.Connection) -> bool:
        locked_at = await conn.fetchval(
            "SELECT locked_at FROM registered_phones WHERE id = $1 FOR UPDATE", self.phone_id
        )
        return locked_at is not None

    async def record_wrong_pin(self, conn: asyncpg.Connection) -> int:
        failures: int = await conn.fetchval(
            """
            UPDATE registered_phones SET pin_failures = pin_failures + 1,
                locked_at = CASE WHEN (pin_failures + 1) % $2 = 0 THEN coalesce(locked_at, now())
                                 ELSE locked_at END
            WHERE id = $1
            RETURNING pin_failures
            """,
            self.phone_id,
            MAX_WRONG_PINS,
        )
        return failures

    async def clear_wrong_pins(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "UPDATE registered_phones SET pin_failures = 0 WHERE id = $1 AND pin_failures <> 0",
            self.phone_id,
        )


class PhoneCallbackStarted(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    expires_at: datetime


# --- The phone line: sign in, call back ------------------------------------------


async def check_phone_pin(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    account_id: int,
    phone_id: int,
    pin: str,
    *,
    possession_proven: bool,
) -> None:
    try:
        await check_pin(
            conn,
            settings,
            account_id,
            pin,
            RegisteredPhonePin(phone_id),
            channel="phone",
            possession_proven=possession_proven,
            address=None,
        )
    except Problem as exc:
        if exc.kind is CREDENTIAL_LOCKED:
            raise Problem(PHONE_PIN_LOCKED, commit_first=exc.commit_first) from None
        raise


async def verify_phone_sign_in(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: AuthSettings,
    *,
    caller_number: str,
    call_sid: str,
    pin: str,
    birth_date: str | None = None,
) -> Tokens:
    """Caller ID (E.164) and PIN on the call `call_sid`: a session at aal 1 on the phone
    channel. A refusal counts against the number's and the call's throttles only.

    `birth_date` (six digits, YYMMDD, as the phone line asks every caller) picks the
    holder of a shared number; a holder born on another day is not the caller."""
    await refuse_when_over(redis, settings, caller_number, *NUMBER_WRONG_PINS)
    await refuse_when_over(redis, settings, call_sid, CALL_WRONG_PINS)
    callers = await find_callers(conn, caller_number)
    if birth_date is not None:
        callers = [c for c in callers if born_on(c.birth_date, birth_date)]
    try:
        if len(callers) != 1:
            await spend_a_pin_check(settings, pin)
            await record_audit(
                conn,
                actor="anonymous",
                action="auth.phone.sign_in_refused",
                channel="phone",
                details={
                    "number": mask_phone(caller_number),
                    "reason": "unknown_number" if not callers else "shared_number",
                },
            )
            raise Problem(SIGN_IN_FAILED, commit_first=True)
        caller = callers[0]
        await check_phone_pin(
            conn, settings, caller.account_id, caller.phone_id, pin, possession_proven=False
        )
    except Problem as exc:
        if exc.kind is SIGN_IN_FAILED:
            await count_failure(redis, settings, caller_number, *NUMBER_WRONG_PINS)
            await count_failure(redis, settings, call_sid, CALL_WRONG_PINS)
        raise
    started = await start_session(
        conn,
        settings,
        account_id=caller.account_id,
        aal=1,
        method=SIGN_IN_METHOD,
        channel="phone",
        suggest=["phone_callback"],
    )
    # A call has no client address: Twilio brings it; the caller's number is its source.
    await record_sign_in_success(
        conn,
        caller.account_id,
        method=SIGN_IN_METHOD,
        channel="phone",
        session_id=started.id,
        address=None,
    )
    await insert_phone_session(conn, started.id, caller.phone_id)
    await record_audit(
        conn,
        actor=f"account:{caller.account_id}",
        action="auth.phone.signed_in",
        subject=f"account:{caller.account_id}",
        channel="phone",
        details={"phone_id": caller.phone_id, "session": str(started.id), "aal": 1},
    )
    return started.tokens


def born_on(birth_date: date, digits: str) -> bool:
    """Whether six digits typed on a keypad (YYMMDD) are this birth date."""
    return birth_date.strftime("%y%m%d") == digits


async def phone_session(conn: asyncpg.Connection, session_id: uuid.UUID) -> CurrentSession | None:
    """The live session a phone call signed in (by `verify_phone_sign_in`, raised by
    `complete_callback`), for the call's next key press; None once it has ended, the
    phone was removed or the account locked. Each use counts as activity."""
    row = await get_phone_session(conn, session_id)
    if row is None:
        return None
    session = CurrentSession(**dict(row))
    if datetime.now(UTC) - session.previous_seen_at > LAST_SEEN_GRANULARITY:
        await conn.execute("UPDATE sessions SET last_seen_at = now() WHERE id = $1", session.id)
    return session


def callback_speech(
    settings: Settings, callback_id: uuid.UUID, call_token: str, locale: str
) -> Speech:
    """Asks for the PIN; the phone line's webhook at that address takes the digits
    (assisted_channel/phone/callback.py), in the language of the call."""
    ask = AskForDigits(
        prompt=translate(
            locale,
            N_(
                "Hello. This is the Ministry of Employment and Labor, calling you back. If you "
                "did not just call us, hang up now. Otherwise, enter your 6-digit PIN."
            ),
        ),
        digits=6,
        timeout_s=10,
        send_to=f"{settings.http.public_url}/phone/callbacks/{callback_id}/pin"
        f"?token={call_token}&lang={locale}",
    )
    goodbye = Say(translate(locale, N_("We did not hear your PIN. Goodbye.")))
    return Speech(locale=locale, steps=[ask, goodbye])


async def start_callback(
    conn: asyncpg.Connection, settings: Settings, session: CurrentSession, *, locale: str
) -> PhoneCallbackStarted:
    """Call the registered number this session signed in from, to ask for the PIN."""
    phone = await get_session_phone(conn, session.id) if session.channel == "phone" else None
    if phone is None:
        raise Problem(PHONE_SESSION_NEEDED)
    if session.aal >= 2:
        raise Problem(PIN_NOT_NEEDED)
    if phone.removed_at is not None:
        raise Problem(SESSION_INVALID)
    if phone.locked_at is not None:
        raise Problem(PHONE_PIN_LOCKED)
    callback_id = uuid.uuid4()
    call_token = new_token("hcb_")
    expires_at = datetime.now(UTC) + CALLBACK_LIFETIME
    await insert_callback(
        conn,
        callback_id=callback_id,
        call_token_hash=token_hash(call_token),
        session_id=session.id,
        phone_id=phone.id,
        expires_at=expires_at,
    )
    try:
        sent = await place_call_saying(
            settings.twilio,
            conn,
            to=phone.phone_e164,
            speech=callback_speech(settings, callback_id, call_token, locale),
        )
    except ProviderError:
        raise Problem(CALLBACK_NOT_PLACED, headers={"Retry-After": "60"}) from None
    await record_callback_placed(conn, callback_id, sent.provider_id)
    await record_audit(
        conn,
        actor=f"account:{session.account_id}",
        action="auth.phone.callback_placed",
        subject=f"account:{session.account_id}",
        channel="phone",
        details={"phone_id": phone.id, "callback": str(callback_id), "session": str(session.id)},
    )
    return PhoneCallbackStarted(id=callback_id, expires_at=expires_at)


async def complete_callback(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    callback_id: uuid.UUID,
    pin: str,
    *,
    call_token: str,
) -> uuid.UUID:
    """The PIN on the call-back: the session that asked for it is now aal 2 (its id is
    returned: the call-back goes on in it).

    `call_token` is the one in the call's TwiML, which only the answered call carries.
    """
    callback = await get_callback_for_update(conn, callback_id, token_hash(call_token))
    if (
        callback is None
        or callback.completed_at is not None
        or callback.expires_at <= datetime.now(UTC)
    ):
        raise Problem(CALLBACK_ENDED)
    phone = await get_registered_phone(conn, callback.phone_id)
    if phone is None or phone.removed_at is not None:
        raise Problem(CALLBACK_ENDED)
    # Whoever answers a call we placed to the registered number holds that phone.
    await check_phone_pin(
        conn, settings, callback.account_id, phone.id, pin, possession_proven=True
    )
    if not await raise_session_to_aal2(conn, callback.session_id, method=CALLBACK_METHOD):
        raise Problem(SESSION_INVALID)
    await mark_callback_completed(conn, callback.id)
    await record_sign_in_success(
        conn,
        callback.account_id,
        method=CALLBACK_METHOD,
        channel="phone",
        session_id=callback.session_id,
        address=None,
    )
    await record_audit(
        conn,
        actor=f"account:{callback.account_id}",
        action="auth.session.stepped_up",
        subject=f"account:{callback.account_id}",
        channel="phone",
        details={
            "session": str(callback.session_id),
            "method": CALLBACK_METHOD,
            "callback": str(callback.id),
            "phone_id": phone.id,
        },
    )
    return callback.session_id
