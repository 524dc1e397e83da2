"""The status page's last snapshot: in memory, in Redis, and in a file under the data dir.

A snapshot younger than a minute is served as it is (from this process, or
from Redis when another process made it). Otherwise it is computed afresh
from PostgreSQL and kept in all three places. When PostgreSQL cannot be read,
the newest snapshot any of the three still has is served, marked stale, so
the page stays up and says how old its figures are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import asyncpg
import msgspec
from redis.asyncio import Redis

from foundation.db import DatabaseBusy, DatabaseUnreachable
from service_status.figures import SNAPSHOT_VERSION, StatusSnapshot, compute_snapshot

log = logging.getLogger(__name__)

REDIS_KEY = "status:snapshot"
# Kept this long in Redis after the last refresh: long enough to outlast an outage.
REDIS_TTL_S = 30 * 24 * 3600
FRESH_FOR = timedelta(seconds=60)
COMPUTE_TIMEOUT_S = 10.0
# After PostgreSQL failed us, serve the kept snapshot this long before trying again.
RETRY_AFTER = timedelta(seconds=15)
REDIS_TIMEOUT_S = 2.0


class ServedSnapshot(msgspec.Struct, frozen=True):
    snapshot: StatusSnapshot
    # True when PostgreSQL could not be read and this is an older snapshot.
    stale: bool


def _decode(raw: bytes | None) -> StatusSnapshot | None:
    if not raw:
        return None
    try:
        snapshot = msgspec.json.decode(raw, type=StatusSnapshot)
    except msgspec.DecodeError:
        # A snapshot from another version of the code: better none than a wrong one.
        return None
    return snapshot if snapshot.version == SNAPSHOT_VERSION else None


class SnapshotStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._memory: StatusSnapshot | None = None
        self._lock = asyncio.Lock()
        self._retry_at: datetime | None = None

    async def current(
        self, pool: asyncpg.Pool, redis: Redis, now: datetime | None = None
    ) -> ServedSnapshot | None:
        """The snapshot to serve, or None when there is none anywhere and no database."""
        now = now or datetime.now(UTC)
        if self._memory and now - self._memory.generated_at < FRESH_FOR:
            return ServedSnapshot(self._memory, stale=False)
        async with self._lock:
            if self._memory and now - self._memory.generated_at < FRESH_FOR:
                return ServedSnapshot(self._memory, stale=False)
            # Only fresh figures are kept in memory: a stale one is looked for again each time.
            shared = await self._from_redis(redis)
            if shared and now - shared.generated_at < FRESH_FOR:
                self._memory = shared
                return ServedSnapshot(shared, stale=False)
            if self._retry_at is None or now >= self._retry_at:
                try:
                    async with asyncio.timeout(COMPUTE_TIMEOUT_S), pool.acquire() as conn:
                        fresh = await compute_snapshot(cast(asyncpg.Connection, conn), now)
                except (
                    TimeoutError,
                    OSError,
                    asyncpg.PostgresError,
                    asyncpg.InterfaceError,
                    DatabaseUnreachable,
                    DatabaseBusy,
                ):
                    log.warning("status figures could not be read; serving the last snapshot")
                    self._retry_at = now + RETRY_AFTER
                else:
                    self._retry_at = None
                    self._memory = fresh
                    await self._keep(redis, fresh)
                    return ServedSnapshot(fresh, stale=False)
            kept = [s for s in (self._memory, shared, await self._from_file()) if s]
            if not kept:
                return None
            newest = max(kept, key=lambda s: s.generated_at)
            return ServedSnapshot(newest, stale=True)

    async def _from_redis(self, redis: Redis) -> StatusSnapshot | None:
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_S):
                raw = await redis.get(REDIS_KEY)
        except Exception:
            log.warning("status snapshot: Redis cannot be read", exc_info=True)
            return None
        return _decode(raw)

    async def _from_file(self) -> StatusSnapshot | None:
        try:
            raw = await asyncio.to_thread(self.path.read_bytes)
        except OSError:
            return None
        return _decode(raw)

    async def _keep(self, redis: Redis, snapshot: StatusSnapshot) -> None:
        encoded = msgspec.json.encode(snapshot)
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_S):
                await redis.set(REDIS_KEY, encoded, ex=REDIS_TTL_S)
        except Exception:
            log.warning("status snapshot: Redis cannot be written", exc_info=True)
        try:
            await asyncio.to_thread(_write_atomically, self.path, encoded)
        except OSError:
            log.warning("status snapshot: %s cannot be written", self.path, exc_info=True)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a whole file or nothing: readers never see half a snapshot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def snapshot_path(data_dir: Path) -> Path:
    return data_dir / "status" / "snapshot.json"
