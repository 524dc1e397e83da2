"""Demo data: `load_demo_data` for a million people, against a plain COPY of as many narrow rows.

Both run in the same scratch database of the server DATABASE_URL names, one after the
other, so their ratio says how far the generator and the wide, constrained tables are
from PostgreSQL's own floor on this machine. The database is dropped afterwards.

    DATABASE_URL=postgresql://... .venv/bin/python -m bench.bench_demo_data [PEOPLE]
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import sys
import tempfile
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from server.demo_data import load_demo_data
from server.migrate import migrate
from server.settings import Settings, load_settings


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _settings(database_url: str, data_dir: str) -> Settings:
    """Throwaway secrets, so that nothing is written next to the project."""

    def key() -> str:
        return "1:" + base64.b64encode(secrets.token_bytes(32)).decode()

    return load_settings(
        {
            "HANCHANG_ENV": "test",
            "DATABASE_URL": database_url,
            "HANCHANG_PERSON_KEYS": key(),
            "HANCHANG_DATA_KEYS": key(),
            "HANCHANG_DATA_DIR": data_dir,
        }
    )


async def _baseline(conn: asyncpg.Connection, rows: int) -> float:
    """Seconds to COPY `rows` rows of two integers into an unlogged table without indexes."""
    await conn.execute("CREATE UNLOGGED TABLE bench_narrow (a bigint, b bigint)")
    records = [(i, i) for i in range(rows)]
    started = time.perf_counter()
    await conn.copy_records_to_table("bench_narrow", records=records)
    seconds = time.perf_counter() - started
    await conn.execute("DROP TABLE bench_narrow")
    return seconds


async def bench_demo_data(database_url: str, people: int = 1_000_000) -> dict[str, Any]:
    name = f"bench_demo_{secrets.token_hex(4)}"
    server = await asyncpg.connect(database_url)
    try:
        await server.execute(f'CREATE DATABASE "{name}"')
        url = _with_database(database_url, name)
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
            with tempfile.TemporaryDirectory(prefix="bench-demo-") as data_dir:
                settings = _settings(url, data_dir)
                await conn.execute("CHECKPOINT")
                started = time.perf_counter()
                summary = await load_demo_data(conn, people=people, seed=1350, settings=settings)
                seconds = time.perf_counter() - started
            await conn.execute("CHECKPOINT")
            baseline = await _baseline(conn, people)
        finally:
            await conn.close()
    finally:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.close()
    label = "1M" if people == 1_000_000 else f"{people:,}"
    return {
        "name": f"demo-data {label} people",
        "seconds": seconds,
        "baseline_seconds": baseline,
        "baseline_name": f"COPY {label} narrow rows",
        "ratio": seconds / baseline,
        "summary": summary,
    }


if __name__ == "__main__":
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        print("bench_demo_data: set DATABASE_URL to a PostgreSQL server", file=sys.stderr)
        raise SystemExit(2)
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(asyncio.run(bench_demo_data(url, people=count)))
