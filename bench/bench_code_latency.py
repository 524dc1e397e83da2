"""Sign-up codes during a burst of notices: the time from a sign-up to its code
reaching Twilio, p50 and p99, while 100,000 notice SMS are going out, against the
same figure with no notices, in the same run, on the same processes.

A scratch database gets N people with a mobile number and an `eligible` answer
(no app: their notices go by SMS). The real processes run as `hanchang run`
runs them: one API server, the bulk worker and the interactive worker, with
Twilio pointed at the local fake (in this process) and quiet hours off. First
`BENCH_CODE_SIGN_UPS` people sign up one after another with nothing else going on;
then the N notices are made and dispatched, and once the burst is under way as
many other people sign up. A sign-up's time runs from just before its request to
when the fake received its code (the clock of this machine, both ends).

    BENCH_CODE_NOTICES        notices in the burst (default 100,000)
    BENCH_CODE_SIGN_UPS       sign-ups per case (default 40)
    BENCH_BULK_PER_SECOND     the bulk pace of notice SMS (default 300)
    DATABASE_URL=... REDIS_URL=... python -m bench.bench_code_latency
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg

from bench.bench_notifications import _redis_db, _with_database
from notifications.notices import create_benefit_notices
from server.embedded import free_port, stop_process
from server.migrate import migrate
from tests.support.fakes.twilio import FakeTwilio, running_twilio, twilio_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CODES_FROM = "+15005550007"
DEFAULT_NOTICES = 100_000
DEFAULT_SIGN_UPS = 40
DEFAULT_BULK_PER_SECOND = 300.0


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _phone(i: int) -> str:
    return f"+8210{i:08d}"


async def _populate(conn: asyncpg.Connection, people: int) -> None:
    """People with a mobile number and an eligible answer for one programme, set-based."""
    await conn.execute(
        """
        INSERT INTO people (person_key, person_key_version, name, birth_date, region_code,
                            preferred_language, has_smartphone, phone_e164)
        SELECT decode(md5('code-a' || i) || md5('code-b' || i), 'hex'), 1, '김벤치',
               date '1990-01-01' + (i % 7000), '11', 'ko', false,
               '+8210' || lpad(i::text, 8, '0')
        FROM generate_series(1, $1) i
        """,
        people,
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


def _start(
    commands: list[list[str]], env: dict[str, str], log: Any
) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "server.cli", *command],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        for command in commands
    ]


def _ready(port: int, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError("a server or worker stopped while starting")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError("the API did not become ready within 60 s")


def _post_sign_up(port: int, birth_date: str, phone: str) -> None:
    body = json.dumps({"name": "김벤치", "birth_date": birth_date, "phone": phone}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/auth/signup",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        if answer.status != 202:
            raise RuntimeError(f"sign-up answered {answer.status}")


async def _sign_ups(
    conn: asyncpg.Connection, twilio: FakeTwilio, port: int, people: range
) -> list[float]:
    """Seconds from each sign-up to its code at the fake, one sign-up after another."""
    latencies = []
    for i in people:
        birth_date = await conn.fetchval(
            "SELECT birth_date::text FROM people WHERE phone_e164 = $1", _phone(i)
        )
        started = time.time()
        await asyncio.to_thread(_post_sign_up, port, birth_date, _phone(i))
        deadline = time.monotonic() + 600
        while True:
            code = next(
                (
                    m
                    for m in reversed(twilio.messages)
                    if m.get("From") == CODES_FROM and m.get("To") == _phone(i)
                ),
                None,
            )
            if code is not None:
                latencies.append(code["created"].timestamp() - started)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"no code reached Twilio for sign-up {i} within 600 s")
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.2)
    return latencies


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000, "n": float(len(ordered))}


def _notice_messages(twilio: FakeTwilio) -> int:
    return sum(1 for m in twilio.messages if m.get("From") != CODES_FROM)


async def _measure(
    conn: asyncpg.Connection, url: str, redis_url: str, twilio: FakeTwilio, settings: dict[str, Any]
) -> dict[str, Any]:
    notices, sign_ups, pace = settings["notices"], settings["sign_ups"], settings["pace"]
    port = free_port()
    data_dir = Path(PROJECT_ROOT, ".hanchang", "bench-codes")
    env = {
        **os.environ,
        **twilio_environment(twilio, 10),
        "HANCHANG_ENV": "test",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "HANCHANG_PERSON_KEYS": "1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "HANCHANG_DATA_DIR": str(data_dir),
        "HANCHANG_PORT": str(port),
        "HANCHANG_METRICS_ENABLED": "false",
        "TWILIO_CODES_FROM": CODES_FROM,
        "HANCHANG_QUIET_HOURS": "false",
        "HANCHANG_TWILIO_BULK_PER_SECOND": str(pace),
        "HANCHANG_SIGN_IN_PER_ADDRESS_PER_MINUTE": "1000000",
    }
    commands = [["serve"], ["worker"], ["worker", "--queue", "interactive"]]
    # Their logs go to BENCH_WORKER_LOG when set (to see why a run went wrong).
    log = open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "ab")  # noqa: SIM115, ASYNC230
    processes = _start(commands, env, log)
    try:
        await asyncio.to_thread(_ready, port, processes)
        _progress(f"code latency: {sign_ups} sign-ups with no notices")
        quiet = await _sign_ups(conn, twilio, port, range(notices + 1, notices + 1 + sign_ups))
        async with conn.transaction():
            # Sent now, whatever the hour (as the processes' own setting says).
            made = await create_benefit_notices(
                conn, await conn.fetchval("SELECT now()"), quiet_hours=False
            )
        from arq import create_pool
        from arq.connections import RedisSettings

        from foundation.jobs import enqueue

        queue = await create_pool(RedisSettings.from_dsn(redis_url))
        try:
            await enqueue(queue, "dispatch_due_notices")
        finally:
            await queue.aclose()
        # The burst under way: the fake counts what the workers (other processes) sent.
        while _notice_messages(twilio) < 500:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        before = _notice_messages(twilio)
        _progress(f"code latency: {sign_ups} sign-ups while {made:,} notices go out")
        busy = await _sign_ups(
            conn, twilio, port, range(notices + 1 + sign_ups, notices + 1 + 2 * sign_ups)
        )
        during = _notice_messages(twilio) - before
        left = await conn.fetchval(
            "SELECT count(*) FROM notices WHERE state IN ('pending', 'sending')"
        )
    finally:
        for process in processes:
            stop_process(process, 15)
        log.close()
    return {
        "notices": made,
        "quiet": _percentiles(quiet),
        "burst": _percentiles(busy),
        "notice_sms_during_sign_ups": during,
        "notices_still_to_send": left,
        "pace": pace,
    }


async def bench_code_latency(
    database_url: str,
    redis_url: str,
    notices: int = DEFAULT_NOTICES,
    sign_ups: int = DEFAULT_SIGN_UPS,
    pace: float = DEFAULT_BULK_PER_SECOND,
) -> dict[str, Any]:
    name = f"bench_codes_{secrets.token_hex(4)}"
    server = await asyncpg.connect(database_url)
    await server.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(database_url, name)
    try:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
            _progress(f"code latency: {notices:,} people with a mobile number, and the sign-ups")
            await _populate(conn, notices + 2 * sign_ups)
            # The sign-ups' own people have no notice: they are not eligible.
            await conn.execute("DELETE FROM eligibility WHERE person_id > $1", notices)
            async with running_twilio() as twilio:
                result = await _measure(
                    conn,
                    url,
                    _redis_db(redis_url, 13),
                    twilio,
                    {"notices": notices, "sign_ups": sign_ups, "pace": pace},
                )
        finally:
            await conn.close()
    finally:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.close()
    return result


def _from_environment(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise SystemExit(f"{name} must be more than 0, got {raw!r}")
    return value


def settings_from_environment() -> dict[str, Any]:
    return {
        "notices": int(_from_environment("BENCH_CODE_NOTICES", DEFAULT_NOTICES)),
        "sign_ups": max(2, int(_from_environment("BENCH_CODE_SIGN_UPS", DEFAULT_SIGN_UPS))),
        "pace": _from_environment("BENCH_BULK_PER_SECOND", DEFAULT_BULK_PER_SECOND),
    }


if __name__ == "__main__":
    found = asyncio.run(
        bench_code_latency(
            os.environ["DATABASE_URL"], os.environ["REDIS_URL"], **settings_from_environment()
        )
    )
    print(json.dumps(found, indent=2))
