"""The PIN: one 6-digit secret per person, the thing they know.

It activates what they have: an SMS, voice or TOTP code in the app (aal 2), an
access card at a kiosk, a registered phone on the phone line. One PIN to
remember; each credential it activates counts its own wrong PINs and locks at
every 5th, so wrong PINs on one never lock another.

Only a wrong PIN entered after possession was proven counts (a code in this
session, a card at an enrolled kiosk, a call we placed): towards its
credential's lock and towards the account's lock at 100 (auth/accounts.py). A
PIN given with nothing proven (caller ID, which anyone can fake) counts nowhere
and is held back by throttles on its source instead. Only a right PIN starts a
count again.

Hashing: argon2id under a keyed pepper (auth/pin_hashing.py).

Trivial PINs are refused (auth/pin_rules.py: `weak_pin_reason`).

Plugging in another credential: give it its own failure count and lock
columns, implement `PinCredential` over them, and call `check_pin(conn,
settings, account_id, pin, TheCredential(...), channel=..., possession_proven=...,
address=...)`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NoReturn, Protocol

import asyncpg
from arq.connections import ArqRedis

from auth.accounts import (
    HARD_LOCK_AFTER,
    Account,
    ensure_not_locked,
    get_account_for_update,
    record_right_pin,
    record_sign_in_failure,
    record_sign_in_success,
    record_wrong_pin,
)
from auth.app_pin_unlocks import unlock_limit_problem, unlock_window_ends
from auth.binding import record_authenticator_change, require_binding_allowed
from auth.pin_hashing import hash_pin, pin_matches, spend_a_pin_check
from auth.pin_rules import weak_pin_reason
from auth.problems import (
    ACCOUNT_LOCKED_UNTIL_COUNTER,
    CREDENTIAL_LOCKED,
    NO_PIN,
    PIN_TOO_SIMPLE,
    SIGN_IN_FAILED,
)
from auth.recovery_codes import sign_in_suggestions
from auth.sessions import (
    AAL2_MAX_AGE,
    CurrentSession,
    Tokens,
    require_fresh_sign_in,
    revoke_session,
    start_session,
)
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.problems import BadInput, InvalidInput, Problem, problem_kind
from foundation.settings import AuthSettings
from i18n import N_

__all__ = ["hash_pin", "pin_matches", "spend_a_pin_check"]

PIN_LENGTH = 6
MAX_WRONG_PINS = 5
# The factors a PIN completes to aal 2: something the person has, proven in this session.
POSSESSION_METHODS = frozenset({"sms", "voice", "totp", "recovery_code"})
# How long ago that possession may have been proven for the PIN to complete it.
POSSESSION_MAX_AGE = AAL2_MAX_AGE

PIN_WRONG = problem_kind(
    "pin-wrong",
    401,
    N_("The PIN is not right"),
    N_(
        "The PIN is not right. If it is entered wrongly {tries_left} more times, it will be locked."
    ),
)
PIN_NOT_NEEDED = problem_kind(
    "pin-not-needed",
    409,
    N_("You have already confirmed it is you"),
    N_("This sign-in is already confirmed, so no PIN is needed."),
)
PIN_NEEDS_CODE = problem_kind(
    "pin-needs-code",
    401,
    N_("Sign in with a code first"),
    N_(
        "The PIN works together with a code from a text message, a call or your authenticator "
        "app, received in the last 12 hours. Sign in again with a code, then enter your PIN."
    ),
)


class PinCredential(Protocol):
    """Something the PIN activates, which counts its own wrong PINs and locks at every 5th."""

    # For the audit log: "app", "card" or "phone".
    kind: str

    async def is_locked(self, conn: asyncpg.Connection) -> bool:
        """Whether it is locked; must lock its row until the transaction ends."""
        ...

    async def record_wrong_pin(self, conn: asyncpg.Connection) -> int:
        """Count one wrong PIN, lock when the count is a multiple of MAX_WRONG_PINS; returns
        the count (wrong PINs since the last right one)."""
        ...

    async def clear_wrong_pins(self, conn: asyncpg.Connection) -> None: ...


class AppPin:
    """The app's step-up: the account's `app_pin_failures` and `app_pin_locked_at`.

    An SMS recovery code to the phone of record lifts its lock, 3 times in 24 hours
    at most (auth/app_pin_unlocks.py); a counter clerk unlocks it too.
    """

    kind = "app"

    def __init__(self, account_id: int) -> None:
        self.account_id = account_id

    async def is_locked(self, conn: asyncpg.Connection) -> bool:
        locked_at = await conn.fetchval(
            "SELECT app_pin_locked_at FROM accounts WHERE id = $1 FOR UPDATE", self.account_id
        )
        return locked_at is not None

    async def record_wrong_pin(self, conn: asyncpg.Connection) -> int:
        failures: int = await conn.fetchval(
            """
            UPDATE accounts SET app_pin_failures = app_pin_failures + 1,
                app_pin_locked_at = CASE WHEN (app_pin_failures + 1) % $2 = 0
                                         THEN coalesce(app_pin_locked_at, now())
                                         ELSE app_pin_locked_at END
            WHERE id = $1
            RETURNING app_pin_failures
            """,
            self.account_id,
            MAX_WRONG_PINS,
        )
        return failures

    async def clear_wrong_pins(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "UPDATE accounts SET app_pin_failures = 0, app_pin_locked_at = NULL "
            "WHERE id = $1 AND (app_pin_failures <> 0 OR app_pin_locked_at IS NOT NULL)",
            self.account_id,
        )


async def check_pin(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    account_id: int,
    pin: str,
    credential: PinCredential,
    *,
    channel: str,
    possession_proven: bool,
    address: str | None,
) -> Account:
    """Check the person's PIN through `credential`; returns the (row-locked) account.

    With possession proven, a locked account, an account with no PIN and a locked
    credential are refused before the PIN is looked at, and a wrong PIN counts
    against the credential (every 5th locks it) and the account (100 in a row lock
    it until a counter visit); both counts are kept although the request fails.

    Without (`possession_proven=False`: caller ID), a wrong PIN or no PIN answers
    SIGN_IN_FAILED and counts nowhere, and a lock is told only after the right PIN,
    so that the answer says nothing to a stranger; the caller's throttles limit it.

    `address` is the client's, for the audit rows (None on the phone line).
    """
    account = await get_account_for_update(conn, account_id)
    assert account is not None
    stored = await conn.fetchval("SELECT pin_hash FROM accounts WHERE id = $1", account_id)
    if not possession_proven:
        if stored is None:
            await spend_a_pin_check(settings, pin)
            ok, stale = False, False
        else:
            ok, stale = await pin_matches(settings, stored, pin)
        if not ok:
            await record_sign_in_failure(
                conn, account_id, method="pin", channel=channel, address=address
            )
            raise Problem(SIGN_IN_FAILED, commit_first=True)
    ensure_not_locked(account)
    if stored is None:
        raise Problem(NO_PIN)
    if await credential.is_locked(conn):
        raise Problem(CREDENTIAL_LOCKED)
    if possession_proven:
        ok, stale = await pin_matches(settings, stored, pin)
        if not ok:
            await _count_wrong_pin(conn, account_id, credential, channel=channel, address=address)
    await credential.clear_wrong_pins(conn)
    await record_right_pin(conn, account_id)
    if stale:
        await conn.execute(
            "UPDATE accounts SET pin_hash = $2 WHERE id = $1",
            account_id,
            await hash_pin(settings, pin),
        )
    return account


def is_wrong_pin(problem: Problem) -> bool:
    """Whether `check_pin` refused because the PIN was wrong (and counted it), rather than
    because something was locked or missing: for throttles that count wrong PINs."""
    return problem.commit_first and problem.kind in (
        PIN_WRONG,
        CREDENTIAL_LOCKED,
        ACCOUNT_LOCKED_UNTIL_COUNTER,
        SIGN_IN_FAILED,
    )


async def _count_wrong_pin(
    conn: asyncpg.Connection,
    account_id: int,
    credential: PinCredential,
    *,
    channel: str,
    address: str | None,
) -> NoReturn:
    """A wrong PIN after proven possession: counted on the credential and the account."""
    failures = await credential.record_wrong_pin(conn)
    in_a_row = await record_wrong_pin(
        conn, account_id, credential=credential.kind, channel=channel, address=address
    )
    credential_locked = failures % MAX_WRONG_PINS == 0
    if credential_locked:
        await record_audit(
            conn,
            actor="system",
            action="auth.pin.credential_locked",
            subject=f"account:{account_id}",
            channel=channel,
            details={"credential": credential.kind, "wrong_pins": failures},
        )
    if in_a_row >= HARD_LOCK_AFTER:
        raise Problem(ACCOUNT_LOCKED_UNTIL_COUNTER, commit_first=True)
    if credential_locked:
        raise Problem(CREDENTIAL_LOCKED, commit_first=True)
    tries_left = MAX_WRONG_PINS - failures % MAX_WRONG_PINS
    raise Problem(
        PIN_WRONG, tries_left=tries_left, extra={"tries_left": tries_left}, commit_first=True
    )


async def store_pin(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    account: Account,
    pin: str,
) -> None:
    """Hash and keep a new PIN (refusing a trivial one: 400 `pin-too-simple` naming the
    input `pin`); the app's wrong PINs start again. The caller has locked the account row
    and checked who may set it."""
    reason = weak_pin_reason(pin, account.birth_date)
    if reason is not None:
        raise InvalidInput(BadInput("pin", reason), kind=PIN_TOO_SIMPLE)
    await conn.execute(
        """
        UPDATE accounts SET pin_hash = $2, pin_set_at = now(),
            app_pin_failures = 0, app_pin_locked_at = NULL
        WHERE id = $1
        """,
        account.id,
        await hash_pin(settings, pin),
    )


async def set_pin(
    tx: Transaction,
    queue: ArqRedis,
    settings: AuthSettings,
    session: CurrentSession,
    pin: str,
) -> None:
    """Set the first PIN, or change it; every channel of the person is told.

    Both need a sign-in within the last 5 minutes. The PIN is a binding
    (auth/binding.py): an account that has a passkey or a PIN needs that sign-in
    to be aal 2 (a passkey, or a code with the current PIN), otherwise someone
    holding only the phone (a swapped SIM) could set a PIN of their own and reach
    aal 2 with the phone alone. Someone who forgot their PIN and has no passkey
    resets it at a job-centre counter (or with an enrollment code from one).
    """
    conn = tx.conn
    grant = await require_binding_allowed(conn, session, "pin")
    account = grant.account
    require_fresh_sign_in(session)
    await store_pin(conn, settings, account, pin)
    await record_authenticator_change(
        tx,
        queue,
        session,
        grant,
        kind="pin",
        change="added",
        action="auth.pin.changed" if account.has_pin else "auth.pin.set",
    )


async def step_up_with_pin(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    session: CurrentSession,
    pin: str,
    *,
    address: str | None,
) -> Tokens:
    """The PIN on top of this session's code: a new aal 2 session; this one ends.

    Only an aal 1 session begun with a possession factor (SMS, voice, TOTP or a
    recovery code) within the last 12 hours steps up. A session that is already
    aal 2 (a passkey with user verification, or an earlier step-up) is refused
    with PIN_NOT_NEEDED: the PIN adds nothing to it, and letting a PIN alone
    restart its 12-hour clock would be reauthentication with one factor; when its
    aal 2 runs out, the person uses the passkey again or signs in with a code.
    """
    account = await check_pin_on_code(conn, settings, session, pin, address=address)
    method = f"pin+{session.method}"
    device = await conn.fetchval("SELECT device FROM sessions WHERE id = $1", session.id)
    await revoke_session(conn, session.id, reason="stepped_up")
    started = await start_session(
        conn,
        settings,
        account_id=account.id,
        aal=2,
        method=method,
        channel=session.channel,
        device=device,
        suggest=await sign_in_suggestions(conn, account.id),
    )
    await record_sign_in_success(
        conn,
        account.id,
        method=method,
        channel=session.channel,
        session_id=started.id,
        address=address,
    )
    await record_audit(
        conn,
        actor=f"account:{account.id}",
        action="auth.session.stepped_up",
        subject=f"account:{account.id}",
        channel=session.channel,
        details={"from_session": str(session.id), "session": str(started.id), "method": method},
    )
    return started.tokens


async def check_pin_on_code(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    session: CurrentSession,
    pin: str,
    *,
    address: str | None,
) -> Account:
    """The app's PIN on top of a session begun with a code in the last 12 hours (the step-up
    of the app and of a kiosk alike): the account, or why not. A wrong PIN counts against
    the app's PIN, as everywhere."""
    if session.aal >= 2:
        raise Problem(PIN_NOT_NEEDED)
    if (
        session.method not in POSSESSION_METHODS
        or datetime.now(UTC) - session.authenticated_at > POSSESSION_MAX_AGE
    ):
        raise Problem(PIN_NEEDS_CODE)
    try:
        return await check_pin(
            conn,
            settings,
            session.account_id,
            pin,
            AppPin(session.account_id),
            channel=session.channel,
            possession_proven=True,
            address=address,
        )
    except Problem as problem:
        # Locked, and a recovery code would not unlock it today: say so, and until when.
        if problem.kind is CREDENTIAL_LOCKED:
            ends = await unlock_window_ends(conn, session.account_id)
            if ends is not None:
                raise unlock_limit_problem(ends, commit_first=problem.commit_first) from None
        raise
