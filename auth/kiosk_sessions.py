"""Sessions at a kiosk: card + PIN through the kiosk channel, bound to the kiosk.

A person signs in at kiosk K with their access card and PIN (aal 2, as
auth/access_cards.py explains). The session is K's: its token travels only in a cookie
under `/kiosk` (HttpOnly, SameSite=Strict, set by the kiosk channel), it has no refresh
token, it is not a bearer token for the app's API, and a request signed by another
kiosk that carries it is refused without touching it. It ends when the person signs
out, after `IDLE` without a request, after `LONGEST` at most, or when K is retired.

Wrong PINs count against the card as everywhere (5 lock it) and are throttled per kiosk.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
from redis.asyncio import Redis

from auth.access_cards import (
    CARD_LOCKED,
    CHANNEL,
    KIOSK_WRONG_PINS,
    METHOD,
    CardPin,
    live_card_at_kiosk,
)
from auth.accounts import get_account_by_person, record_sign_in_success, with_address
from auth.kiosk_device_store import KioskDevice
from auth.limits import count_failure, refuse_when_over
from auth.pin import check_pin, is_wrong_pin
from auth.problems import CREDENTIAL_LOCKED, NO_PIN
from auth.secrets import new_token, token_hash
from auth.sessions import CurrentSession
from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from foundation.settings import AuthSettings
from i18n import N_

SESSION_TOKEN_PREFIX = "hks_"  # noqa: S105 - a token prefix, not a secret
IDLE = timedelta(minutes=15)
LONGEST = timedelta(hours=2)

KIOSK_SIGN_IN_REQUIRED = problem_kind(
    "kiosk-sign-in-required",
    401,
    N_("Please sign in"),
    N_("You are not signed in, or your session has ended. Sign in with your card and PIN."),
)
KIOSK_SESSION_ELSEWHERE = problem_kind(
    "kiosk-session-elsewhere",
    403,
    N_("Please sign in at this kiosk"),
    N_("You signed in at another kiosk. Sign in here with your card and PIN."),
)


class StartedKioskSession(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    # For the kiosk's cookie only: only its hash is kept.
    token: str


class KioskSession(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    account_id: int
    person_id: int
    kiosk_id: int
    aal: int
    # "card+pin", "sms", "pin+sms", "enrollment_code" (auth/kiosk_sign_ins.py).
    method: str
    created_at: datetime
    authenticated_at: datetime
    expires_at: datetime
    # The person's language: the kiosk's pages follow it until they choose another.
    preferred_language: str | None = None

    def as_current(self) -> CurrentSession:
        """This session as the core's functions for a signed-in person take it (setting the
        PIN, the step-up), the same for every channel."""
        return CurrentSession(
            id=self.id,
            account_id=self.account_id,
            person_id=self.person_id,
            aal=self.aal,
            method=self.method,
            channel=CHANNEL,
            created_at=self.created_at,
            authenticated_at=self.authenticated_at,
            previous_seen_at=self.authenticated_at,
            expires_at=self.expires_at,
            preferred_language=self.preferred_language,
        )


async def open_kiosk_session(
    conn: asyncpg.Connection, *, account_id: int, kiosk_id: int, aal: int, method: str
) -> StartedKioskSession:
    """A session bound to this kiosk: its token is for the kiosk's cookie, no refresh token."""
    session_id = uuid.uuid4()
    token = new_token(SESSION_TOKEN_PREFIX)
    now = datetime.now(UTC)
    await conn.execute(
        """
        INSERT INTO sessions (id, account_id, aal, method, channel, device, kiosk_id,
                              created_at, authenticated_at, last_seen_at, expires_at,
                              access_token_hash, access_expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8, $9, $10, $11)
        """,
        session_id,
        account_id,
        aal,
        method,
        CHANNEL,
        f"kiosk:{kiosk_id}",
        kiosk_id,
        now,
        now + LONGEST,
        token_hash(token),
        now + IDLE,
    )
    return StartedKioskSession(id=session_id, token=token)


async def sign_in_with_card(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: AuthSettings,
    *,
    kiosk: KioskDevice,
    card_token: str,
    pin: str,
    address: str | None,
) -> StartedKioskSession:
    """Card + PIN at `kiosk` (whose signature the channel verified): a session bound to it."""
    card = await live_card_at_kiosk(conn, kiosk, card_token.strip(), address=address)
    await refuse_when_over(redis, settings, str(kiosk.id), KIOSK_WRONG_PINS)
    account = await get_account_by_person(conn, card.person_id)
    if account is None:
        raise Problem(NO_PIN)
    try:
        await check_pin(
            conn,
            settings,
            account.id,
            pin,
            CardPin(card.id),
            channel=CHANNEL,
            # The card, shown at a kiosk we enrolled: something the person has.
            possession_proven=True,
            address=address,
        )
    except Problem as problem:
        if is_wrong_pin(problem):
            await count_failure(redis, settings, str(kiosk.id), KIOSK_WRONG_PINS)
        if problem.kind == CREDENTIAL_LOCKED:
            raise Problem(CARD_LOCKED, commit_first=problem.commit_first) from None
        raise
    started = await open_kiosk_session(
        conn, account_id=account.id, kiosk_id=kiosk.id, aal=2, method=METHOD
    )
    session_id = started.id
    await record_sign_in_success(
        conn, account.id, method=METHOD, channel=CHANNEL, session_id=session_id, address=address
    )
    await record_audit(
        conn,
        actor=f"account:{account.id}",
        action="auth.card.signed_in",
        subject=f"person:{card.person_id}",
        office=kiosk.office_code,
        channel=CHANNEL,
        details=with_address(
            {"card": card.id, "kiosk": kiosk.id, "session": str(session_id)}, address=address
        ),
    )
    return started


async def kiosk_session(conn: asyncpg.Connection, token: str, kiosk: KioskDevice) -> KioskSession:
    """The live session of this cookie at this kiosk, kept alive by this request; refused
    (unchanged) when it was opened at another kiosk."""
    row = await conn.fetchrow(
        """
        SELECT s.id, s.account_id, a.person_id, s.kiosk_id, s.aal, s.method, s.created_at,
               s.authenticated_at, s.expires_at, p.preferred_language
        FROM sessions s
        JOIN accounts a ON a.id = s.account_id
        JOIN people p ON p.id = a.person_id
        JOIN kiosks k ON k.id = s.kiosk_id
        WHERE s.access_token_hash = $1 AND s.access_expires_at > now()
          AND s.revoked_at IS NULL AND s.expires_at > now() AND k.retired_at IS NULL
          AND a.hard_locked_at IS NULL AND p.deceased_on IS NULL
        """,
        token_hash(token),
    )
    if row is None:
        raise Problem(KIOSK_SIGN_IN_REQUIRED)
    session = KioskSession(**dict(row))
    if session.kiosk_id != kiosk.id:
        await record_audit(
            conn,
            actor=f"account:{session.account_id}",
            action="kiosk.session_refused",
            subject=f"person:{session.person_id}",
            office=kiosk.office_code,
            channel=CHANNEL,
            details={"session": str(session.id), "kiosk": kiosk.id, "opened_at": session.kiosk_id},
        )
        raise Problem(KIOSK_SESSION_ELSEWHERE, commit_first=True)
    await conn.execute(
        "UPDATE sessions SET last_seen_at = now(), access_expires_at = least(now() + $2, "
        "expires_at) WHERE id = $1",
        session.id,
        IDLE,
    )
    return session


async def end_kiosk_session(conn: asyncpg.Connection, session: KioskSession) -> None:
    """The person signs out at the kiosk: the session ends on the server."""
    await conn.execute(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = 'signed_out' "
        "WHERE id = $1 AND revoked_at IS NULL",
        session.id,
    )
    await record_audit(
        conn,
        actor=f"account:{session.account_id}",
        action="auth.session.signed_out",
        subject=f"person:{session.person_id}",
        channel=CHANNEL,
        details={"session": str(session.id), "kiosk": session.kiosk_id},
    )
