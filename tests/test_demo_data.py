"""The synthetic population: deterministic, plausible, personas first, nothing half-written."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import AsyncIterator
from datetime import date, timedelta

import asyncpg
import msgspec
import phonenumbers
import pytest

from auth import person_key
from foundation.settings import Settings
from i18n import SUPPORTED_LOCALES
from server.demo_data import (
    PERSONAS,
    REFERENCE_DATE,
    DemoPerson,
    SyntheticPopulation,
    demo_people,
    format_demo_people,
    load_demo_data,
)

PEOPLE = 5_000
SEED = 1
PEOPLE_COLUMNS = (
    "id, person_key, person_key_version, name, birth_date, phone_e164, region_code, "
    "preferred_language, has_smartphone, deceased_on"
)
# Every fact column but refreshed_at, which COPY writes back in another (equal) notation.
FACT_COLUMNS = (
    "id, person_id, kind, valid_from, valid_to, employer_name, employer_id, separation_code, "
    "paid_base_days, amount_krw, child_birth_date, income_percentile, reference_year, source_system"
)


class Loaded(msgspec.Struct, frozen=True):
    summary: str
    first_id: int
    last_id: int


@pytest.fixture(scope="module")
async def loaded(database_url: str, settings: Settings) -> AsyncIterator[Loaded]:
    """The module database's first demo load: the personas and the rest random people."""
    conn = await asyncpg.connect(database_url)
    try:
        first_id = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM people")
        summary = await load_demo_data(conn, people=PEOPLE, seed=SEED, settings=settings)
        yield Loaded(summary, first_id, first_id + PEOPLE - 1)
    finally:
        await conn.close()


def _population(
    settings: Settings, *, people: int, seed: int, with_personas: bool = True
) -> SyntheticPopulation:
    return SyntheticPopulation(
        people=people, seed=seed, keys=settings.person_key, with_personas=with_personas
    )


async def _copy_out(conn: asyncpg.Connection, query: str, *args: object) -> bytes:
    out = io.BytesIO()
    await conn.copy_from_query(query, *args, output=out, format="text")
    return out.getvalue()


async def _counts(conn: asyncpg.Connection) -> tuple[int, int]:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM people) AS people, "
        "(SELECT count(*) FROM person_facts) AS facts"
    )
    assert row is not None
    return row["people"], row["facts"]


def test_same_seed_same_population_and_a_prefix_for_fewer_people(settings: Settings) -> None:
    def people_text(people: int, seed: int) -> bytes:
        return b"".join(_population(settings, people=people, seed=seed).people_chunks(1))

    def facts_text(people: int, seed: int) -> bytes:
        population = _population(settings, people=people, seed=seed)
        for _ in population.people_chunks(1):
            pass
        return b"".join(population.facts_chunks(1))

    assert people_text(2_000, 7) == people_text(2_000, 7)
    assert facts_text(2_000, 7) == facts_text(2_000, 7)
    assert people_text(8_000, 7).startswith(people_text(2_000, 7))
    assert people_text(2_000, 7) != people_text(2_000, 8)


def test_keys_are_the_standard_person_key(settings: Settings) -> None:
    population = _population(settings, people=10, seed=SEED, with_personas=False)
    number = population.first_random_registration_number()
    assert len(number) == 13 and number.isdigit()
    first_line = next(population.people_chunks(1)).split(b"\n")[0].decode()
    stored_key = first_line.split("\t")[1].removeprefix("\\\\x")
    assert stored_key == person_key(settings.person_key, number).hex()


def test_the_first_load_needs_room_for_the_personas(settings: Settings) -> None:
    with pytest.raises(ValueError, match="at least"):
        _population(settings, people=len(PERSONAS) - 1, seed=SEED)


async def test_load_writes_exactly_what_the_generator_makes(
    loaded: Loaded, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    first_fact_id = await owner_conn.fetchval(
        "SELECT min(id) FROM person_facts WHERE person_id = $1", loaded.first_id
    )
    population = _population(settings, people=PEOPLE, seed=SEED)
    expected_people = b"".join(population.people_chunks(loaded.first_id))
    expected_facts = b"".join(population.facts_chunks(first_fact_id))
    assert loaded.summary == f"{PEOPLE} people, {population.facts} facts"

    stored_people = await _copy_out(
        owner_conn,
        f"SELECT {PEOPLE_COLUMNS} FROM people WHERE id BETWEEN $1 AND $2 ORDER BY id",
        loaded.first_id,
        loaded.last_id,
    )
    assert hashlib.sha256(stored_people).hexdigest() == hashlib.sha256(expected_people).hexdigest()

    stored_facts = await _copy_out(
        owner_conn,
        f"SELECT {FACT_COLUMNS} FROM person_facts WHERE person_id BETWEEN $1 AND $2 ORDER BY id",
        loaded.first_id,
        loaded.last_id,
    )
    without_refreshed_at = b"".join(
        line.rpartition(b"\t")[0] + b"\n" for line in expected_facts.splitlines()
    )
    assert stored_facts == without_refreshed_at


async def test_personas_come_first_and_are_found_again(
    loaded: Loaded, owner_conn: asyncpg.Connection
) -> None:
    people = await demo_people(owner_conn)

    assert [p.name for p in people] == [p.name for p in PERSONAS]
    assert [p.person_id for p in people] == list(
        range(loaded.first_id, loaded.first_id + len(PERSONAS))
    )
    for person, persona in zip(people, PERSONAS, strict=True):
        assert person.birth_date == persona.birth_date
        assert person.language == persona.language
        assert person.has_smartphone == persona.has_smartphone
        assert person.try_with
        if person.phone is not None:
            number = phonenumbers.parse(person.phone)
            assert phonenumbers.is_valid_number(number)
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == (
                person.phone
            )
            holders = await owner_conn.fetchval(
                "SELECT count(*) FROM people WHERE phone_e164 = $1", person.phone
            )
            assert holders == 1
    # A named person for each language of the table, to see their notices in it.
    assert {p.language for p in people} == set(SUPPORTED_LOCALES)
    assert any(p.phone is None for p in people)
    assert any(not p.has_smartphone and p.phone and p.phone.startswith("+8210") for p in people)
    assert any(p.phone and p.phone.startswith("+822") for p in people)
    assert any(REFERENCE_DATE.year - p.birth_date.year >= 75 for p in people)


async def test_personas_have_the_facts_they_are_for(
    loaded: Loaded, owner_conn: asyncpg.Connection
) -> None:
    people = {p.name: p.person_id for p in await demo_people(owner_conn)}

    async def facts(name: str, kind: str) -> list[asyncpg.Record]:
        return await owner_conn.fetch(
            "SELECT * FROM person_facts WHERE person_id = $1 AND kind = $2 ORDER BY id",
            people[name],
            kind,
        )

    laid_off = (await facts("김민준", "employment_insurance"))[-1]
    assert laid_off["separation_code"] == "23"
    assert laid_off["paid_base_days"] >= 180
    assert REFERENCE_DATE - laid_off["valid_to"] < timedelta(days=90)
    assert await facts("김민준", "job_seeker_registration")
    assert (await facts("장현우", "employment_insurance"))[-1]["separation_code"] == "11"
    children = await facts("이서연", "child")
    assert any(REFERENCE_DATE - c["child_birth_date"] < timedelta(days=8 * 365) for c in children)
    income = (await facts("윤지우", "household_income"))[0]["income_percentile"]
    assert income < 60


async def test_population_shares_are_plausible(
    loaded: Loaded, owner_conn: asyncpg.Connection
) -> None:
    row = await owner_conn.fetchrow(
        """
        SELECT count(*) AS people,
               avg((NOT has_smartphone)::int) AS no_smartphone,
               avg((preferred_language <> 'ko')::int) AS foreign_language,
               avg((deceased_on IS NOT NULL)::int) AS deceased,
               avg((phone_e164 IS NULL)::int) AS no_phone,
               min(birth_date) AS oldest, max(birth_date) AS youngest,
               count(DISTINCT region_code) AS regions
        FROM people WHERE id BETWEEN $1 AND $2
        """,
        loaded.first_id,
        loaded.last_id,
    )
    assert row is not None
    assert row["people"] == PEOPLE
    assert 0.17 <= row["no_smartphone"] <= 0.23
    assert 0.02 <= row["foreign_language"] <= 0.05
    assert row["deceased"] <= 0.01
    assert 0.01 <= row["no_phone"] <= 0.06
    assert row["oldest"] > date(REFERENCE_DATE.year - 86, REFERENCE_DATE.month, REFERENCE_DATE.day)
    assert row["youngest"] <= date(
        REFERENCE_DATE.year - 18, REFERENCE_DATE.month, REFERENCE_DATE.day
    )
    assert row["regions"] == 17

    # Foreign residents have the 7th digit 5-8: the random ones' names are romanized, as on
    # their cards (some personas' are in their own script), and their languages are codes of
    # the language table, every foreign one of them drawn.
    foreign = await owner_conn.fetch(
        "SELECT name, preferred_language FROM people "
        "WHERE id BETWEEN $1 AND $2 AND preferred_language <> 'ko'",
        loaded.first_id + len(PERSONAS),
        loaded.last_id,
    )
    assert foreign, "no foreign resident among the generated people"
    assert all(r["name"].replace(" ", "").isascii() and r["name"].isupper() for r in foreign)
    drawn = {r["preferred_language"] for r in foreign}
    assert drawn <= set(SUPPORTED_LOCALES)


async def test_every_phone_is_a_valid_korean_number(
    loaded: Loaded, owner_conn: asyncpg.Connection
) -> None:
    rows = await owner_conn.fetch(
        "SELECT phone_e164, has_smartphone FROM people "
        "WHERE id BETWEEN $1 AND $2 AND phone_e164 IS NOT NULL",
        loaded.first_id,
        loaded.last_id,
    )
    # Both kinds are there to check: people with a smartphone and people without one.
    assert {row["has_smartphone"] for row in rows} == {True, False}
    for row in rows:
        number = phonenumbers.parse(row["phone_e164"])
        assert phonenumbers.is_valid_number_for_region(number, "KR"), row["phone_e164"]
        if row["has_smartphone"]:
            assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


async def test_facts_are_shaped_as_each_source_sends_them(
    loaded: Loaded, owner_conn: asyncpg.Connection
) -> None:
    rows = await owner_conn.fetch(
        """
        SELECT kind, source_system, count(*) AS facts,
               count(*) FILTER (WHERE refreshed_at < $3::date - 90) AS stale,
               max(refreshed_at) AS latest,
               array_agg(DISTINCT separation_code)
                   FILTER (WHERE separation_code IS NOT NULL) AS codes
        FROM person_facts WHERE person_id BETWEEN $1 AND $2
        GROUP BY kind, source_system
        """,
        loaded.first_id,
        loaded.last_id,
        REFERENCE_DATE,
    )
    by_kind = {row["kind"]: row for row in rows}
    assert {kind: row["source_system"] for kind, row in by_kind.items()} == {
        "employment_insurance": "ei",
        "wage": "ei",
        "child": "family",
        "household_income": "nhis",
        "job_seeker_registration": "worknet",
        "wage_arrears": "labor",
    }
    codes = set(by_kind["employment_insurance"]["codes"])
    assert codes == {"11", "12", "22", "23", "26", "31", "32"}
    stale = sum(row["stale"] for row in rows) / sum(row["facts"] for row in rows)
    assert 0.005 <= stale <= 0.08
    assert all(row["latest"].date() <= REFERENCE_DATE for row in rows)

    # Current employments have no end and no separation code; wages sit inside an employment.
    bad = await owner_conn.fetchval(
        """
        SELECT count(*) FROM person_facts w
        WHERE w.kind = 'wage' AND w.person_id BETWEEN $1 AND $2 AND NOT EXISTS (
            SELECT 1 FROM person_facts e
            WHERE e.person_id = w.person_id AND e.kind = 'employment_insurance'
              AND e.employer_id = w.employer_id AND e.valid_from <= w.valid_from
              AND (e.valid_to IS NULL OR e.valid_to >= w.valid_to))
        """,
        loaded.first_id,
        loaded.last_id,
    )
    assert bad == 0


async def test_registration_numbers_are_not_stored(
    loaded: Loaded, owner_conn: asyncpg.Connection
) -> None:
    columns = await owner_conn.fetch(
        """
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name IN ('people', 'person_facts')
          AND data_type IN ('text', 'character varying')
        """
    )
    assert len(columns) > 5
    for column in columns:
        found = await owner_conn.fetchval(
            f'SELECT count(*) FROM "{column["table_name"]}" WHERE "{column["column_name"]}" ~ $1',
            "[0-9]{13}",
        )
        assert found == 0, f"{column['table_name']}.{column['column_name']}"


async def test_the_same_seed_twice_is_refused_and_writes_nothing(
    loaded: Loaded, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    before = await _counts(owner_conn)
    with pytest.raises(ValueError, match=f"seed {SEED} is already loaded"):
        await load_demo_data(owner_conn, people=100, seed=SEED, settings=settings)
    assert await _counts(owner_conn) == before


async def test_a_seed_sharing_numbers_is_refused_and_writes_nothing(
    loaded: Loaded, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    before = await _counts(owner_conn)
    with pytest.raises(ValueError, match="collide"):
        # Seeds equal modulo 999 draw numbers from the same block.
        await load_demo_data(owner_conn, people=3_000, seed=SEED + 999, settings=settings)
    assert await _counts(owner_conn) == before


async def _new_ids(conn: asyncpg.Connection, after: int) -> tuple[int, int]:
    row = await conn.fetchrow("SELECT min(id), max(id) FROM people WHERE id > $1", after)
    assert row is not None
    return row[0], row[1]


async def _people_text_from(conn: asyncpg.Connection, first_id: int) -> bytes:
    return await _copy_out(
        conn, f"SELECT {PEOPLE_COLUMNS} FROM people WHERE id >= $1 ORDER BY id", first_id
    )


async def test_another_seed_continues_after_existing_people(
    loaded: Loaded, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    previous = await owner_conn.fetchval("SELECT max(id) FROM people")
    summary = await load_demo_data(owner_conn, people=200, seed=SEED + 1, settings=settings)

    first_id, last_id = await _new_ids(owner_conn, previous)
    assert last_id - first_id + 1 == 200
    # No personas this time: they are in the database already, and stay unique.
    population = _population(settings, people=200, seed=SEED + 1, with_personas=False)
    expected = b"".join(population.people_chunks(first_id))
    assert await _people_text_from(owner_conn, first_id) == expected
    for _ in population.facts_chunks(1):
        pass
    assert summary == f"200 people, {population.facts} facts"
    assert len(await demo_people(owner_conn)) == len(PERSONAS)
    holders = await owner_conn.fetchval(
        "SELECT count(*) FROM people WHERE phone_e164 = $1", PERSONAS[0].phone
    )
    assert holders == 1
    # Rows inserted later get ids after the loaded ones.
    assert await owner_conn.fetchval(
        "SELECT nextval(pg_get_serial_sequence('people', 'id')) > max(id) FROM people"
    )
    assert await owner_conn.fetchval(
        "SELECT nextval(pg_get_serial_sequence('person_facts', 'id')) > max(id) FROM person_facts"
    )


async def test_rebuilding_indexes_restores_them_exactly(
    loaded: Loaded, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    schema = """
        SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition
        FROM pg_index WHERE indrelid IN ('people'::regclass, 'person_facts'::regclass)
        UNION ALL
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid IN ('people'::regclass, 'person_facts'::regclass)
    """
    before = sorted(tuple(row) for row in await owner_conn.fetch(schema))
    previous = await owner_conn.fetchval("SELECT max(id) FROM people")

    await load_demo_data(
        owner_conn, people=300, seed=SEED + 2, settings=settings, rebuild_indexes=True
    )

    assert sorted(tuple(row) for row in await owner_conn.fetch(schema)) == before
    first_id, _ = await _new_ids(owner_conn, previous)
    population = _population(settings, people=300, seed=SEED + 2, with_personas=False)
    expected = b"".join(population.people_chunks(first_id))
    assert await _people_text_from(owner_conn, first_id) == expected


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_demo_people_as_json_and_as_a_table() -> None:
    people = [
        DemoPerson(
            name=persona.name,
            birth_date=persona.birth_date,
            phone=persona.phone,
            language=persona.language,
            has_smartphone=persona.has_smartphone,
            person_id=100 + index,
            region_code=persona.region_code,
            try_with=persona.try_with,
        )
        for index, persona in enumerate(PERSONAS)
    ]

    listed = msgspec.json.decode(format_demo_people(people, as_json=True))
    assert listed[0] == {
        "name": "김민준",
        "birth_date": "1988-04-12",
        "phone": "+821013500001",
        "language": "ko",
        "has_smartphone": True,
        "person_id": 100,
        "region_code": "11",
        "try_with": PERSONAS[0].try_with,
    }
    assert len(listed) == len(PERSONAS)

    lines = format_demo_people(people, as_json=False).splitlines()
    assert len(lines) == 1 + len(PERSONAS)
    # The last column (try with) starts at the same screen column on every line.
    starts = {
        _width(line[: line.index(p.try_with)]) for line, p in zip(lines[1:], people, strict=True)
    }
    assert starts == {_width(lines[0][: lines[0].index("try with")])}
    assert format_demo_people([], as_json=True) == "[]"
