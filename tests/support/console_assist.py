"""What the tests of the console's help for one person share (registered phones, people
acting for them, their audit trail): a clean slate per test and readers of what was written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import KOREA
from server.settings import Settings

Client = AsyncTestClient[Litestar]


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def count(owner_conn: asyncpg.Connection, sql: str, *args: Any) -> int:
    value: int = await owner_conn.fetchval(f"SELECT count(*) FROM {sql}", *args)
    return value


async def one(owner_conn: asyncpg.Connection, sql: str, *args: Any) -> asyncpg.Record:
    row = await owner_conn.fetchrow(sql, *args)
    assert row is not None, sql
    return row


async def actions(owner_conn: asyncpg.Connection, person_id: int) -> list[asyncpg.Record]:
    return await owner_conn.fetch(
        "SELECT actor, action, office, channel, details FROM audit_log WHERE subject = $1 "
        "ORDER BY id",
        f"person:{person_id}",
    )


def today() -> date:
    return datetime.now(KOREA).date()
