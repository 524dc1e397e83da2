"""Migrations: numbered without gaps, applied in order, twice is a no-op."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from server.migrate import MigrationError, load_migrations, migrate
from tests.support.databases import drop_database, with_database


def test_numbering_starts_at_one_and_has_no_gaps() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


def test_a_gap_in_numbering_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("SELECT 1;")
    (tmp_path / "0003_third.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="0002 is missing"):
        load_migrations(tmp_path)


def test_a_badly_named_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_first.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_snake_case"):
        load_migrations(tmp_path)


@pytest.fixture
async def empty_database(database_url: str) -> AsyncIterator[str]:
    """A brand-new empty database (not cloned from the migrated template)."""
    admin = await asyncpg.connect(database_url)
    name = f"hanchang_empty_{id(admin)}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield with_database(database_url, name)
    await drop_database(name)


async def test_all_migrations_apply_to_an_empty_database_twice(empty_database: str) -> None:
    conn = await asyncpg.connect(empty_database)
    try:
        first = await migrate(conn)
        assert [m.version for m in first] == [m.version for m in load_migrations()]
        second = await migrate(conn)
        assert second == []
        recorded = await conn.fetchval("SELECT count(*) FROM schema_migrations")
        assert recorded == len(first)
    finally:
        await conn.close()


async def test_an_edited_migration_is_refused(empty_database: str, tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE first_table (x int);")
    conn = await asyncpg.connect(empty_database)
    try:
        await migrate(conn, tmp_path)
        (tmp_path / "0001_first.sql").write_text("CREATE TABLE first_table (x bigint);")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate(conn, tmp_path)
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_half_applied(
    empty_database: str, tmp_path: Path
) -> None:
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE good (x int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (x int); SELECT no_such_column;")
    conn = await asyncpg.connect(empty_database)
    try:
        with pytest.raises(asyncpg.PostgresError):
            await migrate(conn, tmp_path)
        assert await conn.fetchval("SELECT max(version) FROM schema_migrations") == 1
        assert await conn.fetchval("SELECT to_regclass('half')") is None
    finally:
        await conn.close()


def test_an_empty_migrations_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="no migrations found"):
        load_migrations(tmp_path)
