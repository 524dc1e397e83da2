"""A kiosk session as the session the core's use cases take.

The kiosk does what the app does (apply, see benefits, withdraw a consent) by calling the
same core functions, which take the person's `CurrentSession`: the same assurance rule
(auth/assurance.py), the same actor and channel in the audit log. A kiosk session is such
a session, bound to its kiosk (auth/kiosk_sessions.py checked that on this request).
"""

from __future__ import annotations

import asyncpg

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
