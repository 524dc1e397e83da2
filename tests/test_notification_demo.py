"""The demo people become eligible, the nightly scan runs, and each is told once, on the
channel that reaches them, in their language: the whole path `make run` shows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest

from foundation.settings import Settings, load_settings
from i18n import SUPPORTED_LOCALES
from server.demo_data import demo_people, load_demo_data
from tests.support.environment import environment_for_tests
from tests.support.factories import run_jobs
from tests.support.fakes.twilio import FakeTwilio, running_twilio, twilio_environment
from tests.support.notice_delivery import Clock, enqueue, korea


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
        environment_for_tests(database_url, redis_url, data, **twilio_environment(twilio))
    )


async def test_the_demo_people_are_told_once_each_in_their_language(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    await load_demo_data(owner_conn, people=300, seed=7, settings=settings)
    people = {person.name: person for person in await demo_people(owner_conn)}
    # The demo data's today, 10:00 in Korea (the rules read the evaluation date).
    clock = Clock(korea(date(2026, 11, 25), 10))
    await enqueue(settings, "scan_notices")
    await run_jobs(settings, clock=clock)

    def benefit_sms(phone: str | None, words: str) -> list[str]:
        return [m["Body"] for m in twilio.messages if m["To"] == phone and words in m["Body"]]

    # 김민준, laid off in September: one SMS about the unemployment benefit, in Korean.
    assert len(benefit_sms(people["김민준"].phone, "구직급여")) == 1
    # SANTOS MARIA CLARA reads English.
    [english] = benefit_sms(people["SANTOS MARIA CLARA"].phone, "Unemployment benefit")
    assert english.startswith("[Ministry of Employment and Labor]")
    # 장현우 quit by his own choice: nothing about the unemployment benefit.
    assert not benefit_sms(people["장현우"].phone, "구직급여")
    # 최영호 has no smartphone: SMS to his feature phone, for both of his benefits.
    assert len(benefit_sms(people["최영호"].phone, "구직급여")) == 1
    assert len(benefit_sms(people["최영호"].phone, "대지급금")) == 1

    # A named demo person of each language is told, in that language.
    told = await owner_conn.fetch(
        """
        SELECT p.name, p.preferred_language, n.locale FROM notices n
        JOIN people p ON p.id = n.person_id WHERE p.id = ANY($1::bigint[])
        """,
        [person.person_id for person in people.values()],
    )
    assert {row["locale"] for row in told} == set(SUPPORTED_LOCALES)
    assert all(row["locale"] == row["preferred_language"] for row in told)

    counts = await owner_conn.fetch(
        """
        SELECT person_id, programme_id, count(*) FROM notices
        GROUP BY person_id, programme_id HAVING count(*) > 1
        """
    )
    assert not counts, "a person was told twice about one programme"
    # People with no phone of record are told by letter: every notice of theirs has a
    # letter queued for printing, and no other channel was tried. (정말순, the persona
    # with no phone, is eligible for nothing; generated people without a phone are.)
    phoneless = await owner_conn.fetch(
        """
        SELECT n.id AS notice_id, p.name,
               array_agg(DISTINCT d.channel) FILTER (WHERE d.channel IS NOT NULL) AS channels,
               bool_or(l.notice_id IS NOT NULL) AS letter_queued
        FROM notices n
        JOIN people p ON p.id = n.person_id
        LEFT JOIN notice_deliveries d ON d.notice_id = n.id
        LEFT JOIN letters l ON l.notice_id = n.id
        WHERE p.phone_e164 IS NULL
        GROUP BY n.id, p.name
        """
    )
    assert phoneless, "no person without a phone was told: the letter path went untested"
    for notice in phoneless:
        assert notice["channels"] == ["letter"], notice
        assert notice["letter_queued"], notice

    # The scan again (a re-run, or tomorrow's): nobody is told twice.
    before = len(twilio.messages)
    await enqueue(settings, "scan_notices")
    await run_jobs(settings, clock=clock)
    assert len(twilio.messages) == before
