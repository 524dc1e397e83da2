"""Unlocking the app's PIN with an SMS recovery code, at most 3 times in 24 hours.

After every 5th wrong PIN in the app its PIN is locked (auth/pin.py). A sign-in with an
SMS code of purpose `recovery`, sent to the phone of record, lifts that lock: the person
holds the phone. It resets no count (only a right PIN does), and it gives back 5
guesses, so someone holding the phone could otherwise grind the PIN one code at a time
(5 codes an hour). Like a card's SMS unlocks (auth/card_unlock.py), at most
`UNLOCKS_PER_DAY` in 24 hours; then the PIN stays locked until a counter unlocks it or
the oldest unlock leaves the window. That cap is this path's own: the card, its SMS
unlock and the phone line keep their own.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from foundation.audit import record_audit
from foundation.problems import Problem, problem_kind
from i18n import N_

UNLOCKS_PER_DAY = 3
UNLOCK_WINDOW = timedelta(hours=24)

APP_PIN_UNLOCK_LIMIT = problem_kind(
    "app-pin-unlock-limit",
    423,
    N_("Your PIN stays locked for now"),
    N_(
        "The PIN was unlocked with a text message code {limit} times in the last 24 hours, so "
        "to protect you it stays locked. Sign in with your passkey, or bring your ID card to a "
        "job centre counter and we will unlock it."
    ),
)


async def unlock_window_ends(conn: asyncpg.Connection, account_id: int) -> datetime | None:
    """When a recovery code may unlock the app's PIN again; None while under the cap."""
    # The cap-th latest unlock in the window: once it leaves the window, one is free again.
    oldest_counted: datetime | None = await conn.fetchval(
        """
        SELECT consumed_at FROM sms_challenges
        WHERE account_id = $1 AND unlocked_app_pin AND consumed_at > now() - $2::interval
        ORDER BY consumed_at DESC OFFSET $3 LIMIT 1
        """,
        account_id,
        UNLOCK_WINDOW,
        UNLOCKS_PER_DAY - 1,
    )
    return oldest_counted + UNLOCK_WINDOW if oldest_counted is not None else None


def unlock_limit_problem(ends: datetime, *, commit_first: bool = False) -> Problem:
    wait = max(math.ceil((ends - datetime.now(UTC)).total_seconds()), 1)
    return Problem(
        APP_PIN_UNLOCK_LIMIT,
        limit=UNLOCKS_PER_DAY,
        headers={"Retry-After": str(wait)},
        commit_first=commit_first,
    )


async def unlock_app_pin_with_code(
    conn: asyncpg.Connection, account_id: int, challenge_id: uuid.UUID, *, channel: str
) -> None:
    """A recovery code was just verified (its challenge consumed): lift the app's PIN lock,
    if it is locked and the day's unlocks are not used up. The sign-in goes on either way."""
    locked = await conn.fetchval(
        "SELECT app_pin_locked_at IS NOT NULL FROM accounts WHERE id = $1 FOR UPDATE", account_id
    )
    if not locked:
        return
    subject = f"account:{account_id}"
    if await unlock_window_ends(conn, account_id) is not None:
        await record_audit(
            conn,
            actor=subject,
            action="auth.pin.unlock_refused",
            subject=subject,
            channel=channel,
            reason="daily_limit",
            details={"credential": "app", "method": "sms", "challenge": str(challenge_id)},
        )
        return
    await conn.execute("UPDATE accounts SET app_pin_locked_at = NULL WHERE id = $1", account_id)
    await conn.execute(
        "UPDATE sms_challenges SET unlocked_app_pin = true WHERE id = $1", challenge_id
    )
    await record_audit(
        conn,
        actor=subject,
        action="auth.pin.unlocked",
        subject=subject,
        channel=channel,
        details={"credential": "app", "method": "sms", "challenge": str(challenge_id)},
    )
