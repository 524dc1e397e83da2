"""arq worker settings in one place: every job and cron job the workers run.

Start a worker with `hanchang worker` (as `make run` does), which runs
`arq.Worker(**worker_settings(settings))`. A test checks that
every job name the code enqueues is registered here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from arq import cron
from arq.connections import RedisSettings

from auth.code_delivery import send_code
from notifications.jobs import (
    deliver_notices,
    dispatch_due_notices,
    fallback_unread_push,
    notify_application_events,
    person_facts_changed,
    print_letters,
    retry_deliveries,
    scan_notices,
    sweep_deliveries,
    watch_new_facts,
)
from onestop.applications import announce_bank_account_change, purge_expired_keys
from onestop.eligibility.jobs import evaluate_eligibility
from server.audit import verify_audit_chain
from server.db import create_pool
from server.settings import Settings
from server.status.jobs import evaluate_status_incidents, probe_readiness, roll_up_status_metrics

log = logging.getLogger(__name__)
KOREA = ZoneInfo("Asia/Seoul")


async def verify_audit_log(ctx: dict[str, Any]) -> dict[str, int]:
    """Nightly: recompute the audit log's hash chain and shout if it is broken."""
    async with ctx["pool"].acquire() as conn:
        report = await verify_audit_chain(conn)
    if not report.ok:
        log.error("audit log chain broken at rows %s", [b.id for b in report.breaks[:20]])
    return {"rows": report.rows, "breaks": len(report.breaks)}


async def purge_idempotency_keys(ctx: dict[str, Any]) -> int:
    """Hourly: forget submit idempotency keys older than their 24 hours."""
    async with ctx["pool"].acquire() as conn:
        return await purge_expired_keys(conn)


JOB_FUNCTIONS = [
    verify_audit_log,
    send_code,
    announce_bank_account_change,
    purge_idempotency_keys,
    probe_readiness,
    evaluate_status_incidents,
    roll_up_status_metrics,
    evaluate_eligibility,
    scan_notices,
    person_facts_changed,
    watch_new_facts,
    notify_application_events,
    dispatch_due_notices,
    deliver_notices,
    retry_deliveries,
    sweep_deliveries,
    fallback_unread_push,
    print_letters,
]
# Cron times are Korea time whatever the container's time zone (see `timezone` below).
CRON_JOBS = [
    cron(verify_audit_log, hour={3}, minute={17}, run_at_startup=False),
    # Eligibility for everyone, then a notice for each newly eligible person. Run at
    # night; the notices themselves wait for the morning (quiet hours).
    cron(scan_notices, hour={1}, minute={30}, timeout=1_800, run_at_startup=False),
    cron(watch_new_facts, second={10}, timeout=55),
    cron(notify_application_events, second={15}, timeout=55),
    cron(dispatch_due_notices, second={45}, timeout=55),
    cron(retry_deliveries, second={5}, timeout=55),
    cron(sweep_deliveries, minute=set(range(1, 60, 5)), timeout=120),
    cron(fallback_unread_push, minute={23}, timeout=300),
    cron(print_letters, hour={6}, minute={0}, timeout=600),
    cron(purge_idempotency_keys, minute={41}, run_at_startup=False),
    # The public status page: readiness every minute (so quiet hours have data),
    # incidents once each minute has settled, rollups and retention every 5 minutes.
    cron(probe_readiness, second={0}, timeout=30),
    cron(evaluate_status_incidents, second={30}, timeout=55),
    cron(roll_up_status_metrics, minute=set(range(2, 60, 5)), second={40}, timeout=240),
]


def registered_job_names() -> set[str]:
    return {function.__name__ for function in JOB_FUNCTIONS}


def worker_settings(
    settings: Settings, clock: Callable[[], datetime] | None = None
) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker`, built from our settings (`clock`: tests only)."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        if clock is not None:
            ctx["clock"] = clock
        ctx["pool"] = await create_pool(settings.database, min_size=1)

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        pool = ctx.get("pool")
        if pool is not None:
            await pool.close()

    return {
        "functions": JOB_FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "redis_settings": RedisSettings.from_dsn(settings.redis.url),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "job_timeout": 300,
        "max_tries": 5,
        "handle_signals": True,
        "timezone": KOREA,
    }
