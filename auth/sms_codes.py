"""SMS and voice codes: sign-up, sign-in and recovery with a code sent to a phone.

Our own 6-digit codes from a CSPRNG, kept only as a keyed hash, valid 10
minutes, at most 5 wrong tries per code; a new code at most every 30 seconds
and at most 5 per number per hour. The code is sent by an arq job enqueued
after the request commits, so provider delays never show in the answer, and
a challenge exists (but can never be answered) even when nothing matched: the
answer and its timing do not tell whether a person or number is registered.

A sign-in or recovery code is asked for with the number and the birth date, for
every number: a family may share one phone, and the code goes to the one account
holder with both. Nobody or several (twins) get a challenge that no code answers,
as for a number nobody has.

SMS is a restricted authenticator (NIST SP 800-63B §3.1.3.3): after an SMS
sign-in the app is told to offer a passkey.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

import asyncpg
import msgspec
from arq.connections import ArqRedis
from redis.asyncio import Redis

from auth.accounts import (
    Account,
    create_account,
    ensure_not_locked,
    find_account_by_phone,
    get_account_by_person,
    get_account_for_update,
    record_sign_in_failure,
    record_sign_in_success,
)
from auth.app_pin_unlocks import unlock_app_pin_with_code
from auth.counter.identity_checks import lock_living_person
from auth.limits import cooldown, hit
from auth.problems import (
    CODE_ATTEMPTS_EXCEEDED,
    CODE_EXPIRED,
    SIGN_IN_FAILED,
    TOO_MANY_CODES,
)
from auth.secrets import code_hash, numeric_code, same_hash, seal
from auth.sessions import Tokens, start_session
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.jobs import enqueue_after_commit
from foundation.problems import Problem
from foundation.settings import Settings
from i18n import N_

CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_CODES = 5
RESEND_AFTER_S = 30
CODES_PER_NUMBER_PER_HOUR = 5

Purpose = Literal["signup", "sign_in", "recovery", "card_unlock"]
Delivery = Literal["sms", "voice"]

# A code as a person types it: six digits.
Code = Annotated[
    str,
    msgspec.Meta(
        min_length=6,
        max_length=6,
        pattern=r"^[0-9]{6}$",
        examples=["123456"],
        extra={"invalid": N_("Enter the 6-digit code we sent you.")},
    ),
]


class ChallengeStarted(msgspec.Struct, frozen=True, kw_only=True):
    challenge_id: uuid.UUID
    expires_at: datetime
    resend_after: int


class Challenge(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    purpose: str
    delivery: str
    phone_e164: str
    person_id: int | None
    account_id: int | None
    # Only for a card_unlock challenge: the access card its code unlocks.
    card_id: int | None
    code_hash: bytes
    locale: str
    expires_at: datetime
    failed_attempts: int
    consumed_at: datetime | None
    send_state: str
    send_attempts: int


def code_context(challenge_id: uuid.UUID) -> bytes:
    return b"sms-code:" + challenge_id.bytes


async def _limit_number(redis: Redis, settings: Settings, phone_e164: str) -> None:
    wait = await cooldown(redis, settings.auth, "sms-resend", phone_e164, seconds=RESEND_AFTER_S)
    if wait is not None:
        raise Problem(TOO_MANY_CODES, seconds=wait, headers={"Retry-After": str(wait)})
    wait = await hit(
        redis,
        settings.auth,
        "sms-hour",
        phone_e164,
        limit=CODES_PER_NUMBER_PER_HOUR,
        window_s=3600,
    )
    if wait is not None:
        raise Problem(TOO_MANY_CODES, seconds=wait, headers={"Retry-After": str(wait)})


async def _create_challenge(
    tx: Transaction,
    queue: ArqRedis,
    settings: Settings,
    *,
    purpose: Purpose,
    delivery: Delivery,
    phone_e164: str,
    person_id: int | None,
    account_id: int | None,
    locale: str,
    card_id: int | None = None,
) -> ChallengeStarted:
    challenge_id = uuid.uuid4()
    code = numeric_code()
    expires_at = datetime.now(UTC) + CODE_LIFETIME
    await tx.conn.execute(
        """
        INSERT INTO sms_challenges (id, purpose, delivery, phone_e164, person_id, account_id,
                                    code_hash, locale, expires_at, card_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """,
        challenge_id,
        purpose,
        delivery,
        phone_e164,
        person_id,
        account_id,
        code_hash(settings.auth, str(challenge_id), code),
        locale,
        expires_at,
        card_id,
    )
    # The job needs the code for its retries; it travels sealed, never in clear.
    sealed = seal(settings.auth, code.encode(), code_context(challenge_id))
    enqueue_after_commit(tx, queue, "send_code", str(challenge_id), sealed)
    return ChallengeStarted(
        challenge_id=challenge_id, expires_at=expires_at, resend_after=RESEND_AFTER_S
    )


async def start_signup(
    tx: Transaction,
    queue: ArqRedis,
    settings: Settings,
    *,
    name: str,
    birth_date: date,
    phone_e164: str,
    locale: str,
    delivery: Delivery = "sms",
) -> ChallengeStarted:
    """Send a code to the phone of record of the person these details match, if one does."""
    await _limit_number(queue, settings, phone_e164)
    rows = await tx.conn.fetch(
        """
        SELECT id FROM people
        WHERE name = $1 AND birth_date = $2 AND phone_e164 = $3 AND deceased_on IS NULL
        LIMIT 2
        """,
        name.strip(),
        birth_date,
        phone_e164,
    )
    person_id = rows[0]["id"] if len(rows) == 1 else None
    return await _create_challenge(
        tx,
        queue,
        settings,
        purpose="signup",
        delivery=delivery,
        phone_e164=phone_e164,
        person_id=person_id,
        account_id=None,
        locale=locale,
    )


async def start_phone_challenge(
    tx: Transaction,
    queue: ArqRedis,
    settings: Settings,
    *,
    phone_e164: str,
    birth_date: date,
    purpose: Literal["sign_in", "recovery"],
    delivery: Delivery,
    locale: str,
) -> ChallengeStarted:
    """Send a sign-in or recovery code to this number if it is the phone of record of exactly
    one account holder born on this date (a family may share one phone)."""
    await _limit_number(queue, settings, phone_e164)
    account = await find_account_by_phone(tx.conn, phone_e164, birth_date)
    return await _create_challenge(
        tx,
        queue,
        settings,
        purpose=purpose,
        delivery=delivery,
        phone_e164=phone_e164,
        person_id=account.person_id if account else None,
        account_id=account.id if account else None,
        locale=locale,
    )


async def start_card_unlock_challenge(
    tx: Transaction,
    queue: ArqRedis,
    settings: Settings,
    *,
    card_id: int,
    phone_e164: str,
    person_id: int,
    account_id: int | None,
    locale: str,
) -> ChallengeStarted:
    """Send a code that unlocks this access card to its holder's mobile phone of record."""
    await _limit_number(queue, settings, phone_e164)
    return await _create_challenge(
        tx,
        queue,
        settings,
        purpose="card_unlock",
        delivery="sms",
        phone_e164=phone_e164,
        person_id=person_id,
        account_id=account_id,
        locale=locale,
        card_id=card_id,
    )


async def get_challenge(
    conn: asyncpg.Connection, challenge_id: uuid.UUID, *, lock: bool
) -> Challenge | None:
    row = await conn.fetchrow(
        """
        SELECT id, purpose, delivery, phone_e164, person_id, account_id, card_id, code_hash,
               locale, expires_at, failed_attempts, consumed_at, send_state, send_attempts
        FROM sms_challenges WHERE id = $1
        """
        + (" FOR UPDATE" if lock else ""),
        challenge_id,
    )
    return Challenge(**dict(row)) if row else None


async def _account_for_signup(
    conn: asyncpg.Connection, person_id: int | None, *, method: str, channel: str
) -> Account:
    """The person's account, made now if they have none. Someone who signs up again simply
    signs in: the answer is the same, and no `auth.account.created` row says otherwise."""
    # The person's row lock orders this with a counter clerk's identity check (auth/counter/identity_checks.py),
    # which also makes an account: only the one that makes it writes that it did.
    if person_id is None or not await lock_living_person(conn, person_id):
        raise Problem(SIGN_IN_FAILED)  # no person: its code was never sent
    account = await get_account_by_person(conn, person_id)
    if account is not None:
        return account
    account = await create_account(conn, person_id=person_id, assurance="remote")
    await record_audit(
        conn,
        actor=f"person:{person_id}",
        action="auth.account.created",
        subject=f"account:{account.id}",
        channel=channel,
        details={"assurance": account.assurance, "method": method},
    )
    return account


async def accept_code(
    tx: Transaction,
    settings: Settings,
    *,
    challenge_id: uuid.UUID,
    code: str,
    channel: str,
    address: str | None,
) -> tuple[Account, Challenge]:
    """Check a code and use it up: the account it signs in to (made now for a sign-up).
    Every channel's code sign-in starts here; the channel then opens its own kind of
    session (the app's with tokens, a kiosk's bound to it) and calls `code_signed_in`."""
    conn = tx.conn
    challenge = await get_challenge(conn, challenge_id, lock=True)
    # A card-unlock code unlocks its card at the kiosk (auth/card_unlock.py), never signs in.
    if challenge is None or challenge.consumed_at is not None or challenge.purpose == "card_unlock":
        raise Problem(SIGN_IN_FAILED)
    if challenge.expires_at <= datetime.now(UTC):
        raise Problem(CODE_EXPIRED)
    if challenge.failed_attempts >= MAX_WRONG_CODES:
        raise Problem(CODE_ATTEMPTS_EXCEEDED)
    account = (
        await get_account_for_update(conn, challenge.account_id) if challenge.account_id else None
    )
    method = challenge.delivery  # "sms" or "voice"
    if not same_hash(challenge.code_hash, code_hash(settings.auth, str(challenge.id), code)):
        # Counted on this challenge only (5 end it): whoever asked for the code may not
        # be the person it was sent to, so nothing is counted on the account.
        await conn.execute(
            "UPDATE sms_challenges SET failed_attempts = failed_attempts + 1 WHERE id = $1",
            challenge.id,
        )
        await record_sign_in_failure(
            conn, account.id if account else None, method=method, channel=channel, address=address
        )
        raise Problem(SIGN_IN_FAILED, commit_first=True)
    if account is not None:
        ensure_not_locked(account)  # only now: the right code may learn it

    await conn.execute("UPDATE sms_challenges SET consumed_at = now() WHERE id = $1", challenge.id)
    if challenge.purpose == "signup":
        account = await _account_for_signup(
            conn, challenge.person_id, method=method, channel=channel
        )
        ensure_not_locked(account)
    if account is None:
        raise Problem(SIGN_IN_FAILED)
    return account, challenge


async def code_signed_in(
    conn: asyncpg.Connection,
    account: Account,
    challenge: Challenge,
    *,
    session_id: uuid.UUID,
    channel: str,
    address: str | None,
) -> None:
    """What follows a code sign-in on every channel: the record, and a recovery code's
    unlock of the app's PIN."""
    await record_sign_in_success(
        conn,
        account.id,
        method=challenge.delivery,
        channel=channel,
        session_id=session_id,
        address=address,
    )
    if challenge.purpose == "recovery":
        # A code to the phone of record unlocks the app's PIN, 3 times a day at most
        # (never a kiosk card or a registered phone: those have their own ways).
        await unlock_app_pin_with_code(conn, account.id, challenge.id, channel=channel)
        await record_audit(
            conn,
            actor=f"account:{account.id}",
            action="auth.recovery.phone_code",
            subject=f"account:{account.id}",
            channel=channel,
        )


async def verify_code(
    tx: Transaction,
    settings: Settings,
    *,
    challenge_id: uuid.UUID,
    code: str,
    channel: str,
    address: str | None,
    device: str | None = None,
) -> Tokens:
    """Check a code; on success, sign in (creating the account for a sign-up).

    `address` is the client's, for the audit rows."""
    account, challenge = await accept_code(
        tx, settings, challenge_id=challenge_id, code=code, channel=channel, address=address
    )
    started = await start_session(
        tx.conn,
        settings.auth,
        account_id=account.id,
        aal=1,
        method=challenge.delivery,
        channel=channel,
        device=device,
        suggest=["passkey"],
    )
    await code_signed_in(
        tx.conn, account, challenge, session_id=started.id, channel=channel, address=address
    )
    return started.tokens
