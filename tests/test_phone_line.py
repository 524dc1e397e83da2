"""The phone line, driven as Twilio drives it: signed webhook posts for whole calls
(language → sign-in → benefits → applications → notices → call-back → apply), against
real PostgreSQL and Redis, with the Twilio fake behind the real SDK for the call-back.
Every TwiML answer is checked (tests/support/phone_calls.py)."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from assisted_channel.phone.greeting import NOT_LISTED_KEY, VOICED_LOCALES, offer_of
from auth import Account, insert_registered_phone
from auth.staff import insert_staff
from foundation.settings import Settings, load_settings
from i18n import BY_CODE, translate
from server.app import create_app
from server.embedded import free_port
from tests.support.applying import laid_off, verified_account
from tests.support.environment import environment_for_tests
from tests.support.factories import bearer, make_account, sign_in
from tests.support.fakes.twilio import FakeTwilio, twilio_environment
from tests.support.notifying import insert_notice
from tests.support.phone_calls import Call, check_twiml, new_call_sid, said, twilio_in_a_thread

Client = AsyncTestClient[Litestar]
PIN = "493028"
WRONG_PIN = "582914"
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with twilio_in_a_thread() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Settings:
    env = environment_for_tests(
        database_url, redis_url, tmp_path_factory.mktemp("data"), **twilio_environment(twilio)
    )
    return load_settings(env)


@pytest.fixture(autouse=True)
async def no_limits(settings: Settings) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    yield


def landline() -> str:
    n = next(_numbers)
    return f"+822{4100 + n}{3000 + n}"


async def registered_caller(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    *,
    number: str | None = None,
    birth: date = date(1958, 3, 9),
    name: str = "강영숙",
    language: str = "en",
) -> tuple[Account, str, Any]:
    """A person with a PIN and a landline registered at the counter: (account, E.164, an
    app session at aal 2 for comparing with the API)."""
    account = await make_account(
        owner_conn, settings, name=name, birth_date=birth, preferred_language=language
    )
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    answer = await client.put("/v1/me/pin", json={"pin": PIN}, headers=bearer(tokens))
    assert answer.status_code == 204, answer.text
    staff = await insert_staff(owner_conn, name="김민수", office_code="busan", role="clerk")
    e164 = number or landline()
    await insert_registered_phone(
        owner_conn,
        person_id=account.person_id,
        phone_e164=e164,
        staff_id=staff.id,
        office_code="busan",
    )
    return account, e164, tokens


async def signed_in_call(client: Client, settings: Settings, e164: str, birth: str) -> Call:
    call = Call(client, settings, e164)
    await call.start()
    await call.press("2")  # English
    await call.press("2")  # sign in
    await call.press(birth)
    spoken = await call.press(PIN)
    assert "You are signed in." in said(spoken), spoken
    return call


async def test_a_whole_call_language_sign_in_menus_call_back_and_apply(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    account, e164, app_tokens = await registered_caller(client, owner_conn, settings)
    await laid_off(owner_conn, account.person_id)
    bank = await verified_account(client, owner_conn, app_tokens)
    notice_id = await insert_notice(owner_conn, person_id=account.person_id)

    call = Call(client, settings, e164)
    first = said(await call.start())
    # The warning, in both languages, before anything else; the same for every caller.
    assert "보이스피싱" in first and "resident registration number" in first
    assert "한국어는 1번" in first and "For English, press 2." in first
    start = said(await call.press("2"))
    assert "To sign in, press 2." in start
    assert "date of birth" in said(await call.press("2"))
    assert "6-digit PIN" in said(await call.press("580309"))
    menu = said(await call.press(PIN))
    assert "You are signed in." in menu and "press 5" in menu

    # 1: the benefits, as the app's API answers them at aal 1: no reasons per criterion.
    benefits = said(await call.press("1"))
    app = (
        await client.get(
            "/v1/me/eligibility",
            headers={
                **bearer(await sign_in(owner_conn, settings, account)),
                "Accept-Language": "en",
            },
        )
    ).json()
    assert app["details_need_step_up"] is True
    for programme in app["programmes"]:
        line = f"{programme['name']}: {programme['summary']}"
        assert (line in benefits) == (programme["status"] in ("eligible", "unknown")), line
    assert "call you back" in benefits and " met" not in benefits

    assert "You have no applications." in said(await call.press("2"))
    unread = await owner_conn.fetchval(
        "SELECT count(*) FROM notices WHERE person_id = $1 AND read_at IS NULL", account.person_id
    )
    notices = said(await call.press("3"))
    assert f"You have {unread} new notices." in notices
    read_at = await owner_conn.fetchval("SELECT read_at FROM notices WHERE id = $1", notice_id)
    assert read_at is not None
    assert "You have no new notices." in said(await call.press("3"))

    # 4 at aal 1: the call-back first.
    assert "Press 5 for a call back." in said(await call.press("4"))
    calls_before = len(twilio.calls)
    hang_up = await call.press("5")
    assert "hang up" in said(hang_up) and "<Hangup" in hang_up
    assert len(twilio.calls) == calls_before + 1
    placed = twilio.calls[-1]
    assert placed["To"] == e164
    # The call we placed: its TwiML asks for the PIN and posts it to our route.
    (callback_url,) = check_twiml(placed["Twiml"], settings)
    assert re.search(r"/phone/callbacks/[0-9a-f-]+/pin\?token=hcb_.+&lang=en$", callback_url)

    answered = Call(client, settings, settings.twilio.from_number)
    wrong = said(await answered.post(callback_url, WRONG_PIN))
    assert "not right" in wrong
    confirmed = await answered.post(answered.next, PIN)
    assert "It is confirmed that it is you." in said(confirmed)
    assert "press 5" not in said(confirmed)

    # At aal 2 the reasons come, the same as the app's at aal 2.
    detailed = said(await answered.press("1"))
    app2 = (
        await client.get(
            "/v1/me/eligibility", headers={**bearer(app_tokens), "Accept-Language": "en"}
        )
    ).json()
    eligible = [p for p in app2["programmes"] if p["status"] == "eligible"]
    assert eligible
    for criterion in eligible[0]["criteria"]:
        assert criterion["requirement"] in detailed

    offer = said(await answered.press("4"))
    assert f"For {eligible[0]['name']}, press 1." in offer
    confirm = said(await answered.press("1"))
    assert " ".join(bank["last4"]) in confirm and "To apply, press 1." in confirm
    done = said(await answered.press("1"))
    assert "Your application is in." in done
    row = await owner_conn.fetchrow(
        "SELECT programme_id, bank_account_id FROM applications WHERE person_id = $1",
        account.person_id,
    )
    assert row is not None
    assert (row["programme_id"], row["bank_account_id"]) == (
        eligible[0]["programme_id"],
        bank["id"],
    )
    assert "applied for on" in said(await answered.press("2"))


async def test_no_account_on_file_is_said_and_the_office_offered(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    account, e164, _ = await registered_caller(client, owner_conn, settings)
    await laid_off(owner_conn, account.person_id)
    call = await signed_in_call(client, settings, e164, "580309")
    await call.press("5")
    (url,) = check_twiml(twilio.calls[-1]["Twiml"], settings)
    back = Call(client, settings, settings.twilio.from_number)
    await back.post(url, PIN)
    await back.press("4")
    none = said(await back.press("1"))
    assert "there is none on file" in none and "1 3 5 0" in none


async def test_five_wrong_pins_on_our_call_back_lock_this_phone_only(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    account, e164, app_tokens = await registered_caller(client, owner_conn, settings)
    call = await signed_in_call(client, settings, e164, "580309")
    await call.press("5")
    (url,) = check_twiml(twilio.calls[-1]["Twiml"], settings)
    back = Call(client, settings, settings.twilio.from_number)
    heard = [said(await back.post(url, WRONG_PIN))]
    for _ in range(4):
        heard.append(said(await back.post(back.next, WRONG_PIN)))
    assert all("not right" in text for text in heard[:4]), heard
    assert "locked on this phone" in heard[4] and "counter" in heard[4]
    assert "ask for a call back" in heard[4]
    assert "<Hangup" in back.answers[-1]
    phone = await owner_conn.fetchrow(
        "SELECT locked_at, pin_failures FROM registered_phones WHERE phone_e164 = $1", e164
    )
    assert phone is not None and phone["locked_at"] is not None
    locks = await owner_conn.fetchrow(
        "SELECT hard_locked_at, app_pin_locked_at FROM accounts WHERE id = $1", account.id
    )
    assert locks is not None and tuple(locks) == (None, None)
    # The app still works; the phone line refuses even the right PIN until the counter.
    answer = await client.get("/v1/me/eligibility", headers=bearer(app_tokens))
    assert answer.status_code == 200
    again = Call(client, settings, e164)
    await again.start()
    for digits in ("2", "2", "580309"):
        await again.press(digits)
    assert "locked" in said(await again.press(PIN))


async def test_a_shared_landline_opens_each_persons_own_account_by_birth_date(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    shared = landline()
    mother, _, _ = await registered_caller(
        client, owner_conn, settings, number=shared, birth=date(1955, 1, 9)
    )
    son, _, _ = await registered_caller(
        client, owner_conn, settings, number=shared, birth=date(1984, 6, 2), name="김준호"
    )
    for person, birth in ((mother, "550109"), (son, "840602")):
        await signed_in_call(client, settings, shared, birth)
        opened = await owner_conn.fetchval(
            "SELECT account_id FROM sessions WHERE channel = 'phone' ORDER BY created_at DESC "
            "LIMIT 1"
        )
        assert opened == person.id


async def test_an_unknown_number_hears_the_same_questions_and_the_same_refusal(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, e164, _ = await registered_caller(client, owner_conn, settings)
    heard = []
    for number in (e164, landline()):
        call = Call(client, settings, number)
        await call.start()
        texts = [said(await call.press(d)) for d in ("2", "2", "580309", WRONG_PIN)]
        heard.append(texts)
    assert heard[0] == heard[1]
    assert "did not match" in heard[0][-1]


async def test_after_the_pin_the_line_speaks_the_persons_saved_language(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    for saved, chosen, heard, voice in (
        ("en", "1", "You are signed in.", "en-US"),  # chose Korean, saved English
        ("ko", "2", "로그인됐어요", "ko-KR"),  # chose English, saved Korean
        # Saved Vietnamese: Twilio has a voice for it (its words: the draft catalog's).
        ("vi", "2", translate("vi", "You are signed in."), "vi-VN"),
    ):
        _, e164, _ = await registered_caller(client, owner_conn, settings, language=saved)
        call = Call(client, settings, e164)
        await call.start()
        await call.press(chosen)
        await call.press("2")
        await call.press("580309")
        menu = await call.press(PIN)
        assert heard in said(menu), (saved, menu)
        assert f'language="{voice}"' in menu
        assert f"lang={voice[:2]}" in call.next


async def test_three_on_the_first_menu_offers_every_language_with_a_voice_in_its_own_voice(
    client: Client, settings: Settings
) -> None:
    call = Call(client, settings, "+82212345678")
    assert "For other languages, press 3." in said(await call.start())
    offer = await call.press("3")
    assert "/webhooks/twilio/voice/languages" in call.next
    assert "한국어는 1번" in said(offer) and "For English, press 2." in said(offer)
    assert '<Say language="en-US">For English, press 2.</Say>' in offer
    # Each language Twilio has a voice for, in that voice, with its key; then "not listed".
    for key, code in enumerate(VOICED_LOCALES, start=1):
        offered = offer_of(code, key)
        assert f'<Say language="{BY_CODE[code].voice}">{offered}</Say>' in offer, code
        # Never "For English, press 3." in a Vietnamese voice (a draft catalog's fallback).
        assert ("English" in offered) == (code == "en"), offered
    assert f"press {NOT_LISTED_KEY}." in said(offer)
    assert 'language="ne' not in offer and len(VOICED_LOCALES) + 1 <= 8
    wrong_key = translate("ko", "That key is not on this menu.")
    assert wrong_key in said(await call.press("#"))
    start = said(await call.press("2"))
    assert "To sign in, press 2." in start


async def test_choosing_vietnamese_speaks_vietnamese_in_its_voice(
    client: Client, settings: Settings
) -> None:
    call = Call(client, settings, "+82212345679")
    await call.start()
    await call.press("3")
    start = await call.press(str(VOICED_LOCALES.index("vi") + 1))
    menu = "For information about our services, press 1. To sign in, press 2."
    assert translate("vi", menu) in said(start) and translate("vi", menu) != menu
    assert set(re.findall(r'language="([^"]+)"', start)) == {"vi-VN"} and "lang=vi" in call.next
    # A key no menu has is said in the call's language, in its voice.
    wrong = await call.press("7")
    assert translate("vi", "That key is not on this menu.") in said(wrong)
    assert set(re.findall(r'language="([^"]+)"', wrong)) == {"vi-VN"}


async def test_a_language_not_listed_hears_both_counselling_centres_in_korean_and_english(
    client: Client, settings: Settings
) -> None:
    call = Call(client, settings, "+82212345670")
    await call.start()
    await call.press("3")
    answer = await call.press(NOT_LISTED_KEY)
    words = said(answer)
    for number in ("1 5 7 7, 0 0 7 1", "1 5 7 7, 1 3 6 6"):
        assert words.count(number) == 2, words  # once in Korean, once in English
    assert "외국인력상담센터" in words and "다누리콜센터" in words
    assert "foreign workers' counselling centre" in words and "Danuri call centre" in words
    assert words.index("외국인력상담센터") < words.index("foreign workers")
    assert '<Say language="en-US">We cannot speak your language' in answer
    # Then the first menu again: Korean, English, other languages.
    assert "/webhooks/twilio/voice/language?" in call.next
    assert "To sign in, press 2." in said(await call.press("2"))


async def test_a_nepali_caller_signed_in_hears_korean_and_who_answers_in_nepali(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, e164, _ = await registered_caller(client, owner_conn, settings, language="ne")
    call = Call(client, settings, e164)
    await call.start()
    await call.press("1")  # 한국어
    await call.press("2")
    await call.press("580309")
    menu = await call.press(PIN)
    words = said(menu)
    assert translate("ko", "You are signed in.") in words
    assert "외국인력상담센터 1 5 7 7, 0 0 7 1" in words and "1 5 7 7, 1 3 6 6" in words
    assert '<Say language="en-US">We cannot speak your language' in menu
    assert translate("ko", "For your applications, press 2.") in words
    assert 'language="ne' not in menu and "lang=ko" in call.next


async def test_a_caller_saves_the_language_they_chose_as_their_language(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, e164, _ = await registered_caller(client, owner_conn, settings, language="ko")
    call = Call(client, settings, e164)
    await call.start()
    await call.press("3")
    await call.press(str(VOICED_LOCALES.index("vi") + 1))  # Tiếng Việt
    await call.press("2")
    await call.press("580309")
    menu = await call.press(PIN)
    # The saved language (Korean) has a voice: the line goes on in it, and offers, in
    # Vietnamese, to make Vietnamese the person's language.
    offer = translate("vi", "To use this language for everything we send you, press 8.")
    assert f'<Say language="vi-VN">{offer}</Say>' in menu and "lang=ko" in call.next
    audit_before = await owner_conn.fetchval("SELECT count(*) FROM audit_log")
    saved = await call.press("8")
    assert translate(
        "vi", "Done. From now on, we will use this language for everything we send you."
    ) in said(saved)
    assert 'language="vi-VN"' in saved and "lang=vi" in call.next and offer not in said(saved)
    language = await owner_conn.fetchval(
        "SELECT preferred_language FROM people WHERE id = $1", account.person_id
    )
    assert language == "vi"
    row = await owner_conn.fetchrow(
        "SELECT actor, action, subject, channel, details FROM audit_log "
        "WHERE action = 'person.language_changed' ORDER BY id DESC LIMIT 1"
    )
    assert (
        row is not None
        and await owner_conn.fetchval("SELECT count(*) FROM audit_log") > audit_before
    )
    assert (row["actor"], row["subject"], row["channel"]) == (
        f"account:{account.id}",
        f"person:{account.person_id}",
        "phone",
    )
    assert '"to": "vi"' in row["details"] and '"from": "ko"' in row["details"]
    # 8 is not on the menu any more: the chosen language is the saved one.
    again = said(await call.press("8"))
    assert translate("vi", "That key is not on this menu.") in again


async def test_forged_or_missing_signatures_are_refused_and_nothing_is_done(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    audit_before = await owner_conn.fetchval("SELECT count(*) FROM audit_log")
    redis = Redis.from_url(settings.redis.url)
    sid = new_call_sid()
    params = {"CallSid": sid, "From": "+82212345678", "Digits": "1"}
    for path in (
        "/webhooks/twilio/voice/incoming",
        "/webhooks/twilio/voice/pin",
        "/phone/callbacks/0b6d3c1e-8f0c-4c51-9a55-2c7a3b0f9a11/pin?token=hcb_x",
    ):
        for headers in ({}, {"X-Twilio-Signature": "forged"}):
            answer = await client.post(path, data=params, headers=headers)
            assert answer.status_code == 403 and answer.text == ""
        # Signed for another address (a replay to another route) is forged too.
        call = Call(client, settings, "+82212345678")
        other = settings.http.public_url + "/webhooks/twilio/voice/start"
        answer = await client.post(path, data=params, headers=call.signed(other, params))
        assert answer.status_code == 403
    assert await redis.exists(f"phone:call:{sid}") == 0
    await redis.aclose()
    assert await owner_conn.fetchval("SELECT count(*) FROM audit_log") == audit_before


async def test_an_unknown_path_under_the_webhooks_is_a_404_even_signed(
    client: Client, settings: Settings
) -> None:
    call = Call(client, settings, "+82212345678")
    url = settings.http.public_url + "/webhooks/twilio/voice/nowhere"
    params = {"CallSid": call.sid}
    answer = await client.post(
        "/webhooks/twilio/voice/nowhere", data=params, headers=call.signed(url, params)
    )
    assert answer.status_code == 404


async def test_bad_input_is_spoken_in_the_callers_language_never_a_500(
    client: Client, settings: Settings
) -> None:
    call = Call(client, settings, "+82212345678")
    await call.start()
    await call.press("2")
    # An unknown key: said, and the menu again.
    assert "That key is not on this menu." in said(await call.press("7"))
    assert "To sign in, press 2." in said(await call.post(call.next, "7"))
    # 0 puts a caller not signed in through to the helpline in its hours, else says them.
    person = await call.press("0")
    assert '<Dial timeout="30">1350</Dial>' in person or "1 3 5 0" in said(person)
    # A short birth date is asked again.
    await call.press("2")
    assert "Please enter six digits." in said(await call.press("58"))

    # No CallSid, in English: spoken, 200.
    url = settings.http.public_url + "/webhooks/twilio/voice/menu?lang=en"
    params = {"From": "+82212345678", "Digits": "1"}
    answer = await client.post(
        "/webhooks/twilio/voice/menu?lang=en", data=params, headers=call.signed(url, params)
    )
    assert answer.status_code == 200
    check_twiml(answer.text, settings)
    assert "We lost track of this call" in said(answer.text)
    assert 'language="en-US"' in answer.text

    # An expired (or never known) call, in Korean by default.
    stranger = Call(client, settings, "+82212345678")
    spoken = await stranger.post(settings.http.public_url + "/webhooks/twilio/voice/menu", "1")
    assert "통화 정보를 찾을 수 없어요" in said(spoken)


@pytest.fixture
async def client_without_postgres(
    redis_url: str, tmp_path: Path, twilio: FakeTwilio
) -> AsyncIterator[tuple[Client, Settings]]:
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    env = environment_for_tests(
        closed,
        redis_url,
        tmp_path,
        HANCHANG_DB_POOL_MIN="0",
        TWILIO_ACCOUNT_SID=twilio.account_sid,
        TWILIO_AUTH_TOKEN=twilio.auth_token,
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_API_BASE_URL=twilio.url,
    )
    settings = load_settings(env)
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client, settings


@pytest.fixture
async def client_without_redis(
    database_url: str, tmp_path: Path, twilio: FakeTwilio
) -> AsyncIterator[tuple[Client, Settings]]:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    env = environment_for_tests(
        database_url,
        closed,
        tmp_path,
        TWILIO_ACCOUNT_SID=twilio.account_sid,
        TWILIO_AUTH_TOKEN=twilio.auth_token,
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_API_BASE_URL=twilio.url,
    )
    settings = load_settings(env)
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client, settings


async def test_without_postgres_the_line_says_so_with_a_200(
    client_without_postgres: tuple[Client, Settings],
) -> None:
    client, settings = client_without_postgres
    call = Call(client, settings, "+82212345678")
    spoken = await call.post(settings.http.public_url + "/webhooks/twilio/voice/menu?lang=en", "1")
    assert "The phone line is not working right now" in said(spoken)
    # The reference to quote to the helpline, one character at a time: the request id's start.
    reference = " ".join(call.request_ids[-1][:8].upper())
    assert f"give this reference: {reference}" in said(spoken), said(spoken)


async def test_without_redis_the_line_says_so_with_a_200(
    client_without_redis: tuple[Client, Settings],
) -> None:
    client, settings = client_without_redis
    call = Call(client, settings, "+82212345678")
    spoken = await call.start()
    assert "지금은 전화 서비스를 이용할 수 없어요" in said(spoken)
    reference = " ".join(call.request_ids[-1][:8].upper())
    assert f"참조 번호를 알려 주세요: {reference}" in said(spoken), said(spoken)
