"""An arq worker for the crash test: our worker settings, a short job timeout, no crons.

Run as `python -m tests.support.crash_worker` with the test's environment; the test kills it
with SIGKILL in the middle of a send.
"""

from __future__ import annotations

import asyncio

from arq.worker import Worker

from foundation.settings import load_settings
from server.worker import worker_settings

JOB_TIMEOUT_S = 3


async def _main() -> None:
    worker = Worker(
        **{
            **worker_settings(load_settings()),
            "cron_jobs": [],
            "job_timeout": JOB_TIMEOUT_S,
            "poll_delay": 0.05,
            "handle_signals": False,
        }
    )
    await worker.main()


if __name__ == "__main__":
    asyncio.run(_main())
