"""Request metrics: per route and minute, with failures and a latency histogram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from litestar import Litestar, get
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.testing import AsyncTestClient

from foundation.metrics import (
    BUCKET_COUNT,
    RequestMetrics,
    percentile_from_buckets,
    summarize_routes,
)
from foundation.settings import Settings
from server.app import create_app


@get("/v1/_test/items/{item_id:int}")
async def item(item_id: FromPath[int]) -> dict[str, int]:
    if item_id == 500:
        raise RuntimeError("server fault")
    if item_id == 401:
        raise NotAuthorizedException()
    return {"id": item_id}


@pytest.fixture(scope="module")
async def metrics_app(
    settings: Settings,
) -> AsyncIterator[tuple[Litestar, AsyncTestClient[Litestar]]]:
    app = create_app(settings, extra_route_handlers=[item])
    async with AsyncTestClient(app=app) as client:
        yield app, client


async def test_requests_are_counted_by_route_template_and_flushed(
    metrics_app: tuple[Litestar, AsyncTestClient[Litestar]],
    owner_conn: asyncpg.Connection,
    database_url: str,
) -> None:
    app, client = metrics_app
    metrics: RequestMetrics = app.state.metrics
    # The test client serves the app on its own event loop: flush through a pool of ours.
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    await metrics.flush(pool)  # start from nothing pending
    for item_id in (1, 2, 3, 4, 500, 401):
        await client.get(f"/v1/_test/items/{item_id}")
    await client.get("/v1/not-a-route")
    assert await metrics.flush(pool) == 2

    rows = {
        (r["route"], r["method"]): r
        for r in await owner_conn.fetch("SELECT * FROM request_metrics_minute")
    }
    items = rows[("/v1/_test/items/{item_id}", "GET")]
    assert items["requests"] == 6
    assert items["failures"] == 1
    assert items["client_errors"] == 1
    assert sum(items["buckets"]) == 6
    assert items["duration_ms_sum"] > 0
    unmatched = rows[("<unmatched>", "GET")]
    assert unmatched["requests"] == 1 and unmatched["client_errors"] == 1

    # A second process's flush for the same minute adds up instead of overwriting.
    await client.get("/v1/_test/items/9")
    await metrics.flush(pool)
    total = await owner_conn.fetchval(
        "SELECT sum(requests) FROM request_metrics_minute WHERE route = $1",
        "/v1/_test/items/{item_id}",
    )
    assert total == 7

    summary = await summarize_routes(owner_conn, datetime.now(UTC) - timedelta(hours=1))
    by_route = {s.route: s for s in summary}
    assert by_route["/v1/_test/items/{item_id}"].requests == 7
    assert by_route["/v1/_test/items/{item_id}"].failures == 1
    await pool.close()


def test_percentile_reads_the_histogram() -> None:
    buckets = [0] * BUCKET_COUNT
    buckets[0] = 90  # <= 5 ms
    buckets[4] = 10  # <= 100 ms
    assert percentile_from_buckets(buckets, 0.5) == 5
    assert percentile_from_buckets(buckets, 0.95) == 100
    assert percentile_from_buckets([0] * BUCKET_COUNT, 0.95) == 0


def test_recording_buckets_by_minute() -> None:
    metrics = RequestMetrics()
    metrics.record("GET", "/a", 200, 3.0, now=120.5)
    metrics.record("GET", "/a", 503, 7000.0, now=179.9)
    metrics.record("GET", "/a", 200, 20000.0, now=180.0)
    tallies = metrics.take()
    assert set(tallies) == {(120, "GET", "/a"), (180, "GET", "/a")}
    first = tallies[(120, "GET", "/a")]
    assert first.requests == 2 and first.failures == 1
    assert first.buckets[0] == 1 and first.buckets[10] == 1
    assert tallies[(180, "GET", "/a")].buckets[-1] == 1
    assert metrics.take() == {}


async def test_counts_survive_a_failed_flush(settings: Settings) -> None:
    metrics = RequestMetrics()
    metrics.record("GET", "/a", 200, 3.0, now=60.0)
    pool = await asyncpg.create_pool(settings.database.url, min_size=0)
    assert pool is not None
    await pool.close()
    assert await metrics.flush(pool) == 0
    assert metrics.take()[(60, "GET", "/a")].requests == 1
