"""What `hanchang migrate`, `hanchang demo-data` and `hanchang run` do to the database, as
its owner: connect, apply the migrations, load the demo people."""

from __future__ import annotations

import os
import sys
import time

import asyncpg

from foundation.settings import get_settings


async def owner_connect() -> asyncpg.Connection:
    """A connection as the database owner (`DATABASE_MIGRATION_URL`, else the app's URL)."""
    settings = get_settings()
    url = os.environ.get("DATABASE_MIGRATION_URL") or settings.database.url
    return await asyncpg.connect(url)


async def migrate_database() -> int:
    """Apply the migrations not applied yet, saying which; the exit status."""
    from server.migrate import migrate

    conn = await owner_connect()
    try:
        applied = await migrate(conn)
    finally:
        await conn.close()
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    if not applied:
        print("database is up to date")
    return 0


async def load_demo_database(people: int, if_empty: bool, seed: int) -> int:
    """Load the demo people (only into an empty database with `if_empty`); the exit status."""
    from server.demo_data import load_demo_data

    conn = await owner_connect()
    try:
        if if_empty and await conn.fetchval("SELECT EXISTS (SELECT 1 FROM people)"):
            print("demo data: the database already has people; nothing loaded")
            return 0
        started = time.perf_counter()
        try:
            summary = await load_demo_data(conn, people=people, seed=seed, settings=get_settings())
        except ValueError as exc:
            print(f"demo data: {exc}", file=sys.stderr)
            return 2
        print(f"demo data: {summary} in {time.perf_counter() - started:.1f} s")
    finally:
        await conn.close()
    return 0
