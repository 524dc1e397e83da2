"""The arq jobs of proactive notices (registered in server/worker.py).

    scan_notices          daily (and `hanchang notify scan`): eligibility for everyone,
                          then a notice for each newly eligible person, then dispatch
    person_facts_changed  new facts for some people: the same for them, at once
    watch_new_facts       every minute: people with facts added since the last look
    notify_application_events  every minute: a notice per application status change
    dispatch_due_notices  every minute: due notices, 500 per `deliver_notices` job
    deliver_notices       one batch: channel by channel, with fallback (paced)
    deliver_urgent_notices  the same for an account notice, on the interactive queue
    retry_deliveries      every minute: temporary failures whose backoff has passed
    sweep_deliveries      every minute: claims a lost job left (retried, or ambiguous)
    resolve_ambiguous     every minute: ask the provider whether a send in doubt went
    fallback_unread_push  hourly: a push unread after 48 hours goes by SMS once
    print_letters         daily: the day's letters to var/letters/<date>.txt

Jobs enqueue other jobs only after their own transaction has committed, and
each holds at most one pooled connection at a time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from arq import Retry
from arq.constants import job_key_prefix

from foundation.db import CONNECTION_FAILURES
from foundation.jobs import BULK_QUEUE, enqueue
from foundation.korea import KOREA
from notifications import delivery, recipients
from notifications.notices import (
    BATCH,
    claim_due_notices,
    create_application_notices,
    create_benefit_notices,
)
from notifications.resolve import resolve_ambiguous_deliveries
from notifications.settle import settle_notices
from onestop.eligibility import evaluate_population

log = logging.getLogger(__name__)


def _now(ctx: dict[str, Any]) -> datetime:
    # Tests put a clock in ctx (through the worker's on_startup) to play quiet hours.
    clock = ctx.get("clock")
    return clock() if clock else datetime.now(UTC)


def _korean_day(ctx: dict[str, Any]) -> date:
    """The day the rules are evaluated for: today in Korea, by the same clock."""
    return _now(ctx).astimezone(KOREA).date()


def _quiet_hours(ctx: dict[str, Any]) -> bool:
    return bool(ctx["settings"].notifications.quiet_hours)


# Bulk jobs the dispatcher lets wait or run at once, out of the worker's `max_jobs`: the
# rest stays free for the cron jobs (the readiness probe of the status page, the sweep,
# the resolver), so a burst of notices never stalls them.
FREE_FOR_CRON = 3


async def _dispatch(ctx: dict[str, Any], *, from_delivery: bool = False) -> int:
    """Claim due notices in batches and enqueue a delivery job per batch, while the bulk
    queue holds fewer jobs than the worker can run beside its crons. A delivery job
    calls this when it ends (`from_delivery`: it is still in the queue itself), so the
    next batch follows at once; the cron every minute picks up the rest."""
    slots = max(1, ctx["settings"].worker.max_jobs - FREE_FOR_CRON) + int(from_delivery)
    batches = 0
    while await ctx["redis"].zcard(BULK_QUEUE) < slots:
        # The job's id goes on the claim before it is enqueued: killed in between, the
        # claim names a job that never came, and the sweep hands it back.
        job_id = f"deliver-{uuid.uuid4().hex}"
        async with ctx["pool"].acquire() as conn, conn.transaction():
            claimed = await claim_due_notices(conn, _now(ctx), BATCH, job_id)
        if not claimed:
            return batches
        await enqueue(ctx["redis"], "deliver_notices", claimed, _job_id=job_id)
        batches += 1
    return batches


async def scan_notices(ctx: dict[str, Any]) -> dict[str, Any]:
    """Eligibility for everyone, notices for the newly eligible, then dispatch."""
    async with ctx["pool"].acquire() as conn:
        run = await evaluate_population(conn, _korean_day(ctx))
        async with conn.transaction():
            created = await create_benefit_notices(conn, _now(ctx), quiet_hours=_quiet_hours(ctx))
    return {"people": run.people, "notices": created, "batches": await _dispatch(ctx)}


async def person_facts_changed(ctx: dict[str, Any], person_ids: Sequence[int]) -> dict[str, Any]:
    """New facts for these people (e.g. an employment ended): evaluate and tell them now."""
    async with ctx["pool"].acquire() as conn:
        await evaluate_population(conn, _korean_day(ctx), list(person_ids))
        async with conn.transaction():
            created = await create_benefit_notices(
                conn, _now(ctx), list(person_ids), quiet_hours=_quiet_hours(ctx)
            )
    return {"notices": created, "batches": await _dispatch(ctx)}


async def watch_new_facts(ctx: dict[str, Any]) -> dict[str, Any]:
    """People whose linked facts grew since the last look (an employment ended, a child
    was registered): re-evaluated and told within the minute. Facts are append-only, so
    their id is the watermark."""
    async with ctx["pool"].acquire() as conn, conn.transaction():
        last = await conn.fetchval(
            "SELECT value FROM job_watermarks WHERE name = 'person_facts' FOR UPDATE"
        )
        if last is None:
            # First run: start from now; the nightly scan covers everything before.
            newest = await conn.fetchval("SELECT coalesce(max(id), 0) FROM person_facts")
            await conn.execute(
                "INSERT INTO job_watermarks (name, value) VALUES ('person_facts', $1) "
                "ON CONFLICT (name) DO NOTHING",
                newest,
            )
            return {"people": 0}
        # In fact-id order, so that the watermark never skips a fact. (A load still open
        # while the watermark passes its ids would be missed here; the nightly scan
        # still finds those people.)
        batch = await conn.fetchrow(
            """
            WITH batch AS (
                SELECT id, person_id FROM person_facts WHERE id > $1 ORDER BY id LIMIT 20000)
            SELECT array_agg(DISTINCT person_id) AS people, max(id) AS newest FROM batch
            """,
            last,
        )
        if batch is None or batch["newest"] is None:
            return {"people": 0}
        people = sorted(batch["people"])
        await conn.execute(
            "UPDATE job_watermarks SET value = $1 WHERE name = 'person_facts'", batch["newest"]
        )
    for start in range(0, len(people), BATCH):
        await enqueue(ctx["redis"], "person_facts_changed", people[start : start + BATCH])
    return {"people": len(people)}


async def notify_application_events(ctx: dict[str, Any]) -> dict[str, Any]:
    """A notice per status change; and the people concerned are re-evaluated (a rejected
    application may leave another programme to tell them about)."""
    async with ctx["pool"].acquire() as conn, conn.transaction():
        people = await create_application_notices(conn, _now(ctx), quiet_hours=_quiet_hours(ctx))
    if not people:
        return {"notices": 0, "batches": 0}
    for start in range(0, len(people), BATCH):
        await enqueue(ctx["redis"], "person_facts_changed", people[start : start + BATCH])
    return {"notices": len(people), "batches": await _dispatch(ctx)}


async def dispatch_due_notices(ctx: dict[str, Any]) -> int:
    return await _dispatch(ctx)


def _job_id(ctx: dict[str, Any]) -> str:
    # The claim's owner: arq gives the same id when it runs a job again.
    return str(ctx.get("job_id") or f"direct-{uuid.uuid4()}")


# A delivery job that loses PostgreSQL is run again after these pauses (arq's `Retry`,
# same job id: the run takes back the claims the last one left, notifications/delivery.py),
# rather than failing and leaving them to the sweep's ten minutes. One more loss, and the
# job fails as any other.
DATABASE_RETRY_DELAYS_S = (5, 10, 20, 40)
# A connection lost mid-command can also leave asyncpg's protocol in a state it refuses
# to go on from ("cannot switch to state 12; another operation is in progress").
_DATABASE_LOST: tuple[type[BaseException], ...] = (
    *CONNECTION_FAILURES,
    asyncpg.InternalClientError,
)


def _pause_before_again(ctx: dict[str, Any], error: BaseException) -> int | None:
    """How long before the job runs again, or None: it has been tried enough."""
    tries = int(ctx.get("job_try", 1))
    if tries > len(DATABASE_RETRY_DELAYS_S):
        return None
    pause = DATABASE_RETRY_DELAYS_S[tries - 1]
    log.warning("delivery job %s lost PostgreSQL (%r); again in %d s", _job_id(ctx), error, pause)
    return pause


async def _deliver(
    ctx: dict[str, Any], notice_ids: Sequence[int], **options: bool
) -> dict[str, Any]:
    try:
        return await delivery.deliver_notices(
            ctx["pool"], ctx["redis"], ctx["settings"], notice_ids, _now(ctx),
            job_id=_job_id(ctx), **options,
        )  # fmt: skip
    except _DATABASE_LOST as error:
        if (pause := _pause_before_again(ctx, error)) is None:
            raise
        raise Retry(defer=pause) from error


async def deliver_notices(
    ctx: dict[str, Any], notice_ids: Sequence[int], unread_push: bool = False
) -> dict[str, Any]:
    result = await _deliver(ctx, notice_ids, unread_push=unread_push)
    return {**result, "next_batches": await _dispatch(ctx, from_delivery=True)}


async def deliver_urgent_notices(ctx: dict[str, Any], notice_ids: Sequence[int]) -> dict[str, Any]:
    """An account notice (a new payment account): on the interactive worker, unpaced."""
    return await _deliver(ctx, notice_ids, paced=False)


async def _enqueue_notices(ctx: dict[str, Any], rows: list[asyncpg.Record], **kwargs: Any) -> int:
    ids = sorted({row["notice_id"] for row in rows})
    for start in range(0, len(ids), BATCH):
        await enqueue(ctx["redis"], "deliver_notices", ids[start : start + BATCH], **kwargs)
    return len(ids)


async def retry_deliveries(ctx: dict[str, Any]) -> int:
    async with ctx["pool"].acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT d.notice_id, n.urgent FROM notice_deliveries d
            JOIN notices n ON n.id = d.notice_id
            WHERE d.state = 'temporary_failure' AND d.attempts < $2 AND d.next_attempt_at <= $1
            """,
            _now(ctx),
            recipients.MAX_ATTEMPTS,
        )
    # An account notice is retried on the interactive queue, as it was first sent.
    urgent = sorted({row["notice_id"] for row in rows if row["urgent"]})
    if urgent:
        await enqueue(ctx["redis"], "deliver_urgent_notices", urgent)
    return len(urgent) + await _enqueue_notices(ctx, [row for row in rows if not row["urgent"]])


# A claim is written before its job is enqueued; past this, a job that is neither queued
# nor running never will be.
CLAIM_ENQUEUED_WITHIN = timedelta(minutes=1)


async def _jobs_that_never_came(
    ctx: dict[str, Any], conn: asyncpg.Connection, now: datetime
) -> list[str]:
    """The delivery jobs that claims name but that are neither queued nor running: their
    dispatcher died between claiming and enqueuing (or arq gave the job up)."""
    jobs = await conn.fetch(
        """
        SELECT DISTINCT claim_job FROM notices n
        WHERE n.state = 'sending' AND n.claim_job IS NOT NULL AND n.claimed_at < $1
          AND NOT EXISTS (SELECT 1 FROM notice_deliveries d WHERE d.notice_id = n.id)
        """,
        now - CLAIM_ENQUEUED_WITHIN,
    )
    return [
        row["claim_job"]
        for row in jobs
        if not await ctx["redis"].exists(job_key_prefix + row["claim_job"])
    ]


async def sweep_deliveries(ctx: dict[str, Any]) -> dict[str, int]:
    """Claims that a lost job left `sending` (its worker died and arq will not run it
    again, or it timed out). One whose provider call never started is due again now;
    one whose call started may have been sent, and is `ambiguous` until resolved. A
    notice claimed but never attempted goes back to pending: nothing was sent for it.
    That is at once when the job it was claimed for never reached the queue, else after
    `STUCK_AFTER`."""
    now = _now(ctx)
    cutoff = now - recipients.STUCK_AFTER
    async with ctx["pool"].acquire() as conn, conn.transaction():
        stuck = await conn.fetch(
            """
            UPDATE notice_deliveries
            SET state = CASE WHEN provider_call_at IS NULL THEN 'temporary_failure'
                             ELSE 'ambiguous' END,
                attempts = CASE WHEN provider_call_at IS NULL THEN greatest(attempts - 1, 0)
                                ELSE attempts END,
                next_attempt_at = CASE WHEN provider_call_at IS NULL THEN $2::timestamptz END,
                error = CASE WHEN provider_call_at IS NULL THEN 'claim of a lost job'
                             ELSE 'no answer recorded' END,
                updated_at = now()
            WHERE state = 'sending' AND updated_at < $1
            RETURNING notice_id, state
            """,
            cutoff,
            now,
        )
        released = await conn.execute(
            """
            UPDATE notices n SET state = 'pending', claimed_at = NULL, claim_job = NULL
            WHERE n.state = 'sending' AND (n.send_after < $1 OR n.claim_job = ANY($2::text[]))
              AND NOT EXISTS (SELECT 1 FROM notice_deliveries d WHERE d.notice_id = n.id)
            """,
            cutoff,
            await _jobs_that_never_came(ctx, conn, now),
        )
        # A job killed between recording its sends and settling its notices.
        unsettled = await conn.fetch(
            """
            SELECT n.id FROM notices n
            WHERE n.state = 'sending' AND n.send_after < $1
              AND EXISTS (SELECT 1 FROM notice_deliveries d WHERE d.notice_id = n.id)
              AND NOT EXISTS (SELECT 1 FROM notice_deliveries d WHERE d.notice_id = n.id
                              AND d.state IN ('sending', 'ambiguous'))
            LIMIT 10000
            """,
            cutoff,
        )
        settled = await settle_notices(conn, [row["id"] for row in unsettled])
    retried = sum(1 for row in stuck if row["state"] == "temporary_failure")
    return {
        "retried": retried,
        "ambiguous": len(stuck) - retried,
        "released": int(released.rsplit(" ", 1)[-1]),
        "settled": settled,
    }


async def resolve_ambiguous(ctx: dict[str, Any]) -> dict[str, int]:
    return await resolve_ambiguous_deliveries(ctx["pool"], ctx["settings"], _now(ctx))


async def fallback_unread_push(ctx: dict[str, Any]) -> int:
    async with ctx["pool"].acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT d.notice_id FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id
            WHERE d.channel = 'push' AND d.state IN ('sent', 'delivered', 'inbox')
              AND d.updated_at < $1::timestamptz - interval '48 hours' AND n.read_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM notice_deliveries s
                              WHERE s.notice_id = d.notice_id AND s.channel = 'sms')
            """,
            _now(ctx),
        )
    return await _enqueue_notices(ctx, rows, unread_push=True)


def letters_dir(ctx: dict[str, Any]) -> Path:
    return Path(ctx["settings"].data_dir).resolve().parent / "var" / "letters"


async def print_letters(ctx: dict[str, Any]) -> int:
    """Append today's letters to var/letters/<date>.txt, one block per letter."""
    from notifications.messages import NoticeText, render_notice

    today = _korean_day(ctx)
    async with ctx["pool"].acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """
            UPDATE letters l SET printed_on = $1 FROM notices n, people p
            WHERE l.printed_on IS NULL AND n.id = l.notice_id AND p.id = n.person_id
            RETURNING l.id, n.kind, n.programme_id, n.topic, n.locale, p.name, p.region_code
            """,
            today,
        )
        if not rows:
            return 0
        folder = letters_dir(ctx)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{today.isoformat()}.txt").open("a", encoding="utf-8") as out:
            for row in rows:
                text = render_notice(
                    NoticeText(
                        kind=row["kind"], programme_id=row["programme_id"], topic=row["topic"]
                    ),
                    row["locale"],
                )
                out.write(
                    f"=== letter {row['id']} · {row['name']} · region {row['region_code']}\n"
                    f"{text.title}\n\n{text.sms}\n\n"
                )
    return len(rows)
