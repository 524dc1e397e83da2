"""`hanchang notify scan` and `hanchang notify facts-changed --person ID`: the notice jobs,
run now from the command line; deliveries are queued for the workers."""

from __future__ import annotations

import argparse
from typing import Any

from foundation.settings import Settings


def add_notify_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    notify = commands.add_parser("notify", help="proactive notices")
    notify_commands = notify.add_subparsers(dest="notify_command", required=True)
    notify_commands.add_parser(
        "scan", help="evaluate eligibility for everyone and notify the newly eligible"
    )
    changed = notify_commands.add_parser(
        "facts-changed", help="new facts for these people: evaluate and notify them now"
    )
    changed.add_argument("--person", type=int, action="append", required=True)


async def run_notify_command(args: argparse.Namespace, settings: Settings) -> int:
    from arq import create_pool
    from arq.connections import RedisSettings

    from foundation.db import create_pool as create_db_pool
    from notifications.jobs import person_facts_changed, scan_notices

    pool = await create_db_pool(settings.database, min_size=1)
    queue = await create_pool(RedisSettings.from_dsn(settings.redis.url))
    ctx: dict[str, Any] = {"pool": pool, "redis": queue, "settings": settings}
    try:
        if args.notify_command == "scan":
            result = await scan_notices(ctx)
        else:
            result = await person_facts_changed(ctx, args.person)
    finally:
        await queue.aclose()
        await pool.close()
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0
