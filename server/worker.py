"""arq worker settings in one place: every job and cron job the workers run.

Two workers, each on its own queue (foundation/jobs.py says which job goes where):

- **bulk** (`hanchang worker`): notices, scans, rollups and every cron job;
- **interactive** (`hanchang worker --queue interactive`): sign-in and card-unlock
  codes and alerts about a person's account; no cron, no scan, so nothing a
  person waits for at a screen queues behind a batch.

`hanchang run` starts both. Each job holds at most one pooled connection at a
time (foundation/db.py refuses a second), so each worker's pool has exactly one
connection per job it runs at once (`max_jobs`). A test checks that every job
name the code enqueues is registered on the worker of its queue.

A worker that dies leaves its jobs in arq's queue, marked in progress until a
timeout (up to half an hour). `server/job_registry.py` lets the next worker take
them back at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings
from arq.worker import Function

from auth import send_code
from foundation.audit import verify_audit_chain
from foundation.audit_checkpoints import (
    check_checkpoint,
    find_checkpoints,
    read_chain_head,
    save_checkpoint,
)
from foundation.db import create_pool
from foundation.jobs import BULK_QUEUE, INTERACTIVE_QUEUE
from foundation.korea import KOREA
from foundation.settings import Settings
from notifications.bank_account_notice import announce_bank_account_change
from notifications.jobs import (
    deliver_notices,
    deliver_urgent_notices,
    dispatch_due_notices,
    fallback_unread_push,
    notify_application_events,
    person_facts_changed,
    print_letters,
    resolve_ambiguous,
    retry_deliveries,
    scan_notices,
    sweep_deliveries,
    watch_new_facts,
)
from notifications.staff_callback_notice import confirm_staff_callback
from onestop.applications import purge_expired_keys
from onestop.eligibility.jobs import evaluate_eligibility
from server.audit_anchor import AuditAnchor
from server.job_registry import JobRegistry
from server.tracing import tracer_provider
from server.worker_tracing import traced_jobs
from service_status.jobs import evaluate_status_incidents, probe_readiness, roll_up_status_metrics

log = logging.getLogger(__name__)


async def verify_audit_log(ctx: dict[str, Any]) -> dict[str, int]:
    """Nightly: recompute the audit log's hash chain and shout if it is broken."""
    async with ctx["pool"].acquire() as conn:
        report = await verify_audit_chain(conn)
    if not report.ok:
        log.error("audit log chain broken at rows %s", [b.id for b in report.breaks[:20]])
    return {"rows": report.rows, "breaks": len(report.breaks)}


async def checkpoint_audit_log(ctx: dict[str, Any]) -> dict[str, int]:
    """Every minute: sign the audit log's head and keep it outside the database
    (foundation/audit_checkpoints.py); first shout if the last checkpoint no longer holds."""
    settings: Settings = ctx["settings"]
    audit = settings.audit
    found = await find_checkpoints(ctx["redis"], audit.checkpoint_file, audit.checkpoint_key)
    for forged in found.forged:
        log.error("audit checkpoint forged: %s", forged)
    async with ctx["pool"].acquire() as conn:
        problems = [
            problem
            for _place, checkpoint in found.good
            for problem in await check_checkpoint(conn, checkpoint)
        ]
        head = await read_chain_head(conn, audit.checkpoint_key)
    for problem in dict.fromkeys(problems):
        log.error("audit log TAMPERED: %s", problem)
    if head is None:
        return {"rows": 0, "problems": len(problems)}
    await save_checkpoint(ctx["redis"], audit.checkpoint_file, head, audit.checkpoint_key)
    return {"rows": head.rows, "last_id": head.last_id, "problems": len(problems)}


async def purge_idempotency_keys(ctx: dict[str, Any]) -> int:
    """Hourly: forget submit idempotency keys older than their 24 hours."""
    async with ctx["pool"].acquire() as conn:
        return await purge_expired_keys(conn)


# A delivery job paces its sends (30 SMS a second over all workers by default), so a
# batch of 500 may take minutes when several run at once.
DELIVERY_TIMEOUT_S = 1_800

JOB_FUNCTIONS = [
    verify_audit_log,
    checkpoint_audit_log,
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
    func(deliver_notices, timeout=DELIVERY_TIMEOUT_S),
    retry_deliveries,
    sweep_deliveries,
    resolve_ambiguous,
    fallback_unread_push,
    print_letters,
]
INTERACTIVE_FUNCTIONS = [
    send_code,
    announce_bank_account_change,
    deliver_urgent_notices,
    confirm_staff_callback,
]
# Cron times are Korea time whatever the container's time zone (see `timezone` below).
CRON_JOBS = [
    cron(verify_audit_log, hour={3}, minute={17}, run_at_startup=False),
    # The audit log's head, signed, outside the database: removed newest rows show.
    cron(checkpoint_audit_log, second={25}, timeout=55),
    # Eligibility for everyone, then a notice for each newly eligible person. Run at
    # night; the notices themselves wait for the morning (quiet hours).
    cron(scan_notices, hour={1}, minute={30}, timeout=1_800, run_at_startup=False),
    cron(watch_new_facts, second={10}, timeout=55),
    cron(notify_application_events, second={15}, timeout=55),
    cron(dispatch_due_notices, second={45}, timeout=55),
    cron(retry_deliveries, second={5}, timeout=55),
    cron(sweep_deliveries, second={50}, timeout=55),
    cron(resolve_ambiguous, second={20}, timeout=55),
    cron(fallback_unread_push, minute={23}, timeout=300),
    cron(print_letters, hour={6}, minute={0}, timeout=600),
    cron(purge_idempotency_keys, minute={41}, run_at_startup=False),
    # The public status page: readiness every minute (so quiet hours have data),
    # incidents once each minute has settled, rollups and retention every 5 minutes.
    cron(probe_readiness, second={0}, timeout=30),
    cron(evaluate_status_incidents, second={30}, timeout=55),
    cron(roll_up_status_metrics, minute=set(range(2, 60, 5)), second={40}, timeout=240),
]


def _name(function: Any) -> str:
    return function.name if isinstance(function, Function) else str(function.__name__)


def registered_job_names(queue: str = BULK_QUEUE) -> set[str]:
    functions = INTERACTIVE_FUNCTIONS if queue == INTERACTIVE_QUEUE else JOB_FUNCTIONS
    return {_name(function) for function in functions}


def worker_settings(
    settings: Settings,
    clock: Callable[[], datetime] | None = None,
    *,
    queue: str = BULK_QUEUE,
    worker_id: str | None = None,
    anchor_audit: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker` on `queue`, built from our settings (`clock`:
    tests only; `worker_id`: see server/job_registry.py; `anchor_audit`: anchor the audit
    log's head as its rows commit, server/audit_anchor.py — `hanchang worker` does)."""
    interactive = queue == INTERACTIVE_QUEUE
    max_jobs = settings.worker.interactive_max_jobs if interactive else settings.worker.max_jobs
    registry = JobRegistry(queue, worker_id)
    anchor = AuditAnchor(settings) if anchor_audit else None
    functions: list[Any] = list(INTERACTIVE_FUNCTIONS if interactive else JOB_FUNCTIONS)
    crons = [] if interactive else list(CRON_JOBS)
    provider = tracer_provider(settings.tracing) if settings.tracing.enabled else None
    if provider is not None:
        functions, crons = traced_jobs(functions, crons, queue, provider)

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        if clock is not None:
            ctx["clock"] = clock
        # One connection per job that can run at once: a job never holds two.
        ctx["pool"] = await create_pool(settings.database, min_size=1, max_size=max_jobs)
        await registry.start(ctx["redis"])
        if anchor is not None:
            await anchor.start(ctx["redis"])

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await registry.stop()
        if anchor is not None:
            await anchor.stop()
        pool = ctx.get("pool")
        if pool is not None:
            await pool.close()
        if provider is not None:
            # Send the spans still waiting in the batch (blocking: the SDK's own thread).
            await asyncio.to_thread(provider.shutdown)

    return {
        "functions": functions,
        "cron_jobs": crons,
        "queue_name": queue,
        "max_jobs": max_jobs,
        "redis_settings": RedisSettings.from_dsn(settings.redis.url),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "on_job_start": registry.job_started,
        "after_job_end": registry.job_ended,
        "job_timeout": 300,
        # A person waits for a code: look for one often (arq's default is every 0.5 s).
        "poll_delay": 0.1 if interactive else 0.5,
        "max_tries": 5,
        "handle_signals": True,
        "timezone": KOREA,
    }
