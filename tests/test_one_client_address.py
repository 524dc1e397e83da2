"""One client address for the whole app (issue 13): the sign-in audit rows and the staff
access record (`audit_log.source_address`) name the client the way the sign-in throttles
do (foundation/client_address.py), so behind our own proxy they name the client, not the
proxy, and a header written by the client itself is not believed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.settings import Settings, load_settings
from server.app import create_app
from tests.support.environment import environment_for_tests
from tests.support.factories import last_audit_details, make_account
from tests.support.sources import PROXY, BehindProxy, from_address
from tests.support.staff import enrolled_staff, staff_sign_in

CLIENT = "198.51.100.23"


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            tmp_path_factory.mktemp("data"),
            HANCHANG_TRUSTED_PROXIES=PROXY,
        )
    )


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=BehindProxy(create_app(settings))) as test_client:
        test_client.headers["Sec-Fetch-Site"] = "same-origin"  # as the console's pages send
        yield test_client


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: AsyncTestClient[Any]) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def test_a_failed_sign_in_is_audited_with_the_client_behind_the_proxy(
    client: AsyncTestClient[Any], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="어진호")
    refused = await client.post(
        "/v1/auth/totp/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": "000000",
        },
        # The client's own claim, then what our proxy appended.
        headers=from_address(f"192.0.2.1, {CLIENT}"),
    )
    assert refused.status_code == 401
    failed = await last_audit_details(owner_conn, "auth.sign_in.failed", f"account:{account.id}")
    assert failed["address"] == CLIENT


async def test_the_staff_access_record_names_the_client_behind_the_proxy(
    client: AsyncTestClient[Any],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client.headers["X-Forwarded-For"] = f"192.0.2.1, {CLIENT}"
    try:
        staff_id, authenticator = await enrolled_staff(settings, database_url, capsys, client)
        status, body = await staff_sign_in(client, authenticator)
    finally:
        del client.headers["X-Forwarded-For"]
    assert status == 200, body
    rows = await owner_conn.fetch(
        "SELECT action, source_address FROM audit_log WHERE actor = $1 ORDER BY id",
        f"staff:{staff_id}",
    )
    assert rows
    assert {row["source_address"] for row in rows} == {CLIENT}, [dict(r) for r in rows]
