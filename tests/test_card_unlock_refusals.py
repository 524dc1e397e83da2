"""Unlocking an access card by SMS code, the refusals: a card not locked, no mobile phone
of record, the cap of 3 SMS unlocks per card in 24 hours, a replaced card or an unknown
kiosk, bad input, and the rate limits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from foundation.settings import Settings
from tests.support.access_cards import PIN, enroll_kiosk, issue, kiosk_cli, verify
from tests.support.card_unlocking import (
    Client,
    Holder,
    card_holder,
    card_state,
    clear_limits,
    fake_twilio,
    finish,
    forget_resend_wait,
    lock,
    sent_code,
    settings_with_twilio,
    signed_json,
    start,
)
from tests.support.factories import run_jobs
from tests.support.fakes.twilio import FakeTwilio
from tests.support.problems import assert_problem
from tests.support.staff import staff_signed_in


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
        assert (await verify(client, key, holder.token, PIN)).status_code == 303
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
    assert (await verify(client, key, holder.token, PIN)).status_code == 303

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
        await client.post(f"/console/api/access-cards/{holder.card_id}/unlock", json={})
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
    # No signature, or a retired kiosk's: the kiosk's one refusal, before the card is read.
    no_key = Holder(holder.account, {"card_id": 0, "card_token": holder.token}, None)
    unsigned = await start(client, no_key)
    assert unsigned.status_code == 401 and "등록되지 않은 키오스크예요" in unsigned.text
    assert await kiosk_cli(database_url, "retire", str(kiosk_id)) == 0
    english = await start(client, holder, **{"Accept-Language": "en"})
    assert (
        english.status_code == 401 and "등록되지 않은 키오스크예요" in english.text
    )  # not the device's language
    steps = await owner_conn.fetch(
        "SELECT details->>'step' AS step, details->>'reason' AS reason FROM audit_log "
        "WHERE action = 'auth.card.refused' AND details ? 'step' ORDER BY id"
    )
    assert [(r["step"], r["reason"]) for r in steps] == [
        ("unlock_start", "card_unknown"),
        ("unlock_verify", "card_unknown"),
        ("unlock_start", "card_unknown"),
    ]
    refusals = await owner_conn.fetch(
        "SELECT details->>'reason' AS reason, details->>'path' AS path FROM audit_log "
        "WHERE action = 'kiosk.signature_refused' ORDER BY id"
    )
    assert [(r["reason"], r["path"]) for r in refusals][-2:] == [
        ("missing", "/kiosk/card/unlock"),
        ("retired", "/kiosk/card/unlock"),
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
    unlock, verify_unlock = "/kiosk/card/unlock", "/kiosk/card/unlock/verify"
    for body in ({}, {"card_token": ""}, {"card_token": "hcc abc"}, {"card_token": 7}):
        ko = await signed_json(client, key, unlock, body)
        assert assert_problem(ko, 400, "validation-error")["title"] == "확인이 필요한 항목이 있어요"
        en = await signed_json(client, key, unlock, body, **{"Accept-Language": "en"})
        assert assert_problem(en, 400, "validation-error")["title"] == "Some fields need checking"
    good = {"card_token": "hcc_abc", "challenge_id": str(uuid.uuid4()), "code": "123456"}
    for bad, field in (
        ({"code": "12ab"}, "body.code"),
        ({"code": "1234567"}, "body.code"),
        ({"challenge_id": "not-a-uuid"}, "body.challenge_id"),
        ({"card_token": "hcc abc"}, "body.card_token"),
    ):
        answer = await signed_json(
            client, key, verify_unlock, {**good, **bad}, **{"Accept-Language": "en"}
        )
        problem = assert_problem(answer, 400, "validation-error")
        assert [e["field"] for e in problem["errors"]] == [field]
    missing = await signed_json(client, key, verify_unlock, {"card_token": "hcc_abc"})
    assert_problem(missing, 400, "validation-error")
    not_json = await client.post(
        unlock,
        content=b"{card",
        headers={**key.headers("POST", unlock, b"{card"), "Content-Type": "application/json"},
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
