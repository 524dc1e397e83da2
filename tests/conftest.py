"""Test fixtures: real PostgreSQL and Redis, one fresh database per test module.

`make test` runs pytest under `hanchang services`, which sets DATABASE_URL and
REDIS_URL (embedded servers unless they were already set). The first worker
builds a template database by running our migrations; every test module gets
its own database cloned from it (CREATE DATABASE ... TEMPLATE), dropped after.
Each xdist worker uses its own Redis database number.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.db import create_pool
from foundation.settings import Settings, load_settings
from server.app import create_app
from server.migrate import migrate, migrations_fingerprint
from tests.support.databases import (
    create_database_from_template,
    drop_database,
    server_url,
    with_database,
)
from tests.support.environment import environment_for_tests

_TEMPLATE_LOCK = 0x74706C31


def _worker_number(worker_id: str) -> int:
    return int(worker_id[2:]) if worker_id.startswith("gw") else 0


@pytest.fixture(scope="session")
def worker_number(worker_id: str) -> int:
    return _worker_number(worker_id)


@pytest.fixture(scope="session")
async def template_database() -> str:
    """A database with every migration applied, built once and shared by all workers."""
    server = server_url()
    name = f"hanchang_tpl_{migrations_fingerprint()}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _TEMPLATE_LOCK)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                building = name + "_building"
                await conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{building}"')
                target = await asyncpg.connect(with_database(server, building))
                try:
                    await migrate(target)
                finally:
                    await target.close()
                await conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
                stale = await conn.fetch(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'hanchang\\_tpl\\_%' "
                    "AND datname <> $1",
                    name,
                )
                for row in stale:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _TEMPLATE_LOCK)
    finally:
        await conn.close()
    return name


@pytest.fixture(scope="module")
async def database_url(template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated database for this test module (as the owner role)."""
    name = await create_database_from_template(template_database, "hanchang_t")
    try:
        yield with_database(server_url(), name)
    finally:
        await drop_database(name)


@pytest.fixture(scope="session")
async def redis_url(worker_number: int) -> AsyncIterator[str]:
    base = os.environ.get("REDIS_URL")
    if not base:
        pytest.exit("REDIS_URL is not set: run the tests with `make test`", returncode=2)
    parts = urlsplit(base)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{1 + worker_number % 15}", "", ""))
    client = Redis.from_url(url)
    await client.flushdb()
    await client.aclose()
    yield url


@pytest.fixture(scope="module", autouse=True)
async def _redis_of_this_module(redis_url: str) -> AsyncIterator[None]:
    """Each test module starts on an empty Redis database, as it starts on a new PostgreSQL
    database: jobs an earlier module on this worker queued and never ran, its providers'
    pace slots and its rate limits never reach into this one."""
    client = Redis.from_url(redis_url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()
    yield


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return load_settings(
        environment_for_tests(database_url, redis_url, tmp_path_factory.mktemp("data"))
    )


@pytest.fixture
async def owner_conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to this module's database as the owner, outside any transaction."""
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection acting as the application role, inside a transaction rolled back after the test."""
    connection = await asyncpg.connect(database_url)
    await connection.execute('SET ROLE "hanchang_app"')
    transaction = connection.transaction()
    await transaction.start()
    try:
        yield connection
    finally:
        await transaction.rollback()
        await connection.close()


@pytest.fixture(scope="module")
async def db_pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on this module's database as the application opens it (application role).

    For calling a core function the way a request or a job does, in one transaction of its
    own: `async with foundation.db.transaction(db_pool) as tx` commits when it returns, also
    when it refuses with a problem that must keep what it wrote (`commit_first`), and rolls
    back otherwise.
    """
    pool = await create_pool(settings.database, min_size=1)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture(scope="module")
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture(scope="module")
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        # What a browser adds to every fetch from the console's own pages; writes under
        # /console/api need it (assisted_channel/console/same_origin.py). Tests of other
        # requests drop it.
        test_client.headers["Sec-Fetch-Site"] = "same-origin"
        yield test_client
