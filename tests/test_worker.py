"""arq workers: every job the code enqueues is registered on the worker of its queue,
jobs really run, and a delivery burst on a pool sized for the worker cannot deadlock."""

from __future__ import annotations

import ast
from pathlib import Path

import asyncpg
from arq.connections import ArqRedis
from arq.worker import Worker

from foundation.audit import record_audit
from foundation.jobs import BULK_QUEUE, INTERACTIVE_JOBS, INTERACTIVE_QUEUE, queue_of
from foundation.settings import Settings
from server.worker import registered_job_names, worker_settings

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PACKAGES = ["api", "auth", "onestop", "notifications", "kiosk", "assisted_channel", "server"]
ENQUEUE_CALLS = {"enqueue_job": 0, "enqueue": 1, "enqueue_after_commit": 2}


def enqueued_job_names(source: str, filename: str = "<source>") -> list[tuple[str, int, str]]:
    """Job names passed as string literals to enqueue calls, with where they are."""
    found: list[tuple[str, int, str]] = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in ENQUEUE_CALLS:
            continue
        position = ENQUEUE_CALLS[name]
        if len(node.args) <= position:
            continue
        arg = node.args[position]
        assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
            f"{filename}:{node.lineno}: pass the job name as a string literal"
        )
        found.append((arg.value, node.lineno, filename))
    return found


def test_the_scanner_finds_enqueue_calls() -> None:
    source = (
        "async def f(tx, queue):\n"
        "    await queue.enqueue_job('send_sms_code', 1)\n"
        "    enqueue_after_commit(tx, queue, 'notify_batch', [1, 2])\n"
    )
    assert sorted(name for name, _, _ in enqueued_job_names(source)) == [
        "notify_batch",
        "send_sms_code",
    ]


def test_every_enqueued_job_is_registered_with_the_worker_of_its_queue(
    settings: Settings,
) -> None:
    unregistered = []
    for package in SOURCE_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "server" / "jobs.py":
                continue  # the one wrapper that passes names through
            for name, line, filename in enqueued_job_names(path.read_text(), str(path)):
                if name not in registered_job_names(queue_of(name)):
                    unregistered.append(f"{filename}:{line}: {name} ({queue_of(name)})")
    assert not unregistered, "jobs enqueued but not in server/worker.py: " + ", ".join(unregistered)
    # Codes and alerts are served by the interactive worker only, which runs no cron.
    assert registered_job_names(INTERACTIVE_QUEUE) == set(INTERACTIVE_JOBS)
    assert not registered_job_names(INTERACTIVE_QUEUE) & registered_job_names(BULK_QUEUE)
    assert worker_settings(settings, queue=INTERACTIVE_QUEUE)["cron_jobs"] == []


async def test_a_real_worker_runs_the_audit_verification_job(
    settings: Settings, owner_conn: asyncpg.Connection
) -> None:
    await owner_conn.execute('SET ROLE "hanchang_app"')
    async with owner_conn.transaction():
        await record_audit(owner_conn, actor="system", action="test.worker")
    await owner_conn.execute("RESET ROLE")

    queue = ArqRedis.from_url(settings.redis.url)
    try:
        job = await queue.enqueue_job("verify_audit_log")
        assert job is not None
        worker = Worker(**{**worker_settings(settings), "burst": True, "handle_signals": False})
        try:
            await worker.main()
        finally:
            await worker.close()
        result = await job.result(timeout=10)
        assert result["breaks"] == 0
        assert result["rows"] >= 1
    finally:
        await queue.aclose()
