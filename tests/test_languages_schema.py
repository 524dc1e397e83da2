"""Every column that holds a language takes exactly the codes of the language table
(i18n/languages.py): a new language needs a migration, and an unknown code is refused."""

from __future__ import annotations

import re

import asyncpg
import pytest

from foundation.settings import Settings
from i18n import SUPPORTED_LOCALES
from tests.support.factories import make_person

# (table, column, its CHECK constraint)
LANGUAGE_COLUMNS = [
    ("people", "preferred_language", "people_preferred_language_check"),
    ("notices", "locale", "notices_locale_check"),
    ("devices", "locale", "devices_locale_check"),
    ("sms_challenges", "locale", "sms_challenges_locale_check"),
]


async def allowed_codes(conn: asyncpg.Connection, constraint: str) -> set[str]:
    definition = await conn.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1", constraint
    )
    assert definition is not None, constraint
    return set(re.findall(r"'([^']*)'::text", definition))


@pytest.mark.parametrize(("table", "column", "constraint"), LANGUAGE_COLUMNS)
async def test_the_database_takes_the_language_tables_codes(
    conn: asyncpg.Connection, table: str, column: str, constraint: str
) -> None:
    assert await allowed_codes(conn, constraint) == set(SUPPORTED_LOCALES)


async def test_no_other_column_names_a_language(conn: asyncpg.Connection) -> None:
    columns = await conn.fetch(
        """
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public'
          AND (column_name LIKE '%locale%' OR column_name LIKE '%language%')
        """
    )
    known = {(table, column) for table, column, _ in LANGUAGE_COLUMNS}
    assert {(row["table_name"], row["column_name"]) for row in columns} == known


async def test_every_code_is_kept_and_an_unknown_one_refused(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    person = await make_person(conn, settings)
    for code in SUPPORTED_LOCALES:
        await conn.execute(
            "UPDATE people SET preferred_language = $2 WHERE id = $1", person.id, code
        )
        notice = await conn.fetchval(
            "INSERT INTO notices (person_id, kind, topic, locale) "
            "VALUES ($1, 'account', 'test', $2) RETURNING locale",
            person.id,
            code,
        )
        assert notice == code
    for unknown in ("fr", "zh", "zh-hans", "fil", ""):
        with pytest.raises(asyncpg.CheckViolationError):
            async with conn.transaction():
                await conn.execute(
                    "UPDATE people SET preferred_language = $2 WHERE id = $1", person.id, unknown
                )
        with pytest.raises(asyncpg.CheckViolationError):
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO notices (person_id, kind, topic, locale) "
                    "VALUES ($1, 'account', 'test', $2)",
                    person.id,
                    unknown,
                )
