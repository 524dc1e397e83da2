"""Migration runner: numbered plain-SQL files in `migrations/`, applied in order.

Each file runs in its own transaction, under a PostgreSQL advisory lock so that
several processes starting at once apply each migration exactly once, and is
recorded in `schema_migrations` with a checksum of its text.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import asyncpg
import msgspec

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# An arbitrary constant shared by every process that migrates this database.
_LOCK_KEY = 0x68616E63  # "hanc"


class MigrationError(RuntimeError):
    pass


class Migration(msgspec.Struct, frozen=True):
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every migration file in order; numbering must start at 1 and have no gaps."""
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_snake_case.sql")
        migrations.append(
            Migration(version=int(match[1]), name=match[2], sql=path.read_text(encoding="utf-8"))
        )
    if not migrations:
        # An install without the migrations folder must not report "up to date".
        raise MigrationError(f"no migrations found in {directory}")
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"migration {expected:04d} is missing (found {migration.version:04d}_{migration.name})"
            )
    return migrations


def migrations_fingerprint(directory: Path = MIGRATIONS_DIR) -> str:
    digest = hashlib.sha256()
    for migration in load_migrations(directory):
        digest.update(migration.checksum.encode())
    return digest.hexdigest()[:16]


async def migrate(conn: asyncpg.Connection, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply what is not yet applied; returns the migrations applied now."""
    migrations = load_migrations(directory)
    applied_now: list[Migration] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        rows = await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
        applied = {row["version"]: row for row in rows}
        for migration in migrations:
            done = applied.get(migration.version)
            if done is not None:
                if done["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} was changed after it "
                        "was applied; add a new migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            applied_now.append(migration)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now
