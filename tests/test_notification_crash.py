"""A worker killed in the middle of its sends: its restart takes the job back at once
(not after arq's in-progress timeout), sends what was never sent, asks Twilio about
what was in flight, and nobody gets a message twice or none."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from foundation.korea import KOREA
from foundation.settings import Settings, load_settings
from tests.support.environment import environment_for_tests
from tests.support.factories import run_jobs
from tests.support.fakes.twilio import FakeTwilio, running_twilio, twilio_environment
from tests.support.notice_delivery import Clock, enqueue, korea, laid_off, notices_of

ROOT = Path(__file__).resolve().parent.parent
# The supervisor restarts a worker under the same id (server/job_registry.py).
WORKER_ID = "crash-test-worker"


@pytest.fixture(scope="module")
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with running_twilio(slow_seconds=4.0) as fake:
        yield fake


@pytest.fixture(scope="module")
def environment(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> dict[str, str]:
    data = tmp_path_factory.mktemp("data") / "hanchang"
    return environment_for_tests(
        database_url,
        redis_url,
        data,
        **twilio_environment(twilio, 2),
        HANCHANG_AMBIGUOUS_GRACE_SECONDS="0",
        HANCHANG_WORKER_ID=WORKER_ID,
        HANCHANG_TWILIO_BULK_PER_SECOND="1000",
    )


@pytest.fixture(scope="module")
def settings(environment: dict[str, str]) -> Settings:
    return load_settings(environment)


async def test_a_killed_worker_is_taken_back_at_once_without_a_duplicate_or_a_loss(
    owner_conn: asyncpg.Connection,
    settings: Settings,
    environment: dict[str, str],
    twilio: FakeTwilio,
) -> None:
    # 30 people, each with a notice waiting for the morning.
    phones = [f"+82109012{n:04d}" for n in range(30)]
    people = [await laid_off(owner_conn, settings, phone=phone) for phone in phones]
    day = datetime.now(KOREA).date()
    await enqueue(settings, "person_facts_changed", people)
    await run_jobs(settings, clock=Clock(korea(day, 23)))
    notices = [notice["id"] for person in people for notice in await notices_of(owner_conn, person)]
    assert len(notices) == 30

    # A worker takes the batch; Twilio is slow to answer; 20 sends are in flight (the rest
    # wait their turn) when the worker is killed.
    twilio.planned.extend(["slow"] * 20)
    await enqueue(settings, "deliver_notices", notices)
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.crash_worker", cwd=ROOT, env={**os.environ, **environment},
        stderr=asyncio.subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(1200):  # up to a minute for the worker to start, on a busy machine
            if twilio.requests >= 20:
                break
            await asyncio.sleep(0.05)
        assert twilio.requests == 20, "the worker never had 20 sends in flight"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        await worker.wait()
    await asyncio.sleep(twilio.slow_seconds)  # Twilio did take those 20, late

    # The restarted worker (same id) runs the job again at once: arq's in-progress mark
    # would otherwise hold it for the job timeout. The 10 sends that never started go
    # now; the 20 in flight are in doubt until Twilio is asked.
    # No crons here: the resolver's own minute must not settle them before we look.
    rerun = await run_jobs(settings, worker_id=WORKER_ID, cron_jobs=[])
    assert rerun.jobs_complete >= 1  # the delivery job ran again
    states = await owner_conn.fetch(
        "SELECT state, count(*) FROM notice_deliveries WHERE notice_id = ANY($1::bigint[]) "
        "GROUP BY state",
        notices,
    )
    assert {row["state"]: row["count"] for row in states} == {"sent": 10, "ambiguous": 20}
    assert twilio.requests == 30

    await enqueue(settings, "resolve_ambiguous")
    await enqueue(settings, "retry_deliveries")
    await run_jobs(settings, worker_id=WORKER_ID)
    rows = await owner_conn.fetch(
        "SELECT d.state, d.provider_ref, p.phone_e164, n.state AS notice_state "
        "FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id "
        "JOIN people p ON p.id = n.person_id WHERE d.notice_id = ANY($1::bigint[])",
        notices,
    )
    assert {(row["state"], row["notice_state"]) for row in rows} == {("sent", "sent")}
    # Exactly one message per person, and each delivery holds the reference of its own.
    received = {
        message["To"]: message["sid"] for message in twilio.messages if message["To"] in phones
    }
    assert len([m for m in twilio.messages if m["To"] in phones]) == 30
    assert {row["phone_e164"]: row["provider_ref"] for row in rows} == received
