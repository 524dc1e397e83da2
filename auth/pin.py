"""The PIN: one 6-digit secret per person, the thing they know.

It activates what they have: with an SMS, voice or TOTP code in the app today
(aal 2), with an access card at a kiosk and a registered number on the phone
line in later issues. One PIN to remember; each credential it activates counts
its own wrong PINs and locks after 5, so a stranger spoofing a caller ID can
lock the phone line but not the app.

Hashing: argon2id with RFC 9106's second recommended parameters (argon2-cffi's
RFC_9106_LOW_MEMORY: 64 MiB, 3 passes, 4 lanes, 16-byte salt). A 6-digit PIN
has only a million values, so no hash alone survives a leaked table; the PIN is
first keyed with HMAC-SHA256 under the data key (a pepper), and the stored text
names the key version (`k1$argon2id$...`) so the key can rotate: a PIN under an
old version or old parameters is rehashed at its next correct entry. At most
four hashes run at once per process (64 MiB each), off the event loop.

Trivial PINs are refused (auth/pin_rules.py: `weak_pin_reason`).

Plugging in another credential (a kiosk access card, a registered phone): give
it its own failure count and lock columns, implement `PinCredential` over them,
and call `check_pin(conn, settings, account_id, pin, TheCredential(...), channel=...)`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Protocol

import asyncpg
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from arq.connections import ArqRedis

from auth.accounts import (
    Account,
    ensure_not_locked,
    get_account_for_update,
    record_sign_in_failure,
    record_sign_in_success,
)
from auth.binding import record_authenticator_change, require_binding_allowed
from auth.pin_rules import weak_pin_reason
from auth.problems import CREDENTIAL_LOCKED, NO_PIN, PIN_TOO_SIMPLE
from auth.recovery_codes import sign_in_suggestions
from auth.sessions import (
    AAL2_MAX_AGE,
    CurrentSession,
    Tokens,
    require_fresh_sign_in,
    revoke_session,
    start_session,
)
from i18n import N_, translate
from server.audit import record_audit
from server.db import Transaction
from server.problems import FieldError, Problem, problem_kind
from server.settings import AuthSettings

log = logging.getLogger(__name__)

PIN_LENGTH = 6
MAX_WRONG_PINS = 5
# The factors a PIN completes to aal 2: something the person has, proven in this session.
POSSESSION_METHODS = frozenset({"sms", "voice", "totp", "recovery_code"})
# How long ago that possession may have been proven for the PIN to complete it.
POSSESSION_MAX_AGE = AAL2_MAX_AGE

_hasher = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
# Its own threads: a burst of PIN checks waits here, not in the default executor
# that DNS lookups and other `to_thread` work share.
_hash_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="argon2")

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


def _pepper(settings: AuthSettings, version: int, pin: str) -> bytes:
    return hmac.new(settings.data_keys[version], b"pin:" + pin.encode(), hashlib.sha256).digest()


def _verify_now(phc: str, secret: bytes) -> bool:
    try:
        return _hasher.verify(phc, secret)
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError):
        log.error("a stored PIN hash cannot be read")
        return False


async def hash_pin(settings: AuthSettings, pin: str) -> str:
    version = settings.current_data_key
    loop = asyncio.get_running_loop()
    phc = await loop.run_in_executor(_hash_pool, _hasher.hash, _pepper(settings, version, pin))
    return f"k{version}{phc}"


async def pin_matches(settings: AuthSettings, stored: str, pin: str) -> tuple[bool, bool]:
    """(whether `pin` is the PIN `stored` holds, whether `stored` should be rehashed)."""
    version_text, _, rest = stored.partition("$")
    version = int(version_text[1:]) if version_text[1:].isdigit() else -1
    if version not in settings.data_keys:
        log.error("a stored PIN hash names data key version %s, which is not configured", version)
        return False, False
    phc = "$" + rest
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(_hash_pool, _verify_now, phc, _pepper(settings, version, pin))
    stale = version != settings.current_data_key or _hasher.check_needs_rehash(phc)
    return ok, ok and stale


class PinCredential(Protocol):
    """Something the PIN activates, which counts its own wrong PINs and locks after 5."""

    # For the audit log: "app" (today), "card", "phone" (later issues).
    kind: str

    async def is_locked(self, conn: asyncpg.Connection) -> bool:
        """Whether it is locked; must lock its row until the transaction ends."""
        ...

    async def record_wrong_pin(self, conn: asyncpg.Connection) -> int:
        """Count one wrong PIN, lock at MAX_WRONG_PINS; returns the count."""
        ...

    async def clear_wrong_pins(self, conn: asyncpg.Connection) -> None: ...


class AppPin:
    """The app's step-up: the account's `app_pin_failures` and `app_pin_locked_at`.

    An SMS recovery code to the phone of record unlocks it (auth/sms_codes.py),
    as will a counter clerk.
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
                app_pin_locked_at = CASE WHEN app_pin_failures + 1 >= $2
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
    address: str | None,
) -> Account:
    """Check the person's PIN through `credential`; returns the (row-locked) account.

    Refuses a locked account, an account with no PIN and a locked credential
    before looking at the PIN. A wrong PIN counts against the credential (5
    lock it) and the account (10 in a row lock every way in), and both counts
    are kept although the request fails.
    """
    account = await get_account_for_update(conn, account_id)
    assert account is not None
    ensure_not_locked(account)
    stored = await conn.fetchval("SELECT pin_hash FROM accounts WHERE id = $1", account_id)
    if stored is None:
        raise Problem(NO_PIN)
    if await credential.is_locked(conn):
        raise Problem(CREDENTIAL_LOCKED)
    ok, stale = await pin_matches(settings, stored, pin)
    if not ok:
        failures = await credential.record_wrong_pin(conn)
        await record_sign_in_failure(
            conn, account_id, method="pin", channel=channel, address=address
        )
        if failures >= MAX_WRONG_PINS:
            await record_audit(
                conn,
                actor="system",
                action="auth.pin.credential_locked",
                subject=f"account:{account_id}",
                channel=channel,
                details={"credential": credential.kind, "wrong_pins": failures},
            )
            raise Problem(CREDENTIAL_LOCKED, commit_first=True)
        tries_left = MAX_WRONG_PINS - failures
        raise Problem(
            PIN_WRONG, tries_left=tries_left, extra={"tries_left": tries_left}, commit_first=True
        )
    await credential.clear_wrong_pins(conn)
    if stale:
        await conn.execute(
            "UPDATE accounts SET pin_hash = $2 WHERE id = $1",
            account_id,
            await hash_pin(settings, pin),
        )
    return account


async def store_pin(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    account: Account,
    pin: str,
    *,
    locale: str,
    field: str,
) -> None:
    """Hash and keep a new PIN (refusing a trivial one, named at `field`); the app's wrong
    PINs start again. The caller has locked the account row and checked who may set it."""
    reason = weak_pin_reason(pin, account.birth_date)
    if reason is not None:
        raise Problem(
            PIN_TOO_SIMPLE,
            errors=[FieldError(field=field, detail=translate(locale, reason))],
        )
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
    *,
    locale: str,
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
    await store_pin(conn, settings, account, pin, locale=locale, field="body.pin")
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
    if session.aal >= 2:
        raise Problem(PIN_NOT_NEEDED)
    if (
        session.method not in POSSESSION_METHODS
        or datetime.now(UTC) - session.authenticated_at > POSSESSION_MAX_AGE
    ):
        raise Problem(PIN_NEEDS_CODE)
    account = await check_pin(
        conn,
        settings,
        session.account_id,
        pin,
        AppPin(session.account_id),
        channel=session.channel,
        address=address,
    )
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
