"""A kiosk session as the session the core's use cases take.

The kiosk does what the app does (apply, see benefits, withdraw a consent) by calling the
same core functions, which take the person's `CurrentSession`: the same assurance rule
(auth/assurance.py), the same actor and channel in the audit log. A kiosk session is such
a session, bound to its kiosk (auth/kiosk_sessions.py checked that on this request).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import msgspec

from auth.access_cards import CHANNEL
from auth.kiosk_sessions import KIOSK_SIGN_IN_REQUIRED, KioskSession
from auth.sessions import CurrentSession
from foundation.problems import Problem


async def acting_at_kiosk(conn: asyncpg.Connection, session: KioskSession) -> CurrentSession:
    """The kiosk session checked on this request, as a `CurrentSession` (channel `kiosk`)."""
    row = await conn.fetchrow(
        """
        SELECT s.id, s.account_id, a.person_id, s.aal, s.method, s.channel, s.created_at,
               s.authenticated_at, s.last_seen_at AS previous_seen_at, s.expires_at
        FROM sessions s
        JOIN accounts a ON a.id = s.account_id
        WHERE s.id = $1 AND s.kiosk_id = $2 AND s.revoked_at IS NULL
        """,
        session.id,
        session.kiosk_id,
    )
    if row is None:
        raise Problem(KIOSK_SIGN_IN_REQUIRED)
    return CurrentSession(**dict(row))


class LastSeenKioskSession(msgspec.Struct, frozen=True, kw_only=True):
    """A kiosk session as the server last saw it live: for an application the kiosk queued
    while the line was down (onestop/applications/kiosk_queue.py)."""

    acting: CurrentSession
    last_seen_at: datetime


async def session_last_seen_live(
    conn: asyncpg.Connection, session_id: uuid.UUID, kiosk_id: int
) -> LastSeenKioskSession | None:
    """The session opened at this kiosk, if it was live when the server last saw it: not
    ended by then (a sign-out ends it at the moment it is last seen; retiring the kiosk
    later does not change what the server saw), within its longest life, its person's
    account not hard-locked. None for any other session, or one opened elsewhere. The
    session's state is not changed: no PIN is checked and nothing is kept alive."""
    row = await conn.fetchrow(
        """
        SELECT s.id, s.account_id, a.person_id, s.aal, s.method, s.channel, s.created_at,
               s.authenticated_at, s.last_seen_at AS previous_seen_at, s.expires_at,
               s.last_seen_at
        FROM sessions s
        JOIN accounts a ON a.id = s.account_id
        JOIN people p ON p.id = a.person_id
        WHERE s.id = $1 AND s.kiosk_id = $2 AND s.channel = $3
          AND s.last_seen_at < s.expires_at
          AND (s.revoked_at IS NULL OR s.revoked_at > s.last_seen_at)
          AND a.hard_locked_at IS NULL AND p.deceased_on IS NULL
        """,
        session_id,
        kiosk_id,
        CHANNEL,
    )
    if row is None:
        return None
    found = dict(row)
    last_seen_at = found.pop("last_seen_at")
    return LastSeenKioskSession(acting=CurrentSession(**found), last_seen_at=last_seen_at)
