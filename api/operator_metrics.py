"""`/metrics`: what the service is doing, in Prometheus' text format, for operators.

Exposed with the maintained `prometheus-client` library. Request counts and latencies
are this process's, since it started (foundation/metrics.py, fed by the one timing of
each request in foundation/request_trail.py): with several API processes, scrape each.
Everything else is read at scrape time from the shared stores, so any process answers
the same: queue depth from Redis (arq's queues), job outcomes from the results arq keeps
in Redis for an hour (the workers are other processes, and need no endpoint of their
own), delivery states from PostgreSQL, and this process's pool and request slots. A
store that does not answer within a couple of seconds is left out of that scrape, and
`hanchang_scrape_source_up{source=...}` says 0, so the rest still arrives.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import msgspec
from litestar import MediaType, Request, Response, get
from litestar.openapi import ResponseSpec
from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from api.admin_data_quality import OPERATOR
from api.auth_guard import require_operator
from foundation.jobs import JobOutcomes, finished_jobs, queue_depths
from foundation.metrics import RequestMetrics
from foundation.problems import problem_responses
from notifications.admin_counts import DeliveryStateCount, count_deliveries_by_state

log = logging.getLogger(__name__)

# A scrape waits at most this long for each store (Prometheus' own timeout is 10 s).
SOURCE_TIMEOUT_S = 3.0


class PoolUse(msgspec.Struct, frozen=True, kw_only=True):
    connections: int
    idle: int
    max_connections: int
    slots: int
    slots_in_use: int
    slots_waiting: int


class ScrapeValues(msgspec.Struct, frozen=True, kw_only=True):
    """What one scrape read from the stores; None where the store did not answer."""

    queue_depths: dict[str, int] | None
    job_outcomes: list[JobOutcomes] | None
    deliveries: list[DeliveryStateCount] | None
    pool: PoolUse


class ServiceCollector(Collector):
    """The scrape's values as metric families (prometheus-client's custom collector)."""

    def __init__(self, values: ScrapeValues, requests: RequestMetrics | None) -> None:
        self.values = values
        self.requests = requests

    def collect(self) -> Iterator[Metric]:
        if self.requests is not None:
            yield from self.requests.families()
        values = self.values
        up = GaugeMetricFamily(
            "hanchang_scrape_source_up",
            "1 when this scrape could read the source (redis, postgresql), else 0.",
            labels=["source"],
        )
        up.add_metric(["redis"], 0 if values.queue_depths is None else 1)
        up.add_metric(["postgresql"], 0 if values.deliveries is None else 1)
        yield up
        if values.queue_depths is not None:
            depth = GaugeMetricFamily(
                "hanchang_queue_jobs",
                "Jobs on an arq queue, due or deferred, not yet finished.",
                labels=["queue"],
            )
            for queue, count in sorted(values.queue_depths.items()):
                depth.add_metric([queue], count)
            yield depth
        if values.job_outcomes is not None:
            outcomes = GaugeMetricFamily(
                "hanchang_job_results",
                "Jobs that ended within arq's result window (the last hour), by queue, "
                "function and outcome (success, failure).",
                labels=["queue", "function", "outcome"],
            )
            for item in values.job_outcomes:
                outcomes.add_metric([item.queue, item.function, item.outcome], item.count)
            yield outcomes
        if values.deliveries is not None:
            deliveries = GaugeMetricFamily(
                "hanchang_notice_deliveries",
                "Notice deliveries by channel and state.",
                labels=["channel", "state"],
            )
            for row in values.deliveries:
                deliveries.add_metric([row.channel, row.state], row.count)
            yield deliveries
        pool = values.pool
        yield GaugeMetricFamily(
            "hanchang_db_pool_connections",
            "Connections this process's PostgreSQL pool holds open.",
            value=pool.connections,
        )
        yield GaugeMetricFamily(
            "hanchang_db_pool_idle_connections",
            "Open connections of the pool that no one is using.",
            value=pool.idle,
        )
        yield GaugeMetricFamily(
            "hanchang_db_pool_max_connections",
            "The most connections the pool opens (HANCHANG_DB_POOL_MAX).",
            value=pool.max_connections,
        )
        yield GaugeMetricFamily(
            "hanchang_request_slots",
            "Requests that may hold a transaction at once (HANCHANG_API_CONCURRENCY).",
            value=pool.slots,
        )
        yield GaugeMetricFamily(
            "hanchang_request_slots_in_use",
            "Requests holding a transaction now.",
            value=pool.slots_in_use,
        )
        yield GaugeMetricFamily(
            "hanchang_request_slots_waiting",
            "Requests waiting for a slot now (they get 503 after the acquire timeout).",
            value=pool.slots_waiting,
        )


async def _from_redis(request: Request[Any, Any, Any]) -> tuple[dict[str, int], list[JobOutcomes]]:
    redis = request.app.state.redis
    return await queue_depths(redis), await finished_jobs(redis)


async def _from_postgresql(request: Request[Any, Any, Any]) -> list[DeliveryStateCount]:
    async with request.app.state.pool.acquire() as conn:
        return await count_deliveries_by_state(conn)


async def _read(source: str, read: Any) -> Any:
    try:
        async with asyncio.timeout(SOURCE_TIMEOUT_S):
            return await read
    except Exception:
        log.warning("metrics: %s did not answer; left out of this scrape", source, exc_info=True)
        return None


async def scrape_values(request: Request[Any, Any, Any]) -> ScrapeValues:
    from_redis, deliveries = await asyncio.gather(
        _read("redis", _from_redis(request)), _read("postgresql", _from_postgresql(request))
    )
    pool = request.app.state.pool
    slots = request.app.state.request_slots
    return ScrapeValues(
        queue_depths=from_redis[0] if from_redis is not None else None,
        job_outcomes=from_redis[1] if from_redis is not None else None,
        deliveries=deliveries,
        pool=PoolUse(
            connections=pool.get_size(),
            idle=pool.get_idle_size(),
            max_connections=pool.get_max_size(),
            slots=slots.concurrency,
            slots_in_use=slots.in_use,
            slots_waiting=slots.waiting,
        ),
    )


@get(
    "/metrics",
    tags=["operators"],
    guards=[require_operator],
    security=OPERATOR,
    media_type=MediaType.TEXT,
    summary="What the service is doing, for Prometheus (operators only)",
    responses={
        200: ResponseSpec(
            generate_examples=False,
            data_container=str,
            media_type=MediaType.TEXT,
            description="Prometheus text exposition format 0.0.4",
        ),
        **problem_responses(401),
    },
    description=(
        "Prometheus text format (`text/plain; version=0.0.4`), for a scraper with the "
        "operator token. This process's requests since it started: "
        "`hanchang_http_requests_total{method,route,status}` and the latency histogram "
        "`hanchang_http_request_duration_seconds{method,route}`. Read at each scrape: "
        "`hanchang_queue_jobs{queue}` (arq queues `bulk`, `interactive`), "
        "`hanchang_job_results{queue,function,outcome}` (jobs ended in the last hour), "
        "`hanchang_notice_deliveries{channel,state}`, the PostgreSQL pool "
        "(`hanchang_db_pool_*`) and request slots (`hanchang_request_slots*`); "
        "`hanchang_scrape_source_up{source}` is 0 for a store that did not answer. "
        "Counts only, no people."
    ),
)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(await scrape_values(request), request.app.state.metrics))
    ProcessCollector(registry=registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_PLAIN_0_0_4)


ROUTES: list[Any] = [metrics]
