"""Request metrics: per route and minute, counts, failures and a latency histogram.

Recording a request (foundation/request_trail.py times each one) is one append in
memory; a background task adds the totals to `request_metrics_minute` every few
seconds in one batched upsert, so that several API processes add up. The public
status page reads average and 95th-percentile time and failure counts from there.

The same records also add up, per process and since it started, to the counters and
the latency histogram that `/metrics` shows in Prometheus' format (`families`).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

from foundation.db import CONNECTION_FAILURES, DatabaseBusy

log = logging.getLogger(__name__)

# Upper bounds in milliseconds; the last bucket is everything slower.
BUCKET_BOUNDS_MS: tuple[float, ...] = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
BUCKET_COUNT = len(BUCKET_BOUNDS_MS) + 1
UNMATCHED_ROUTE = "<unmatched>"
# A request slower than this counts as a failure (a timeout) whatever its status:
# the app and kiosks give up waiting after 10 seconds.
TIMEOUT_MS = BUCKET_BOUNDS_MS[-1]


class _Tally:
    __slots__ = ("buckets", "client_errors", "duration_ms_sum", "failures", "requests")

    def __init__(self) -> None:
        self.requests = 0
        self.client_errors = 0
        self.failures = 0
        self.duration_ms_sum = 0.0
        self.buckets = [0] * BUCKET_COUNT


class _Totals:
    """A route's requests since the process started: by status, and their durations."""

    __slots__ = ("buckets", "by_status", "duration_ms_sum")

    def __init__(self) -> None:
        self.by_status: dict[int, int] = {}
        self.duration_ms_sum = 0.0
        self.buckets = [0] * BUCKET_COUNT


class RequestMetrics:
    """In-memory tallies keyed by (minute, method, route), flushed in batches; and totals
    per (method, route) since the process started, for Prometheus."""

    def __init__(self) -> None:
        self._tallies: dict[tuple[int, str, str], _Tally] = {}
        self._totals: dict[tuple[str, str], _Totals] = {}
        # Requests as they finish: (method, route, status, duration_ms, time).
        # Appending is all a request pays; tallying happens in batches (`take`).
        self._recent: list[tuple[str, str, int, float, float]] = []

    def record(self, method: str, route: str, status: int, duration_ms: float, now: float) -> None:
        self._recent.append((method, route, status, duration_ms, now))
        if len(self._recent) >= 10_000:  # bound memory between flushes
            self._tally_recent()

    def _tally_recent(self) -> None:
        recent, self._recent = self._recent, []
        for method, route, status, duration_ms, now in recent:
            self._tally(method, route, status, duration_ms, now)

    def _tally(self, method: str, route: str, status: int, duration_ms: float, now: float) -> None:
        key = (int(now // 60) * 60, method, route)
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally()
        tally.requests += 1
        if status >= 500 or duration_ms > TIMEOUT_MS:
            tally.failures += 1
        elif status >= 400:
            tally.client_errors += 1
        tally.duration_ms_sum += duration_ms
        bucket = bisect.bisect_left(BUCKET_BOUNDS_MS, duration_ms)
        tally.buckets[bucket] += 1
        totals = self._totals.get((method, route))
        if totals is None:
            totals = self._totals[(method, route)] = _Totals()
        totals.by_status[status] = totals.by_status.get(status, 0) + 1
        totals.duration_ms_sum += duration_ms
        totals.buckets[bucket] += 1

    def families(self) -> Iterator[Metric]:
        """This process's requests since it started, as Prometheus metric families: a counter
        per method, route and status, and a latency histogram per method and route."""
        self._tally_recent()
        requests = CounterMetricFamily(
            "hanchang_http_requests",
            "HTTP requests this process answered, by method, route template and status.",
            labels=["method", "route", "status"],
        )
        durations = HistogramMetricFamily(
            "hanchang_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            labels=["method", "route"],
        )
        for (method, route), totals in sorted(self._totals.items()):
            for status, count in sorted(totals.by_status.items()):
                requests.add_metric([method, route, str(status)], count)
            cumulative = 0
            buckets: list[tuple[str, float]] = []
            for bound, count in zip((*BUCKET_BOUNDS_MS, float("inf")), totals.buckets, strict=True):
                cumulative += count
                buckets.append(
                    ("+Inf" if bound == float("inf") else repr(bound / 1000), cumulative)
                )
            durations.add_metric([method, route], buckets, totals.duration_ms_sum / 1000)
        yield requests
        yield durations

    def take(self) -> dict[tuple[int, str, str], _Tally]:
        self._tally_recent()
        tallies, self._tallies = self._tallies, {}
        return tallies

    async def flush(self, pool: asyncpg.Pool) -> int:
        tallies = self.take()
        if not tallies:
            return 0
        rows = [
            (
                datetime.fromtimestamp(minute, UTC),
                method,
                route,
                t.requests,
                t.client_errors,
                t.failures,
                t.duration_ms_sum,
                t.buckets,
            )
            for (minute, method, route), t in tallies.items()
        ]
        try:
            async with pool.acquire() as conn:
                await conn.executemany(
                    """
                    INSERT INTO request_metrics_minute AS m
                        (minute, method, route, requests, client_errors, failures,
                         duration_ms_sum, buckets)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                    ON CONFLICT (minute, method, route) DO UPDATE SET
                        requests = m.requests + excluded.requests,
                        client_errors = m.client_errors + excluded.client_errors,
                        failures = m.failures + excluded.failures,
                        duration_ms_sum = m.duration_ms_sum + excluded.duration_ms_sum,
                        buckets = ARRAY(
                            SELECT a + b FROM unnest(m.buckets, excluded.buckets) AS t(a, b)
                        )
                    """,
                    rows,
                )
        except Exception as exc:
            # Keep the counts for the next try rather than lose them while the database is away
            # (said in one line: a traceback every few seconds of an outage tells nothing).
            away = isinstance(exc, (*CONNECTION_FAILURES, DatabaseBusy))
            log.warning("request metrics flush failed; will retry: %r", exc, exc_info=not away)
            for (minute, method, route), tally in tallies.items():
                self._merge((minute, method, route), tally)
            return 0
        return len(rows)

    def _merge(self, key: tuple[int, str, str], other: _Tally) -> None:
        tally = self._tallies.setdefault(key, _Tally())
        tally.requests += other.requests
        tally.client_errors += other.client_errors
        tally.failures += other.failures
        tally.duration_ms_sum += other.duration_ms_sum
        tally.buckets = [a + b for a, b in zip(tally.buckets, other.buckets, strict=True)]

    async def run_flusher(self, pool: asyncpg.Pool, interval_s: float) -> None:
        try:
            while True:
                await asyncio.sleep(interval_s)
                await self.flush(pool)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await self.flush(pool)
            raise


class RouteSummary(msgspec.Struct, frozen=True):
    method: str
    route: str
    requests: int
    failures: int
    client_errors: int
    average_ms: float
    p95_ms: float


def percentile_from_buckets(buckets: list[int], fraction: float) -> float:
    """The upper bound of the bucket holding the given fraction of requests."""
    total = sum(buckets)
    if total == 0:
        return 0.0
    rank = fraction * total
    seen = 0
    for index, count in enumerate(buckets):
        seen += count
        if seen >= rank:
            return BUCKET_BOUNDS_MS[index] if index < len(BUCKET_BOUNDS_MS) else float("inf")
    return float("inf")


async def summarize_routes(conn: asyncpg.Connection, since: datetime) -> list[RouteSummary]:
    rows = await conn.fetch(
        """
        SELECT method, route, requests, failures, client_errors, duration_ms_sum, buckets
        FROM request_metrics_minute WHERE minute >= $1
        """,
        since,
    )
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        entry = merged.setdefault(
            (row["method"], row["route"]),
            {
                "requests": 0,
                "failures": 0,
                "client_errors": 0,
                "sum": 0.0,
                "buckets": [0] * BUCKET_COUNT,
            },
        )
        entry["requests"] += row["requests"]
        entry["failures"] += row["failures"]
        entry["client_errors"] += row["client_errors"]
        entry["sum"] += row["duration_ms_sum"]
        entry["buckets"] = [a + b for a, b in zip(entry["buckets"], row["buckets"], strict=True)]
    return [
        RouteSummary(
            method=method,
            route=route,
            requests=e["requests"],
            failures=e["failures"],
            client_errors=e["client_errors"],
            average_ms=e["sum"] / e["requests"] if e["requests"] else 0.0,
            p95_ms=percentile_from_buckets(e["buckets"], 0.95),
        )
        for (method, route), e in sorted(merged.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
