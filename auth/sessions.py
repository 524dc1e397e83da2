"""Sessions and tokens: opaque, random, stored hashed; refresh tokens rotate.

An access token lives 15 minutes. Each refresh hands out a new access token and
a new refresh token and retires the old one; presenting a retired refresh token
again means it was copied, so the whole session (the token family) ends. One
exception, for an app that refreshes from two screens at once: the newest
retired token, within 10 seconds of its use and while its successor is unused,
is only refused (409 `refresh-already-used`) and the session goes on. A thief
gains nothing from that window: the refusal carries no tokens.

Assurance levels are modelled on NIST SP 800-63B (our own levels, not a
certification): `aal` 1 is one factor; 2 is a passkey with user verification,
or a possession factor together with the PIN. Actions that reveal or change
personal data need aal 2 proven within 12 hours and used within 30 minutes
(stricter than 800-63B rev. 4's 24 hours and 1 hour).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec

from auth.problems import (
    RECENT_SIGN_IN_REQUIRED,
    REFRESH_ALREADY_USED,
    SESSION_INVALID,
    STEP_UP_REQUIRED,
)
from auth.secrets import new_token, token_hash
from foundation.audit import record_audit
from foundation.problems import NOT_FOUND, Problem
from foundation.settings import AuthSettings

AAL2_MAX_AGE = timedelta(hours=12)
AAL2_MAX_IDLE = timedelta(minutes=30)
LAST_SEEN_GRANULARITY = timedelta(seconds=60)
# Two refreshes with one token this close together are a race, not a copied token.
REFRESH_RACE_GRACE = timedelta(seconds=10)
CHANNELS = ("app", "kiosk", "phone", "counter", "web")


class Tokens(msgspec.Struct, frozen=True, kw_only=True):
    """What a successful sign-in answers (the app contract)."""

    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    aal: int
    # What the app should offer next, e.g. ["passkey"] after an SMS sign-in
    # (SMS is a restricted authenticator, NIST SP 800-63B §3.1.3.3).
    suggest: list[str] = msgspec.field(default_factory=list)


class StartedSession(msgspec.Struct, frozen=True, kw_only=True):
    """A new session: its id (for the sign-in's audit row) and the tokens the app gets."""

    id: uuid.UUID
    tokens: Tokens


class CurrentSession(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    account_id: int
    person_id: int
    aal: int
    method: str
    channel: str
    created_at: datetime
    authenticated_at: datetime
    # Last activity before this request: the idle time is measured from here.
    previous_seen_at: datetime
    expires_at: datetime
    # The person's language, for answers to a request that names none (foundation/errors.py).
    preferred_language: str | None = None


class SessionSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    aal: int
    method: str
    channel: str
    device: str | None
    created_at: datetime
    last_seen_at: datetime
    current: bool


async def start_session(
    conn: asyncpg.Connection,
    settings: AuthSettings,
    *,
    account_id: int,
    aal: int,
    method: str,
    channel: str,
    device: str | None = None,
    suggest: list[str] | None = None,
) -> StartedSession:
    session_id = uuid.uuid4()
    access, refresh = new_token("hca_"), new_token("hcr_")
    now = datetime.now(UTC)
    await conn.execute(
        """
        INSERT INTO sessions (id, account_id, aal, method, channel, device, created_at,
                              authenticated_at, last_seen_at, expires_at,
                              access_token_hash, access_expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7, $8, $9, $10)
        """,
        session_id,
        account_id,
        aal,
        method,
        channel,
        device,
        now,
        now + timedelta(days=settings.refresh_token_days),
        token_hash(access),
        now + timedelta(seconds=settings.access_token_seconds),
    )
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)",
        token_hash(refresh),
        session_id,
    )
    return StartedSession(
        id=session_id,
        tokens=Tokens(
            access_token=access,
            refresh_token=refresh,
            expires_in=settings.access_token_seconds,
            aal=aal,
            suggest=suggest or [],
        ),
    )


async def authenticate_access_token(
    conn: asyncpg.Connection, access_token: str
) -> CurrentSession | None:
    """The live session an access token belongs to, or None (a kiosk's session is no
    bearer token: it lives in the kiosk's cookie, auth/kiosk_sessions.py)."""
    row = await conn.fetchrow(
        """
        SELECT s.id, s.account_id, a.person_id, s.aal, s.method, s.channel, s.created_at,
               s.authenticated_at, s.last_seen_at AS previous_seen_at, s.expires_at,
               p.preferred_language
        FROM sessions s
        JOIN accounts a ON a.id = s.account_id
        JOIN people p ON p.id = a.person_id
        WHERE s.access_token_hash = $1 AND s.access_expires_at > now()
          AND s.revoked_at IS NULL AND s.expires_at > now() AND s.kiosk_id IS NULL
          AND a.hard_locked_at IS NULL AND p.deceased_on IS NULL
        """,
        token_hash(access_token),
    )
    if row is None:
        return None
    session = CurrentSession(**dict(row))
    if datetime.now(UTC) - session.previous_seen_at > LAST_SEEN_GRANULARITY:
        await conn.execute("UPDATE sessions SET last_seen_at = now() WHERE id = $1", session.id)
    return session


async def refresh_session(
    conn: asyncpg.Connection, settings: AuthSettings, refresh_token: str
) -> Tokens:
    """Rotate: a new access and refresh token; reuse of a retired one ends the session,
    unless it lost a race with its own refresh a moment ago (REFRESH_ALREADY_USED)."""
    # Two refreshes at once: the second waits here for the first's row lock, then reads
    # the token as the first left it (used), so exactly one of them rotates.
    row = await conn.fetchrow(
        """
        SELECT r.session_id, r.used_at, s.revoked_at, s.expires_at, s.aal, s.account_id,
               a.hard_locked_at, p.deceased_on,
               r.used_at > now() - $2::interval AND NOT EXISTS (
                   SELECT 1 FROM refresh_tokens later
                   WHERE later.session_id = r.session_id AND later.token_hash <> r.token_hash
                     AND later.issued_at >= r.used_at AND later.used_at IS NOT NULL
               ) AS lost_a_race
        FROM refresh_tokens r
        JOIN sessions s ON s.id = r.session_id
        JOIN accounts a ON a.id = s.account_id
        JOIN people p ON p.id = a.person_id
        WHERE r.token_hash = $1
        FOR UPDATE OF r, s
        """,
        token_hash(refresh_token),
        REFRESH_RACE_GRACE,
    )
    if row is None:
        raise Problem(SESSION_INVALID)
    if row["used_at"] is not None and row["lost_a_race"] and row["revoked_at"] is None:
        await record_audit(
            conn,
            actor="system",
            action="auth.session.refresh_race",
            subject=f"account:{row['account_id']}",
            details={"session": str(row["session_id"])},
        )
        raise Problem(REFRESH_ALREADY_USED, commit_first=True)
    if row["used_at"] is not None:
        if row["revoked_at"] is None:
            await revoke_session(conn, row["session_id"], reason="refresh_token_reused")
            await record_audit(
                conn,
                actor="system",
                action="auth.session.refresh_reuse_detected",
                subject=f"account:{row['account_id']}",
                details={"session": str(row["session_id"])},
            )
        raise Problem(SESSION_INVALID, commit_first=True)
    now = datetime.now(UTC)
    if (
        row["revoked_at"] is not None
        or row["expires_at"] <= now
        or row["hard_locked_at"] is not None
        or row["deceased_on"] is not None
    ):
        raise Problem(SESSION_INVALID)
    access, refresh = new_token("hca_"), new_token("hcr_")
    await conn.execute(
        "UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1", token_hash(refresh_token)
    )
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)",
        token_hash(refresh),
        row["session_id"],
    )
    await conn.execute(
        "UPDATE sessions SET access_token_hash = $2, access_expires_at = $3, last_seen_at = now() "
        "WHERE id = $1",
        row["session_id"],
        token_hash(access),
        now + timedelta(seconds=settings.access_token_seconds),
    )
    return Tokens(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_seconds,
        aal=row["aal"],
    )


async def revoke_session(conn: asyncpg.Connection, session_id: uuid.UUID, *, reason: str) -> bool:
    result = await conn.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $2 "
        "WHERE id = $1 AND revoked_at IS NULL",
        session_id,
        reason,
    )
    return result != "UPDATE 0"


async def end_own_session(
    conn: asyncpg.Connection, session: CurrentSession, session_id: uuid.UUID
) -> None:
    """The signed-in person ends one of their account's sessions (a lost phone), audited;
    another account's session, or none, is 404."""
    owner = await conn.fetchval("SELECT account_id FROM sessions WHERE id = $1", session_id)
    if owner != session.account_id:
        raise Problem(NOT_FOUND)
    await revoke_session(conn, session_id, reason="revoked_by_owner")
    await record_audit(
        conn,
        actor=f"account:{session.account_id}",
        action="auth.session.revoked",
        subject=f"account:{session.account_id}",
        channel=session.channel,
        details={"session": str(session_id)},
    )


async def revoke_account_sessions(
    conn: asyncpg.Connection,
    account_id: int,
    *,
    reason: str,
    except_session: uuid.UUID | None = None,
) -> int:
    result = await conn.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $2 "
        "WHERE account_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $3",
        account_id,
        reason,
        except_session,
    )
    return int(result.split()[-1])


async def list_sessions(
    conn: asyncpg.Connection, account_id: int, current: uuid.UUID
) -> list[SessionSummary]:
    rows = await conn.fetch(
        """
        SELECT id, aal, method, channel, device, created_at, last_seen_at
        FROM sessions
        WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > now()
        ORDER BY last_seen_at DESC
        """,
        account_id,
    )
    return [SessionSummary(**dict(row), current=row["id"] == current) for row in rows]


def has_recent_aal2(session: CurrentSession, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return (
        session.aal >= 2
        and now - session.authenticated_at <= AAL2_MAX_AGE
        and now - session.previous_seen_at <= AAL2_MAX_IDLE
    )


def require_recent_aal2(session: CurrentSession) -> None:
    """For actions that reveal or change personal data; tells the app to step up."""
    if not has_recent_aal2(session):
        raise Problem(
            STEP_UP_REQUIRED,
            headers={
                # RFC 9470: OAuth 2.0 Step Up Authentication Challenge.
                "WWW-Authenticate": 'Bearer error="insufficient_user_authentication", '
                'acr_values="aal2", max_age="43200"'
            },
        )


def require_fresh_sign_in(
    session: CurrentSession, within: timedelta = timedelta(minutes=5)
) -> None:
    """For changing a sign-in secret (the PIN): the person signed in moments ago."""
    if datetime.now(UTC) - session.authenticated_at > within:
        raise Problem(RECENT_SIGN_IN_REQUIRED)
