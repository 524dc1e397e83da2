"""Rate limits in Redis: per phone number, per account, per client address.

Fixed windows with INCR and EXPIRE: cheap, shared by every API process, and
forgiving at window edges, which is fine for abuse limits. A limit hit answers
429 with Retry-After. Limits fail closed: while Redis is unreachable, calls that
need one answer 503 naming Redis, rather than run without a limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.problems import SERVICE_UNAVAILABLE, TOO_MANY_REQUESTS, Problem

PREFIX = "limit:"


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


def _key(scope: str, subject: str) -> str:
    # Phone numbers and addresses are personal data: keep only a digest in Redis.
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"{PREFIX}{scope}:{digest}"


async def hit(redis: Redis, scope: str, subject: str, *, limit: int, window_s: int) -> int | None:
    """Count one event; returns seconds to wait when over `limit` in the window, else None."""
    key = _key(scope, subject)
    async with _redis_needed(), redis.pipeline(transaction=True) as pipe:
        # SET NX EX starts the window with its expiry (EXPIRE NX needs Redis 7).
        pipe.set(key, 0, ex=window_s, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = await pipe.execute()
    if int(count) > limit:
        return max(int(ttl), 1)
    return None


async def enforce(redis: Redis, scope: str, subject: str, *, limit: int, window_s: int) -> None:
    wait = await hit(redis, scope, subject, limit=limit, window_s=window_s)
    if wait is not None:
        raise Problem(TOO_MANY_REQUESTS, headers={"Retry-After": str(wait)})


async def cooldown(redis: Redis, scope: str, subject: str, *, seconds: int) -> int | None:
    """Allow once per `seconds`; returns the seconds left when still cooling down."""
    key = _key(scope, subject)
    async with _redis_needed():
        if await redis.set(key, b"1", ex=seconds, nx=True):
            return None
        ttl = await redis.ttl(key)
    return max(int(ttl), 1)
