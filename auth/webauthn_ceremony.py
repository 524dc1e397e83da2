"""What citizens' and staff passkeys share: single-use challenges in Redis, and helpers.

A challenge lives 5 minutes and is consumed with GETDEL, so a replayed answer
finds nothing. Its purpose is stored with it: a challenge issued for a citizen's
sign-in cannot be answered to sign in to the staff console, nor the other way.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from redis.asyncio import Redis
from webauthn import options_to_json
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import AuthenticatorTransport

CHALLENGE_LIFETIME_S = 5 * 60
CHALLENGE_PREFIX = "webauthn:"
TRANSPORTS = {t.value for t in AuthenticatorTransport}
# What a malformed or forged credential can make the library raise.
VERIFY_ERRORS = (WebAuthnException, ValueError, TypeError, KeyError, IndexError)

Purpose = Literal["registration", "authentication", "staff-registration", "staff-authentication"]


class StoredChallenge(msgspec.Struct, frozen=True, kw_only=True):
    purpose: Purpose
    challenge: bytes
    account_id: int | None = None
    staff_id: int | None = None


class CeremonyOptions(msgspec.Struct, frozen=True, kw_only=True):
    """A challenge to answer: send `options` to the platform's WebAuthn API, the answer back."""

    challenge_id: uuid.UUID
    # PublicKeyCredentialCreationOptions or ...RequestOptions as JSON (bytes in base64url).
    options: dict[str, Any]


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


def options_dict(options: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(options_to_json(options))
    return decoded


def decode_b64url(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        return base64url_to_bytes(text)
    except ValueError:
        return None
