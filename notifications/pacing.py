"""Bulk sending at a steady pace per provider, shared by every worker process.

A burst of notices (the morning after a nightly scan) must neither trip a
provider's rate limit nor fill its queue ahead of the sign-in codes that share
the account. Each bulk send takes the next free slot of its provider from
Redis: one round trip, one key per provider, the same pace however many
workers there are. Interactive messages (codes, alerts) never take a slot.
"""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

# The next free slot (ms since the epoch, as Redis's TIME gives it) moves on by one
# interval for each send; a caller sleeps until its slot. A slot more than one second
# in the past is not saved up: an idle provider does not earn a burst.
_TAKE_SLOT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local interval = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_free < now_ms - 1000 then next_free = now_ms - 1000 end
redis.call('SET', KEYS[1], string.format('%.0f', next_free + interval * count),
           'PX', math.ceil(60000 + interval * count))
local wait = next_free - now_ms
if wait < 0 then wait = 0 end
return math.floor(wait)
"""


async def take_slots(redis: Redis, provider: str, per_second: float, count: int = 1) -> None:
    """Wait until `count` more sends to `provider` fit its pace of `per_second`."""
    if count <= 0:
        return
    interval_ms = 1000.0 / per_second
    started = time.monotonic()
    wait_ms = await redis.eval(  # type: ignore[misc]
        _TAKE_SLOT, 1, f"hanchang:pace:{provider}", repr(interval_ms), str(count)
    )
    remaining = float(wait_ms) / 1000 - (time.monotonic() - started)
    if remaining > 0:
        await asyncio.sleep(remaining)
