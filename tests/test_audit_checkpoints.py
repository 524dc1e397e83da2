"""The audit log's head is anchored outside the database: removed newest rows show.

The worker's minute job signs the newest row's id, hash and the row count into Redis
and a file in the data folder; `hanchang audit verify` checks the log against them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
import pytest
from redis.asyncio import Redis

from foundation.audit_checkpoints import REDIS_KEY, AuditCheckpoint, find_checkpoints
from foundation.settings import Settings
from server.worker import CRON_JOBS, checkpoint_audit_log
from tests.support.audit_log import delete_as_owner, verify_cli, write_audit_rows


@pytest.fixture
async def job_context(settings: Settings, db_pool: asyncpg.Pool) -> AsyncIterator[dict[str, Any]]:
    redis = Redis.from_url(settings.redis.url)
    try:
        yield {"settings": settings, "pool": db_pool, "redis": redis}
    finally:
        await redis.aclose()


def test_the_worker_checkpoints_every_minute() -> None:
    (job,) = [job for job in CRON_JOBS if job.name == "cron:checkpoint_audit_log"]
    assert job.second == {25}
    assert job.minute is None and job.hour is None


async def test_deleting_the_newest_rows_is_detected(
    owner_conn: asyncpg.Connection, settings: Settings, job_context: dict[str, Any]
) -> None:
    ids = await write_audit_rows(owner_conn, 6)
    result = await checkpoint_audit_log(job_context)
    assert result["last_id"] == ids[-1]
    assert result["problems"] == 0

    # The checkpoint is in the file and in Redis, signed, naming the newest row.
    found = await find_checkpoints(
        job_context["redis"], settings.audit.checkpoint_file, settings.audit.checkpoint_key
    )
    assert not found.forged
    assert [place for place, _ in found.good] == [str(settings.audit.checkpoint_file), "redis"]
    assert {checkpoint.last_id for _, checkpoint in found.good} == {ids[-1]}

    untouched = verify_cli(settings)
    assert untouched.returncode == 0, untouched.stderr
    assert "audit log intact" in untouched.stdout
    assert f"newest checkpoint holds: row {ids[-1]}" in untouched.stdout

    # The hash chain alone would not notice: what is left is still a whole chain.
    await delete_as_owner(owner_conn, ids[-3:])
    tampered = verify_cli(settings)
    assert tampered.returncode == 1
    assert "TAMPERED" in tampered.stderr
    assert "0 break(s)" in tampered.stderr
    assert f"row {ids[-1]}, the newest at the checkpoint of" in tampered.stderr
    assert f"3 of the {result['rows']} rows up to row {ids[-1]}" in tampered.stderr

    # The next minute's job shouts too, before it writes a checkpoint of the shorter log.
    again = await checkpoint_audit_log(job_context)
    assert again["problems"] >= 2
    # Its checkpoint of the shorter log does not replace Redis's, which shows the loss.
    assert verify_cli(settings).returncode == 1


async def test_emptying_the_log_is_detected(
    owner_conn: asyncpg.Connection, settings: Settings, job_context: dict[str, Any]
) -> None:
    await write_audit_rows(owner_conn, 2)
    await checkpoint_audit_log(job_context)
    assert verify_cli(settings).returncode == 0
    await owner_conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate")
    try:
        await owner_conn.execute("TRUNCATE audit_log")
    finally:
        await owner_conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_truncate")
    tampered = verify_cli(settings)
    assert tampered.returncode == 1
    assert "is missing" in tampered.stderr


async def test_a_forged_checkpoint_is_reported(
    owner_conn: asyncpg.Connection, settings: Settings, job_context: dict[str, Any]
) -> None:
    ids = await write_audit_rows(owner_conn, 2)
    await checkpoint_audit_log(job_context)
    assert verify_cli(settings).returncode == 0

    # Someone writes a checkpoint that agrees with a shorter log, without the key.
    forged = AuditCheckpoint(
        last_id=ids[0], row_hash="00" * 32, rows=1, taken_at=datetime.now(UTC), signature="ab" * 32
    )
    line = msgspec.json.encode(forged)
    with settings.audit.checkpoint_file.open("ab") as file:
        file.write(line + b"\n")
    await job_context["redis"].set(REDIS_KEY, line)

    tampered = verify_cli(settings)
    assert tampered.returncode == 1
    assert "forged checkpoint" in tampered.stderr
    assert "line 1 from the end is not a checkpoint we signed" in tampered.stderr
    assert "redis" in tampered.stderr
