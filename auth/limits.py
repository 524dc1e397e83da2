"""Rate limits in Redis: per phone number, per client address, per kiosk, per call.

Fixed windows with INCR and EXPIRE: cheap, shared by every API process, and
forgiving at window edges, which is fine for abuse limits. A limit hit answers
429 with Retry-After. Limits fail closed: while Redis is unreachable, calls that
need one answer 503 naming Redis, rather than run without a limit.

Two kinds: `hit`, `enforce` and `cooldown` count every call; a `FailureLimit`
counts only failures (`count_failure`) and refuses once they reach it
(`refuse_when_over`), so that the person who gets it right is never slowed. Both
expire, and both are kept per subject whether or not the subject is anyone's, so
that a limit never tells a registered number from an unknown one.

Keys hold no phone number, card or address: `limit:<scope>:<HMAC-SHA256 under a
key derived from the data key>` (`AuthSettings.limit_key`). A plain SHA-256 of a
Korean mobile number is undone by hashing all 10^8 of them. A new data key starts
every window afresh, which is harmless for limits this short.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from foundation.problems import SERVICE_UNAVAILABLE, TOO_MANY_REQUESTS, Problem
from foundation.settings import AuthSettings

PREFIX = "limit:"


class FailureLimit(msgspec.Struct, frozen=True):
    """At most `limit` failures per subject in `window_s` seconds."""

    scope: str
    limit: int
    window_s: int


@asynccontextmanager
async def _redis_needed() -> AsyncIterator[None]:
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OSError):
        raise Problem(
            SERVICE_UNAVAILABLE,
            down="Redis",
            extra={"down": ["redis"]},
            headers={"Retry-After": "30"},
        ) from None


def limit_key(settings: AuthSettings, scope: str, subject: str) -> str:
    """The Redis key of `subject`'s window in `scope` (a keyed hash: no number in it)."""
    message = f"{scope}\x00{subject}".encode()
    digest = hmac.new(settings.limit_key, message, hashlib.sha256).hexdigest()[:32]
    return f"{PREFIX}{scope}:{digest}"


async def hit(
    redis: Redis,
    settings: AuthSettings,
    scope: str,
    subject: str,
    *,
    limit: int,
    window_s: int,
) -> int | None:
    """Count one event; returns seconds to wait when over `limit` in the window, else None."""
    key = limit_key(settings, scope, subject)
    async with _redis_needed(), redis.pipeline(transaction=True) as pipe:
        # SET NX EX starts the window with its expiry (EXPIRE NX needs Redis 7).
        pipe.set(key, 0, ex=window_s, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = await pipe.execute()
    if int(count) > limit:
        return max(int(ttl), 1)
    return None


async def enforce(
    redis: Redis,
    settings: AuthSettings,
    scope: str,
    subject: str,
    *,
    limit: int,
    window_s: int,
) -> None:
    wait = await hit(redis, settings, scope, subject, limit=limit, window_s=window_s)
    if wait is not None:
        raise Problem(TOO_MANY_REQUESTS, headers={"Retry-After": str(wait)})


async def limit_sign_in_address(
    redis: Redis, settings: AuthSettings, scope: str, address: str
) -> None:
    """Anonymous sign-in calls from one client address: at most the configured number a
    minute for `scope` (429 `too-many-requests` beyond), whichever channel they come to."""
    await enforce(
        redis, settings, scope, address, limit=settings.sign_in_per_address_per_minute, window_s=60
    )


async def cooldown(
    redis: Redis, settings: AuthSettings, scope: str, subject: str, *, seconds: int
) -> int | None:
    """Allow once per `seconds`; returns the seconds left when still cooling down."""
    key = limit_key(settings, scope, subject)
    async with _redis_needed():
        if await redis.set(key, b"1", ex=seconds, nx=True):
            return None
        ttl = await redis.ttl(key)
    return max(int(ttl), 1)


async def failures_wait(
    redis: Redis, settings: AuthSettings, subject: str, *limits: FailureLimit
) -> int | None:
    """Seconds until `subject` may try again when any of `limits` is used up, else None."""
    keys = [limit_key(settings, limit.scope, subject) for limit in limits]
    async with _redis_needed(), redis.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.get(key)
            pipe.ttl(key)
        found = await pipe.execute()
    waits = [
        max(int(ttl), 1)
        for limit, count, ttl in zip(limits, found[0::2], found[1::2], strict=True)
        if count is not None and int(count) >= limit.limit
    ]
    return max(waits) if waits else None


async def refuse_when_over(
    redis: Redis, settings: AuthSettings, subject: str, *limits: FailureLimit
) -> None:
    """429 with Retry-After while any of `limits` is used up for `subject`."""
    wait = await failures_wait(redis, settings, subject, *limits)
    if wait is not None:
        raise Problem(TOO_MANY_REQUESTS, headers={"Retry-After": str(wait)})


async def count_failure(
    redis: Redis, settings: AuthSettings, subject: str, *limits: FailureLimit
) -> None:
    """One more failure for `subject` in each of `limits` (each window starts at its first)."""
    async with _redis_needed(), redis.pipeline(transaction=True) as pipe:
        for limit in limits:
            key = limit_key(settings, limit.scope, subject)
            pipe.set(key, 0, ex=limit.window_s, nx=True)
            pipe.incr(key)
        await pipe.execute()
