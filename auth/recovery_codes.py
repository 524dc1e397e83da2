"""Recovery codes: 10 one-time codes, shown once, for signing in when the phone is gone.

A code is 16 digits in groups of four (`4837-2910-5561-0284`, about 53 bits):
digits read aloud the same in Korean and English, type on the number pad of
any phone or kiosk, and nothing in them looks alike (no O/0, l/1). They are a
look-up secret (NIST SP 800-63B §5.1.2): single-factor, so a sign-in with one
is aal 1, and the app is told to add a passkey.

Stored as a keyed hash (HMAC-SHA256 under the data key, bound to the account),
not a plain SHA-256: 53 bits fall to an offline search of a leaked table in
days on one GPU; a keyed hash needs the server key as well. Every configured
key version is tried, so the data key can rotate without invalidating codes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, date, datetime

import asyncpg
from arq.connections import ArqRedis

from auth.accounts import (
    ensure_not_locked,
    find_account_by_phone,
    get_account_for_update,
    record_sign_in_failure,
    record_sign_in_success,
)
from auth.binding import record_authenticator_change, require_binding_allowed
from auth.passkey_store import count_passkeys
from auth.problems import SIGN_IN_FAILED
from auth.secrets import numeric_code
from auth.sessions import CurrentSession, Tokens, start_session
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.problems import BadInput, InvalidInput, Problem
from foundation.settings import AuthSettings
from i18n import N_

CODES_PER_SET = 10
CODE_DIGITS = 16
GROUP = 4
# With this few codes left, a sign-in with one also suggests making a new set.
FEW_CODES_LEFT = 2
# Stands in for "no such account" so that every lookup runs the same queries.
NO_ACCOUNT = 0

_SEPARATORS = re.compile(r"[\s\-]+")
_CODE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")

BAD_CODE_FORMAT = N_("Enter the 16-digit recovery code, like 1234-5678-9012-3456.")


def new_recovery_code() -> str:
    digits = numeric_code(CODE_DIGITS)
    return "-".join(digits[i : i + GROUP] for i in range(0, CODE_DIGITS, GROUP))


def normalize_recovery_code(text: str) -> str | None:
    """The 16 digits of a code as typed (hyphens and spaces ignored), or None."""
    digits = _SEPARATORS.sub("", text)
    return digits if _CODE.fullmatch(digits) else None


def _digests(settings: AuthSettings, account_id: int, digits: str) -> list[bytes]:
    """The code's keyed hash under every data key version, the current one first."""
    versions = sorted(settings.data_keys, key=lambda v: v != settings.current_data_key)
    message = f"recovery-code:{account_id}:{digits}".encode()
    return [
        hmac.new(settings.data_keys[version], message, hashlib.sha256).digest()
        for version in versions
    ]


async def count_unused_recovery_codes(conn: asyncpg.Connection, account_id: int) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        account_id,
    )
    return count


async def sign_in_suggestions(conn: asyncpg.Connection, account_id: int) -> list[str]:
    """What the app should offer after a sign-in: a passkey while the account has none
    (phishing-resistant, NIST SP 800-63B §3.1.3.3 on restricted authenticators)."""
    return [] if await count_passkeys(conn, account_id) else ["passkey"]


async def record_failed_sign_in(
    conn: asyncpg.Connection,
    account_id: int | None,
    *,
    method: str,
    channel: str,
    address: str | None,
) -> None:
    """Audit a failure, on the account or on a number with no account: the same work, and
    no count (anyone who knows the number can cause it; auth/accounts.py)."""
    await record_sign_in_failure(conn, account_id, method=method, channel=channel, address=address)


async def _replace_recovery_codes(
    conn: asyncpg.Connection, settings: AuthSettings, account_id: int
) -> tuple[list[str], int]:
    """A new set of codes, and how many earlier codes (used or not) stopped working."""
    codes = [new_recovery_code() for _ in range(CODES_PER_SET)]
    removed = await conn.execute("DELETE FROM recovery_codes WHERE account_id = $1", account_id)
    await conn.execute(
        "INSERT INTO recovery_codes (account_id, code_hash) SELECT $1, unnest($2::bytea[])",
        account_id,
        [_digests(settings, account_id, code.replace("-", ""))[0] for code in codes],
    )
    return codes, int(removed.split()[-1])


async def issue_recovery_codes(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    account_id: int,
    *,
    channel: str,
    reason: str,
) -> list[str]:
    """A new set of codes, as part of another binding (the first authenticator app);
    every earlier code (used or not) stops working."""
    codes, replaced = await _replace_recovery_codes(conn, settings, account_id)
    await record_audit(
        conn,
        actor=f"account:{account_id}",
        action="auth.recovery_codes.generated",
        subject=f"account:{account_id}",
        channel=channel,
        reason=reason,
        details={"codes": CODES_PER_SET, "replaced": replaced},
    )
    return codes


async def regenerate_recovery_codes(
    tx: Transaction, queue: ArqRedis, settings: AuthSettings, session: CurrentSession
) -> list[str]:
    """A new set, replacing the old one. The codes sign in, so this is a binding
    (auth/binding.py: recent aal 2 once the account can reach it), and every channel
    of the person is told."""
    grant = await require_binding_allowed(tx.conn, session, "recovery_codes")
    codes, replaced = await _replace_recovery_codes(tx.conn, settings, session.account_id)
    await record_authenticator_change(
        tx,
        queue,
        session,
        grant,
        kind="recovery_codes",
        change="added",
        action="auth.recovery_codes.generated",
        reason="regenerated",
        details={"codes": CODES_PER_SET, "replaced": replaced},
    )
    return codes


async def sign_in_with_recovery_code(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    *,
    phone_e164: str,
    birth_date: date,
    code: str,
    channel: str,
    address: str | None,
    device: str | None = None,
) -> Tokens:
    """Sign in at aal 1 with the phone of record, the birth date and one unused code, which
    is then spent.

    An unknown number, a birth date nobody with that number has, an account without
    codes and a wrong code all answer the same SIGN_IN_FAILED, after the same queries,
    and count towards no lock: a code has 53 bits, so the per-address throttle is all
    the guessing it needs. A locked account is told so only with a right code, which
    then stays unspent.
    """
    digits = normalize_recovery_code(code)
    if digits is None:
        raise InvalidInput(BadInput("code", BAD_CODE_FORMAT))
    found = await find_account_by_phone(conn, phone_e164, birth_date)
    account = await get_account_for_update(conn, found.id if found else NO_ACCOUNT)
    account_id = account.id if account else NO_ACCOUNT
    spent = await conn.fetchval(
        """
        UPDATE recovery_codes SET used_at = $3
        WHERE account_id = $1 AND code_hash = ANY($2::bytea[]) AND used_at IS NULL
        RETURNING account_id
        """,
        account_id,
        _digests(settings, account_id, digits),
        datetime.now(UTC),
    )
    if account is None or spent is None:
        await record_failed_sign_in(
            conn,
            account.id if account else None,
            method="recovery_code",
            channel=channel,
            address=address,
        )
        raise Problem(SIGN_IN_FAILED, commit_first=True)
    ensure_not_locked(account)  # rolls back: the code stays unspent
    left = await count_unused_recovery_codes(conn, account.id)
    await record_audit(
        conn,
        actor=f"account:{account.id}",
        action="auth.recovery_codes.used",
        subject=f"account:{account.id}",
        channel=channel,
        details={"codes_left": left},
    )
    suggest = await sign_in_suggestions(conn, account.id)
    if left <= FEW_CODES_LEFT:
        suggest.append("recovery_codes")
    started = await start_session(
        conn,
        settings,
        account_id=account.id,
        aal=1,
        method="recovery_code",
        channel=channel,
        device=device,
        suggest=suggest,
    )
    await record_sign_in_success(
        conn,
        account.id,
        method="recovery_code",
        channel=channel,
        session_id=started.id,
        address=address,
    )
    return started.tokens
