"""Which worker runs which job (server/job_registry.py), against a real Redis: a job that
arq marked in progress but that no worker noted (its worker was killed between the two)
is taken back at the second beat that finds it so; a job a live worker noted is left."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix

from server.job_registry import JobRegistry

QUEUE = "arq:queue:registry-test"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    await pool.delete(QUEUE, f"hanchang:jobs:{QUEUE}")
    try:
        yield pool
    finally:
        await pool.delete(QUEUE, f"hanchang:jobs:{QUEUE}")
        await pool.aclose()


async def marked(redis: ArqRedis, job_id: str) -> bool:
    return bool(await redis.exists(in_progress_key_prefix + job_id))


async def test_a_job_marked_but_never_noted_is_taken_back_at_the_second_beat(
    redis: ArqRedis,
) -> None:
    # As arq leaves it when its worker dies between marking the job and our note.
    await redis.enqueue_job("deliver_notices", [1], _job_id="lost", _queue_name=QUEUE)
    await redis.set(in_progress_key_prefix + "lost", b"1", px=60_000)
    # One a live worker is running: marked and noted.
    await redis.enqueue_job("deliver_notices", [2], _job_id="running", _queue_name=QUEUE)
    await redis.set(in_progress_key_prefix + "running", b"1", px=60_000)
    alive = JobRegistry(QUEUE, "alive-worker")
    await alive.start(redis)
    await redis.hset(f"hanchang:jobs:{QUEUE}", "running", "alive-worker")  # type: ignore[misc]
    # One queued, not started: no mark.
    await redis.enqueue_job("deliver_notices", [3], _job_id="waiting", _queue_name=QUEUE)

    restarted = JobRegistry(QUEUE, "restarted-worker")
    try:
        await restarted.start(redis)  # the first beat: it may be a job just starting
        assert await marked(redis, "lost")
        assert await restarted.take_back_orphans() == ["lost"]
        assert not await marked(redis, "lost")
        assert await marked(redis, "running")
        assert await restarted.take_back_orphans() == []
        assert await redis.zcard(QUEUE) == 3  # arq runs "lost" again; nothing was dropped
    finally:
        await restarted.stop()
        await alive.stop()
