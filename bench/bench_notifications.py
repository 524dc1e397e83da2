"""Notices end to end: N newly eligible people told through arq and FCM, against
`messaging.send_each_async` driven directly on the same fake in the same run.

A scratch database gets N people, each with an account, an app device and an
`eligible` answer for one programme. Timed: creating the notices (one set-based
statement), claiming them in batches of 500, and arq workers (separate
processes, our own worker settings) delivering every batch through
`providers.fcm.send_push` to the local FCM fake (its own process). Then the
fake says what it received: duplicates (a notice pushed twice) and losses (a
notice never pushed) are counted, goal zero of each. It runs with 1 worker
process and with 2.

    BENCH_NOTIFY_PEOPLE   people (default 100,000)
    DATABASE_URL=... REDIS_URL=... python -m bench.bench_notifications
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from arq import create_pool
from arq.connections import RedisSettings

from bench.bench_push import FcmEndpoint, bench_direct_push, running_fake
from notifications.notices import BATCH, claim_due_notices, create_benefit_notices
from server.migrate import migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PEOPLE = 100_000
WORKER_COUNTS = (1, 2)


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _redis_db(url: str, number: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{number}", "", ""))


async def _populate(conn: asyncpg.Connection, people: int) -> None:
    """People with an account, an app device and an eligible answer, set-based."""
    await conn.execute(
        """
        INSERT INTO people (person_key, person_key_version, name, birth_date, region_code,
                            preferred_language, has_smartphone)
        SELECT decode(md5('bench-a' || i) || md5('bench-b' || i), 'hex'), 1, '김벤치',
               date '1990-01-01' + (i % 7000), '11', 'ko', true
        FROM generate_series(1, $1) i
        """,
        people,
    )
    await conn.execute(
        "INSERT INTO accounts (person_id, assurance) SELECT id, 'remote' FROM people"
    )
    await conn.execute(
        """
        INSERT INTO devices (account_id, person_id, fcm_token, platform, locale)
        SELECT id, person_id, 'bench-registration-token-' || lpad(person_id::text, 9, '0'),
               'android', 'ko'
        FROM accounts
        """
    )
    await conn.execute(
        """
        INSERT INTO eligibility (person_id, programme_id, rule_version, status, criteria,
                                 period_key, decided_on)
        SELECT id, 'tomorrow-learning-card', 'tomorrow-learning-card@2024-01-01', 'eligible',
               'MM', '2026', current_date
        FROM people
        """
    )
    await conn.execute("ANALYZE")


def _fake(endpoint: FcmEndpoint, path: str, method: str = "GET") -> dict[str, Any]:
    request = urllib.request.Request(f"{endpoint.url}{path}", method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        result: dict[str, Any] = json.loads(answer.read())
        return result


async def _one_run(
    conn: asyncpg.Connection, env: dict[str, str], endpoint: FcmEndpoint, workers: int
) -> dict[str, Any]:
    # CASCADE: rows that point at notices (an authenticator change's notice) go too; a scratch
    # database.
    await conn.execute("TRUNCATE letters, notice_deliveries, notices CASCADE")
    await asyncio.to_thread(_fake, endpoint, "/reset", "POST")
    # 10:00 in Korea: no quiet hours.
    now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    queue = await create_pool(RedisSettings.from_dsn(env["REDIS_URL"]))
    started = time.perf_counter()
    async with conn.transaction():
        notices = await create_benefit_notices(conn, now)
    batches = 0
    while True:
        async with conn.transaction():
            claimed = await claim_due_notices(conn, now, BATCH)
        if not claimed:
            break
        await queue.enqueue_job("deliver_notices", claimed)
        batches += 1
    await queue.aclose()
    # Worker logs to BENCH_WORKER_LOG when set (to see why a run lost notices).
    log = open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "ab")  # noqa: SIM115, ASYNC230
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.notify_worker", cwd=PROJECT_ROOT, env=env, stderr=log
        )
        for _ in range(workers)
    ]
    codes = [await process.wait() for process in processes]
    log.close()
    seconds = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"a notification worker exited with {codes}")
    stats = await asyncio.to_thread(_fake, endpoint, "/stats")
    sent = await conn.fetchval("SELECT count(*) FROM notice_deliveries WHERE state = 'sent'")
    states = {
        f"{row['state']}:{row['error']}": row["count"]
        for row in await conn.fetch(
            "SELECT state, error, count(*) FROM notice_deliveries GROUP BY 1, 2"
        )
    }
    return {
        "workers": workers,
        "notices": notices,
        "batches": batches,
        "seconds": seconds,
        "messages_per_s": stats["messages"] / seconds,
        "duplicates": stats["messages"] - stats["distinct_notices"],
        "losses": notices - stats["distinct_notices"],
        "deliveries_sent": sent,
        "delivery_states": states,
    }


async def bench_notifications(
    database_url: str, redis_url: str, people: int = DEFAULT_PEOPLE
) -> dict[str, Any]:
    name = f"bench_notify_{secrets.token_hex(4)}"
    server = await asyncpg.connect(database_url)
    await server.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(database_url, name)
    try:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
            _progress(f"notifications: {people:,} eligible people with the app")
            await _populate(conn, people)
            async with running_fake() as endpoint:
                env = {
                    **os.environ,
                    "HANCHANG_ENV": "test",
                    "DATABASE_URL": url,
                    "REDIS_URL": _redis_db(redis_url, 14),
                    "HANCHANG_PERSON_KEYS": "1:"
                    + base64.b64encode(secrets.token_bytes(32)).decode(),
                    "HANCHANG_DATA_DIR": str(Path(PROJECT_ROOT, ".hanchang", "bench")),
                    "HANCHANG_FCM_CREDENTIALS": endpoint.credentials,
                    "FCM_API_BASE_URL": endpoint.url,
                    # The machinery's own speed: production paces pushes (500 a second).
                    "HANCHANG_FCM_BULK_PER_SECOND": "1000000",
                }
                runs = []
                for workers in WORKER_COUNTS:
                    run = await _one_run(conn, env, endpoint, workers)
                    _progress(f"  end to end, {workers} worker(s): {run}")
                    runs.append(run)
                direct = await bench_direct_push(people, endpoint)
                _progress(f"  direct: {direct}")
        finally:
            await conn.close()
    finally:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.close()
    return {"people": people, "runs": runs, "direct": direct}


def people_from_environment() -> int:
    raw = os.environ.get("BENCH_NOTIFY_PEOPLE", "").strip().replace("_", "").replace(",", "")
    if not raw:
        return DEFAULT_PEOPLE
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"BENCH_NOTIFY_PEOPLE must be a whole number of at least 1, got {raw!r}")
    return int(raw)


if __name__ == "__main__":
    result = asyncio.run(
        bench_notifications(
            os.environ["DATABASE_URL"], os.environ["REDIS_URL"], people_from_environment()
        )
    )
    direct_rate = result["direct"]["messages_per_s"]
    print(f"{'case':<34} {'messages/s':>11} {'ratio':>6} {'dup':>5} {'lost':>5}")
    for run in result["runs"]:
        print(
            f"{'arq + send_push, ' + str(run['workers']) + ' worker(s)':<34} "
            f"{run['messages_per_s']:>11,.0f} {run['messages_per_s'] / direct_rate:>6.2f} "
            f"{run['duplicates']:>5} {run['losses']:>5}"
        )
    print(f"{'send_each_async direct (baseline)':<34} {direct_rate:>11,.0f} {1:>6.2f}")
