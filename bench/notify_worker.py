"""One arq worker in burst mode, for the notification bench (settings from the environment).

It runs our own worker settings without cron jobs, exits when the queue is
empty, and prints nothing but arq's log lines on stderr.
"""

from __future__ import annotations

import asyncio
import logging

from arq.worker import Worker

from foundation.settings import load_settings
from server.worker import worker_settings


async def _main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    worker = Worker(
        **{
            **worker_settings(load_settings()),
            "cron_jobs": [],
            "burst": True,
            "poll_delay": 0.05,
            "handle_signals": False,
        }
    )
    try:
        await worker.main()
    finally:
        await worker.close()


if __name__ == "__main__":
    asyncio.run(_main())
