"""Loading with COPY, finding the personas again, and listing them."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Iterator
from datetime import date

import asyncpg
import msgspec

from auth import person_key
from foundation.settings import Settings
from server.demo_data.common import (
    _FACT_COLUMNS,
    _PEOPLE_COLUMNS,
    BULK_LOAD_THRESHOLD,
    REFERENCE_DATE,
    DemoPerson,
)
from server.demo_data.generator import (
    SyntheticPopulation,
)
from server.demo_data.personas import (
    PERSONAS,
    persona_registration_number,
)
from server.demo_data.tables import (
    REGION_NAMES,
)

# --- Loading --------------------------------------------------------------------------------


async def _stream(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    # Each chunk is built while PostgreSQL parses those already in the socket buffers.
    for chunk in chunks:
        yield chunk


async def _person_key_exists(conn: asyncpg.Connection, version: int, key: bytes) -> bool:
    exists: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM people WHERE person_key_version = $1 AND person_key = $2)",
        version,
        key,
    )
    return exists


# Under the loader's lock nobody else inserts, so ids from here on are free; supplying
# them spares PostgreSQL a nextval() per row. The identity sequence is then moved past them.
_FIRST_FREE_ID = {
    "people": """
        SELECT greatest(nextval(pg_get_serial_sequence('people', 'id')),
                        coalesce((SELECT max(id) FROM people), 0) + 1)
    """,
    "person_facts": """
        SELECT greatest(nextval(pg_get_serial_sequence('person_facts', 'id')),
                        coalesce((SELECT max(id) FROM person_facts), 0) + 1)
    """,
}


async def _first_free_id(conn: asyncpg.Connection, table: str) -> int:
    first_id: int = await conn.fetchval(_FIRST_FREE_ID[table])
    return first_id


async def _ids_used_up_to(conn: asyncpg.Connection, table: str, last_id: int) -> None:
    await conn.execute("SELECT setval(pg_get_serial_sequence($1, 'id'), $2)", table, last_id)


async def _drop_indexes_and_keys(conn: asyncpg.Connection) -> list[str]:
    """Drop the indexes and keys of the two tables that nothing else references.

    That is every secondary index, unique and foreign key, and the primary key of
    `person_facts`, but not that of `people`. Returns the statements that restore them as
    the catalog has them, foreign keys last.
    """
    rows = await conn.fetch(
        """
        SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop,
               format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
                      pg_get_constraintdef(c.oid)) AS restore,
               c.contype = 'f' AS last
        FROM pg_constraint c
        WHERE c.conrelid IN ('people'::regclass, 'person_facts'::regclass)
          AND (c.contype = 'f'
               OR (c.contype IN ('p', 'u') AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint r
                   WHERE r.contype = 'f' AND r.conindid = c.conindid)))
        UNION ALL
        SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid), false
        FROM pg_index i
        WHERE i.indrelid IN ('people'::regclass, 'person_facts'::regclass)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                          WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY last, restore
        """
    )
    for row in rows:
        await conn.execute(row["drop"])
    # The index builds then sort in memory rather than in temporary files.
    await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    return [row["restore"] for row in rows]


async def load_demo_data(
    conn: asyncpg.Connection,
    *,
    people: int,
    seed: int,
    settings: Settings,
    today: date = REFERENCE_DATE,
    rebuild_indexes: bool | None = None,
) -> str:
    """Load `people` synthetic people and their facts in one transaction; a one-line summary.

    The personas come first in the first load into a database. A seed already loaded
    raises ValueError, and so does one whose registration numbers collide; either way
    nothing is written. `rebuild_indexes` (default: for large loads) drops the tables'
    indexes and keys that nothing else references and rebuilds them at the end, which
    locks both tables meanwhile.
    """
    keys = settings.person_key
    version = keys.current_version
    async with conn.transaction():
        # One loader at a time, and no other writer between reserving ids and using them.
        await conn.execute("LOCK TABLE people, person_facts IN SHARE ROW EXCLUSIVE MODE")
        await conn.execute("SET LOCAL statement_timeout = 0")
        personas_loaded = await _person_key_exists(
            conn, version, person_key(keys, persona_registration_number(0))
        )
        population = SyntheticPopulation(
            people=people, seed=seed, keys=keys, with_personas=not personas_loaded, today=today
        )
        first_key = person_key(keys, population.first_random_registration_number())
        if await _person_key_exists(conn, version, first_key):
            raise ValueError(f"demo data with seed {seed} is already loaded; choose another seed")
        first_person_id = await _first_free_id(conn, "people")
        first_fact_id = await _first_free_id(conn, "person_facts")
        if rebuild_indexes is None:
            existing = await conn.fetchval("SELECT count(*) FROM people")
            rebuild_indexes = people >= BULK_LOAD_THRESHOLD and people * 4 >= existing
        restore = await _drop_indexes_and_keys(conn) if rebuild_indexes else []
        try:
            await conn.copy_to_table(
                "people",
                source=_stream(population.people_chunks(first_person_id)),
                columns=_PEOPLE_COLUMNS,
                format="text",
            )
            await conn.copy_to_table(
                "person_facts",
                source=_stream(population.facts_chunks(first_fact_id)),
                columns=_FACT_COLUMNS,
                format="text",
            )
            for statement in restore:
                await conn.execute(statement)
        except asyncpg.UniqueViolationError as exc:
            raise ValueError(
                f"the registration numbers of seed {seed} collide with people already loaded "
                f"(seeds equal modulo 999 share numbers); choose another seed"
            ) from exc
        await _ids_used_up_to(conn, "people", first_person_id + people - 1)
        if population.facts:
            await _ids_used_up_to(conn, "person_facts", first_fact_id + population.facts - 1)
    return f"{people} people, {population.facts} facts"


# --- The personas, found again --------------------------------------------------------------


async def demo_people(conn: asyncpg.Connection) -> list[DemoPerson]:
    """The personas as stored (by name, birth date and phone), in their fixed order."""
    rows = await conn.fetch(
        """
        SELECT DISTINCT ON (d.ordinal) d.ordinal, p.id, p.name, p.birth_date, p.phone_e164,
               p.preferred_language, p.has_smartphone, p.region_code
        FROM unnest($1::text[], $2::date[], $3::text[]) WITH ORDINALITY
             AS d (name, birth_date, phone, ordinal)
        JOIN people p ON p.name = d.name AND p.birth_date = d.birth_date
                     AND p.phone_e164 IS NOT DISTINCT FROM d.phone
        ORDER BY d.ordinal, p.id
        """,
        [p.name for p in PERSONAS],
        [p.birth_date for p in PERSONAS],
        [p.phone for p in PERSONAS],
    )
    return [
        DemoPerson(
            name=row["name"],
            birth_date=row["birth_date"],
            phone=row["phone_e164"],
            language=row["preferred_language"],
            has_smartphone=row["has_smartphone"],
            person_id=row["id"],
            region_code=row["region_code"],
            try_with=PERSONAS[row["ordinal"] - 1].try_with,
        )
        for row in rows
    ]


def _width(text: str) -> int:
    """Columns on a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_demo_people(people: list[DemoPerson], *, as_json: bool) -> str:
    """A JSON list of objects, or a table for a terminal."""
    if as_json:
        return msgspec.json.format(msgspec.json.encode(people), indent=2).decode()
    if not people:
        return "no demo people yet: load them with `hanchang demo-data`"
    rows = [("id", "name", "born", "phone", "lang", "smartphone", "region", "try with")]
    for p in people:
        born, phone = p.birth_date.isoformat(), p.phone or "-"
        smartphone = "yes" if p.has_smartphone else "no"
        region = f"{p.region_code} {REGION_NAMES.get(p.region_code, '')}".rstrip()
        rows.append(
            (str(p.person_id), p.name, born, phone, p.language, smartphone, region, p.try_with)
        )
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "".join(
            cell + " " * (width - _width(cell) + 2)
            for cell, width in zip(row, widths, strict=False)
        )
        + row[-1]
        for row in rows
    )
