"""No stranger can lock a person out (issue 13, finding 2).

Anyone who knows a phone number could send wrong recovery codes, TOTP codes, SMS codes
and passkey answers for it: ten locked the account for 10 minutes (and the 423 told
them the number had an account), a hundred locked it until a counter visit. Such
failures now meet only a throttle that expires and says nothing; the owner's own SMS
code and passkey keep working, and a registered and an unknown number answer alike.

The stranger and the owner come from different addresses, chosen through the
trusted-proxy setting (tests/support/sources.py). The stranger here knows the owner's birth date
as well as the number (which a sign-in by number asks for): the worst case, and the one
in which the failures reach the owner's account at all. The unknown number is sent with
the same birth date."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account, limit_key
from foundation.settings import Settings, load_settings
from server.app import create_app
from tests.support.dev_outbox import read_outbox_code
from tests.support.environment import environment_for_tests
from tests.support.factories import bearer, make_account, mobile_number, run_jobs, sign_in
from tests.support.passkeys import device, registered, sign_in_with
from tests.support.problems import comparable
from tests.support.sources import BehindProxy, from_address

STRANGER = from_address("203.0.113.66")
OWNER = from_address("198.51.100.7")
# Enough for the stranger's 240 wrong recovery codes to all be looked at.
PER_ADDRESS = 260


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            tmp_path_factory.mktemp("data"),
            HANCHANG_TRUSTED_PROXIES="127.0.0.1",
            HANCHANG_SIGN_IN_PER_ADDRESS_PER_MINUTE=str(PER_ADDRESS),
        )
    )


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=BehindProxy(create_app(settings))) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
async def fresh_limits(settings: Settings) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    yield


def wrong_recovery_code() -> str:
    return "-".join(f"{secrets.randbelow(10_000):04d}" for _ in range(4))


def assert_same_answer(known: httpx.Response, unknown: httpx.Response) -> None:
    """The same status, body and headers that matter, give or take a second of Retry-After."""
    assert known.status_code == unknown.status_code, (known.text, unknown.text)
    assert comparable(known) == comparable(unknown)
    assert known.headers.get("content-type") == unknown.headers.get("content-type")
    assert ("retry-after" in known.headers) == ("retry-after" in unknown.headers)
    if "retry-after" in known.headers:
        assert abs(int(known.headers["retry-after"]) - int(unknown.headers["retry-after"])) <= 1


async def account_state(owner_conn: asyncpg.Connection, account: Account) -> dict[str, Any]:
    row = await owner_conn.fetchrow(
        "SELECT consecutive_failures, hard_locked_at FROM accounts WHERE id = $1", account.id
    )
    assert row is not None
    return dict(row)


def born(account: Account) -> str:
    return account.birth_date.isoformat()


async def owner_signs_in_by_sms(
    client: AsyncTestClient[Any], owner_conn: asyncpg.Connection, settings: Settings, owner: Account
) -> httpx.Response:
    phone = owner.phone_e164
    assert phone is not None
    await run_jobs(settings)  # codes asked for earlier, by anyone, have gone out
    redis = Redis.from_url(settings.redis.url)
    await redis.delete(limit_key(settings.auth, "sms-resend", phone))
    await redis.aclose()
    started = await client.post(
        "/v1/auth/sms/start",
        json={"phone": phone, "birth_date": born(owner), "purpose": "sign_in"},
        headers=OWNER,
    )
    assert started.status_code == 202, started.text
    await run_jobs(settings)
    code = await read_outbox_code(owner_conn, phone)
    return await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": started.json()["challenge_id"], "code": code},
        headers=OWNER,
    )


async def owner_with_a_passkey(
    client: AsyncTestClient[Any], owner_conn: asyncpg.Connection, settings: Settings, name: str
) -> tuple[Account, Any]:
    account = await make_account(owner_conn, settings, name=name)
    authenticator = device(settings)
    tokens = await sign_in(owner_conn, settings, account)
    await registered(client, bearer(tokens), authenticator)
    return account, authenticator


async def test_a_strangers_wrong_recovery_codes_lock_nobody_out_and_tell_nothing(
    client: AsyncTestClient[Any], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    owner, authenticator = await owner_with_a_passkey(client, owner_conn, settings, "문채원")
    assert owner.phone_e164 is not None
    nobody = mobile_number()
    # Past the old lock at 10 and the old lock until a counter visit at 100, from one
    # address, rotating nothing.
    for _ in range(PER_ADDRESS // 2):
        known = await client.post(
            "/v1/auth/recovery-codes/verify",
            json={
                "phone": owner.phone_e164,
                "birth_date": born(owner),
                "code": wrong_recovery_code(),
            },
            headers=STRANGER,
        )
        unknown = await client.post(
            "/v1/auth/recovery-codes/verify",
            json={"phone": nobody, "birth_date": born(owner), "code": wrong_recovery_code()},
            headers=STRANGER,
        )
        assert_same_answer(known, unknown)
        assert known.status_code == 401 and known.json()["type"].endswith("/sign-in-failed")
    # Then the stranger's address is throttled, for both numbers alike, and only for a while.
    known = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": owner.phone_e164,
            "birth_date": born(owner),
            "code": wrong_recovery_code(),
        },
        headers=STRANGER,
    )
    unknown = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={"phone": nobody, "birth_date": born(owner), "code": wrong_recovery_code()},
        headers=STRANGER,
    )
    assert_same_answer(known, unknown)
    assert known.status_code == 429 and 1 <= int(known.headers["retry-after"]) <= 60

    # The owner is not locked out: their own SMS code and their own passkey work.
    assert await account_state(owner_conn, owner) == {
        "consecutive_failures": 0,
        "hard_locked_at": None,
    }
    by_sms = await owner_signs_in_by_sms(client, owner_conn, settings, owner)
    assert by_sms.status_code == 200, by_sms.text
    status, tokens = await sign_in_with(client, authenticator)
    assert status == 200, tokens
    assert tokens["aal"] == 2
    # Every failure is still in the audit log.
    failed = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.sign_in.failed' AND subject = $1",
        f"account:{owner.id}",
    )
    assert failed == PER_ADDRESS // 2


async def test_wrong_totp_sms_and_passkey_answers_count_towards_no_lock(
    client: AsyncTestClient[Any], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    owner, authenticator = await owner_with_a_passkey(client, owner_conn, settings, "남궁민")
    assert owner.phone_e164 is not None
    nobody = mobile_number()

    # Authenticator-app codes given just a number: a throttle per number, the same for both.
    answers: list[int] = []
    for _ in range(12):
        known = await client.post(
            "/v1/auth/totp/verify",
            json={"phone": owner.phone_e164, "birth_date": born(owner), "code": "000000"},
            headers=STRANGER,
        )
        unknown = await client.post(
            "/v1/auth/totp/verify",
            json={"phone": nobody, "birth_date": born(owner), "code": "000000"},
            headers=STRANGER,
        )
        assert_same_answer(known, unknown)
        answers.append(known.status_code)
    assert answers == [401] * 10 + [429] * 2

    # SMS codes: the stranger asks for codes to both numbers and guesses.
    redis = Redis.from_url(settings.redis.url)
    for _ in range(3):
        challenges = []
        for phone in (owner.phone_e164, nobody):
            await redis.delete(limit_key(settings.auth, "sms-resend", phone))
            started = await client.post(
                "/v1/auth/sms/start",
                json={"phone": phone, "birth_date": born(owner), "purpose": "sign_in"},
                headers=STRANGER,
            )
            assert started.status_code == 202
            challenges.append(started.json()["challenge_id"])
        for _ in range(6):
            known, unknown = [
                await client.post(
                    "/v1/auth/sms/verify",
                    json={"challenge_id": challenge, "code": "999999"},
                    headers=STRANGER,
                )
                for challenge in challenges
            ]
            assert_same_answer(known, unknown)
            assert known.status_code in (400, 401)
    await redis.aclose()

    # Passkey answers that do not verify (a stranger who learnt a credential id).
    for _ in range(12):
        status, body = await sign_in_with(client, authenticator, tamper_signature=True)
        assert status == 401 and body["type"].endswith("/sign-in-failed")

    assert await account_state(owner_conn, owner) == {
        "consecutive_failures": 0,
        "hard_locked_at": None,
    }
    status, tokens = await sign_in_with(client, authenticator)
    assert status == 200, tokens
    by_sms = await owner_signs_in_by_sms(client, owner_conn, settings, owner)
    assert by_sms.status_code == 200, by_sms.text


async def test_a_locked_account_is_told_only_to_whoever_gives_a_right_code(
    client: AsyncTestClient[Any], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    """An account locked until a counter visit (by wrong PINs after proven possession) is
    no more visible to a stranger than any other: a wrong code answers as for a number
    nobody has. The owner's right code learns why it cannot sign in, and is not spent."""
    owner = await make_account(owner_conn, settings, name="석진우")
    assert owner.phone_e164 is not None
    aal2 = await sign_in(owner_conn, settings, owner, aal=2, method="passkey")
    made = await client.post("/v1/me/recovery-codes", headers=bearer(aal2))
    assert made.status_code == 201, made.text
    code = made.json()["recovery_codes"][0]
    await owner_conn.execute(
        "UPDATE accounts SET consecutive_failures = 100, hard_locked_at = now() WHERE id = $1",
        owner.id,
    )
    nobody = mobile_number()
    for path, bad in (
        ("/v1/auth/recovery-codes/verify", wrong_recovery_code()),
        ("/v1/auth/totp/verify", "000000"),
    ):
        known = await client.post(
            path,
            json={"phone": owner.phone_e164, "birth_date": born(owner), "code": bad},
            headers=STRANGER,
        )
        unknown = await client.post(
            path,
            json={"phone": nobody, "birth_date": born(owner), "code": bad},
            headers=STRANGER,
        )
        assert_same_answer(known, unknown)
        assert known.status_code == 401

    right = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={"phone": owner.phone_e164, "birth_date": born(owner), "code": code},
        headers={**OWNER, "Accept-Language": "en"},
    )
    assert right.status_code == 423
    assert right.json()["type"].endswith("/account-locked-counter")
    assert "counter" in right.json()["detail"]
    unused = await owner_conn.fetchval(
        "SELECT count(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL", owner.id
    )
    assert unused == 10
