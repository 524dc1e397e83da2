"""Unlocking a locked access card at the kiosk with an SMS code (issue 4): the code goes
through the real Twilio SDK to a local fake, unlocks that one card and signs nobody in;
wrong, expired and foreign codes. The refusals are in test_card_unlock_refusals.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from foundation.settings import Settings
from tests.support.access_cards import PIN, enroll_kiosk, verify
from tests.support.audit_log import actions
from tests.support.card_unlocking import (
    Client,
    card_holder,
    card_state,
    clear_limits,
    fake_twilio,
    finish,
    forget_resend_wait,
    lock,
    sent_code,
    settings_with_twilio,
    start,
)
from tests.support.fakes.twilio import FakeTwilio
from tests.support.problems import assert_problem


@pytest.fixture(scope="module")
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with fake_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Settings:
    return settings_with_twilio(database_url, redis_url, tmp_path_factory.mktemp("data"), twilio)


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    """No rate-limit windows and no cookie left over from the previous test."""
    await clear_limits(settings)
    client.cookies.clear()
    yield


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
    # The lock is lifted; the count of wrong PINs goes on (only a right PIN resets it).
    assert {k: answer[k] for k in ("card_id", "pin_failures", "locked")} == {
        "card_id": holder.card_id,
        "pin_failures": 5,
        "locked": False,
    }
    assert "비밀번호" in answer["message"]
    assert "access_token" not in answer
    assert await card_state(owner_conn, holder.card_id) == (5, False)
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
    assert signed_in.status_code == 303, signed_in.text  # signed in: on to /kiosk/me

    subject = f"person:{holder.account.person_id}"
    assert await actions(owner_conn, subject) == [
        "counter.identity_verified",
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
        "/v1/auth/sms/start",
        json={
            "phone": mine.phone,
            "birth_date": mine.account.birth_date.isoformat(),
            "purpose": "sign_in",
        },
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
    assert await card_state(owner_conn, other.card_id) == (5, False)
