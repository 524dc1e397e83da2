"""The population run writes the answers the SQL back end gives, and only those.

`evaluate_population` computes the status without the criteria letters (the criteria
joined by AND) and the letters only for the people it may write; the rows it writes
must be exactly the answers of `population_answers` that are not "no", on days that
cross rule versions, and a later run on another day must bring the rows to that day's
answers (rows turning "no" are kept, with their new letters; a kept "no" that stays "no"
is not rewritten).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest

from foundation.settings import Settings
from onestop.eligibility.population import evaluate_population, population_answers
from server.demo_data import load_demo_data

PEOPLE = 3_000


@pytest.fixture(scope="module")
async def people(database_url: str, settings: Settings) -> AsyncIterator[list[int]]:
    conn = await asyncpg.connect(database_url)
    try:
        await load_demo_data(conn, people=PEOPLE, seed=23, settings=settings)
        yield [row["id"] for row in await conn.fetch("SELECT id FROM people ORDER BY id")]
    finally:
        await conn.close()


async def _rows(conn: asyncpg.Connection) -> dict[tuple[int, str], tuple[str, str, str, str]]:
    return {
        (row["person_id"], row["programme_id"]): (
            row["rule_version"], row["status"], row["criteria"], row["period_key"]
        )
        for row in await conn.fetch("SELECT * FROM eligibility")
    }  # fmt: skip


async def test_the_rows_written_are_the_answers(database_url: str, people: list[int]) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("TRUNCATE eligibility CASCADE")
        previous: dict[tuple[int, str], tuple[str, str, str, str]] = {}
        for as_of in (date(2025, 2, 22), date(2025, 2, 23), date(2026, 11, 25)):
            run = await evaluate_population(conn, as_of)
            answers = {
                (a.person_id, a.programme_id): (a.rule_version, a.status, a.criteria, a.period_key)
                for a in await population_answers(conn, as_of, people)
            }
            rows = await _rows(conn)
            # Every answer that is not "no" is kept; a "no" only where a row was kept
            # before, and a kept "no" is left as it was while the answer stays "no".
            expected = {
                key: previous[key]
                if answer[1] == "not_eligible" and previous.get(key, ("", ""))[1] == "not_eligible"
                else answer
                for key, answer in answers.items()
                if answer[1] != "not_eligible" or key in previous
            }
            assert rows == expected, as_of
            changed = {key for key, row in rows.items() if previous.get(key) != row}
            assert sum(run.written.values()) == len(changed)
            assert {row[1] for row in rows.values()} >= {"eligible", "unknown"}
            previous = rows
        assert any(row[1] == "not_eligible" for row in previous.values())
    finally:
        await conn.close()
