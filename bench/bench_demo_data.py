"""Demo data: `load_demo_data` for a million people, against a plain COPY of as many narrow rows.

Both run in the same scratch database of the server DATABASE_URL names, one after the
other, so their ratio says how far the generator and the wide, constrained tables are
from PostgreSQL's own floor on this machine. The database is dropped afterwards.

Then, on the same data (loaded once), population eligibility: `evaluate_population` for
everyone, as the nightly job runs it (as the app role), twice (the first run writes every
answer, the second finds nothing changed), against one plain join of `people` and
`person_facts` timed just before it.

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

from foundation.settings import Settings, load_settings
from onestop.eligibility import PopulationRun, evaluate_population
from server.demo_data import load_demo_data
from server.demo_data.common import REFERENCE_DATE
from server.migrate import migrate


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


# The floor for a pass over everyone and their facts: one plain join, read and aggregated.
_JOIN_BASELINE = """
SELECT count(*), sum(f.paid_base_days) FROM people p JOIN person_facts f ON f.person_id = p.id
"""


async def _eligibility(conn: asyncpg.Connection) -> dict[str, Any]:
    """Seconds of the baseline join and of two `evaluate_population` runs, rows each wrote."""
    # As after a night's loads once autovacuum has been by: statistics and hint bits set,
    # so that neither the join nor the first run pays for the bulk load's aftermath.
    await conn.execute("VACUUM (ANALYZE) people, person_facts")
    await conn.execute('SET ROLE "hanchang_app"')
    try:
        started = time.perf_counter()
        await conn.fetchrow(_JOIN_BASELINE)
        join_seconds = time.perf_counter() - started
        runs: list[tuple[float, PopulationRun]] = []
        for _ in range(2):
            started = time.perf_counter()
            # The demo data's own "today": its facts are fresh as of that date.
            run = await evaluate_population(conn, REFERENCE_DATE)
            # Timed to the commit, which the run's own `seconds` leaves out.
            runs.append((time.perf_counter() - started, run))
    finally:
        await conn.execute("RESET ROLE")
    (first_seconds, first), (second_seconds, second) = runs
    return {
        "join_seconds": join_seconds,
        "people": first.people,
        "programmes": len(first.written),
        "first_seconds": first_seconds,
        "first_written": sum(first.written.values()),
        "second_seconds": second_seconds,
        "second_written": sum(second.written.values()),
    }


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
            eligibility = await _eligibility(conn)
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
        "eligibility": eligibility,
    }


if __name__ == "__main__":
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        print("bench_demo_data: set DATABASE_URL to a PostgreSQL server", file=sys.stderr)
        raise SystemExit(2)
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(asyncio.run(bench_demo_data(url, people=count)))
