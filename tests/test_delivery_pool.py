"""The first `make run` deadlocked: ten delivery jobs each held a pooled connection and
waited for a second one from a pool of ten. With the real worker settings, a burst of
ten delivery jobs at once now finishes, sends each message once, and a second
connection asked for under a held one is refused outright instead of waited for."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from arq.connections import ArqRedis
from arq.worker import Worker

from foundation.db import NestedAcquire, create_pool
from foundation.jobs import enqueue
from foundation.settings import Settings, load_settings
from server.worker import worker_settings
from tests.support.environment import environment_for_tests
from tests.support.factories import make_person
from tests.support.fakes.twilio import FakeTwilio, running_twilio, twilio_environment

JOBS = 10
PER_JOB = 30


@pytest.fixture(scope="module")
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with running_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Settings:
    data = tmp_path_factory.mktemp("data") / "hanchang"
    return load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            data,
            **twilio_environment(twilio, 5),
            # A hang would fail here in seconds, not after arq's 300 s.
            HANCHANG_DB_ACQUIRE_TIMEOUT_SECONDS="5",
            HANCHANG_TWILIO_BULK_PER_SECOND="1000",
        )
    )


async def _notices(conn: asyncpg.Connection, settings: Settings, count: int) -> list[int]:
    """Due notices for `count` people with mobile numbers (and no app: they go by SMS)."""
    ids = []
    for n in range(count):
        person = await make_person(conn, settings, phone_e164=f"+82105{n:06d}")
        ids.append(
            await conn.fetchval(
                "INSERT INTO notices (person_id, kind, programme_id, period_key, locale, state) "
                "VALUES ($1, 'benefit', 'unemployment-benefit', 'pool-test', 'ko', 'sending') "
                "RETURNING id",
                person.id,
            )
        )
    return ids


async def test_ten_delivery_jobs_at_once_finish_on_the_workers_own_pool(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    notices = await _notices(owner_conn, settings, JOBS * PER_JOB)
    queue = ArqRedis.from_url(settings.redis.url)
    try:
        for start in range(0, len(notices), PER_JOB):
            await enqueue(queue, "deliver_notices", notices[start : start + PER_JOB])
    finally:
        await queue.aclose()
    real = worker_settings(settings)
    assert real["max_jobs"] == JOBS  # the worker runs all ten at once, on a pool of ten
    worker = Worker(
        **{**real, "cron_jobs": [], "burst": True, "handle_signals": False, "poll_delay": 0.05}
    )
    try:
        # A guard against a hang, not a measure of speed.
        async with asyncio.timeout(120):
            await worker.main()
    finally:
        await worker.close()
    assert (worker.jobs_complete, worker.jobs_failed) == (JOBS, 0)
    states = await owner_conn.fetch(
        "SELECT d.state, n.state AS notice, count(*) FROM notice_deliveries d "
        "JOIN notices n ON n.id = d.notice_id WHERE d.notice_id = ANY($1::bigint[]) "
        "GROUP BY 1, 2",
        notices,
    )
    assert [(r["state"], r["notice"], r["count"]) for r in states] == [
        ("sent", "sent", JOBS * PER_JOB)
    ]
    sent_to = [m["To"] for m in twilio.messages]
    assert len(sent_to) == len(set(sent_to)) == JOBS * PER_JOB


async def test_a_second_connection_under_a_held_one_is_refused(settings: Settings) -> None:
    pool = await create_pool(settings.database, min_size=1, max_size=2)
    try:
        async with pool.acquire() as held:
            with pytest.raises(NestedAcquire):
                async with pool.acquire():
                    pass
            # Tasks started while holding inherit the hold: the deadlock of a gather.
            with pytest.raises(NestedAcquire):
                await asyncio.gather(pool.fetchval("SELECT 1"))
            assert await held.fetchval("SELECT 1") == 1
        # Released: one at a time, as many as wanted, side by side too.
        assert await asyncio.gather(*(pool.fetchval("SELECT $1::int", n) for n in range(5))) == [
            0,
            1,
            2,
            3,
            4,
        ]
    finally:
        await pool.close()


async def test_waiting_for_a_connection_is_bounded(settings: Settings) -> None:
    from foundation.db import DatabaseBusy

    pool = await create_pool(settings.database, min_size=1, max_size=1)
    pool.acquire_timeout_s = 0.5
    try:
        hold = asyncio.Event()
        release = asyncio.Event()

        async def holder() -> None:
            async with pool.acquire():
                hold.set()
                await release.wait()

        task = asyncio.create_task(holder())
        await hold.wait()
        # Without a bound this would wait for ever; with it, the caller is told (503).
        with pytest.raises(DatabaseBusy):
            await pool.fetchval("SELECT 1")
        release.set()
        await task
    finally:
        await pool.close()
