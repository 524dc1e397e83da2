"""Who may bind or remove an authenticator, and what happens when they do.

Authenticators here are what a person manages in the app: passkeys, the
authenticator app (TOTP), the PIN and recovery codes (making a new set is a
binding: the codes sign in). Push devices are not authenticators. Cards and
registered phones are bound at a counter after a document check, and so is a
first PIN typed there: those routes follow the counter's rules, not this one.

The rule (NIST SP 800-63B-4 §4.1.2: binding needs the level the account already
has; an SMS code is a restricted authenticator):

- An account that can reach aal 2 (it has a passkey, or the PIN, with which an
  SMS or voice code, an authenticator app, an access card or a registered phone
  reaches aal 2) binds or removes anything only with aal 2 proven recently.
  Otherwise whoever holds the phone number (a swapped SIM) could add a passkey
  of their own with an SMS code and take the account.
- An account that cannot reach aal 2 yet (SMS, voice or an authenticator app
  only: one factor each) may bind its first passkey or PIN from a sign-in in
  the last 5 minutes: that is the level it has.
- A session opened with an enrollment code (issued at a counter after an ID
  document matched, auth/enrollment_codes.py) may bind one authenticator, of
  any kind, within 5 minutes.
- Removing always needs recent aal 2, and never takes away the last way in
  (`ensure_a_way_in_remains`).

Each binding and removal is recorded (`authenticator_changes`), audited, and
told at once on every channel the person has: an urgent account notice that
cannot be turned off, delivered by the interactive worker. A payment account
added within 7 days of a binding made at aal 1 or with an enrollment code waits
the cooling-off day (onestop/applications/banks.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import asyncpg
import msgspec
from arq.connections import ArqRedis

from auth.account_notices import create_account_notice
from auth.accounts import Account, get_account_for_update
from auth.passkey_store import count_passkeys
from auth.problems import LAST_AUTHENTICATOR
from auth.sessions import (
    CurrentSession,
    has_recent_aal2,
    require_fresh_sign_in,
    require_recent_aal2,
)
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.jobs import enqueue_after_commit
from foundation.problems import Problem, problem_kind
from i18n import N_

AuthenticatorKind = Literal["passkey", "totp", "pin", "recovery_codes"]
AllowedBy = Literal["aal2", "first", "enrollment_code"]
Change = Literal["added", "removed"]

# What a first binding at aal 1 may be: the authenticators that make aal 2 reachable.
FIRST_KINDS: frozenset[AuthenticatorKind] = frozenset({"passkey", "pin"})
ENROLLMENT_METHOD = "enrollment_code"
# A payment account added this soon after a binding made below aal 2 waits a day.
BANK_HOLD_AFTER_WEAK_BINDING = timedelta(days=7)

PASSKEY_OR_PIN_FIRST = problem_kind(
    "passkey-or-pin-first",
    409,
    N_("Add a passkey or a PIN first"),
    N_(
        "To add this, first add a passkey or set a PIN, then confirm it is you with it. "
        "You can also do it at a job centre counter."
    ),
)


class BindingGrant(msgspec.Struct, frozen=True, kw_only=True):
    """Why a binding or removal is allowed; goes on its record and its audit row."""

    account: Account
    allowed_by: AllowedBy


class WaysIn(msgspec.Struct, frozen=True, kw_only=True):
    passkeys: int
    pin: bool
    # A phone of record: SMS and voice codes, and the number that authenticator-app
    # and recovery-code sign-ins start from.
    phone: bool

    def can_reach_aal2(self) -> bool:
        return self.passkeys > 0 or self.pin

    def can_sign_in(self) -> bool:
        return self.passkeys > 0 or self.phone


async def ways_in(conn: asyncpg.Connection, account: Account) -> WaysIn:
    return WaysIn(
        passkeys=await count_passkeys(conn, account.id),
        pin=account.has_pin,
        phone=account.phone_e164 is not None,
    )


async def _bound_in_session(conn: asyncpg.Connection, session_id: uuid.UUID) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM authenticator_changes "
        "WHERE session_id = $1 AND change = 'added')",
        session_id,
    )
    return found


async def require_binding_allowed(
    conn: asyncpg.Connection, session: CurrentSession, kind: AuthenticatorKind
) -> BindingGrant:
    """May this session bind an authenticator of `kind` now? Locks the account row, so
    two bindings at once are decided one after the other.

    Refuses with `step-up-required` (401), `recent-sign-in-required` (401) or
    `passkey-or-pin-first` (409)."""
    account = await get_account_for_update(conn, session.account_id)
    assert account is not None
    if has_recent_aal2(session):
        return BindingGrant(account=account, allowed_by="aal2")
    ways = await ways_in(conn, account)
    enrollment_open = session.method == ENROLLMENT_METHOD and not await _bound_in_session(
        conn, session.id
    )
    first_allowed = not ways.can_reach_aal2() and kind in FIRST_KINDS
    if enrollment_open or first_allowed:
        require_fresh_sign_in(session)
        return BindingGrant(
            account=account, allowed_by="enrollment_code" if enrollment_open else "first"
        )
    if not ways.can_reach_aal2():
        raise Problem(PASSKEY_OR_PIN_FIRST)
    require_recent_aal2(session)
    raise AssertionError("require_recent_aal2 refuses a session without recent aal 2")


async def require_removal_allowed(
    conn: asyncpg.Connection, session: CurrentSession
) -> BindingGrant:
    """Removing an authenticator needs recent aal 2 (`step-up-required`). Locks the
    account row; then the caller finds what is removed, and `ensure_a_way_in_remains`."""
    require_recent_aal2(session)
    account = await get_account_for_update(conn, session.account_id)
    assert account is not None
    return BindingGrant(account=account, allowed_by="aal2")


async def ensure_a_way_in_remains(
    conn: asyncpg.Connection, account: Account, removing: Literal["passkey", "totp"]
) -> None:
    """Refuse with `last-authenticator` (409) a removal that would leave the account
    without a way to sign in (a passkey, or the phone of record), or without the way to
    reach aal 2 it had (a passkey, or the PIN): an account left with SMS codes only
    could be given a first passkey by whoever holds the phone number. The PIN and
    recovery codes are never removed here (a counter resets the PIN)."""
    before = await ways_in(conn, account)
    after = msgspec.structs.replace(
        before, passkeys=before.passkeys - (1 if removing == "passkey" else 0)
    )
    if not after.can_sign_in() or (before.can_reach_aal2() and not after.can_reach_aal2()):
        raise Problem(LAST_AUTHENTICATOR)


async def record_authenticator_change(
    tx: Transaction,
    queue: ArqRedis,
    session: CurrentSession,
    grant: BindingGrant,
    *,
    kind: AuthenticatorKind,
    change: Change,
    action: str,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
) -> int:
    """Record, audit and tell: an urgent account notice on every channel, sent by the
    interactive worker once this transaction commits. Returns the notice's id."""
    conn = tx.conn
    account = grant.account
    notice_id = await create_account_notice(
        conn, datetime.now(UTC), account.person_id, f"authenticator_{change}:{kind}"
    )
    await conn.execute(
        """
        INSERT INTO authenticator_changes (account_id, kind, change, allowed_by, session_id,
                                           channel, notice_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """,
        account.id,
        kind,
        change,
        grant.allowed_by,
        session.id,
        session.channel,
        notice_id,
    )
    await record_audit(
        conn,
        actor=f"account:{account.id}",
        action=action,
        subject=f"account:{account.id}",
        channel=session.channel,
        reason=reason,
        details={
            **(details or {}),
            "allowed_by": grant.allowed_by,
            "session_aal": session.aal,
            "session_method": session.method,
            "notice": notice_id,
        },
    )
    enqueue_after_commit(tx, queue, "deliver_urgent_notices", [notice_id])
    return notice_id


async def last_weak_binding(
    conn: asyncpg.Connection, person_id: int, *, around: datetime
) -> datetime | None:
    """The person's last binding made below aal 2 (a first binding, or with an
    enrollment code) from 7 days before `around` on, if any."""
    found: datetime | None = await conn.fetchval(
        """
        SELECT max(c.occurred_at) FROM authenticator_changes c
        JOIN accounts a ON a.id = c.account_id
        WHERE a.person_id = $1 AND c.change = 'added' AND c.allowed_by <> 'aal2'
          AND c.occurred_at >= $2
        """,
        person_id,
        around - BANK_HOLD_AFTER_WEAK_BINDING,
    )
    return found
