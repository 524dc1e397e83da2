"""Sign-up and sign-in with SMS and voice codes, through the real Twilio SDK and a local fake."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import limit_key
from foundation.settings import Settings, load_settings
from tests.support.environment import environment_for_tests
from tests.support.factories import make_account, make_person, run_jobs
from tests.support.fakes.twilio import FakeTwilio
from tests.support.problems import comparable

SID = "AC" + "1" * 32
TOKEN = "test-auth-token"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


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


def last_code(twilio: FakeTwilio, phone: str) -> str:
    bodies = [m["Body"] for m in twilio.messages if m["To"] == phone]
    assert bodies, f"no SMS to {phone}"
    match = CODE.search(bodies[-1])
    assert match
    return match[1]


async def test_signup_sends_a_code_and_creates_the_account(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    person = await make_person(owner_conn, settings, name="이서연", birth_date=date(1988, 3, 9))
    assert person.phone_e164 is not None
    national = (
        "0" + person.phone_e164[3:5] + "-" + person.phone_e164[5:9] + "-" + person.phone_e164[9:]
    )
    answer = await client.post(
        "/v1/auth/signup", json={"name": "이서연", "birth_date": "1988-03-09", "phone": national}
    )
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert set(body) == {"challenge_id", "expires_at", "resend_after", "message"}
    assert body["resend_after"] == 30
    assert "창구" in body["message"]
    assert not twilio.messages or all(m["To"] != person.phone_e164 for m in twilio.messages)

    await run_jobs(settings)
    sms = [m for m in twilio.messages if m["To"] == person.phone_e164]
    assert len(sms) == 1
    text = sms[0]["Body"]
    assert "고용노동부" in text and "1350" in text
    assert "http" not in text and "www" not in text
    code = last_code(twilio, person.phone_e164)
    stored = await owner_conn.fetchval(
        "SELECT code_hash FROM sms_challenges WHERE id = $1", uuid.UUID(body["challenge_id"])
    )
    assert code.encode() not in bytes(stored)

    verified = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": body["challenge_id"], "code": code}
    )
    assert verified.status_code == 200, verified.text
    tokens = verified.json()
    assert tokens["aal"] == 1 and tokens["token_type"] == "Bearer"
    assert tokens["suggest"] == ["passkey"]
    assert tokens["expires_in"] == 900
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json()["assurance"] == "remote"
    assert me.json()["name"] == "이서연"
    actions = {
        row["action"]
        for row in await owner_conn.fetch("SELECT action, details::text FROM audit_log")
    }
    assert {"auth.account.created", "auth.sign_in.succeeded"} <= actions
    # The code is single-use.
    again = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": body["challenge_id"], "code": code}
    )
    assert again.status_code == 401


async def test_signup_answer_does_not_reveal_whether_the_person_exists(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    person = await make_person(owner_conn, settings, name="박지호", birth_date=date(1979, 12, 1))
    assert person.phone_e164 is not None
    sent_before = len(twilio.messages)
    match = await client.post(
        "/v1/auth/signup",
        json={"name": "박지호", "birth_date": "1979-12-01", "phone": person.phone_e164},
        headers={"Accept-Language": "en"},
    )
    stranger = await client.post(
        "/v1/auth/signup",
        json={"name": "박지호", "birth_date": "1979-12-02", "phone": "010-9999-0000"},
        headers={"Accept-Language": "en"},
    )
    assert match.status_code == stranger.status_code == 202
    assert set(match.json()) == set(stranger.json())
    assert match.json()["message"] == stranger.json()["message"]
    assert match.headers.keys() == stranger.headers.keys()
    await run_jobs(settings)
    assert len(twilio.messages) == sent_before + 1  # only the real person got a code
    state = await owner_conn.fetchval(
        "SELECT send_state FROM sms_challenges WHERE id = $1",
        uuid.UUID(stranger.json()["challenge_id"]),
    )
    assert state == "skipped"
    # Any code for the stranger fails exactly as a wrong code for a real person does.
    wrong_real = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": match.json()["challenge_id"], "code": "000000"}
    )
    wrong_stranger = await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": stranger.json()["challenge_id"], "code": "000000"},
    )
    assert wrong_real.status_code == wrong_stranger.status_code == 401
    assert comparable(wrong_real) == comparable(wrong_stranger)


async def test_signing_up_again_writes_no_account_created_row(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    """Someone who already has an account signs up again: the same answers, and the audit log
    says what happened (a sign-in), not that an account was created."""
    account = await make_account(owner_conn, settings, name="임채원", birth_date=date(1992, 8, 1))
    newcomer = await make_person(owner_conn, settings, name="임채윤", birth_date=date(1992, 8, 1))
    answers = []
    for person in (account, newcomer):
        started = await client.post(
            "/v1/auth/signup",
            json={"name": person.name, "birth_date": "1992-08-01", "phone": person.phone_e164},
        )
        assert started.status_code == 202
        await run_jobs(settings)
        assert person.phone_e164 is not None
        verified = await client.post(
            "/v1/auth/sms/verify",
            json={
                "challenge_id": started.json()["challenge_id"],
                "code": last_code(twilio, person.phone_e164),
            },
        )
        assert verified.status_code == 200, verified.text
        answers.append((started, verified))
    (again_start, again), (new_start, new) = answers
    assert set(again_start.json()) == set(new_start.json())
    assert again_start.json()["message"] == new_start.json()["message"]
    assert set(again.json()) == set(new.json())
    assert again.json()["suggest"] == new.json()["suggest"] == ["passkey"]
    me = await client.get(
        "/v1/me", headers={"Authorization": f"Bearer {again.json()['access_token']}"}
    )
    assert me.json()["account_id"] == account.id

    created = await owner_conn.fetch(
        "SELECT actor FROM audit_log WHERE action = 'auth.account.created' AND actor = ANY($1)",
        [f"person:{account.person_id}", f"person:{newcomer.id}"],
    )
    assert [row["actor"] for row in created] == [f"person:{newcomer.id}"]
    signed_in = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.sign_in.succeeded' AND subject = $1",
        f"account:{account.id}",
    )
    assert signed_in == 1


async def test_sign_in_rows_name_the_session_and_the_address(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    account = await make_account(owner_conn, settings, name="임도윤")
    assert account.phone_e164 is not None
    started = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "purpose": "sign_in",
        },
    )
    await run_jobs(settings)
    challenge_id = started.json()["challenge_id"]
    code = last_code(twilio, account.phone_e164)
    wrong = await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": challenge_id, "code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 401
    verified = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": challenge_id, "code": code}
    )
    assert verified.status_code == 200
    session_id = await owner_conn.fetchval(
        "SELECT id FROM sessions WHERE account_id = $1", account.id
    )
    rows = {
        row["action"]: msgspec.json.decode(row["details"])
        for row in await owner_conn.fetch(
            "SELECT action, details::text AS details FROM audit_log WHERE subject = $1 "
            "AND action LIKE 'auth.sign_in.%'",
            f"account:{account.id}",
        )
    }
    # The test client's address (a real request's comes from api/auth_guard.py).
    assert rows["auth.sign_in.failed"]["address"] == "testclient"
    assert rows["auth.sign_in.succeeded"] == {
        "method": "sms",
        "session": str(session_id),
        "address": "testclient",
    }


async def test_sign_in_by_voice_speaks_the_code_twice(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    account = await make_account(owner_conn, settings, name="최영수", has_smartphone=False)
    assert account.phone_e164 is not None
    started = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "purpose": "sign_in",
            "delivery": "voice",
        },
    )
    assert started.status_code == 202
    await run_jobs(settings)
    calls = [c for c in twilio.calls if c["To"] == account.phone_e164]
    assert len(calls) == 1
    twiml = calls[0]["Twiml"]
    assert 'language="ko-KR"' in twiml
    spoken = re.findall(r"<Say[^>]*>(\d)</Say>", twiml)
    assert len(spoken) == 12 and spoken[:6] == spoken[6:]
    code = "".join(spoken[:6])
    verified = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": started.json()["challenge_id"], "code": code}
    )
    assert verified.status_code == 200
    assert verified.json()["aal"] == 1


async def test_wrong_codes_expiry_and_attempt_limit(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    account = await make_account(owner_conn, settings, name="정민지")
    started = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "purpose": "sign_in",
        },
        headers={"Accept-Language": "en"},
    )
    challenge_id = started.json()["challenge_id"]
    await run_jobs(settings)
    assert account.phone_e164 is not None
    code = last_code(twilio, account.phone_e164)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        refused = await client.post(
            "/v1/auth/sms/verify", json={"challenge_id": challenge_id, "code": wrong}
        )
        assert refused.status_code == 401
        assert refused.json()["type"].endswith("/sign-in-failed")
    exhausted = await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": challenge_id, "code": code},
        headers={"Accept-Language": "en"},
    )
    assert exhausted.status_code == 400
    assert exhausted.json()["type"].endswith("/code-attempts-exceeded")
    # Counted on the challenge only: whoever asked for the code may be a stranger.
    failures = await owner_conn.fetchval(
        "SELECT consecutive_failures FROM accounts WHERE id = $1", account.id
    )
    assert failures == 0

    # An expired code is refused even when right.
    await Redis.from_url(settings.redis.url).delete(
        limit_key(settings.auth, "sms-resend", account.phone_e164)
    )
    second = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "purpose": "sign_in",
        },
    )
    await run_jobs(settings)
    await owner_conn.execute(
        "UPDATE sms_challenges SET expires_at = now() - interval '1 second' WHERE id = $1",
        uuid.UUID(second.json()["challenge_id"]),
    )
    expired = await client.post(
        "/v1/auth/sms/verify",
        json={
            "challenge_id": second.json()["challenge_id"],
            "code": last_code(twilio, account.phone_e164),
        },
    )
    assert expired.status_code == 400
    assert expired.json()["type"].endswith("/code-expired")
    assert expired.json()["title"] == "코드의 유효 시간이 지났어요"


async def test_wrong_codes_on_many_challenges_lock_nothing(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    account = await make_account(owner_conn, settings, name="한지민")
    assert account.phone_e164 is not None
    redis = Redis.from_url(settings.redis.url)
    challenge_ids = []
    for _ in range(3):
        await redis.delete(limit_key(settings.auth, "sms-resend", account.phone_e164))
        started = await client.post(
            "/v1/auth/sms/start",
            json={
                "phone": account.phone_e164,
                "birth_date": account.birth_date.isoformat(),
                "purpose": "sign_in",
            },
        )
        challenge_ids.append(started.json()["challenge_id"])
    await redis.aclose()
    await run_jobs(settings)
    for attempt in range(10):
        answer = await client.post(
            "/v1/auth/sms/verify",
            json={"challenge_id": challenge_ids[attempt // 5], "code": "999999"},
        )
        assert answer.status_code == 401
    # The person asks for a new code: it signs in.
    await Redis.from_url(settings.redis.url).delete(
        limit_key(settings.auth, "sms-resend", account.phone_e164)
    )
    started = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "purpose": "sign_in",
        },
    )
    await run_jobs(settings)
    signed_in = await client.post(
        "/v1/auth/sms/verify",
        json={
            "challenge_id": started.json()["challenge_id"],
            "code": last_code(twilio, account.phone_e164),
        },
    )
    assert signed_in.status_code == 200, signed_in.text
    actions = [
        r["action"]
        for r in await owner_conn.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"account:{account.id}"
        )
    ]
    assert actions.count("auth.sign_in.failed") == 10
    assert "auth.account.locked" not in actions


async def test_rate_limits_per_number(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="오세훈")
    assert account.phone_e164 is not None
    first = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "purpose": "sign_in",
        },
    )
    assert first.status_code == 202
    soon = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "purpose": "sign_in",
        },
        headers={"Accept-Language": "en"},
    )
    assert soon.status_code == 429
    assert soon.json()["type"].endswith("/too-many-codes")
    assert 1 <= int(soon.headers["retry-after"]) <= 30
    redis = Redis.from_url(settings.redis.url)
    statuses = []
    for _ in range(5):
        await redis.delete(limit_key(settings.auth, "sms-resend", account.phone_e164))
        answer = await client.post(
            "/v1/auth/sms/start",
            json={
                "phone": account.phone_e164,
                "birth_date": account.birth_date.isoformat(),
                "purpose": "sign_in",
            },
        )
        statuses.append(answer.status_code)
    await redis.aclose()
    assert statuses == [202, 202, 202, 202, 429]  # five an hour, the first included
    # An unknown number is limited the same way: the limit does not reveal registration.
    unknown = "010-3333-4444"
    assert (
        await client.post(
            "/v1/auth/sms/start",
            json={"phone": unknown, "birth_date": "1990-05-17", "purpose": "sign_in"},
        )
    ).status_code == 202
    assert (
        await client.post(
            "/v1/auth/sms/start",
            json={"phone": unknown, "birth_date": "1990-05-17", "purpose": "sign_in"},
        )
    ).status_code == 429


async def test_twilio_outage_is_retried_and_permanent_errors_give_up(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
) -> None:
    account = await make_account(owner_conn, settings, name="윤하늘")
    assert account.phone_e164 is not None
    await run_jobs(settings)  # nothing else queued may take the planned failure
    twilio.planned.extend([503])
    started = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "purpose": "sign_in",
        },
    )
    assert started.status_code == 202  # the outage never shows in the answer
    await run_jobs(settings)
    row = await owner_conn.fetchrow(
        "SELECT send_state, send_attempts FROM sms_challenges WHERE id = $1",
        uuid.UUID(started.json()["challenge_id"]),
    )
    assert row is not None and row["send_state"] == "sent" and row["send_attempts"] == 2

    other = await make_account(owner_conn, settings, name="윤바다")
    twilio.planned.extend([400])
    failed = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": other.phone_e164,
            "birth_date": other.birth_date.isoformat(),
            "purpose": "sign_in",
        },
    )
    await run_jobs(settings)
    row = await owner_conn.fetchrow(
        "SELECT send_state, send_attempts FROM sms_challenges WHERE id = $1",
        uuid.UUID(failed.json()["challenge_id"]),
    )
    assert row is not None and row["send_state"] == "failed" and row["send_attempts"] == 1


async def test_bad_input_is_a_clear_problem(client: AsyncTestClient[Litestar]) -> None:
    bad_phone = await client.post(
        "/v1/auth/signup", json={"name": "김하나", "birth_date": "1990-01-01", "phone": "12-34"}
    )
    assert bad_phone.status_code == 400
    assert bad_phone.json()["errors"] == [
        {"field": "body.phone", "detail": "010-1234-5678처럼 휴대전화 번호를 입력해 주세요."}
    ]
    bad_date = await client.post(
        "/v1/auth/signup",
        json={"name": "김하나", "birth_date": "01/01/1990", "phone": "010-1234-5678"},
        headers={"Accept-Language": "en"},
    )
    assert bad_date.json()["errors"] == [
        {"field": "body.birth_date", "detail": "Enter a date as YYYY-MM-DD."}
    ]
    bad_code = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": str(uuid.uuid4()), "code": "12ab"}
    )
    assert bad_code.status_code == 400
    assert bad_code.json()["errors"][0]["field"] == "body.code"
    bad_purpose = await client.post(
        "/v1/auth/sms/start",
        json={"phone": "010-1234-5678", "birth_date": "1990-05-17", "purpose": "steal"},
    )
    assert bad_purpose.status_code == 400


async def test_outbox_when_twilio_is_not_configured(
    database_url: str, redis_url: str, tmp_path: Path, owner_conn: asyncpg.Connection
) -> None:
    plain = load_settings(environment_for_tests(database_url, redis_url, tmp_path))
    account = await make_account(owner_conn, plain, name="서하늘")
    from server.app import create_app

    async with AsyncTestClient(app=create_app(plain)) as local:
        await Redis.from_url(redis_url).delete(
            limit_key(plain.auth, "sms-resend", account.phone_e164 or "")
        )
        started = await local.post(
            "/v1/auth/sms/start",
            json={
                "phone": account.phone_e164,
                "birth_date": account.birth_date.isoformat(),
                "purpose": "sign_in",
            },
        )
        assert started.status_code == 202
        await run_jobs(plain)
        outbox = (await local.get("/dev/outbox")).json()
        assert outbox[0]["to"] == account.phone_e164
        assert CODE.search(outbox[0]["body"])
