"""Enqueueing arq jobs: on the right queue, and only after the enclosing transaction commits.

Two queues, each served by its own worker (server/worker.py). Anything a person
is waiting for at a screen or a phone (a sign-in code, a card-unlock code, an
alert about their account) goes on the interactive queue, whose worker runs no
cron and no scan, so it never waits behind a burst of bulk notices. Everything
else goes on the bulk queue. The queue follows from the job's name, here only.
"""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from arq.constants import default_queue_name

from foundation.db import Transaction

BULK_QUEUE = default_queue_name
INTERACTIVE_QUEUE = "hanchang:queue:interactive"
INTERACTIVE_JOBS = frozenset(
    {
        "send_code",
        "announce_bank_account_change",
        "deliver_urgent_notices",
        "confirm_staff_callback",
    }
)


def queue_of(job_name: str) -> str:
    return INTERACTIVE_QUEUE if job_name in INTERACTIVE_JOBS else BULK_QUEUE


async def enqueue(queue: ArqRedis, job_name: str, *args: Any, **kwargs: Any) -> None:
    """Enqueue `job_name` on its queue (a worker's own connection defaults to its queue,
    so the queue is always named).

    `job_name` must be registered in server/worker.py (a test checks every call).
    """
    await queue.enqueue_job(job_name, *args, _queue_name=queue_of(job_name), **kwargs)


def enqueue_after_commit(
    tx: Transaction, queue: ArqRedis, job_name: str, *args: Any, **kwargs: Any
) -> None:
    """Enqueue `job_name` once `tx` has committed; nothing is enqueued on rollback."""

    async def _enqueue() -> None:
        await enqueue(queue, job_name, *args, **kwargs)

    tx.after_commit(_enqueue)
