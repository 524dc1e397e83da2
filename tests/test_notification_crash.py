"""A worker killed in the middle of a send: arq runs the job again after its timeout, and
the person is not sent the message twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from server.settings import Settings, load_settings
from tests.conftest import environment_for_tests
from tests.crash_worker import JOB_TIMEOUT_S
from tests.factories import run_jobs
from tests.fakes.twilio import FakeTwilio, running_twilio, twilio_environment
from tests.test_notifications import KOREA, Clock, enqueue, korea, laid_off, notices_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with running_twilio(slow_seconds=4.0) as fake:
        yield fake


@pytest.fixture(scope="module")
def environment(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> dict[str, str]:
    data = tmp_path_factory.mktemp("data") / "hanchang"
    return environment_for_tests(database_url, redis_url, data, **twilio_environment(twilio, 10))


@pytest.fixture(scope="module")
def settings(environment: dict[str, str]) -> Settings:
    return load_settings(environment)


async def test_a_killed_worker_is_rerun_without_a_duplicate(
    owner_conn: asyncpg.Connection,
    settings: Settings,
    environment: dict[str, str],
    twilio: FakeTwilio,
) -> None:
    phone = "+821090123456"
    person_id = await laid_off(owner_conn, settings, phone=phone)
    day = datetime.now(KOREA).date()
    # Found at night: the notice waits for the morning.
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=Clock(korea(day, 23)))
    [notice] = await notices_of(owner_conn, person_id)

    # A worker takes the delivery; Twilio is slow to answer; the worker is killed mid-send.
    twilio.planned.append("slow")
    await enqueue(settings, "deliver_notices", [notice["id"]])
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.crash_worker", cwd=ROOT, env={**os.environ, **environment},
        stderr=asyncio.subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(200):
            if twilio.requests:
                break
            await asyncio.sleep(0.05)
        assert twilio.requests == 1, "the worker never reached Twilio"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        await worker.wait()
    await asyncio.sleep(twilio.slow_seconds)  # Twilio did send it, late
    assert len([m for m in twilio.messages if m["To"] == phone]) == 1

    # arq runs the job again once its timeout has passed: the claim stands, nothing is sent.
    rerun = await run_jobs(settings, job_timeout=JOB_TIMEOUT_S)
    assert rerun.jobs_complete >= 1  # the delivery job ran again
    row = await owner_conn.fetchrow(
        "SELECT state, attempts FROM notice_deliveries WHERE notice_id = $1 AND channel = 'sms'",
        notice["id"],
    )
    assert row is not None and (row["state"], row["attempts"]) == ("sending", 1)
    assert twilio.requests == 1

    # Ten minutes on, the sweep calls it ambiguous: never sent again on that channel.
    later = Clock(datetime.now(KOREA) + timedelta(minutes=11))
    await enqueue(settings, "sweep_deliveries")
    await enqueue(settings, "deliver_notices", [notice["id"]])
    await run_jobs(settings, clock=later)
    state = await owner_conn.fetchval(
        "SELECT state FROM notice_deliveries WHERE notice_id = $1 AND channel = 'sms'",
        notice["id"],
    )
    assert state == "ambiguous"
    assert twilio.requests == 1
    assert len([m for m in twilio.messages if m["To"] == phone]) == 1
    assert (await notices_of(owner_conn, person_id))[0]["state"] == "sent"
