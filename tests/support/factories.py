"""Test factories: keyword-only async functions over the production insert queries."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import msgspec
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from redis.asyncio import Redis

from auth import Account, Person, Tokens, create_account, get_account, insert_person, start_session
from foundation.jobs import BULK_QUEUE, INTERACTIVE_QUEUE, enqueue
from foundation.settings import Settings
from onestop.person_facts import PersonFact, insert_person_fact
from server.worker import worker_settings

_serial = itertools.count(1)
_random = random.Random(20261125)


def registration_number(birth_date: date) -> str:
    """A synthetic 13-digit number with the right birth date and century code."""
    century = 3 if birth_date.year >= 2000 else 1
    return f"{birth_date:%y%m%d}{century}{_random.randrange(10**5, 10**6):06d}"


def mobile_number() -> str:
    """A valid Korean mobile number, different each call (010-2000-0000 to 010-4999-9999).

    (phonenumbers rejects a few ranges, such as 010-597x to 010-599x: stay clear of them.)
    """
    return f"+8210{2000_0000 + next(_serial) * 7919 % 3000_0000:08d}"


async def make_person(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    name: str = "김하나",
    birth_date: date = date(1990, 5, 17),
    phone_e164: str | None = "",
    region_code: str = "11",
    preferred_language: str = "ko",
    has_smartphone: bool = True,
) -> Person:
    return await insert_person(
        conn,
        settings.person_key,
        registration_number=registration_number(birth_date),
        name=name,
        birth_date=birth_date,
        phone_e164=mobile_number() if phone_e164 == "" else phone_e164,
        region_code=region_code,
        preferred_language=preferred_language,
        has_smartphone=has_smartphone,
    )


async def make_account(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    assurance: str = "remote",
    **person: Any,
) -> Account:
    created = await make_person(conn, settings, **person)
    account = await create_account(conn, person_id=created.id, assurance=assurance)
    return account


async def sign_in(
    conn: asyncpg.Connection,
    settings: Settings,
    account: Account,
    *,
    aal: int = 1,
    method: str = "sms",
    channel: str = "app",
) -> Tokens:
    """A session as if the person had just signed in (for tests of what comes after)."""
    started = await start_session(
        conn, settings.auth, account_id=account.id, aal=aal, method=method, channel=channel
    )
    return started.tokens


async def make_fact(
    conn: asyncpg.Connection,
    *,
    person_id: int,
    kind: str,
    source_system: str,
    refreshed_at: datetime | None = None,
    **columns: Any,
) -> PersonFact:
    """One linked fact, as a source system would report it (refreshed now unless told)."""
    return await insert_person_fact(
        conn,
        person_id=person_id,
        kind=kind,
        source_system=source_system,
        refreshed_at=refreshed_at or datetime.now(UTC),
        **columns,
    )


async def refreshed_account(conn: asyncpg.Connection, account: Account) -> Account:
    fresh = await get_account(conn, account.id)
    assert fresh is not None
    return fresh


async def run_jobs(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    worker_id: str | None = None,
    **overrides: Any,
) -> Worker:
    """Run every queued arq job of both queues to completion with real workers (burst
    mode): the interactive worker, then the bulk one, again while either queue has jobs
    (a job on one may enqueue on the other). Returns the last bulk worker."""
    bulk: Worker | None = None
    for _ in range(10):
        for queue in (INTERACTIVE_QUEUE, BULK_QUEUE):
            worker = Worker(
                **{
                    **worker_settings(settings, clock, queue=queue, worker_id=worker_id),
                    "burst": True,
                    "handle_signals": False,
                    "poll_delay": 0.05,
                    **overrides,
                }
            )
            try:
                await worker.main()
            finally:
                await worker.close()
            if queue == BULK_QUEUE:
                bulk = worker
        redis = Redis.from_url(settings.redis.url)
        try:
            now_ms = time.time() * 1000
            waiting = [
                await redis.zcount(queue, "-inf", now_ms)
                for queue in (INTERACTIVE_QUEUE, BULK_QUEUE)
            ]
        finally:
            await redis.aclose()
        if not any(waiting):
            # The dispatcher leaves due notices for its next minute when the bulk queue was
            # full of cron jobs that came due as the worker started (which depends on the
            # wall clock): that minute's dispatch, at once, as the cron would.
            if not await _due_notices_waiting(settings, clock):
                break
            arq_redis = await create_pool(RedisSettings.from_dsn(settings.redis.url))
            try:
                await enqueue(arq_redis, "dispatch_due_notices")
            finally:
                await arq_redis.aclose()
    assert bulk is not None
    return bulk


async def _due_notices_waiting(settings: Settings, clock: Callable[[], datetime] | None) -> bool:
    conn = await asyncpg.connect(settings.database.url)
    try:
        return bool(
            await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM notices WHERE state = 'pending' "
                "AND send_after <= $1)",
                clock() if clock else datetime.now(UTC),
            )
        )
    finally:
        await conn.close()


async def last_audit_details(conn: asyncpg.Connection, action: str, subject: str) -> dict[str, Any]:
    """The details of the latest audit row of this action about this subject."""
    details = await conn.fetchval(
        "SELECT details::text FROM audit_log WHERE action = $1 AND subject = $2 "
        "ORDER BY id DESC LIMIT 1",
        action,
        subject,
    )
    assert details is not None, f"no {action} row about {subject}"
    decoded: dict[str, Any] = msgspec.json.decode(details)
    return decoded


async def newest_session_id(conn: asyncpg.Connection, account_id: int) -> str:
    return str(
        await conn.fetchval(
            "SELECT id FROM sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1",
            account_id,
        )
    )


def bearer(tokens: Tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.access_token}"}
