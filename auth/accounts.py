"""Accounts: one per person, their assurance, and the account's lock after 100 wrong PINs.

What counts, and what locks (docs/api.md, "Limits and locks"):

- Only a wrong PIN entered after possession was proven (an SMS or app code in this
  session, a card at an enrolled kiosk, a call we placed to a registered phone) counts
  towards the account: 100 in a row lock it until a counter clerk verifies the person
  and unlocks it (NIST SP 800-63B §5.2.2; auth/counter/recovery.py). Only a right PIN
  starts the count again.
- Every other failure (a wrong recovery code, TOTP or SMS code given just a number, a
  passkey answer that does not verify) can be caused by anyone who knows a phone
  number, so it counts towards no lock: it is audited, and meets only throttles that
  expire and say nothing (auth/limits.py). A sign-in with such a factor resets nothing.

Every failure and lock is audited.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from auth.problems import ACCOUNT_LOCKED_UNTIL_COUNTER
from foundation.audit import record_audit
from foundation.problems import Problem

HARD_LOCK_AFTER = 100


class Account(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    assurance: str
    created_at: datetime
    # Wrong PINs in a row after proven possession, through any credential.
    consecutive_failures: int
    hard_locked_at: datetime | None
    has_pin: bool
    app_pin_locked: bool
    totp_enabled: bool
    # From the person record.
    name: str
    birth_date: date
    phone_e164: str | None
    preferred_language: str
    deceased: bool


_SELECT = """
    SELECT a.id, a.person_id, a.assurance, a.created_at, a.consecutive_failures,
           a.hard_locked_at, a.pin_hash IS NOT NULL AS has_pin,
           a.app_pin_locked_at IS NOT NULL AS app_pin_locked,
           a.totp_confirmed_at IS NOT NULL AS totp_enabled,
           p.name, p.birth_date, p.phone_e164, p.preferred_language,
           p.deceased_on IS NOT NULL AS deceased
    FROM accounts a JOIN people p ON p.id = a.person_id
"""


def _account(row: asyncpg.Record) -> Account:
    return Account(**dict(row))


async def get_account(conn: asyncpg.Connection, account_id: int) -> Account | None:
    row = await conn.fetchrow(_SELECT + " WHERE a.id = $1", account_id)
    return _account(row) if row else None


async def get_account_for_update(conn: asyncpg.Connection, account_id: int) -> Account | None:
    row = await conn.fetchrow(_SELECT + " WHERE a.id = $1 FOR UPDATE OF a", account_id)
    return _account(row) if row else None


async def find_account_by_phone(
    conn: asyncpg.Connection, phone_e164: str, birth_date: date
) -> Account | None:
    """The account of the one living person with this phone of record and this birth date.

    A family shares a phone: the number alone may belong to several people, so every
    sign-in keyed by a number takes the birth date too. None when nobody matches, or
    when several still do (twins on one phone sign in another way).
    """
    rows = await conn.fetch(
        _SELECT
        + " WHERE p.phone_e164 = $1 AND p.birth_date = $2 AND p.deceased_on IS NULL LIMIT 2",
        phone_e164,
        birth_date,
    )
    return _account(rows[0]) if len(rows) == 1 else None


async def get_account_by_person(conn: asyncpg.Connection, person_id: int) -> Account | None:
    row = await conn.fetchrow(_SELECT + " WHERE a.person_id = $1", person_id)
    return _account(row) if row else None


async def create_account(conn: asyncpg.Connection, *, person_id: int, assurance: str) -> Account:
    """Create the person's account, or return the existing one (one account per person)."""
    await conn.execute(
        "INSERT INTO accounts (person_id, assurance) VALUES ($1, $2) "
        "ON CONFLICT (person_id) DO NOTHING",
        person_id,
        assurance,
    )
    account = await get_account_by_person(conn, person_id)
    assert account is not None
    return account


def ensure_not_locked(account: Account) -> None:
    """Refuse sign-in to an account locked until a counter visit.

    Call it only once the caller has proven something (a right code, PIN or passkey):
    before that, the answer would tell a stranger that the number has an account.
    """
    if account.hard_locked_at is not None:
        raise Problem(ACCOUNT_LOCKED_UNTIL_COUNTER)


async def record_sign_in_failure(
    conn: asyncpg.Connection,
    account_id: int | None,
    *,
    method: str,
    channel: str,
    address: str | None,
) -> None:
    """Audit a failed sign-in that counts towards no lock (see the module's docstring);
    `account_id` is None when the number or challenge belongs to nobody.

    `address` is the client's (foundation/client_address.py); None on the phone line, whose
    caller arrives through Twilio."""
    if account_id is None:
        await record_audit(
            conn,
            actor="anonymous",
            action="auth.sign_in.failed",
            channel=channel,
            details=with_address({"method": method, "account": False}, address=address),
        )
        return
    await record_audit(
        conn,
        actor="anonymous",
        action="auth.sign_in.failed",
        subject=f"account:{account_id}",
        channel=channel,
        details=with_address({"method": method}, address=address),
    )


async def record_wrong_pin(
    conn: asyncpg.Connection,
    account_id: int,
    *,
    credential: str,
    channel: str,
    address: str | None,
) -> int:
    """Count a wrong PIN entered after proven possession; lock at 100. Returns the count."""
    row = await conn.fetchrow(
        """
        UPDATE accounts SET
            consecutive_failures = consecutive_failures + 1,
            hard_locked_at = CASE
                WHEN consecutive_failures + 1 >= $2 THEN coalesce(hard_locked_at, now())
                ELSE hard_locked_at END
        WHERE id = $1
        RETURNING consecutive_failures
        """,
        account_id,
        HARD_LOCK_AFTER,
    )
    assert row is not None
    failures: int = row["consecutive_failures"]
    subject = f"account:{account_id}"
    await record_audit(
        conn,
        actor="anonymous",
        action="auth.sign_in.failed",
        subject=subject,
        channel=channel,
        details=with_address(
            {"method": "pin", "credential": credential, "consecutive_failures": failures},
            address=address,
        ),
    )
    if failures == HARD_LOCK_AFTER:
        await record_audit(
            conn,
            actor="system",
            action="auth.account.locked_until_counter",
            subject=subject,
            channel=channel,
            details={"consecutive_failures": failures},
        )
    return failures


async def record_right_pin(conn: asyncpg.Connection, account_id: int) -> None:
    """A right PIN, through any credential: the account's count of wrong ones starts again."""
    await conn.execute(
        "UPDATE accounts SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0",
        account_id,
    )


def with_address(details: dict[str, Any], *, address: str | None) -> dict[str, Any]:
    """A sign-in audit row's details with the client's address, when there is one."""
    return details if address is None else {**details, "address": address}


async def record_sign_in_success(
    conn: asyncpg.Connection,
    account_id: int,
    *,
    method: str,
    channel: str,
    session_id: uuid.UUID,
    address: str | None,
) -> None:
    """Audit a sign-in. It resets no count: a wrong PIN's count starts again only with a
    right PIN. The row names the new (or stepped-up) session and the client's address, so a
    sign-in can be traced to what it did and where it came from."""
    await record_audit(
        conn,
        actor=f"account:{account_id}",
        action="auth.sign_in.succeeded",
        subject=f"account:{account_id}",
        channel=channel,
        details=with_address({"method": method, "session": str(session_id)}, address=address),
    )


async def unlock_account(
    conn: asyncpg.Connection,
    account_id: int,
    *,
    actor: str,
    reason: str,
    office: str | None = None,
    channel: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Lift the lock and start the count again (a counter clerk after checking the person's
    ID, auth/counter/recovery.py)."""
    await conn.execute(
        "UPDATE accounts SET consecutive_failures = 0, hard_locked_at = NULL WHERE id = $1",
        account_id,
    )
    await record_audit(
        conn,
        actor=actor,
        action="auth.account.unlocked",
        subject=f"account:{account_id}",
        office=office,
        channel=channel,
        reason=reason,
        details=details,
    )
