"""Screen-load beacons: checked whole, limited per address, stored as sums with nothing personal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from status_page.telemetry import BATCHES_PER_ADDRESS_PER_MINUTE, MAX_BATCH

URL = "/v1/telemetry/screen-loads"


@pytest.fixture(autouse=True)
async def fresh_limit(redis_url: str) -> AsyncIterator[None]:
    """Each test starts with the per-address limit unused (the test client has one address)."""
    redis = Redis.from_url(redis_url)
    keys = [key async for key in redis.scan_iter("limit:screen-loads-ip:*")]
    if keys:
        await redis.delete(*keys)
    yield
    await redis.aclose()


def load(**overrides: Any) -> dict[str, Any]:
    return {
        "menu": "sign-in",
        "load_ms": 850,
        "channel": "app",
        "occurred_at": datetime.now(UTC).isoformat(),
        **overrides,
    }


async def _post(client: AsyncTestClient[Litestar], body: Any, **headers: str) -> Any:
    return await client.post(URL, json=body, headers={"Accept-Language": "en", **headers})


def _fields(response: Any) -> dict[str, str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/problems/validation-error")
    return {error["field"]: error["detail"] for error in body["errors"]}


async def test_a_batch_is_stored_per_minute_menu_and_channel(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection
) -> None:
    minute = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
    loads = [
        load(load_ms=800, occurred_at=(minute + timedelta(seconds=5)).isoformat()),
        load(load_ms=1200, occurred_at=(minute + timedelta(seconds=50)).isoformat()),
        load(channel="kiosk", load_ms=3000.5, occurred_at=minute.isoformat()),
        load(menu="my-account", load_ms=40, occurred_at=minute.isoformat()),
    ]
    response = await _post(client, {"loads": loads})
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 4}
    rows = await owner_conn.fetch(
        "SELECT menu, channel, loads, load_ms_sum, buckets FROM status_screen_load_minute "
        "WHERE minute = $1 ORDER BY menu, channel",
        minute,
    )
    assert [(r["menu"], r["channel"], r["loads"], r["load_ms_sum"]) for r in rows] == [
        ("my-account", "app", 1, 40.0),
        ("sign-in", "app", 2, 2000.0),
        ("sign-in", "kiosk", 1, 3000.5),
    ]
    assert rows[1]["buckets"][7] == 1 and rows[1]["buckets"][8] == 1
    # A second batch for the same minute adds up.
    assert (
        await _post(client, {"loads": [load(load_ms=1000, occurred_at=minute.isoformat())]})
    ).status_code == 202
    assert (
        await owner_conn.fetchval(
            "SELECT loads FROM status_screen_load_minute WHERE minute = $1 AND menu = 'sign-in' "
            "AND channel = 'app'",
            minute,
        )
        == 3
    )
    # Nothing about who sent them is kept.
    columns = {
        r["column_name"]
        for r in await owner_conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name LIKE 'status\\_%'"
        )
    }
    assert not columns & {"account_id", "person_id", "ip", "address", "client", "device"}


async def test_every_bad_item_is_named_and_nothing_is_stored(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection
) -> None:
    before = await owner_conn.fetchval(
        "SELECT coalesce(sum(loads), 0) FROM status_screen_load_minute"
    )
    now = datetime.now(UTC)
    response = await _post(
        client,
        {
            "loads": [
                load(),
                load(menu="payroll"),
                load(occurred_at=(now + timedelta(hours=1)).isoformat()),
                load(occurred_at=(now - timedelta(hours=25)).isoformat()),
            ]
        },
    )
    fields = _fields(response)
    assert fields == {
        "body.loads[1].menu": "Use one of the menu ids in /status.json.",
        "body.loads[2].occurred_at": "This time is in the future.",
        "body.loads[3].occurred_at": "Send screen loads within 24 hours of when they happened.",
    }
    after = await owner_conn.fetchval(
        "SELECT coalesce(sum(loads), 0) FROM status_screen_load_minute"
    )
    assert after == before


@pytest.mark.parametrize(
    "body",
    [
        {"loads": []},
        {"loads": [load()] * (MAX_BATCH + 1)},
        {"loads": [load(load_ms=0)]},
        {"loads": [load(load_ms=-5)]},
        {"loads": [load(load_ms=120_001)]},
        {"loads": [load(load_ms="fast")]},
        {"loads": [load(channel="web")]},
        {"loads": [load(occurred_at="2026-01-01T10:00:00")]},  # no time zone
        {"loads": [load(occurred_at="yesterday")]},
        {"loads": [{**load(), "account_id": 42}]},  # personal data is refused, not dropped
        {"loads": [load()], "device_id": "abc"},
        {"loads": [{"menu": "sign-in", "load_ms": 10, "channel": "app"}]},
        {"screen": "sign-in"},
        [load()],
    ],
)
async def test_malformed_batches_get_problem_json(
    client: AsyncTestClient[Litestar], body: Any
) -> None:
    fields = _fields(await _post(client, body))
    assert fields and all(field.startswith("body") for field in fields)


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({"loads": []}, "body.loads", "Send 1 to 100 screen loads in a batch."),
        (
            {"loads": [load(load_ms=0)]},
            "body.loads[0].load_ms",
            "Enter a load time of more than 0 and at most 120,000 milliseconds.",
        ),
        (
            {"loads": [load(occurred_at="2026-01-01T10:00:00")]},
            "body.loads[0].occurred_at",
            "Give the time with its time zone, like 2026-11-25T09:30:00+09:00.",
        ),
    ],
)
async def test_range_errors_say_what_is_expected(
    client: AsyncTestClient[Litestar], body: Any, field: str, detail: str
) -> None:
    assert _fields(await _post(client, body)) == {field: detail}


async def test_not_json_and_too_large(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        URL,
        content=b"{not json",
        headers={"Content-Type": "application/json", "Accept-Language": "ko"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["content-language"] == "ko"
    huge = await client.post(
        URL,
        content=b'{"loads": [' + b" " * 70_000 + b"]}",
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("application/problem+json")


async def test_batches_are_limited_per_client_address(client: AsyncTestClient[Litestar]) -> None:
    statuses = [
        (await _post(client, {"loads": [load()]})).status_code
        for _ in range(BATCHES_PER_ADDRESS_PER_MINUTE)
    ]
    assert statuses == [202] * BATCHES_PER_ADDRESS_PER_MINUTE
    refused = await _post(client, {"loads": [load()]})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) >= 1
