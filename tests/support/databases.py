"""Test databases on the PostgreSQL server `make test` starts: their URLs, and creating one
from the migrated template and dropping it."""

from __future__ import annotations

import itertools
import os
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

_counter = itertools.count()


def server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.exit("DATABASE_URL is not set: run the tests with `make test`", returncode=2)
    return url


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


async def create_database_from_template(template: str, prefix: str) -> str:
    server = server_url()
    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    return name


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(server_url())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
