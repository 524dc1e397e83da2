"""Parts go down, the service degrades and comes back (issue 18).

PostgreSQL or Redis stopped, frozen (SIGSTOP) or killed: every route that needs the
part answers within the client-side timeouts, in its channel's form (503 problem+json
with Retry-After from the API, the kiosk's page, spoken TwiML with 200 to Twilio, a
friendly page in the console); `/healthz` stays up and the status page serves its
snapshot. Nothing is lost: a sign-up tried during the outage is refused and writes
nothing; once the part is back the same request succeeds, with no restart of the app.
A killed server is brought back by the watch `hanchang run` keeps (server/children.py).

Each test uses servers of its own (tests/support/own_parts.py), never the shared ones.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from datetime import date, datetime
from typing import Any, cast

import asyncpg
import pytest
from arq import Retry
from arq import create_pool as create_arq_pool
from arq.connections import RedisSettings
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import Tokens
from foundation.db import CONNECTION_FAILURES, create_pool
from foundation.korea import KOREA
from foundation.settings import Settings
from notifications import jobs
from server.app import create_app
from tests.support.factories import bearer, make_account, sign_in
from tests.support.fakes.twilio import TEST_SID, TEST_TOKEN
from tests.support.kiosk_devices import KioskKey, enrolled_kiosk, signed_get
from tests.support.notice_delivery import Clock, korea, laid_off, notices_of
from tests.support.own_parts import ANSWER_WITHIN_S, OwnParts, looked_after
from tests.support.phone_calls import Call
from tests.support.staff import signed_in

Client = AsyncTestClient[Litestar]
BIRTH_DATE = date(1984, 3, 9)


@pytest.fixture(scope="module")
async def parts(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[OwnParts]:
    own = OwnParts(tmp_path_factory.mktemp("own-parts"))
    own.start()
    try:
        await own.migrate()
        yield own
    finally:
        own.close()


@pytest.fixture(scope="module")
def settings(parts: OwnParts) -> Settings:
    # Webhooks signed as Twilio signs them; no job runs here, so nothing is ever sent.
    return parts.settings(
        TWILIO_ACCOUNT_SID=TEST_SID,
        TWILIO_AUTH_TOKEN=TEST_TOKEN,
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_API_BASE_URL="http://127.0.0.1:9",
    )


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


class People:
    """Who knocks during the outage: a citizen with a session, a kiosk, a clerk, a caller."""

    def __init__(self, tokens: Tokens, kiosk: KioskKey, phone: str, caller: str) -> None:
        self.tokens, self.kiosk, self.phone, self.caller = tokens, kiosk, phone, caller


@pytest.fixture(scope="module")
async def people(parts: OwnParts, settings: Settings, client: Client) -> People:
    conn = await asyncpg.connect(parts.postgres.url)
    try:
        account = await make_account(conn, settings)
        tokens = await sign_in(conn, settings, account, aal=2, method="passkey")
        kiosk = await enrolled_kiosk(client, conn)
        await signed_in(client, conn)
        # Someone not yet signed up: their sign-up is what must not be lost.
        newcomer = await make_account(conn, settings, birth_date=BIRTH_DATE)
        await conn.execute("DELETE FROM accounts WHERE id = $1", newcomer.id)
        phone = await conn.fetchval(
            "SELECT phone_e164 FROM people WHERE id = $1", newcomer.person_id
        )
    finally:
        await conn.close()
    # The status page's first snapshot, kept to be served while PostgreSQL is away.
    assert (await client.get("/status.json")).status_code == 200
    return People(tokens, kiosk, str(phone), caller="+821055501350")


async def timed(request: Awaitable[Any]) -> tuple[Any, float]:
    started = time.monotonic()
    answer = await request
    return answer, time.monotonic() - started


def sign_up(client: Client, people: People) -> Awaitable[Any]:
    return client.post(
        "/v1/auth/signup",
        json={"name": "김하나", "birth_date": BIRTH_DATE.isoformat(), "phone": people.phone},
        headers={"Accept-Language": "en"},
    )


async def challenges(parts: OwnParts, people: People) -> int:
    conn = await asyncpg.connect(parts.postgres.url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM sms_challenges WHERE phone_e164 = $1", people.phone
        )
        return count
    finally:
        await conn.close()


def assert_503(answer: Any, part: str) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "30"
    body = answer.json()
    assert body["type"].endswith("/service-unavailable") and body["down"] == [part], body


async def while_postgresql_is_down(client: Client, settings: Settings, people: People) -> None:
    """Every channel, within the timeouts, each in its own form."""
    me, took = await timed(client.get("/v1/me", headers=bearer(people.tokens)))
    assert_503(me, "postgresql")
    assert took < ANSWER_WITHIN_S, took
    refused, took = await timed(sign_up(client, people))
    assert_503(refused, "postgresql")
    assert took < ANSWER_WITHIN_S, took

    alive, took = await timed(client.get("/healthz"))
    assert alive.status_code == 200 and took < 1.0
    status, took = await timed(client.get("/status.json"))
    # The snapshot taken before (fresh for a minute, then served marked stale).
    assert status.status_code == 200 and status.json()["menus"], status.text
    assert took < ANSWER_WITHIN_S, took
    page = await client.get("/status", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")

    kiosk, took = await timed(signed_get(client, people.kiosk, "/kiosk/"))
    assert kiosk.status_code == 503, kiosk.text
    assert kiosk.headers["content-type"].startswith("text/html")
    assert 'href="/kiosk/' in kiosk.text, "the kiosk's own page, with its way back"
    # With the reference to quote: the request id's start (foundation/errors.py).
    assert f"참조 번호를 알려 주세요: {kiosk.headers['x-request-id'][:8]}" in kiosk.text
    assert took < ANSWER_WITHIN_S, took

    console, took = await timed(client.get("/console/", headers={"Accept": "text/html"}))
    assert console.status_code == 503, console.text
    assert console.headers["content-type"].startswith("text/html")
    assert "1350" in console.text
    assert took < ANSWER_WITHIN_S, took

    started = time.monotonic()
    call = Call(client, settings, people.caller)
    said = await call.start()
    assert "안녕하세요. 고용노동부예요." in said
    # Greeting, language and the list of services need no database: signing in does.
    await call.press("1")  # Korean
    await call.press("2")  # sign in
    await call.press("600517")  # a birth date
    said = await call.press("135790")  # a PIN: the caller is looked up
    assert "지금은 전화 서비스를 이용할 수 없어요" in said, said
    assert " ".join(call.request_ids[-1][:8].upper()) in said, "the reference, spoken"
    assert time.monotonic() - started < ANSWER_WITHIN_S


async def served_again(client: Client, parts: OwnParts, people: People) -> None:
    """Back: the same requests succeed, without a restart of the app; the sign-up refused
    during the outage wrote nothing, the one after it wrote one challenge."""
    deadline = time.monotonic() + 60
    while True:
        try:
            assert await challenges(parts, people) == 0
            break
        except (OSError, asyncpg.CannotConnectNowError):
            # Killed: the watch brings it back after its pause.
            assert time.monotonic() < deadline, "PostgreSQL did not come back"
            await asyncio.sleep(0.2)
    deadline = time.monotonic() + 30
    while (me := await client.get("/v1/me", headers=bearer(people.tokens))).status_code != 200:
        # A pooled connection that died with the server may fail one request after it.
        assert me.status_code == 503 and time.monotonic() < deadline, me.text
        await asyncio.sleep(0.2)
    accepted = await sign_up(client, people)
    assert accepted.status_code == 202, accepted.text
    assert await challenges(parts, people) == 1
    kiosk = await signed_get(client, people.kiosk, "/kiosk/")
    assert kiosk.status_code == 200, kiosk.text
    await clear_sign_up(parts, people)


async def clear_sign_up(parts: OwnParts, people: People) -> None:
    conn = await asyncpg.connect(parts.postgres.url)
    try:
        await conn.execute("DELETE FROM sms_challenges WHERE phone_e164 = $1", people.phone)
        await conn.execute("DELETE FROM dev_outbox")
    finally:
        await conn.close()
    await parts_redis_flush(parts)


async def parts_redis_flush(parts: OwnParts) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(parts.redis.url)
    try:
        # Rate-limit windows only; the status snapshot stays.
        for key in await redis.keys("limit:*"):
            await redis.delete(key)
    finally:
        await redis.aclose()


async def test_postgresql_stopped_then_started_again(
    parts: OwnParts, settings: Settings, client: Client, people: People
) -> None:
    parts.stop("postgresql")
    try:
        await while_postgresql_is_down(client, settings, people)
    finally:
        parts.start_again("postgresql")
    await served_again(client, parts, people)


async def test_postgresql_frozen_then_thawed(
    parts: OwnParts, settings: Settings, client: Client, people: People
) -> None:
    parts.freeze("postgresql")
    try:
        await while_postgresql_is_down(client, settings, people)
    finally:
        parts.thaw("postgresql")
    await served_again(client, parts, people)


async def test_postgresql_killed_is_started_again_by_the_watch(
    parts: OwnParts,
    settings: Settings,
    client: Client,
    people: People,
    capsys: pytest.CaptureFixture[str],
) -> None:
    parts.kill("postgresql")
    await while_postgresql_is_down(client, settings, people)
    async with looked_after("PostgreSQL", parts.postgres) as watch:
        await served_again(client, parts, people)
        assert watch.restarts >= 1
    said = capsys.readouterr().out
    assert "PostgreSQL stopped (killed by SIGKILL)" in said, said
    assert "PostgreSQL is back on port" in said, said


@pytest.mark.parametrize("fault", ["stop", "freeze", "kill"])
async def test_sign_up_without_redis_is_refused_whole_and_served_once_it_is_back(
    parts: OwnParts, client: Client, people: People, fault: str
) -> None:
    {"stop": parts.stop, "freeze": parts.freeze, "kill": parts.kill}[fault]("redis")
    try:
        refused, took = await timed(sign_up(client, people))
        assert_503(refused, "redis")
        assert took < ANSWER_WITHIN_S, took
        # What needs only PostgreSQL goes on.
        assert (await client.get("/v1/me", headers=bearer(people.tokens))).status_code == 200
        assert (await client.get("/healthz")).status_code == 200
    finally:
        if fault == "freeze":
            parts.thaw("redis")
        elif fault == "stop":
            parts.start_again("redis")
    assert await challenges(parts, people) == 0
    # A killed Redis is started again by the watch `hanchang run` keeps.
    async with looked_after("Redis", parts.redis) as watch:
        deadline = time.monotonic() + 30
        while (accepted := await sign_up(client, people)).status_code != 202:
            assert accepted.status_code == 503 and time.monotonic() < deadline, accepted.text
            await asyncio.sleep(0.2)
        assert watch.restarts == (1 if fault == "kill" else 0)
    assert await challenges(parts, people) == 1
    await clear_sign_up(parts, people)


async def test_a_delivery_job_that_loses_postgresql_runs_again_and_sends_once(
    parts: OwnParts,
) -> None:
    """arq does not run a job again after an ordinary error: without `Retry`, its claims
    would wait for the sweep's ten minutes. The job asks to run again in seconds, and the
    run that follows sends each notice once."""
    quiet = parts.settings()  # no Twilio: SMS go to the dev outbox
    phone = "+821077770001"
    conn = await asyncpg.connect(parts.postgres.url)
    try:
        person = await laid_off(conn, quiet, phone=phone)
    finally:
        await conn.close()
    pool = await create_pool(quiet.database, min_size=1, max_size=2)
    redis = await create_arq_pool(RedisSettings.from_dsn(quiet.redis.url))
    today = datetime.now(KOREA).date()
    ctx: dict[str, Any] = {
        "pool": pool, "redis": redis, "settings": quiet, "clock": Clock(korea(today, 10)),
        "job_id": "deliver-outage", "job_try": 1,
    }  # fmt: skip
    try:
        await jobs.scan_notices(ctx)
        async with pool.acquire() as held:
            [notice] = [
                row["id"] for row in await notices_of(cast(asyncpg.Connection, held), person)
            ]

        parts.stop("postgresql")
        try:
            with pytest.raises(Retry) as again:
                await jobs.deliver_notices(ctx, [notice])
            assert again.value.defer_score == jobs.DATABASE_RETRY_DELAYS_S[0] * 1000
            # Tried enough: the job fails as any other (the sweep is the last resort).
            ctx["job_try"] = len(jobs.DATABASE_RETRY_DELAYS_S) + 1
            with pytest.raises(CONNECTION_FAILURES):
                await jobs.deliver_notices(ctx, [notice])
        finally:
            parts.start_again("postgresql")

        ctx["job_try"] = 2
        result = await jobs.deliver_notices(ctx, [notice])
        assert result["attempted"] == {"sms": 1}, result
        async with pool.acquire() as held:
            assert await held.fetchval("SELECT state FROM notices WHERE id = $1", notice) == "sent"
            sent = await held.fetchval(
                "SELECT count(*) FROM dev_outbox WHERE to_e164 = $1 AND body LIKE '%구직급여%'",
                phone,
            )
        assert sent == 1
    finally:
        await redis.aclose()
        await pool.close()
