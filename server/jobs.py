"""Enqueueing arq jobs, only ever after the enclosing transaction commits."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis

from server.db import Transaction


def enqueue_after_commit(
    tx: Transaction, queue: ArqRedis, job_name: str, *args: Any, **kwargs: Any
) -> None:
    """Enqueue `job_name` once `tx` has committed; nothing is enqueued on rollback.

    `job_name` must be registered in server/worker.py (a test checks every call).
    """

    async def _enqueue() -> None:
        await queue.enqueue_job(job_name, *args, **kwargs)

    tx.after_commit(_enqueue)
