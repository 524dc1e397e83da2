"""`/metrics`: Prometheus text for operators, read back with prometheus_client's own parser."""

from __future__ import annotations

import asyncpg
import pytest
from arq import create_pool
from arq.connections import RedisSettings
from litestar import Litestar
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from foundation.jobs import enqueue
from foundation.settings import Settings
from tests.support.factories import run_jobs
from tests.support.notifying import citizen, insert_delivery, insert_notice
from tests.support.problems import PROBLEMS

Client = AsyncTestClient[Litestar]


def operator(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.operator.token}"}


async def scrape(
    client: Client, settings: Settings
) -> dict[str, dict[frozenset[tuple[str, str]], float]]:
    """Every sample of a scrape: by sample name, then by its labels."""
    answer = await client.get("/metrics", headers=operator(settings))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, dict[frozenset[tuple[str, str]], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[frozenset(sample.labels.items())] = sample.value
    return samples


def value(
    samples: dict[str, dict[frozenset[tuple[str, str]], float]], name: str, **labels: str
) -> float:
    return samples.get(name, {}).get(frozenset(labels.items()), 0.0)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer " + "x" * 40}, {"Authorization": "Basic b3BlcmF0b3I6eA=="}],
    ids=["none", "wrong-token", "not-bearer"],
)
async def test_metrics_refuse_without_the_operator_token(
    client: Client, headers: dict[str, str]
) -> None:
    answer = await client.get("/metrics", headers={**headers, "Accept": "text/plain"})
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == PROBLEMS + "operator-token-needed"
    assert "hanchang_" not in answer.text


async def test_metrics_refuse_a_citizens_token(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    answer = await client.get(
        "/metrics", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    assert answer.status_code == 401
    assert answer.json()["type"] == PROBLEMS + "operator-token-needed"


async def test_a_request_is_counted_by_route_status_and_latency(
    client: Client, settings: Settings
) -> None:
    route = {"method": "GET", "route": "/v1/services/{programme_id}"}
    before = await scrape(client, settings)
    assert (await client.get("/v1/services/no-such-programme")).status_code == 404
    after = await scrape(client, settings)

    counted = value(after, "hanchang_http_requests_total", **route, status="404") - value(
        before, "hanchang_http_requests_total", **route, status="404"
    )
    assert counted == 1
    timed = value(after, "hanchang_http_request_duration_seconds_count", **route) - value(
        before, "hanchang_http_request_duration_seconds_count", **route
    )
    assert timed == 1
    assert value(after, "hanchang_http_request_duration_seconds_sum", **route) > value(
        before, "hanchang_http_request_duration_seconds_sum", **route
    )
    # The histogram's buckets are cumulative and end with +Inf holding every request.
    assert value(
        after, "hanchang_http_request_duration_seconds_bucket", **route, le="+Inf"
    ) == value(after, "hanchang_http_request_duration_seconds_count", **route)
    # The scrape itself is a request like any other.
    assert (
        value(after, "hanchang_http_requests_total", method="GET", route="/metrics", status="200")
        >= 1
    )


async def test_queue_depth_and_job_outcomes_follow_the_jobs(
    client: Client, settings: Settings
) -> None:
    redis = await create_pool(RedisSettings.from_dsn(settings.redis.url))
    try:
        await enqueue(redis, "purge_idempotency_keys")
        await enqueue(redis, "purge_idempotency_keys")
        # Refused by the job's signature: a failure arq records as such.
        await enqueue(redis, "purge_idempotency_keys", "surplus argument")
        await enqueue(redis, "send_code")
    finally:
        await redis.aclose()

    waiting = await scrape(client, settings)
    assert value(waiting, "hanchang_queue_jobs", queue="bulk") == 3
    assert value(waiting, "hanchang_queue_jobs", queue="interactive") == 1
    assert value(waiting, "hanchang_scrape_source_up", source="redis") == 1

    await run_jobs(settings)
    done = await scrape(client, settings)
    assert value(done, "hanchang_queue_jobs", queue="bulk") == 0
    assert value(done, "hanchang_queue_jobs", queue="interactive") == 0
    purge = {"queue": "bulk", "function": "purge_idempotency_keys"}
    assert value(done, "hanchang_job_results", **purge, outcome="success") == 2
    assert value(done, "hanchang_job_results", **purge, outcome="failure") == 1
    assert (
        value(
            done,
            "hanchang_job_results",
            queue="interactive",
            function="send_code",
            outcome="failure",
        )
        == 1
    )


async def test_delivery_states_match_the_rows(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, _ = await citizen(owner_conn, settings)
    notice = await insert_notice(owner_conn, person_id=account.person_id, state="delivered")
    await insert_delivery(owner_conn, notice_id=notice, channel="push", state="sent")
    await insert_delivery(owner_conn, notice_id=notice, channel="sms", state="delivered")
    second = await insert_notice(owner_conn, person_id=account.person_id, state="delivered")
    await insert_delivery(owner_conn, notice_id=second, channel="sms", state="delivered")
    await insert_delivery(owner_conn, notice_id=notice, channel="voice", state="ambiguous")

    samples = await scrape(client, settings)
    rows = await owner_conn.fetch(
        "SELECT channel, state, count(*) AS n FROM notice_deliveries GROUP BY channel, state"
    )
    expected = {
        frozenset({("channel", r["channel"]), ("state", r["state"])}): float(r["n"]) for r in rows
    }
    assert samples["hanchang_notice_deliveries"] == expected
    assert value(samples, "hanchang_notice_deliveries", channel="sms", state="delivered") >= 2
    assert value(samples, "hanchang_scrape_source_up", source="postgresql") == 1


async def test_pool_use_is_shown(client: Client, settings: Settings) -> None:
    samples = await scrape(client, settings)
    assert value(samples, "hanchang_request_slots") == settings.http.concurrency
    assert value(samples, "hanchang_db_pool_max_connections") == settings.database.pool_max_size
    assert 1 <= value(samples, "hanchang_db_pool_connections") <= settings.database.pool_max_size
    assert value(samples, "hanchang_request_slots_in_use") == 0
    assert value(samples, "hanchang_request_slots_waiting") == 0
