"""The audit log's head, anchored in Redis as soon as its rows commit.

The minute checkpoint (foundation/audit_checkpoints.py) leaves up to a minute of rows
unanchored: someone who deletes the newest rows before the next checkpoint leaves a log
that agrees with every checkpoint. So the bulk worker also listens for PostgreSQL's word
that audit rows were committed (migration 0033: a trigger NOTIFYs `hanchang_audit`; a
NOTIFY reaches listeners only when its transaction commits, never for one rolled back)
and signs the new head into Redis's checkpoint within a fraction of a second. The file
keeps its one line a minute.

Writers append one at a time in commit order (foundation/audit.py's advisory lock), so
the row count is kept by adding the rows since the last head, not by counting the log
again for each row.

PostgreSQL or Redis away: the anchor says so once, tries again with backoff, and anchors
the head as it finds it when both are back. Only the bulk worker runs it (`hanchang
worker`; `worker_settings(anchor_audit=True)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import asyncpg
from redis.asyncio import Redis

from foundation.audit_checkpoints import (
    AuditCheckpoint,
    put_newest,
    read_chain_head,
    sign_checkpoint,
)
from foundation.db import connect_alone
from foundation.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "hanchang_audit"
# Commits this close together make one checkpoint.
SETTLE_S = 0.2
# A quiet connection is asked whether it is still there this often.
QUIET_CHECK_S = 15.0
RETRY_S = (1.0, 2.0, 5.0, 10.0, 30.0)


class AuditAnchor:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._task: asyncio.Task[None] | None = None
        self._head: AuditCheckpoint | None = None
        self._failures = 0

    async def start(self, redis: Redis) -> None:
        self._task = asyncio.create_task(self._run(redis))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, redis: Redis) -> None:
        while True:
            try:
                await self._listen(redis)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # PostgreSQL or Redis away, or a connection lost
                if self._failures == 0:
                    log.warning("audit anchor paused, trying again: %r", error)
                self._failures += 1
                await asyncio.sleep(RETRY_S[min(self._failures, len(RETRY_S)) - 1])

    async def _listen(self, redis: Redis) -> None:
        committed = asyncio.Event()
        lost = asyncio.Event()

        def closed(_conn: object) -> None:
            lost.set()
            committed.set()

        conn = await connect_alone(self._settings.database, "hanchang-audit-anchor")
        try:
            conn.add_termination_listener(closed)
            await conn.add_listener(CHANNEL, lambda *_: committed.set())
            if self._failures:
                log.info("audit anchor listening again")
                self._failures = 0
            # Rows may have committed while nobody listened: anchor the head as it is now.
            self._head = None
            committed.set()
            while True:
                try:
                    await asyncio.wait_for(committed.wait(), QUIET_CHECK_S)
                except TimeoutError:
                    await conn.fetchval("SELECT 1")  # a frozen server: the command timeout
                    continue
                if lost.is_set():
                    raise ConnectionError("the listening connection was closed")
                committed.clear()
                await self._anchor(conn, redis)
                await asyncio.sleep(SETTLE_S)
        finally:
            conn.terminate()

    async def _anchor(self, conn: asyncpg.Connection, redis: Redis) -> None:
        key = self._settings.audit.checkpoint_key
        head = await self._next_head(conn, key)
        if head is None:
            return
        async with asyncio.timeout(self._settings.redis.timeout_s):
            await put_newest(redis, head, key)
        self._head = head

    async def _next_head(self, conn: asyncpg.Connection, key: bytes) -> AuditCheckpoint | None:
        previous = self._head
        if previous is None:
            return await read_chain_head(conn, key)
        row = await conn.fetchrow(
            """
            SELECT head.id, head.row_hash,
                   (SELECT count(*) FROM audit_log a WHERE a.id > $1 AND a.id <= head.id)
                       AS added
            FROM (SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1) AS head
            """,
            previous.last_id,
        )
        if row is None or row["id"] <= previous.last_id:
            # Nothing newer (or fewer rows: the minute job reports what went missing).
            return None
        checkpoint = AuditCheckpoint(
            last_id=row["id"],
            row_hash=bytes(row["row_hash"]).hex(),
            rows=previous.rows + row["added"],
            taken_at=datetime.now(UTC),
        )
        return sign_checkpoint(checkpoint, key)
