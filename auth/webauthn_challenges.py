"""WebAuthn challenges, in both realms: single-use, in Redis, each bound to its purpose.

A challenge lives 5 minutes and is consumed with GETDEL, so a replayed answer finds
nothing. Its purpose is stored with it: a challenge issued for a citizen's sign-in
cannot be answered to sign in to the staff console, nor the other way.
"""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec
from redis.asyncio import Redis

CHALLENGE_LIFETIME_S = 5 * 60
CHALLENGE_PREFIX = "webauthn:"

Purpose = Literal["registration", "authentication", "staff-registration", "staff-authentication"]


class StoredChallenge(msgspec.Struct, frozen=True, kw_only=True):
    purpose: Purpose
    challenge: bytes
    # Who a registration challenge was issued to: an account or a staff member.
    account_id: int | None = None
    staff_id: int | None = None


async def issue_challenge(
    redis: Redis,
    *,
    purpose: Purpose,
    challenge: bytes,
    account_id: int | None = None,
    staff_id: int | None = None,
) -> uuid.UUID:
    challenge_id = uuid.uuid4()
    stored = StoredChallenge(
        purpose=purpose, challenge=challenge, account_id=account_id, staff_id=staff_id
    )
    await redis.set(
        CHALLENGE_PREFIX + str(challenge_id), msgspec.json.encode(stored), ex=CHALLENGE_LIFETIME_S
    )
    return challenge_id


async def take_challenge(redis: Redis, challenge_id: uuid.UUID) -> StoredChallenge | None:
    """The challenge, removed as it is read: a second answer to it finds nothing."""
    raw = await redis.getdel(CHALLENGE_PREFIX + str(challenge_id))
    if raw is None:
        return None
    return msgspec.json.decode(raw, type=StoredChallenge)
