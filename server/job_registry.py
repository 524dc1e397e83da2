"""Which worker runs which arq job, so that a dead worker's jobs run again at once.

arq keeps a job in its queue until it finishes, and marks it in progress with a
key that expires only after the longest job timeout (half an hour here). A
worker killed mid-job therefore leaves its jobs untouched for that long: no
other worker, not even its own restart, will take them.

Each worker here has an id (`HANCHANG_WORKER_ID`, stable across restarts where the
supervisor gives one, else random) and a heartbeat key in Redis that lives a few
seconds longer than its beat. When a job starts, the worker notes "job → me"
in a hash per queue; when it ends, it crosses it out. Every beat, each worker
looks at that hash: a job whose worker has no heartbeat left belonged to a dead
worker, so its in-progress mark is removed and arq starts it again on the next
poll (with the next try number). A worker that starts under an id that still
has jobs noted is that worker restarted: those jobs are taken back at once. Our jobs are safe to run again: a delivery
job takes back its own claims (notifications/delivery.py), and everything else
is idempotent.

arq marks a job in progress before the job starts, so a worker killed between arq's mark
and the note leaves a job marked in progress that no worker noted. A live worker notes
its job within milliseconds of the mark; so a queued job marked in progress and noted by
nobody at two beats in a row is taken back too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from typing import Any

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix

from foundation.log_lines import CURRENT_JOB

log = logging.getLogger(__name__)

BEAT_S = 2.0
# A worker whose beat is this late is dead (or stalled so long that its jobs are better
# run elsewhere; each is idempotent).
ALIVE_FOR_S = 30


class JobRegistry:
    def __init__(self, queue: str, worker_id: str | None = None) -> None:
        self.queue = queue
        self.worker_id = worker_id or os.environ.get("HANCHANG_WORKER_ID") or uuid.uuid4().hex
        self._redis: ArqRedis | None = None
        self._beat: asyncio.Task[None] | None = None
        # Jobs marked in progress but noted by nobody at the last beat.
        self._unnoted: set[str] = set()

    @property
    def _jobs_key(self) -> str:
        return f"hanchang:jobs:{self.queue}"

    def _alive_key(self, worker_id: str) -> str:
        return f"hanchang:worker:{self.queue}:{worker_id}"

    async def start(self, redis: ArqRedis) -> None:
        self._redis = redis
        await self._heartbeat()
        # Nothing runs here yet: jobs noted under our id are a previous life's.
        await self.take_back_orphans(ours_too=True)
        self._beat = asyncio.create_task(self._beat_forever())

    async def stop(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
        if self._redis is not None:
            await self._redis.delete(self._alive_key(self.worker_id))

    async def _heartbeat(self) -> None:
        assert self._redis is not None
        await self._redis.set(self._alive_key(self.worker_id), b"1", ex=ALIVE_FOR_S)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(BEAT_S)
            try:
                await self._heartbeat()
                await self.take_back_orphans()
            except Exception:
                log.exception("worker heartbeat failed; trying again")

    async def take_back_orphans(self, *, ours_too: bool = False) -> list[str]:
        """Free the jobs of workers that are gone; returns their ids."""
        assert self._redis is not None
        running: dict[bytes, bytes] = await self._redis.hgetall(self._jobs_key)  # type: ignore[misc]
        orphans = []
        for job_id_bytes, owner_bytes in running.items():
            owner = owner_bytes.decode()
            if owner == self.worker_id:
                if not ours_too:
                    continue
            elif await self._redis.exists(self._alive_key(owner)):
                continue
            job_id = job_id_bytes.decode()
            await self._redis.delete(in_progress_key_prefix + job_id)
            await self._redis.hdel(self._jobs_key, job_id)  # type: ignore[misc]
            orphans.append(job_id)
        unnoted = await self._marked_but_unnoted(set(running))
        for job_id in sorted(unnoted & self._unnoted):
            await self._redis.delete(in_progress_key_prefix + job_id)
            orphans.append(job_id)
        self._unnoted = unnoted - set(orphans)
        if orphans:
            log.warning(
                "took back %d job(s) of a worker that stopped: %s",
                len(orphans),
                ", ".join(orphans[:10]),
            )
        return orphans

    async def _marked_but_unnoted(self, noted: set[bytes]) -> set[str]:
        """Queued jobs that arq marked in progress and that no worker noted."""
        assert self._redis is not None
        queued: list[bytes] = await self._redis.zrange(self.queue, 0, -1)
        candidates = [job_id for job_id in queued if job_id not in noted]
        if not candidates:
            return set()
        marks = await self._redis.mget([in_progress_key_prefix + j.decode() for j in candidates])
        return {job_id.decode() for job_id, mark in zip(candidates, marks, strict=True) if mark}

    async def job_started(self, ctx: dict[str, Any]) -> None:
        # arq runs the job in a task it creates after this hook, in this context: every
        # line the job logs (and arq's own about it) carries the job's id.
        CURRENT_JOB.set(ctx["job_id"])
        await ctx["redis"].hset(self._jobs_key, ctx["job_id"], self.worker_id)

    async def job_ended(self, ctx: dict[str, Any]) -> None:
        await ctx["redis"].hdel(self._jobs_key, ctx["job_id"])
