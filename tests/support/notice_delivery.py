"""What the tests of proactive notices share: a clock they set, Korean wall time, a job put on
its own queue, a person the unemployment benefit's rules tell, and that person's notices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
from arq import create_pool
from arq.connections import RedisSettings

from foundation import jobs
from foundation.korea import KOREA
from foundation.settings import Settings, load_settings
from tests.support.environment import environment_for_tests
from tests.support.factories import make_fact, make_person
from tests.support.fakes.fcm import FakeFcm, write_service_account
from tests.support.fakes.twilio import FakeTwilio, twilio_environment


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def korea(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KOREA).astimezone(UTC)


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


async def enqueue(settings: Settings, job: str, *args: object) -> None:
    """On the job's own queue (foundation/jobs.py)."""
    queue = await create_pool(RedisSettings.from_dsn(settings.redis.url))
    try:
        await jobs.enqueue(queue, job, *args)
    finally:
        await queue.aclose()


async def notices_of(conn: asyncpg.Connection, person_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM notices WHERE person_id = $1 AND programme_id = 'unemployment-benefit'",
        person_id,
    )


def settings_with_push_and_sms(
    database_url: str, redis_url: str, data: Path, twilio: FakeTwilio, fcm: FakeFcm
) -> Settings:
    """Settings whose SMS and voice go to the fake Twilio and whose pushes go to the fake FCM
    (through firebase-admin, with a service account the fake's token endpoint signs)."""
    credentials = write_service_account(data / "firebase.json", fcm.token_uri)
    return load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            data / "hanchang",
            **twilio_environment(twilio),
            HANCHANG_FCM_CREDENTIALS=str(credentials),
            FCM_API_BASE_URL=fcm.url,
            HANCHANG_FCM_TIMEOUT_S="2",
        )
    )
