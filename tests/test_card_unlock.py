"""Unlocking a locked access card at the kiosk with an SMS code (issue 4): the code goes
through the real Twilio SDK to a local fake, unlocks that one card and signs nobody in;
wrong, expired and foreign codes, the 24-hour cap, and the refusals."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth.accounts import Account
from auth.limits import _key
from auth.pin import hash_pin
from server.settings import Settings, load_settings
from tests.conftest import environment_for_tests
from tests.factories import make_account, run_jobs
from tests.fakes.twilio import FakeTwilio
from tests.test_access_cards import (
    PIN,
    actions,
    assert_problem,
    enroll_kiosk,
    issue,
    kiosk_cli,
    staff_signed_in,
    verify,
)

SID = "AC" + "2" * 32
TOKEN = "test-auth-token"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
WRONG_PIN = "582913"
Client = AsyncTestClient[Litestar]


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


async def clear_limits(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    """No rate-limit windows and no cookie left over from the previous test."""
    await clear_limits(settings)
    client.cookies.clear()
    yield


class Holder:
    """A person with a PIN and a live card, and the kiosk it is used at."""

    def __init__(self, account: Account, card: dict[str, Any], kiosk_key: str) -> None:
        self.account = account
        self.card_id: int = card["card_id"]
        self.token: str = card["card_token"]
        self.kiosk_key = kiosk_key
        self.phone = account.phone_e164


async def card_holder(
    settings: Settings,
    client: Client,
    owner_conn: asyncpg.Connection,
    kiosk_key: str,
    **person: Any,
) -> Holder:
    await staff_signed_in(owner_conn, client)
    account = await make_account(
        owner_conn, settings, assurance="in_person", has_smartphone=False, **person
    )
    await owner_conn.execute(
        "UPDATE accounts SET pin_hash = $2, pin_set_at = now() WHERE id = $1",
        account.id,
        await hash_pin(settings.auth, PIN),
    )
    card = await issue(client, account.person_id)
    client.cookies.clear()  # the kiosk has no staff cookie
    return Holder(account, card, kiosk_key)


async def lock(client: Client, holder: Holder) -> None:
    """Five wrong PINs at the kiosk, as the holder would."""
    for _ in range(4):
        assert_problem(
            await verify(client, holder.kiosk_key, holder.token, WRONG_PIN), 401, "pin-wrong"
        )
    assert_problem(
        await verify(client, holder.kiosk_key, holder.token, WRONG_PIN), 423, "card-locked"
    )


async def start(client: Client, holder: Holder, **headers: str) -> Any:
    return await client.post(
        "/v1/auth/card/unlock",
        json={"card_token": holder.token},
        headers={"X-Kiosk-Key": holder.kiosk_key, **headers},
    )


async def finish(
    client: Client, holder: Holder, challenge_id: str, code: str, **headers: str
) -> Any:
    return await client.post(
        "/v1/auth/card/unlock/verify",
        json={"card_token": holder.token, "challenge_id": challenge_id, "code": code},
        headers={"X-Kiosk-Key": holder.kiosk_key, **headers},
    )


async def sent_code(settings: Settings, twilio: FakeTwilio, phone: str | None) -> tuple[str, str]:
    """Run the queued sending job; the last text to `phone` and the code in it."""
    await run_jobs(settings)
    bodies = [m["Body"] for m in twilio.messages if m["To"] == phone]
    assert bodies, f"no SMS to {phone}"
    match = CODE.search(bodies[-1])
    assert match
    return bodies[-1], match[1]


async def card_state(owner_conn: asyncpg.Connection, card_id: int) -> tuple[int, bool]:
    row = await owner_conn.fetchrow(
        "SELECT pin_failures, locked_at IS NOT NULL AS locked FROM access_cards WHERE id = $1",
        card_id,
    )
    assert row is not None
    return row["pin_failures"], row["locked"]


async def forget_resend_wait(settings: Settings, phone: str | None) -> None:
    assert phone is not None
    redis = Redis.from_url(settings.redis.url)
    await redis.delete(_key("sms-resend", phone))
    await redis.aclose()


async def test_an_sms_code_unlocks_the_card_and_the_pin_then_signs_in(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    twilio: FakeTwilio,
) -> None:
    kiosk_id, key = await enroll_kiosk(database_url, capsys)
    holder = await card_holder(settings, client, owner_conn, key)
    await lock(client, holder)
    assert await card_state(owner_conn, holder.card_id) == (5, True)

    started = await start(client, holder)
    assert started.status_code == 202, started.text
    body = started.json()
    assert set(body) == {"challenge_id", "phone_masked", "expires_at", "resend_after", "message"}
    phone = holder.phone
    assert phone is not None and phone.startswith("+8210")
    assert body["phone_masked"] == f"010-****-{phone[-4:]}"
    assert body["phone_masked"] in body["message"] and "인증번호" in body["message"]
    row = await owner_conn.fetchrow(
        "SELECT purpose, card_id, account_id, phone_e164, locale FROM sms_challenges WHERE id = $1",
        uuid.UUID(body["challenge_id"]),
    )
    assert row is not None and dict(row) == {
        "purpose": "card_unlock",
        "card_id": holder.card_id,
        "account_id": holder.account.id,
        "phone_e164": phone,
        "locale": "ko",
    }
    text, code = await sent_code(settings, twilio, phone)
    assert "고용노동부" in text and "http" not in text
    assert code.encode() not in bytes(
        await owner_conn.fetchval(
            "SELECT code_hash FROM sms_challenges WHERE id = $1", uuid.UUID(body["challenge_id"])
        )
    )

    sessions = await owner_conn.fetchval(
        "SELECT count(*) FROM sessions WHERE account_id = $1", holder.account.id
    )
    # The code is for the card: it never signs in through the SMS sign-in endpoint.
    elsewhere = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": body["challenge_id"], "code": code}
    )
    assert_problem(elsewhere, 401, "sign-in-failed")

    unlocked = await finish(client, holder, body["challenge_id"], code)
    assert unlocked.status_code == 200, unlocked.text
    answer = unlocked.json()
    assert {k: answer[k] for k in ("card_id", "pin_failures", "locked")} == {
        "card_id": holder.card_id,
        "pin_failures": 0,
        "locked": False,
    }
    assert "비밀번호" in answer["message"]
    assert "access_token" not in answer
    assert await card_state(owner_conn, holder.card_id) == (0, False)
    # Unlocking signs nobody in.
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM sessions WHERE account_id = $1", holder.account.id
        )
        == sessions
    )
    consumed = await owner_conn.fetchval(
        "SELECT consumed_at IS NOT NULL FROM sms_challenges WHERE id = $1",
        uuid.UUID(body["challenge_id"]),
    )
    assert consumed
    # Single use.
    assert_problem(await finish(client, holder, body["challenge_id"], code), 409, "card-not-locked")

    signed_in = await verify(client, key, holder.token, PIN)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["aal"] == 2

    subject = f"person:{holder.account.person_id}"
    assert await actions(owner_conn, subject) == [
        "auth.card.issued",
        "auth.card.unlock_code_sent",
        "auth.card.unlocked",
        "auth.card.signed_in",
    ]
    audit = await owner_conn.fetchrow(
        "SELECT actor, office, channel, details::text AS details FROM audit_log "
        "WHERE action = 'auth.card.unlocked' AND subject = $1",
        subject,
    )
    assert audit is not None
    assert (audit["actor"], audit["office"], audit["channel"]) == (
        f"account:{holder.account.id}",
        "busan",
        "kiosk",
    )
    assert json.loads(audit["details"]) == {
        "card": holder.card_id,
        "kiosk": kiosk_id,
        "method": "sms",
    }
    sent_row = await owner_conn.fetchval(
        "SELECT details::text FROM audit_log WHERE action = 'auth.card.unlock_code_sent' "
        "AND subject = $1",
        subject,
    )
    assert phone not in sent_row and phone[-8:] not in sent_row  # no phone number in the audit


async def test_wrong_codes_are_counted_then_the_challenge_is_spent(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    twilio: FakeTwilio,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    # A person whose language is English gets the text in English.
    holder = await card_holder(settings, client, owner_conn, key, preferred_language="en")
    await lock(client, holder)
    started = await start(client, holder)
    challenge_id = started.json()["challenge_id"]
    text, code = await sent_code(settings, twilio, holder.phone)
    assert "Ministry of Employment and Labor" in text
    wrong = "000000" if code != "000000" else "111111"
    for tries_left in (4, 3, 2, 1, 0):
        refused = assert_problem(
            await finish(client, holder, challenge_id, wrong, **{"Accept-Language": "en"}),
            401,
            "card-unlock-code-wrong",
        )
        assert refused["tries_left"] == tries_left
        assert refused["title"] == "The code is not right"
    spent = await finish(client, holder, challenge_id, code)
    body = assert_problem(spent, 400, "code-attempts-exceeded")
    assert body["title"] == "인증번호를 너무 많이 틀렸어요"
    assert await card_state(owner_conn, holder.card_id) == (5, True)
    failed = await owner_conn.fetchval(
        "SELECT failed_attempts FROM sms_challenges WHERE id = $1", uuid.UUID(challenge_id)
    )
    assert failed == 5
    refusals = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.card.unlock_refused' "
        "AND reason = 'code_wrong' AND actor = $1",
        f"account:{holder.account.id}",
    )
    assert refusals == 5

    # A new code works; an expired one does not, even when right.
    await forget_resend_wait(settings, holder.phone)
    second = (await start(client, holder)).json()["challenge_id"]
    _, code = await sent_code(settings, twilio, holder.phone)
    await owner_conn.execute(
        "UPDATE sms_challenges SET expires_at = now() - interval '1 second' WHERE id = $1",
        uuid.UUID(second),
    )
    expired = assert_problem(await finish(client, holder, second, code), 400, "code-expired")
    assert expired["title"] == "코드의 유효 시간이 지났어요"
    assert await card_state(owner_conn, holder.card_id) == (5, True)


async def test_a_challenge_for_another_card_or_purpose_is_refused(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    twilio: FakeTwilio,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    mine = await card_holder(settings, client, owner_conn, key, name="이순례")
    other = await card_holder(settings, client, owner_conn, key, name="정말순")
    await lock(client, mine)
    await lock(client, other)
    theirs = (await start(client, other)).json()["challenge_id"]
    _, their_code = await sent_code(settings, twilio, other.phone)

    # Their challenge and their right code, with my card: refused, and no guess counted.
    foreign = assert_problem(
        await finish(client, mine, theirs, their_code), 401, "card-unlock-code-wrong"
    )
    assert "tries_left" not in foreign
    failed = await owner_conn.fetchval(
        "SELECT failed_attempts FROM sms_challenges WHERE id = $1", uuid.UUID(theirs)
    )
    assert failed == 0
    # A sign-in challenge to my own phone does not unlock my card either.
    sign_in = await client.post(
        "/v1/auth/sms/start", json={"phone": mine.phone, "purpose": "sign_in"}
    )
    assert sign_in.status_code == 202
    _, sign_in_code = await sent_code(settings, twilio, mine.phone)
    assert_problem(
        await finish(client, mine, sign_in.json()["challenge_id"], sign_in_code),
        401,
        "card-unlock-code-wrong",
    )
    assert_problem(
        await finish(client, mine, str(uuid.uuid4()), "123456"), 401, "card-unlock-code-wrong"
    )
    assert await card_state(owner_conn, mine.card_id) == (5, True)
    assert await card_state(owner_conn, other.card_id) == (5, True)
    # Their own card still takes it.
    assert (await finish(client, other, theirs, their_code)).status_code == 200
    assert await card_state(owner_conn, other.card_id) == (0, False)


async def test_a_card_that_is_not_locked_gets_409_and_no_code(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    twilio: FakeTwilio,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    holder = await card_holder(settings, client, owner_conn, key)
    before = await owner_conn.fetchval("SELECT count(*) FROM sms_challenges")
    ko = assert_problem(await start(client, holder), 409, "card-not-locked")
    assert ko["title"] == "이 카드는 잠겨 있지 않아요"
    en = assert_problem(
        await start(client, holder, **{"Accept-Language": "en"}), 409, "card-not-locked"
    )
    assert en["title"] == "This card is not locked"
    assert await owner_conn.fetchval("SELECT count(*) FROM sms_challenges") == before
    await run_jobs(settings)
    assert all(m["To"] != holder.phone for m in twilio.messages)


@pytest.mark.parametrize("phone", ["+82212345678", None], ids=["landline", "none"])
async def test_no_mobile_phone_of_record_sends_the_person_to_a_counter(
    phone: str | None,
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    holder = await card_holder(settings, client, owner_conn, key, phone_e164=phone)
    await lock(client, holder)
    before = await owner_conn.fetchval("SELECT count(*) FROM sms_challenges")
    ko = assert_problem(await start(client, holder), 409, "card-unlock-no-mobile")
    assert "창구" in ko["detail"] and ko["detail"].endswith("요.")
    en = assert_problem(
        await start(client, holder, **{"Accept-Language": "en"}), 409, "card-unlock-no-mobile"
    )
    assert "counter" in en["detail"]
    assert await owner_conn.fetchval("SELECT count(*) FROM sms_challenges") == before
    assert await card_state(owner_conn, holder.card_id) == (5, True)


async def test_at_most_three_sms_unlocks_per_card_in_24_hours(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    twilio: FakeTwilio,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    holder = await card_holder(settings, client, owner_conn, key)

    async def unlock_once() -> str:
        await clear_limits(settings)
        await lock(client, holder)
        challenge_id: str = (await start(client, holder)).json()["challenge_id"]
        _, code = await sent_code(settings, twilio, holder.phone)
        assert (await finish(client, holder, challenge_id, code)).status_code == 200
        # The right PIN clears the wrong PINs the account counted too.
        assert (await verify(client, key, holder.token, PIN)).status_code == 200
        return challenge_id

    first = await unlock_once()
    await unlock_once()
    # Third round: two codes asked for while under the cap; one is used.
    await clear_limits(settings)
    await lock(client, holder)
    early = (await start(client, holder)).json()["challenge_id"]
    _, early_code = await sent_code(settings, twilio, holder.phone)
    await forget_resend_wait(settings, holder.phone)
    late = (await start(client, holder)).json()["challenge_id"]
    _, late_code = await sent_code(settings, twilio, holder.phone)
    assert (await finish(client, holder, late, late_code)).status_code == 200
    assert (await verify(client, key, holder.token, PIN)).status_code == 200

    # Fourth: the cap holds for a new code and for the code asked for earlier.
    await clear_limits(settings)
    await lock(client, holder)
    capped_answer = await start(client, holder)
    capped = assert_problem(capped_answer, 429, "card-unlock-limit")
    assert "3번" in capped["detail"] and "창구" in capped["detail"]
    # The first of the three unlocks leaves the window in a little under 24 hours.
    assert 23 * 3600 < int(capped_answer.headers["retry-after"]) <= 24 * 3600
    assert_problem(await finish(client, holder, early, early_code), 429, "card-unlock-limit")
    assert await card_state(owner_conn, holder.card_id) == (5, True)
    daily = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.card.unlock_refused' "
        "AND reason = 'daily_limit' AND subject = $1",
        f"person:{holder.account.person_id}",
    )
    assert daily == 2

    # When the first unlock is more than 24 hours old, one more is allowed.
    await owner_conn.execute(
        "UPDATE sms_challenges SET consumed_at = now() - interval '25 hours' WHERE id = $1",
        uuid.UUID(first),
    )
    await forget_resend_wait(settings, holder.phone)
    assert (await start(client, holder)).status_code == 202
    # The counter is never capped.
    await staff_signed_in(owner_conn, client)
    assert (
        await client.post(f"/console/api/access-cards/{holder.card_id}/unlock")
    ).status_code == 200


async def test_a_replaced_card_or_an_unknown_kiosk_is_refused_as_at_sign_in(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    twilio: FakeTwilio,
) -> None:
    kiosk_id, key = await enroll_kiosk(database_url, capsys)
    holder = await card_holder(settings, client, owner_conn, key)
    await lock(client, holder)
    started = (await start(client, holder)).json()["challenge_id"]
    _, code = await sent_code(settings, twilio, holder.phone)
    await staff_signed_in(owner_conn, client)
    await issue(client, holder.account.person_id)  # revokes the locked card
    client.cookies.clear()
    await forget_resend_wait(settings, holder.phone)
    revoked = assert_problem(await start(client, holder), 401, "card-sign-in-failed")
    assert revoked["title"] == "이 카드는 여기서 쓸 수 없어요"
    assert_problem(await finish(client, holder, started, code), 401, "card-sign-in-failed")

    stranger = Holder(holder.account, {"card_id": 0, "card_token": "hcc_" + "z" * 43}, key)
    assert_problem(await start(client, stranger), 401, "card-sign-in-failed")
    no_key = Holder(holder.account, {"card_id": 0, "card_token": holder.token}, "")
    assert_problem(await start(client, no_key), 401, "card-sign-in-failed")
    assert await kiosk_cli(database_url, "retire", str(kiosk_id)) == 0
    english = await start(client, holder, **{"Accept-Language": "en"})
    assert assert_problem(english, 401, "card-sign-in-failed")["title"] == (
        "This card cannot be used here"
    )
    steps = await owner_conn.fetch(
        "SELECT details->>'step' AS step, details->>'reason' AS reason FROM audit_log "
        "WHERE action = 'auth.card.refused' AND details ? 'step' ORDER BY id"
    )
    assert [(r["step"], r["reason"]) for r in steps] == [
        ("unlock_start", "card_unknown"),
        ("unlock_verify", "card_unknown"),
        ("unlock_start", "card_unknown"),
        ("unlock_start", "kiosk_unknown"),
        ("unlock_start", "kiosk_unknown"),
    ]
    # Nothing unlocked the old card.
    assert await card_state(owner_conn, holder.card_id) == (5, True)


async def test_bad_input_is_a_problem_in_the_readers_language(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    before = await owner_conn.fetchval("SELECT count(*) FROM sms_challenges")
    headers = {"X-Kiosk-Key": key}
    for body in ({}, {"card_token": ""}, {"card_token": "hcc abc"}, {"card_token": 7}):
        ko = await client.post("/v1/auth/card/unlock", json=body, headers=headers)
        assert assert_problem(ko, 400, "validation-error")["title"] == "확인이 필요한 항목이 있어요"
        en = await client.post(
            "/v1/auth/card/unlock", json=body, headers={**headers, "Accept-Language": "en"}
        )
        assert assert_problem(en, 400, "validation-error")["title"] == "Some fields need checking"
    good = {"card_token": "hcc_abc", "challenge_id": str(uuid.uuid4()), "code": "123456"}
    for bad, field in (
        ({"code": "12ab"}, "body.code"),
        ({"code": "1234567"}, "body.code"),
        ({"challenge_id": "not-a-uuid"}, "body.challenge_id"),
        ({"card_token": "hcc abc"}, "body.card_token"),
    ):
        answer = await client.post(
            "/v1/auth/card/unlock/verify",
            json={**good, **bad},
            headers={**headers, "Accept-Language": "en"},
        )
        problem = assert_problem(answer, 400, "validation-error")
        assert [e["field"] for e in problem["errors"]] == [field]
    missing = await client.post(
        "/v1/auth/card/unlock/verify", json={"card_token": "hcc_abc"}, headers=headers
    )
    assert_problem(missing, 400, "validation-error")
    not_json = await client.post(
        "/v1/auth/card/unlock",
        content=b"{card",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert_problem(not_json, 400, "malformed-request")
    assert await owner_conn.fetchval("SELECT count(*) FROM sms_challenges") == before


async def test_unlock_is_limited_per_address_and_per_number(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    holder = await card_holder(settings, client, owner_conn, key)
    await lock(client, holder)
    assert (await start(client, holder)).status_code == 202
    soon = assert_problem(await start(client, holder), 429, "too-many-codes")
    assert soon["status"] == 429
    limit = settings.auth.sign_in_per_address_per_minute
    stranger = Holder(holder.account, {"card_id": 0, "card_token": "hcc_unknown"}, key)
    for _ in range(limit - 2):
        assert (await start(client, stranger)).status_code == 401
    assert_problem(await start(client, stranger), 429, "too-many-requests")
