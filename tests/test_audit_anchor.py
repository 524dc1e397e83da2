"""The audit log's head is anchored in Redis as each commit's rows land
(server/audit_anchor.py): rows removed seconds after they were written show, with no
minute checkpoint in between."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import msgspec
import pytest
from redis.asyncio import Redis

from foundation.audit_checkpoints import REDIS_KEY, AuditCheckpoint
from foundation.settings import Settings
from server.audit_anchor import AuditAnchor
from tests.support.audit_log import delete_as_owner, verify_cli, write_audit_rows


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis.url)
    try:
        yield client
    finally:
        await client.aclose()


async def _anchored_head(redis: Redis, last_id: int) -> AuditCheckpoint:
    """Redis's checkpoint once it names `last_id` (the anchor is a task: wait for it)."""
    seen = None
    for _ in range(200):
        raw = await redis.get(REDIS_KEY)
        if raw is not None:
            seen = msgspec.json.decode(raw, type=AuditCheckpoint)
            if seen.last_id == last_id:
                return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"Redis's checkpoint never named row {last_id}; last seen {seen}")


@pytest.fixture
async def anchor(settings: Settings, redis: Redis) -> AsyncIterator[AuditAnchor]:
    running = AuditAnchor(settings)
    await running.start(redis)
    try:
        yield running
    finally:
        await running.stop()


async def test_rows_deleted_seconds_after_they_commit_are_detected(
    owner_conn: asyncpg.Connection,
    settings: Settings,
    redis: Redis,
    anchor: AuditAnchor,
) -> None:
    # No minute checkpoint has run: the anchor alone names each commit's newest row.
    first = await write_audit_rows(owner_conn, 3)
    await _anchored_head(redis, first[-1])
    ids = await write_audit_rows(owner_conn, 4)
    head = await _anchored_head(redis, ids[-1])
    assert head.rows == await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE id <= $1", ids[-1]
    )
    assert not settings.audit.checkpoint_file.exists()
    assert verify_cli(settings).returncode == 0

    await delete_as_owner(owner_conn, ids[-2:])
    tampered = verify_cli(settings)
    assert tampered.returncode == 1
    assert "TAMPERED" in tampered.stderr
    assert f"row {ids[-1]}, the newest at the checkpoint of" in tampered.stderr
    assert f"2 of the {head.rows} rows up to row {ids[-1]}" in tampered.stderr


async def test_the_anchor_listens_again_after_its_connection_is_cut(
    owner_conn: asyncpg.Connection,
    settings: Settings,
    redis: Redis,
    anchor: AuditAnchor,
) -> None:
    ids = await write_audit_rows(owner_conn, 1)
    await _anchored_head(redis, ids[-1])
    cut = await owner_conn.fetchval(
        """
        SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'hanchang-audit-anchor'
        """
    )
    assert cut == 1
    # Rows committed while nobody listens are anchored when it is back (within its backoff).
    ids = await write_audit_rows(owner_conn, 2)
    head = await _anchored_head(redis, ids[-1])
    assert head.rows == await owner_conn.fetchval("SELECT count(*) FROM audit_log")
