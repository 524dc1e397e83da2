"""The two back ends of the rules agree: SQL over the population, Python for one person.

Both are generated from the one definition in `onestop/rules`; this test is
what keeps them from drifting apart. It loads synthetic people, takes a random
sample, and requires identical answers (every criterion, the status and the
eligibility period) for every rule, on days that cross rule versions and the
school-year boundary.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest

from foundation.settings import Settings
from onestop.eligibility.person import evaluate_person
from onestop.eligibility.population import population_answers
from onestop.rules import RULES
from server.demo_data import load_demo_data

PEOPLE = 6_000
SAMPLE = 600


@pytest.fixture(scope="module")
async def sample(database_url: str, settings: Settings) -> AsyncIterator[list[int]]:
    conn = await asyncpg.connect(database_url)
    try:
        await load_demo_data(conn, people=PEOPLE, seed=11, settings=settings)
        ids = [row["id"] for row in await conn.fetch("SELECT id FROM people ORDER BY id")]
        # The personas, and a random sample of everyone else (seeded: a failure reproduces).
        yield ids[:9] + random.Random(5).sample(ids[9:], SAMPLE)
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "as_of",
    [
        date(2026, 11, 25),  # the demo data's today
        date(2025, 2, 22),  # the day before the 2025-02-23 versions
        date(2025, 2, 23),
        date(2026, 2, 28),  # the last day of a school year
        date(2026, 3, 1),
    ],
)
async def test_sql_and_python_give_the_same_answers(
    database_url: str, sample: list[int], as_of: date
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        from_sql = {
            (answer.person_id, answer.programme_id): answer
            for answer in await population_answers(conn, as_of, sample)
        }
        statuses: set[tuple[str, str]] = set()
        compared = 0
        for person_id in sample:
            for answer in await evaluate_person(conn, person_id, as_of):
                other = from_sql[(person_id, answer.programme_id)]
                assert (other.rule_version, other.criteria, other.status, other.period_key) == (
                    answer.rule_version,
                    answer.criteria,
                    answer.status,
                    answer.period_key,
                ), f"person {person_id}, {answer.programme_id} on {as_of}"
                statuses.add((answer.programme_id, answer.status))
                compared += 1
    finally:
        await conn.close()
    assert compared == len(sample) * len(RULES)
    assert len(from_sql) == compared
    # The sample exercises every answer the data allows, not only "no".
    programmes_with_a_yes_or_unknown = {p for p, s in statuses if s != "not_eligible"}
    assert len(programmes_with_a_yes_or_unknown) >= 8, statuses
    assert {s for _, s in statuses} == {"eligible", "not_eligible", "unknown"}
