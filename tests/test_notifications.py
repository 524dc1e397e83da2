"""Proactive notices end to end through arq: told once, on a channel that reaches the
person, in their language, not at night; retries, fallback and a dead worker's claim."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from arq import create_pool
from arq.connections import RedisSettings

from server.settings import Settings, load_settings
from tests.conftest import environment_for_tests
from tests.factories import make_fact, make_person, run_jobs
from tests.fakes.twilio import FakeTwilio, running_twilio, twilio_environment

KOREA = ZoneInfo("Asia/Seoul")
# A "slow" Twilio answers after this; the client gives up after 1 s.
SLOW_S = 2.0


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def korea(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KOREA).astimezone(UTC)


@pytest.fixture(scope="module")
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with running_twilio(slow_seconds=SLOW_S) as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Settings:
    data = tmp_path_factory.mktemp("data") / "hanchang"
    return load_settings(
        environment_for_tests(database_url, redis_url, data, **twilio_environment(twilio, 1))
    )


async def laid_off(
    conn: asyncpg.Connection, settings: Settings, *, phone: str | None, language: str = "ko"
) -> int:
    """A person of 77 laid off 30 days ago after three years, registered as a job seeker
    (old enough that the unemployment benefit is the only programme they can get)."""
    person = await make_person(
        conn, settings, phone_e164=phone, preferred_language=language, birth_date=date(1949, 1, 5)
    )
    left = datetime.now(KOREA).date() - timedelta(days=30)
    await make_fact(
        conn, person_id=person.id, kind="employment_insurance", source_system="ei",
        valid_from=left - timedelta(days=1_100), valid_to=left, employer_id="2208112345",
        separation_code="23", paid_base_days=780,
    )  # fmt: skip
    await make_fact(
        conn, person_id=person.id, kind="job_seeker_registration", source_system="worknet",
        valid_from=left + timedelta(days=2),
    )  # fmt: skip
    return person.id


def printed_letters(settings: Settings, day: date) -> str:
    folder = Path(settings.data_dir).resolve().parent / "var" / "letters"
    return (folder / f"{day.isoformat()}.txt").read_text(encoding="utf-8")


async def enqueue(settings: Settings, job: str, *args: object) -> None:
    queue = await create_pool(RedisSettings.from_dsn(settings.redis.url))
    try:
        await queue.enqueue_job(job, *args)
    finally:
        await queue.aclose()


async def notices_of(conn: asyncpg.Connection, person_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM notices WHERE person_id = $1 AND programme_id = 'unemployment-benefit'",
        person_id,
    )


async def deliveries_of(conn: asyncpg.Connection, notice_id: int) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM notice_deliveries WHERE notice_id = $1", notice_id)
    return {row["channel"]: row for row in rows}


async def test_each_person_is_told_once_on_a_channel_that_reaches_them(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    mobile = await laid_off(owner_conn, settings, phone="+821023456789")
    landline = await laid_off(owner_conn, settings, phone="+82221234567", language="en")
    no_phone = await laid_off(owner_conn, settings, phone=None)
    clock = Clock(korea(datetime.now(KOREA).date(), 10))

    await enqueue(settings, "scan_notices")
    await run_jobs(settings, clock=clock)

    # One message per programme the person can get; one about the unemployment benefit.
    sms = [m for m in twilio.messages if m["To"] == "+821023456789" and "구직급여" in m["Body"]]
    assert len(sms) == 1
    assert "1350" in sms[0]["Body"]
    assert "http" not in sms[0]["Body"] and len(sms[0]["Body"]) <= 134
    calls = [c for c in twilio.calls if c["To"] == "+82221234567" and "Unemployment" in c["Twiml"]]
    assert len(calls) == 1
    assert 'language="en-US"' in calls[0]["Twiml"] and "1 3 5 0" in calls[0]["Twiml"]
    for person_id, channel in ((mobile, "sms"), (landline, "voice"), (no_phone, "letter")):
        [notice] = await notices_of(owner_conn, person_id)
        assert notice["state"] == "sent"
        assert set(await deliveries_of(owner_conn, notice["id"])) == {channel}

    # The letter goes to today's print file.
    await enqueue(settings, "print_letters")
    await run_jobs(settings, clock=clock)
    printed = printed_letters(settings, datetime.now(KOREA).date())
    assert "구직급여" in printed

    # The same scan again, and a re-run of the same delivery job: nothing new is sent.
    messages, calls_before = len(twilio.messages), len(twilio.calls)
    [notice] = await notices_of(owner_conn, mobile)
    await enqueue(settings, "scan_notices")
    await enqueue(settings, "deliver_notices", [notice["id"]])
    await run_jobs(settings, clock=clock)
    assert (len(twilio.messages), len(twilio.calls)) == (messages, calls_before)
    for person_id in (mobile, landline, no_phone):
        assert len(await notices_of(owner_conn, person_id)) == 1


async def test_quiet_hours_defer_to_the_morning_spread_over_an_hour(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    person_id = await laid_off(owner_conn, settings, phone="+821034567890")
    day = datetime.now(KOREA).date()
    clock = Clock(korea(day, 22, 30))
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(owner_conn, person_id)
    assert notice["state"] == "pending"
    morning = korea(day + timedelta(days=1), 8)
    assert morning <= notice["send_after"] < morning + timedelta(hours=1)
    assert not [m for m in twilio.messages if m["To"] == "+821034567890"]

    clock.now = morning + timedelta(hours=1)
    await enqueue(settings, "dispatch_due_notices")
    await run_jobs(settings, clock=clock)
    assert len([m for m in twilio.messages if m["To"] == "+821034567890"]) == 1


async def test_an_opted_out_programme_reaches_only_the_inbox(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    person_id = await laid_off(owner_conn, settings, phone="+821045678901")
    await owner_conn.execute(
        "INSERT INTO notification_preferences (person_id, opted_out_programmes) VALUES ($1, $2)",
        person_id,
        ["unemployment-benefit"],
    )
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=Clock(korea(datetime.now(KOREA).date(), 11)))
    [notice] = await notices_of(owner_conn, person_id)
    assert notice["state"] == "inbox_only"
    assert not await deliveries_of(owner_conn, notice["id"])


async def test_a_dead_workers_claim_is_never_sent_twice(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    person_id = await laid_off(owner_conn, settings, phone="+821056789012")
    day = datetime.now(KOREA).date()
    clock = Clock(korea(day, 23))
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(owner_conn, person_id)
    # A worker claimed the notice and its SMS, then died before recording an outcome.
    clock.now = korea(day + timedelta(days=1), 9, 30)
    await owner_conn.execute("UPDATE notices SET state = 'sending' WHERE id = $1", notice["id"])
    await owner_conn.execute(
        """
        INSERT INTO notice_deliveries (notice_id, channel, state, attempts, updated_at)
        VALUES ($1, 'sms', 'sending', 1, $2)
        """,
        notice["id"],
        clock.now - timedelta(minutes=1),
    )
    # arq runs the job again: the claim is in flight, so nothing is sent.
    await enqueue(settings, "deliver_notices", [notice["id"]])
    await run_jobs(settings, clock=clock)
    assert not [m for m in twilio.messages if m["To"] == "+821056789012"]
    # Ten minutes on, the sweep calls it ambiguous: never resent on that channel.
    clock.now += timedelta(minutes=11)
    await enqueue(settings, "sweep_deliveries")
    await enqueue(settings, "deliver_notices", [notice["id"]])
    await run_jobs(settings, clock=clock)
    assert (await deliveries_of(owner_conn, notice["id"]))["sms"]["state"] == "ambiguous"
    assert not [m for m in twilio.messages if m["To"] == "+821056789012"]
    assert (await notices_of(owner_conn, person_id))[0]["state"] == "sent"


async def test_temporary_failures_retry_with_backoff_then_fall_back(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    person_id = await laid_off(owner_conn, settings, phone="+821067890123")
    clock = Clock(korea(datetime.now(KOREA).date(), 10))
    twilio.planned.extend([503] * 5)
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(owner_conn, person_id)
    sms = (await deliveries_of(owner_conn, notice["id"]))["sms"]
    assert (sms["state"], sms["attempts"]) == ("temporary_failure", 1)
    assert sms["next_attempt_at"] == clock.now + timedelta(seconds=120)

    # Not yet due: the retry job leaves it.
    await enqueue(settings, "retry_deliveries")
    await run_jobs(settings, clock=clock)
    assert (await deliveries_of(owner_conn, notice["id"]))["sms"]["attempts"] == 1
    for _ in range(4):
        clock.now += timedelta(hours=1)
        await enqueue(settings, "retry_deliveries")
        await run_jobs(settings, clock=clock)
    deliveries = await deliveries_of(owner_conn, notice["id"])
    assert (deliveries["sms"]["state"], deliveries["sms"]["attempts"]) == ("technical_failure", 5)
    # Retries used up: the next channel (a voice call) at once, and it went through.
    assert deliveries["voice"]["state"] == "sent"
    assert len([c for c in twilio.calls if c["To"] == "+821067890123"]) == 1
    assert not twilio.planned


async def test_an_unanswered_send_is_not_repeated(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    person_id = await laid_off(owner_conn, settings, phone="+821078901234")
    twilio.planned.append("slow")
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=Clock(korea(datetime.now(KOREA).date(), 14)))
    [notice] = await notices_of(owner_conn, person_id)
    deliveries = await deliveries_of(owner_conn, notice["id"])
    assert set(deliveries) == {"sms"} and deliveries["sms"]["state"] == "ambiguous"
    assert notice["state"] == "sent"


async def test_new_facts_are_noticed_within_the_minute(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    clock = Clock(korea(datetime.now(KOREA).date(), 15))
    await enqueue(settings, "watch_new_facts")  # the first look sets the watermark
    await run_jobs(settings, clock=clock)
    # An employment ends: the source system adds the facts.
    person_id = await laid_off(owner_conn, settings, phone="+821089012345")
    await enqueue(settings, "watch_new_facts")
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(owner_conn, person_id)
    assert notice["state"] == "sent"
    assert len([m for m in twilio.messages if m["To"] == "+821089012345"]) == 1
