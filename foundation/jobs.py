"""Enqueueing arq jobs: on the right queue, and only after the enclosing transaction commits.

Two queues, each served by its own worker (server/worker.py). Anything a person
is waiting for at a screen or a phone (a sign-in code, a card-unlock code, an
alert about their account) goes on the interactive queue, whose worker runs no
cron and no scan, so it never waits behind a burst of bulk notices. Everything
else goes on the bulk queue. The queue follows from the job's name, here only.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec
from arq.connections import ArqRedis
from arq.constants import default_queue_name, result_key_prefix
from arq.jobs import DeserializationError, deserialize_result

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


# The queues by the name operators and `hanchang worker --queue` use.
QUEUES = {"bulk": BULK_QUEUE, "interactive": INTERACTIVE_QUEUE}


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


async def queue_depths(redis: ArqRedis) -> dict[str, int]:
    """Jobs waiting on each queue (due or deferred, not yet finished), by queue name."""
    depths: dict[str, int] = {}
    for name, queue in QUEUES.items():
        depths[name] = int(await redis.zcard(queue))
    return depths


class JobOutcomes(msgspec.Struct, frozen=True, kw_only=True):
    queue: str
    function: str
    # `success`, `failure`, or `unreadable` (a result this process cannot decode).
    outcome: str
    count: int


_QUEUE_NAMES = {queue: name for name, queue in QUEUES.items()}
_RESULTS_PER_READ = 500


async def finished_jobs(redis: ArqRedis) -> list[JobOutcomes]:
    """How the jobs arq still keeps results of ended, by queue, function and outcome.

    The workers are other processes; arq writes each finished job's result (success or
    failure, and the function's name) to Redis, where it stays for `keep_result` (an
    hour). Reading them here needs nothing of the workers, counts every worker's jobs,
    and survives their restarts; the figure is the last hour's, not a total since start.
    SCAN, never KEYS: Redis keeps answering others while we read.
    """
    counted: Counter[tuple[str, str, str]] = Counter()
    batch: list[bytes] = []

    async def read(keys: list[bytes]) -> None:
        for raw in await redis.mget(keys):
            if raw is None:  # expired between SCAN and MGET
                continue
            try:
                result = deserialize_result(raw)
            except DeserializationError:
                counted[("unknown", "unknown", "unreadable")] += 1
                continue
            queue = _QUEUE_NAMES.get(result.queue_name, result.queue_name)
            outcome = "success" if result.success else "failure"
            counted[(queue, result.function, outcome)] += 1

    async for key in redis.scan_iter(match=result_key_prefix + "*", count=_RESULTS_PER_READ):
        batch.append(key)
        if len(batch) >= _RESULTS_PER_READ:
            await read(batch)
            batch = []
    if batch:
        await read(batch)
    return [
        JobOutcomes(queue=queue, function=function, outcome=outcome, count=count)
        for (queue, function, outcome), count in sorted(counted.items())
    ]
