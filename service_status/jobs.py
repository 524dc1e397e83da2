"""arq jobs of the status page: probe readiness, evaluate incidents, roll up figures.

Registered in server/worker.py: the probe and the incident evaluation every
minute, the rollups every five minutes. Each is idempotent.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg

from service_status.incidents import evaluate_incidents
from service_status.readiness import (
    ReadinessProbe,
    check_readiness,
    keep_pending,
    probe_result,
    record_probes,
)
from service_status.rollups import roll_up

log = logging.getLogger(__name__)
PENDING_PROBES = "status_pending_probes"


async def probe_readiness(ctx: dict[str, Any]) -> dict[str, Any]:
    """Check PostgreSQL and Redis as /readyz does, and keep the answer for this minute.

    A probe that cannot be stored waits in the worker for the next one that can.
    """
    now = datetime.now(UTC)
    results = await check_readiness(ctx["pool"], ctx["redis"])
    pending: list[ReadinessProbe] = [*ctx.get(PENDING_PROBES, []), probe_result(now, results)]
    try:
        async with ctx["pool"].acquire() as conn:
            await record_probes(conn, pending)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        ctx[PENDING_PROBES] = keep_pending(pending, now)
        log.warning("readiness probe kept for later: %d waiting", len(ctx[PENDING_PROBES]))
        return {**results, "stored": 0}
    ctx[PENDING_PROBES] = []
    return {**results, "stored": len(pending)}


async def evaluate_status_incidents(ctx: dict[str, Any]) -> dict[str, int]:
    async with ctx["pool"].acquire() as conn:
        changes = await evaluate_incidents(conn, datetime.now(UTC))
    for menu, started_at in changes.opened:
        log.warning("status incident opened: %s since %s", menu, started_at.isoformat())
    for menu, ended_at in changes.closed:
        log.info("status incident closed: %s at %s", menu, ended_at.isoformat())
    return {"opened": len(changes.opened), "closed": len(changes.closed)}


async def roll_up_status_metrics(ctx: dict[str, Any]) -> dict[str, int]:
    async with ctx["pool"].acquire() as conn:
        report = await roll_up(conn, datetime.now(UTC))
    return report.pruned
