"""Registered phones: a number a counter clerk registered for a person, and the PIN on
the phone line.

A call from a registered number (landlines too), with the person's PIN, signs in at
aal 1 only: caller ID can be spoofed, so the number proves nothing by itself. To reach
aal 2 the ministry calls the registered number back and asks for the PIN again:
answering that call is the thing the person has (NIST SP 800-63B §5.1.3, an
out-of-band device), the PIN the thing they know. The same session is raised to aal 2.

Each registered phone counts its own wrong PINs: 5 lock that phone's sign-in only
(auth/pin.py), so a stranger spoofing the number cannot lock the app or the account's
other ways in beyond the account's own limits. A counter clerk unlocks it.

An unknown number, a number registered to more than one person (a shared landline),
a person with no PIN and a wrong PIN all answer the same problem, so that a caller
cannot learn which numbers are registered.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
from twilio.twiml.voice_response import VoiceResponse

from auth.accounts import record_sign_in_success
from auth.counter import require_recent_match
from auth.people import mask_phone
from auth.pin import MAX_WRONG_PINS, PIN_NOT_NEEDED, PIN_WRONG, check_pin, hash_pin, pin_matches
from auth.problems import CREDENTIAL_LOCKED, NO_PIN, SESSION_INVALID, SIGN_IN_FAILED
from auth.registered_phone_store import (
    RegisteredPhone,
    clear_phone_lock,
    find_callers,
    get_callback_for_update,
    get_registered_phone,
    get_session_phone,
    insert_callback,
    insert_phone_session,
    insert_registered_phone,
    mark_callback_completed,
    mark_phone_removed,
    person_exists,
    raise_session_to_aal2,
    record_callback_placed,
    revoke_phone_sessions,
)
from auth.secrets import new_token, token_hash
from auth.sessions import CurrentSession, Tokens, start_session
from auth.staff import staff_actor
from auth.staff_roles import COUNTER_ROLES, require_role
from auth.staff_sessions import StaffSession
from i18n import N_, translate
from notifications.twilio_client import ProviderError, place_call
from server.audit import record_audit
from server.problems import NOT_FOUND, Problem, problem_kind
from server.settings import AuthSettings, Settings

CALLBACK_LIFETIME = timedelta(minutes=5)
SIGN_IN_METHOD = "phone_pin"
CALLBACK_METHOD = "phone_pin+callback"
VOICE_LANGUAGES = {"ko": "ko-KR", "en": "en-US"}

PHONE_ALREADY_REGISTERED = problem_kind(
    "phone-already-registered",
    409,
    N_("This number is already registered"),
    N_("This phone number is already registered for this person."),
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
                locked_at = CASE WHEN pin_failures + 1 >= $2 THEN coalesce(locked_at, now())
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


# --- Counter: register, remove, unlock -----------------------------------------


def _staff_audit(staff: StaffSession) -> dict[str, str]:
    return {"actor": staff_actor(staff.staff_id), "office": staff.office_code, "channel": "counter"}


async def register_phone(
    conn: asyncpg.Connection, staff: StaffSession, *, person_id: int, phone_e164: str
) -> RegisteredPhone:
    require_role(staff, *COUNTER_ROLES)
    if not await person_exists(conn, person_id):
        raise Problem(NOT_FOUND)
    await require_recent_match(conn, person_id)
    phone = await insert_registered_phone(
        conn,
        person_id=person_id,
        phone_e164=phone_e164,
        staff_id=staff.staff_id,
        office_code=staff.office_code,
    )
    if phone is None:
        raise Problem(PHONE_ALREADY_REGISTERED)
    await record_audit(
        conn,
        **_staff_audit(staff),
        action="auth.phone.registered",
        subject=f"person:{person_id}",
        details={"phone_id": phone.id, "number": mask_phone(phone_e164)},
    )
    return phone


async def remove_phone(
    conn: asyncpg.Connection, staff: StaffSession, *, person_id: int, phone_id: int
) -> None:
    """The number stops working at once: sign-ins, call-backs and its live sessions."""
    require_role(staff, *COUNTER_ROLES)
    phone = await mark_phone_removed(
        conn, person_id=person_id, phone_id=phone_id, staff_id=staff.staff_id
    )
    if phone is None:
        raise Problem(NOT_FOUND)
    ended = await revoke_phone_sessions(conn, phone.id, reason="phone_removed")
    await record_audit(
        conn,
        **_staff_audit(staff),
        action="auth.phone.removed",
        subject=f"person:{person_id}",
        details={"phone_id": phone.id, "number": mask_phone(phone.phone_e164), "sessions": ended},
    )


async def unlock_phone(
    conn: asyncpg.Connection, staff: StaffSession, phone_id: int, *, person_id: int | None = None
) -> None:
    require_role(staff, *COUNTER_ROLES)
    phone = await clear_phone_lock(conn, phone_id, person_id=person_id)
    if phone is None:
        raise Problem(NOT_FOUND)
    await require_recent_match(conn, phone.person_id)  # rolls the clearing back
    await record_audit(
        conn,
        **_staff_audit(staff),
        action="auth.phone.unlocked",
        subject=f"person:{phone.person_id}",
        details={"phone_id": phone.id},
    )


# --- The phone line: sign in, call back ------------------------------------------

_decoy_hash: str | None = None


async def _spend_a_pin_check(settings: AuthSettings, pin: str) -> None:
    """As long as a real PIN check, so the time taken does not tell a number is unknown."""
    global _decoy_hash
    if _decoy_hash is None:
        _decoy_hash = await hash_pin(settings, "000000")
    await pin_matches(settings, _decoy_hash, pin)


async def _check_phone_pin(
    conn: asyncpg.Connection, settings: AuthSettings, account_id: int, phone_id: int, pin: str
) -> None:
    try:
        await check_pin(
            conn,
            settings,
            account_id,
            pin,
            RegisteredPhonePin(phone_id),
            channel="phone",
            address=None,
        )
    except Problem as exc:
        if exc.kind is CREDENTIAL_LOCKED:
            raise Problem(PHONE_PIN_LOCKED, commit_first=exc.commit_first) from None
        raise


async def verify_phone_sign_in(
    conn: asyncpg.Connection, settings: AuthSettings, *, caller_number: str, pin: str
) -> Tokens:
    """Caller ID (E.164) and PIN: a session at aal 1 on the phone channel."""
    callers = await find_callers(conn, caller_number)
    if len(callers) != 1:
        await _spend_a_pin_check(settings, pin)
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
    try:
        await _check_phone_pin(conn, settings, caller.account_id, caller.phone_id, pin)
    except Problem as exc:
        # Tries left, or that no PIN is set, would tell a stranger the number is registered.
        if exc.kind is PIN_WRONG or exc.kind is NO_PIN:
            raise Problem(SIGN_IN_FAILED, commit_first=exc.commit_first) from None
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


def callback_twiml(settings: Settings, callback_id: uuid.UUID, call_token: str, locale: str) -> str:
    """Asks for the PIN; the phone line's webhook (a later issue) takes the digits."""
    language = VOICE_LANGUAGES.get(locale, "ko-KR")
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf",
        num_digits=6,
        timeout=10,
        method="POST",
        action=f"{settings.http.public_url}/phone/callbacks/{callback_id}/pin?token={call_token}",
    )
    gather.say(
        translate(
            locale,
            N_(
                "Hello. This is the Ministry of Employment and Labor, calling you back. If you "
                "did not just call us, hang up now. Otherwise, enter your 6-digit PIN."
            ),
        ),
        language=language,
    )
    response.say(translate(locale, N_("We did not hear your PIN. Goodbye.")), language=language)
    return str(response)


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
        sent = await place_call(
            settings.twilio,
            conn,
            to=phone.phone_e164,
            twiml=callback_twiml(settings, callback_id, call_token, locale),
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
) -> int:
    """The PIN on the call-back: the session that asked for it is now aal 2 (returns 2).

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
    await _check_phone_pin(conn, settings, callback.account_id, phone.id, pin)
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
    return 2
