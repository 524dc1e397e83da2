"""Two people with one phone number (a family phone): each signs in to their own account.

Every sign-in keyed by a phone number (SMS and voice codes, an authenticator app, a
recovery code) takes the birth date with the number, for every number: the person is
the one with that number and that birth date. A wrong birth date is refused exactly
like a wrong code, and nothing in an answer tells whether a number is shared.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account
from foundation.settings import Settings, load_settings
from tests.support.environment import environment_for_tests
from tests.support.factories import bearer, make_account, mobile_number, run_jobs, sign_in
from tests.support.fakes.twilio import FakeTwilio
from tests.support.problems import comparable

SID = "AC" + "2" * 32
TOKEN = "test-auth-token"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
MOTHER_BORN = date(1961, 3, 4)
SON_BORN = date(1990, 5, 17)


@pytest.fixture(scope="module")
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(SID, TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Settings:
    env = environment_for_tests(
        database_url,
        redis_url,
        tmp_path_factory.mktemp("data"),
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_API_BASE_URL=twilio.url,
        TWILIO_TIMEOUT_SECONDS="2",
    )
    return load_settings(env)


@pytest.fixture(autouse=True)
async def fresh_limits(settings: Settings) -> AsyncIterator[None]:
    """Each test starts with no rate-limit windows (they live in this worker's Redis db)."""
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    yield


async def forget_resend_waits(settings: Settings) -> None:
    """A new code to the same number at once (the 30-second wait is tested elsewhere)."""
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()


async def family(
    owner_conn: asyncpg.Connection, settings: Settings, suffix: str
) -> tuple[str, Account, Account]:
    """A mother and her son with accounts, both with the family's phone as phone of record."""
    phone = mobile_number()
    mother = await make_account(
        owner_conn, settings, name=f"박순자{suffix}", birth_date=MOTHER_BORN, phone_e164=phone
    )
    son = await make_account(
        owner_conn, settings, name=f"박지호{suffix}", birth_date=SON_BORN, phone_e164=phone
    )
    return phone, mother, son


def codes_sent(twilio: FakeTwilio, phone: str) -> list[str]:
    return [m["Body"] for m in twilio.messages if m["To"] == phone]


def last_code(twilio: FakeTwilio, phone: str) -> str:
    bodies = codes_sent(twilio, phone)
    assert bodies, "no SMS"
    match = CODE.search(bodies[-1])
    assert match
    return match[1]


def without_instance(answer: Any) -> dict[str, Any]:
    return comparable(answer)


async def sms_sign_in(
    client: AsyncTestClient[Litestar],
    settings: Settings,
    twilio: FakeTwilio,
    phone: str,
    birth_date: date,
) -> Any:
    await forget_resend_waits(settings)
    started = await client.post(
        "/v1/auth/sms/start",
        json={"phone": phone, "birth_date": birth_date.isoformat(), "purpose": "sign_in"},
    )
    assert started.status_code == 202, started.text
    await run_jobs(settings)
    return await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": started.json()["challenge_id"], "code": last_code(twilio, phone)},
    )


async def whose(client: AsyncTestClient[Litestar], answer: Any) -> int:
    assert answer.status_code == 200, answer.text
    me = await client.get(
        "/v1/me", headers={"Authorization": f"Bearer {answer.json()['access_token']}"}
    )
    account_id: int = me.json()["account_id"]
    return account_id


async def test_each_person_on_a_shared_number_reaches_their_own_account_by_sms(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    phone, mother, son = await family(owner_conn, settings, "")
    for _ in range(2):  # whichever row the database returns first
        assert (
            await whose(client, await sms_sign_in(client, settings, twilio, phone, SON_BORN))
            == son.id
        )
        assert (
            await whose(client, await sms_sign_in(client, settings, twilio, phone, MOTHER_BORN))
            == mother.id
        )
    # A recovery code (purpose `recovery`) follows the same rule.
    await forget_resend_waits(settings)
    started = await client.post(
        "/v1/auth/sms/start",
        json={"phone": phone, "birth_date": MOTHER_BORN.isoformat(), "purpose": "recovery"},
    )
    await run_jobs(settings)
    recovered = await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": started.json()["challenge_id"], "code": last_code(twilio, phone)},
    )
    assert await whose(client, recovered) == mother.id


async def test_a_wrong_birth_date_is_refused_exactly_like_a_wrong_code(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    phone, mother, _ = await family(owner_conn, settings, "이")
    await forget_resend_waits(settings)
    right = await client.post(
        "/v1/auth/sms/start",
        json={"phone": phone, "birth_date": MOTHER_BORN.isoformat(), "purpose": "sign_in"},
        headers={"Accept-Language": "en"},
    )
    await run_jobs(settings)
    sent = len(codes_sent(twilio, phone))
    code = last_code(twilio, phone)
    await forget_resend_waits(settings)
    wrong_date = await client.post(
        "/v1/auth/sms/start",
        json={"phone": phone, "birth_date": "1975-01-01", "purpose": "sign_in"},
        headers={"Accept-Language": "en"},
    )
    assert right.status_code == wrong_date.status_code == 202
    assert set(right.json()) == set(wrong_date.json())
    assert right.json()["message"] == wrong_date.json()["message"]
    assert right.headers.keys() == wrong_date.headers.keys()
    await run_jobs(settings)
    assert len(codes_sent(twilio, phone)) == sent  # nobody was sent a code for that date

    wrong = "000000" if code != "000000" else "111111"
    wrong_code = await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": right.json()["challenge_id"], "code": wrong},
        headers={"Accept-Language": "en"},
    )
    # Even the code just sent to the mother does not open the wrong date's challenge.
    with_wrong_date = await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": wrong_date.json()["challenge_id"], "code": code},
        headers={"Accept-Language": "en"},
    )
    assert wrong_code.status_code == with_wrong_date.status_code == 401
    assert without_instance(wrong_code) == without_instance(with_wrong_date)
    assert wrong_code.headers.keys() == with_wrong_date.headers.keys()
    # The right code still opens the mother's own account.
    verified = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": right.json()["challenge_id"], "code": code}
    )
    assert await whose(client, verified) == mother.id


async def test_twins_on_one_number_are_refused_like_a_wrong_code(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    phone = mobile_number()
    for name in ("김하나", "김두리"):
        await make_account(
            owner_conn, settings, name=name, birth_date=date(2001, 7, 7), phone_e164=phone
        )
    started = await client.post(
        "/v1/auth/sms/start",
        json={"phone": phone, "birth_date": "2001-07-07", "purpose": "sign_in"},
    )
    assert started.status_code == 202
    await run_jobs(settings)
    assert not codes_sent(twilio, phone)  # the code could open either: none is sent
    refused = await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": started.json()["challenge_id"], "code": "123456"},
    )
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/sign-in-failed")


async def test_every_number_is_asked_the_same_way(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    shared, _, _ = await family(owner_conn, settings, "삼")
    alone = await make_account(owner_conn, settings, name="홍길동", birth_date=SON_BORN)
    assert alone.phone_e164 is not None
    unknown = mobile_number()
    answers = []
    for phone, born in (
        (shared, MOTHER_BORN),
        (alone.phone_e164, SON_BORN),
        (unknown, SON_BORN),
        (shared, date(1980, 1, 1)),
        (alone.phone_e164, date(1980, 1, 1)),
    ):
        await forget_resend_waits(settings)
        answers.append(
            await client.post(
                "/v1/auth/sms/start",
                json={"phone": phone, "birth_date": born.isoformat(), "purpose": "sign_in"},
                headers={"Accept-Language": "en"},
            )
        )
    assert {a.status_code for a in answers} == {202}
    assert len({tuple(sorted(a.json())) for a in answers}) == 1
    assert len({a.json()["message"] for a in answers}) == 1
    assert len({tuple(a.headers.keys()) for a in answers}) == 1

    # Without a birth date every number gets the same problem, naming the field.
    for phone in (shared, alone.phone_e164, unknown):
        for path, body in (
            ("/v1/auth/sms/start", {"phone": phone, "purpose": "sign_in"}),
            ("/v1/auth/totp/verify", {"phone": phone, "code": "123456"}),
            ("/v1/auth/recovery-codes/verify", {"phone": phone, "code": "1234-5678-9012-3456"}),
        ):
            missing = await client.post(path, json=body, headers={"Accept-Language": "en"})
            assert missing.status_code == 400, (path, missing.text)
            assert [e["field"] for e in missing.json()["errors"]] == ["body.birth_date"]

    # The person alone on a number signs in with their birth date, and a wrong one is refused.
    assert (
        await whose(client, await sms_sign_in(client, settings, twilio, alone.phone_e164, SON_BORN))
        == alone.id
    )
    await forget_resend_waits(settings)
    wrong_date = await client.post(
        "/v1/auth/sms/start",
        json={"phone": alone.phone_e164, "birth_date": "1980-01-01", "purpose": "sign_in"},
    )
    await run_jobs(settings)
    refused = await client.post(
        "/v1/auth/sms/verify",
        json={
            "challenge_id": wrong_date.json()["challenge_id"],
            "code": last_code(twilio, alone.phone_e164),
        },
    )
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/sign-in-failed")


def totp_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time())


async def enable_totp(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    account: Account,
) -> str:
    # At aal 2: an app is not a first binding (auth/binding.py).
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    secret: str = (await client.post("/v1/auth/totp/setup", headers=bearer(tokens))).json()[
        "secret"
    ]
    if time.time() % 30 > 25:
        await asyncio.sleep(30 - time.time() % 30 + 0.1)
    confirmed = await client.post(
        "/v1/auth/totp/confirm", json={"code": totp_code(secret)}, headers=bearer(tokens)
    )
    assert confirmed.status_code == 200, confirmed.text
    await owner_conn.execute("UPDATE accounts SET totp_last_step = NULL WHERE id = $1", account.id)
    return secret


async def test_an_authenticator_app_and_a_recovery_code_on_a_shared_number(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    phone, mother, son = await family(owner_conn, settings, "사")
    secret = await enable_totp(client, owner_conn, settings, son)
    code = totp_code(secret)
    mothers_date = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": MOTHER_BORN.isoformat(), "code": code},
        headers={"Accept-Language": "en"},
    )
    guessed = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": SON_BORN.isoformat(), "code": "000000"},
        headers={"Accept-Language": "en"},
    )
    assert mothers_date.status_code == guessed.status_code == 401
    assert without_instance(mothers_date) == without_instance(guessed)
    sons = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": SON_BORN.isoformat(), "code": code},
    )
    assert await whose(client, sons) == son.id

    aal2 = await sign_in(owner_conn, settings, mother, aal=2, method="passkey")
    codes = (await client.post("/v1/me/recovery-codes", headers=bearer(aal2))).json()[
        "recovery_codes"
    ]
    sons_date = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={"phone": phone, "birth_date": SON_BORN.isoformat(), "code": codes[0]},
    )
    assert sons_date.status_code == 401
    assert sons_date.json()["type"].endswith("/sign-in-failed")
    mothers = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={"phone": phone, "birth_date": MOTHER_BORN.isoformat(), "code": codes[0]},
    )
    assert await whose(client, mothers) == mother.id
