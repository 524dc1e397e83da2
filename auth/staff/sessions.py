"""Staff sign-in with a passkey (the one WebAuthn ceremony, auth/webauthn_ceremony.py, in
the staff realm), and console sessions.

A console session ends after 15 minutes without activity and 8 hours after it
began, whichever comes first (a counter shift; NIST SP 800-63B §2.2.3 for AAL2
allows 30 minutes idle and 12 hours, we are stricter because the console reaches
every citizen's record). Disabling a staff member ends their sessions at once:
every request checks the staff row, not only the session.

The session token travels in an HttpOnly, SameSite=Strict cookie set by the
channel; here it is random and kept only as SHA-256.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import asyncpg
import msgspec
from redis.asyncio import Redis

from auth.problems import SIGN_IN_FAILED
from auth.secrets import new_token, token_hash
from auth.staff.accounts import staff_actor
from auth.staff.store import (
    STAFF_PASSKEYS,
    StaffRole,
    get_staff,
    get_staff_passkey_by_credential_id,
)
from auth.webauthn_ceremony import (
    AssertionRefused,
    CeremonyOptions,
    authentication_options,
    check_assertion,
    read_answer,
)
from auth.webauthn_json import AuthenticationCredentialJSON
from foundation.audit import record_audit
from foundation.problems import Problem
from foundation.settings import AuthSettings

log = logging.getLogger(__name__)

STAFF_SESSION_IDLE = timedelta(minutes=15)
STAFF_SESSION_MAX_AGE = timedelta(hours=8)


class StaffSignIn(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: int
    # Shown once, to be put in the cookie: only its hash is kept.
    token: str
    expires_at: datetime


class StaffSession(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    staff_id: int
    name: str
    office_code: str
    role: StaffRole
    created_at: datetime
    expires_at: datetime


# --- Queries -----------------------------------------------------------------


async def insert_staff_session(
    conn: asyncpg.Connection, *, staff_id: int, token_hash: bytes, now: datetime
) -> uuid.UUID:
    session_id = uuid.uuid4()
    await conn.execute(
        """
        INSERT INTO staff_sessions (id, token_hash, staff_id, created_at, last_seen_at, expires_at)
        VALUES ($1, $2, $3, $4, $4, $5)
        """,
        session_id,
        token_hash,
        staff_id,
        now,
        now + STAFF_SESSION_MAX_AGE,
    )
    return session_id


async def touch_staff_session(conn: asyncpg.Connection, token_hash: bytes) -> StaffSession | None:
    """The live session for this token, its activity time moved to now; None if it has ended."""
    row = await conn.fetchrow(
        """
        UPDATE staff_sessions ss SET last_seen_at = now()
        FROM staff s
        WHERE ss.token_hash = $1 AND s.id = ss.staff_id
          AND ss.revoked_at IS NULL AND ss.expires_at > now()
          AND ss.last_seen_at > now() - $2::interval
          AND s.disabled_at IS NULL
        RETURNING ss.id, ss.staff_id, s.name, s.office_code, s.role, ss.created_at, ss.expires_at
        """,
        token_hash,
        STAFF_SESSION_IDLE,
    )
    return StaffSession(**dict(row)) if row else None


async def revoke_staff_session_row(
    conn: asyncpg.Connection, session_id: uuid.UUID, *, reason: str
) -> None:
    await conn.execute(
        "UPDATE staff_sessions SET revoked_at = now(), revoked_reason = $2 "
        "WHERE id = $1 AND revoked_at IS NULL",
        session_id,
        reason,
    )


# --- Sign-in -----------------------------------------------------------------


async def start_staff_sign_in(redis: Redis, settings: AuthSettings) -> CeremonyOptions:
    """Request options for a staff passkey (discoverable: no user name asked)."""
    return await authentication_options(redis, settings, STAFF_PASSKEYS)


async def finish_staff_sign_in(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: AuthSettings,
    *,
    challenge_id: uuid.UUID,
    credential: AuthenticationCredentialJSON,
    address: str,
) -> StaffSignIn:
    """Check an assertion made with a staff passkey; on success, a new console session
    (`address`, the client's, goes in the audit rows)."""
    answer = await read_answer(
        conn, redis, STAFF_PASSKEYS, challenge_id=challenge_id, credential=credential
    )
    if answer is None:
        # A citizen's passkey, or none we know: nobody to hold the refusal against.
        raise Problem(SIGN_IN_FAILED)
    found = answer.credential
    staff = await get_staff(conn, found.staff_id, lock=True)
    passkey = await get_staff_passkey_by_credential_id(conn, found.credential_id, lock=True)
    if staff is None or passkey is None:
        raise Problem(SIGN_IN_FAILED)

    async def refuse(reason: str) -> NoReturn:
        log.info("staff sign-in refused for staff %s: %r", staff.id, reason)
        await record_audit(
            conn,
            actor=staff_actor(staff.id),
            action="staff.sign_in_refused",
            subject=staff_actor(staff.id),
            office=staff.office_code,
            channel="counter",
            details={"passkey": passkey.id, "reason": reason[:200], "address": address},
        )
        raise Problem(SIGN_IN_FAILED, commit_first=True)

    if staff.disabled_at is not None:
        await refuse("staff member is disabled")
    try:
        await check_assertion(
            conn,
            settings,
            STAFF_PASSKEYS,
            challenge=answer.challenge,
            kept=passkey,
            credential=credential,
        )
    except AssertionRefused as refused:
        # A signature counter that went back is in the reason of the audited refusal.
        await refuse(refused.reason)
    token = new_token("hcs_")
    now = datetime.now(UTC)
    session_id = await insert_staff_session(
        conn, staff_id=staff.id, token_hash=token_hash(token), now=now
    )
    await record_audit(
        conn,
        actor=staff_actor(staff.id),
        action="staff.signed_in",
        subject=staff_actor(staff.id),
        office=staff.office_code,
        channel="counter",
        details={"passkey": passkey.id, "session": str(session_id), "address": address},
    )
    return StaffSignIn(staff_id=staff.id, token=token, expires_at=now + STAFF_SESSION_MAX_AGE)


# --- Sessions ------------------------------------------------------------------


async def authenticate_staff_token(conn: asyncpg.Connection, token: str) -> StaffSession | None:
    """The session a console cookie names, if it is still live (its activity time refreshed)."""
    return await touch_staff_session(conn, token_hash(token))


async def sign_out_staff(conn: asyncpg.Connection, session: StaffSession) -> None:
    await revoke_staff_session_row(conn, session.id, reason="signed_out")
    await record_audit(
        conn,
        actor=staff_actor(session.staff_id),
        action="staff.signed_out",
        subject=staff_actor(session.staff_id),
        office=session.office_code,
        channel="counter",
        details={"session": str(session.id)},
    )
