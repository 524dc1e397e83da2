"""Enrollment codes: finish setting up a passkey or a kiosk PIN later, without coming back.

After a matching identity check (auth/counter/identity_checks.py) a clerk can hand the person a
one-time code of 16 characters, valid 7 days. The person redeems it in the app
or at a kiosk and gets a session at aal 1, with which they add a passkey or set
their PIN. The code is shown once and kept only as SHA-256 (auth/secrets.py):
16 characters from a 31-letter alphabet carry about 79 bits, too many to search.
The alphabet has no 0/O, 1/I/L, so a code read from paper is typed right.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Literal

import asyncpg
import msgspec

from auth.accounts import get_account_by_person, with_address
from auth.counter.identity_checks import (
    PERSON_NOT_FOUND,
    RECENT_MATCH,
    get_recent_match,
    lock_living_person,
)
from auth.secrets import token_hash
from auth.sessions import Tokens, start_session
from auth.staff.accounts import staff_actor
from auth.staff.roles import COUNTER_ROLES, require_role
from auth.staff.sessions import StaffSession
from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from foundation.settings import AuthSettings
from i18n import N_

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16
CODE_LIFETIME = timedelta(days=7)
RedeemChannel = Literal["app", "kiosk"]

IDENTITY_CHECK_NEEDED = problem_kind(
    "identity-check-needed",
    409,
    N_("Check the person's ID first"),
    N_(
        "An enrollment code can be issued only after the person's ID document matched, "
        "within the last 8 hours. Check the document and record the result first."
    ),
)
ENROLLMENT_CODE_INVALID = problem_kind(
    "enrollment-code-invalid",
    400,
    N_("This enrollment code cannot be used"),
    N_(
        "The code is not right, has expired or was already used. Check it, "
        "or ask for a new code at a job centre counter."
    ),
)


class EnrollmentCodeIssued(msgspec.Struct, frozen=True, kw_only=True):
    # Shown once, grouped by 4 for reading aloud: only its hash is kept.
    code: str
    account_id: int
    expires_at: datetime


class OpenEnrollmentCode(msgspec.Struct, frozen=True, kw_only=True):
    account_id: int
    staff_id: int
    office_code: str


def new_enrollment_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(text: str) -> str | None:
    """The 16 characters of a code as typed (any case, hyphens and spaces), or None."""
    code = "".join(ch for ch in text if ch not in "- ").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


# --- Queries -----------------------------------------------------------------


async def retire_open_codes(conn: asyncpg.Connection, account_id: int) -> int:
    retired: int = await conn.fetchval(
        """
        WITH retired AS (
            UPDATE enrollment_codes SET retired_at = now()
            WHERE account_id = $1 AND used_at IS NULL AND retired_at IS NULL RETURNING 1
        )
        SELECT count(*) FROM retired
        """,
        account_id,
    )
    return retired


async def insert_enrollment_code(
    conn: asyncpg.Connection,
    *,
    code_hash: bytes,
    account_id: int,
    verification_id: int,
    staff_id: int,
    office_code: str,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO enrollment_codes (code_hash, account_id, verification_id, staff_id,
                                      office_code, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        code_hash,
        account_id,
        verification_id,
        staff_id,
        office_code,
        expires_at,
    )


async def take_open_enrollment_code(
    conn: asyncpg.Connection, code_hash: bytes, *, channel: RedeemChannel
) -> OpenEnrollmentCode | None:
    """Use up an open code (unused, not retired, unexpired, for a living, unlocked person).

    One UPDATE: two redemptions of one code cannot both succeed.
    """
    row = await conn.fetchrow(
        """
        UPDATE enrollment_codes c SET used_at = now(), used_channel = $2
        FROM accounts a JOIN people p ON p.id = a.person_id
        WHERE c.code_hash = $1 AND a.id = c.account_id
          AND c.used_at IS NULL AND c.retired_at IS NULL AND c.expires_at > now()
          AND a.hard_locked_at IS NULL AND p.deceased_on IS NULL
        RETURNING c.account_id, c.staff_id, c.office_code
        """,
        code_hash,
        channel,
    )
    return OpenEnrollmentCode(**dict(row)) if row else None


# --- Core ------------------------------------------------------------------------


async def issue_enrollment_code(
    conn: asyncpg.Connection, *, staff: StaffSession, person_id: int
) -> EnrollmentCodeIssued:
    """A new code for a person whose ID matched in the last 8 hours; older open codes end."""
    require_role(staff, *COUNTER_ROLES)
    if not await lock_living_person(conn, person_id):
        raise Problem(PERSON_NOT_FOUND)
    verification = await get_recent_match(conn, person_id, within=RECENT_MATCH)
    account = await get_account_by_person(conn, person_id)
    if verification is None or account is None:
        raise Problem(IDENTITY_CHECK_NEEDED)
    retired = await retire_open_codes(conn, account.id)
    code = new_enrollment_code()
    expires_at = datetime.now(UTC) + CODE_LIFETIME
    await insert_enrollment_code(
        conn,
        code_hash=token_hash(code),
        account_id=account.id,
        verification_id=verification.id,
        staff_id=staff.staff_id,
        office_code=staff.office_code,
        expires_at=expires_at,
    )
    await record_audit(
        conn,
        actor=staff_actor(staff.staff_id),
        action="counter.enrollment_code_issued",
        subject=f"person:{person_id}",
        office=staff.office_code,
        channel="counter",
        details={
            "account": account.id,
            "verification": verification.id,
            "earlier_codes_retired": retired,
        },
    )
    return EnrollmentCodeIssued(
        code=format_code(code), account_id=account.id, expires_at=expires_at
    )


async def take_enrollment_code(
    conn: asyncpg.Connection, *, code: str, channel: RedeemChannel
) -> OpenEnrollmentCode:
    """Use the code up: whose it is. Unknown, mistyped, expired, retired and used codes
    answer alike: the answer tells nobody which codes exist."""
    normalized = normalize_code(code)
    taken = (
        await take_open_enrollment_code(conn, token_hash(normalized), channel=channel)
        if normalized
        else None
    )
    if taken is None:
        raise Problem(ENROLLMENT_CODE_INVALID)
    return taken


async def record_enrollment_code_redeemed(
    conn: asyncpg.Connection,
    taken: OpenEnrollmentCode,
    *,
    session_id: uuid.UUID,
    channel: str,
    address: str | None,
) -> None:
    await record_audit(
        conn,
        actor=f"account:{taken.account_id}",
        action="auth.enrollment_code_redeemed",
        subject=f"account:{taken.account_id}",
        office=taken.office_code,
        channel=channel,
        details=with_address(
            {"issued_by": staff_actor(taken.staff_id), "session": str(session_id)},
            address=address,
        ),
    )


async def redeem_enrollment_code(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    *,
    code: str,
    channel: RedeemChannel,
    address: str | None,
    device: str | None = None,
) -> Tokens:
    """A session at aal 1 for the code's account; the code is used up (a kiosk opens its
    own kind of session with `take_enrollment_code`, auth/kiosk_sign_ins.py)."""
    taken = await take_enrollment_code(conn, code=code, channel=channel)
    started = await start_session(
        conn,
        settings,
        account_id=taken.account_id,
        aal=1,
        method="enrollment_code",
        channel=channel,
        device=device,
        suggest=["passkey", "pin"],
    )
    await record_enrollment_code_redeemed(
        conn, taken, session_id=started.id, channel=channel, address=address
    )
    return started.tokens
