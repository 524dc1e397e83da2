"""The other ways to sign in at a kiosk, in signed requests as the kiosk's service worker
sends them: an SMS code (aal 1), the code with the app's PIN (aal 2, on the same page or
after), an enrollment code from the counter and then a PIN. Each opens a session bound to
the kiosk, and no answer carries a refresh token. Wrong PINs after a code count against
the app's PIN, never a card. Bad input gets a friendly page and writes nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from auth import Account, hash_pin
from foundation.settings import Settings
from tests.support.access_cards import PIN
from tests.support.card_unlocking import (
    Client,
    clear_limits,
    fake_twilio,
    forget_resend_wait,
    sent_code,
    settings_with_twilio,
)
from tests.support.factories import make_account
from tests.support.fakes.twilio import FakeTwilio
from tests.support.identity_checks import check_id, issue_code
from tests.support.kiosk_devices import KioskKey, enrolled_kiosk, signed_get, signed_post_form
from tests.support.staff import staff_signed_in

CHALLENGE = re.compile(r'name="challenge" value="([0-9a-f-]{36})"')
WRONG = "000000" if PIN != "000000" else "111111"


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
    await clear_limits(settings)
    client.cookies.clear()
    yield


async def person_with_app_pin(owner_conn: asyncpg.Connection, settings: Settings) -> Account:
    account = await make_account(owner_conn, settings, name="이영희", has_smartphone=False)
    await owner_conn.execute(
        "UPDATE accounts SET pin_hash = $2, pin_set_at = now() WHERE id = $1",
        account.id,
        await hash_pin(settings.auth, PIN),
    )
    return account


async def code_page(
    client: Client, key: KioskKey, settings: Settings, twilio: FakeTwilio, account: Account
) -> tuple[str, str]:
    """The number and birth date typed on the kiosk: the code page's challenge and the code."""
    birth = "19900517"  # make_person's birth date
    assert account.phone_e164 is not None
    await forget_resend_wait(settings, account.phone_e164)
    page = await signed_post_form(
        client, key, "/kiosk/sign-in/sms", {"phone": account.phone_e164, "birth": birth}
    )
    assert page.status_code == 200, page.text
    found = CHALLENGE.search(page.text)
    assert found, page.text
    _, code = await sent_code(settings, twilio, account.phone_e164)
    return found[1], code


def session_token(answer: Any) -> str:
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("hanchang_kiosk=hks_"), cookie
    return str(cookie.split(";")[0].split("=", 1)[1])


async def session_row(owner_conn: asyncpg.Connection, token: str) -> dict[str, Any]:
    row = await owner_conn.fetchrow(
        "SELECT id, aal, method, channel, kiosk_id, account_id, revoked_reason FROM sessions "
        "WHERE access_token_hash = sha256($1)",
        token.encode(),
    )
    assert row is not None
    return dict(row)


async def test_an_sms_code_opens_a_session_at_aal_1_and_the_app_pin_completes_it(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    account = await person_with_app_pin(owner_conn, settings)
    key = await enrolled_kiosk(client, owner_conn)
    refresh_tokens = await owner_conn.fetchval("SELECT count(*) FROM refresh_tokens")
    form = await signed_get(client, key, "/kiosk/sign-in/sms")
    assert form.status_code == 200 and 'name="phone"' in form.text

    challenge, code = await code_page(client, key, settings, twilio, account)
    answer = await signed_post_form(
        client, key, "/kiosk/sign-in/sms/code", {"challenge": challenge, "code": code, "pin": ""}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/kiosk/me"
    first = session_token(answer)
    row = await session_row(owner_conn, first)
    assert {k: row[k] for k in ("aal", "method", "channel", "kiosk_id", "account_id")} == {
        "aal": 1,
        "method": "sms",
        "channel": "kiosk",
        "kiosk_id": key.kiosk_id,
        "account_id": account.id,
    }
    me = await signed_get(client, key, "/kiosk/me")
    assert me.status_code == 200 and 'id="step-up"' in me.text

    # The app's PIN on top: a new session at aal 2 at the same kiosk; the first ends.
    stepped = await signed_post_form(client, key, "/kiosk/sign-in/pin", {"pin": PIN})
    assert stepped.status_code == 303, stepped.text
    second = session_token(stepped)
    row2 = await session_row(owner_conn, second)
    assert (row2["aal"], row2["method"], row2["kiosk_id"]) == (2, "pin+sms", key.kiosk_id)
    assert (await session_row(owner_conn, first))["revoked_reason"] == "stepped_up"
    assert "refresh" not in (answer.text + stepped.text).lower()
    assert await owner_conn.fetchval("SELECT count(*) FROM refresh_tokens") == refresh_tokens
    me = await signed_get(client, key, "/kiosk/me")
    assert me.status_code == 200 and 'id="step-up"' not in me.text


async def test_the_code_and_the_app_pin_on_one_page_open_aal_2_and_wrong_pins_count_on_the_app_pin(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    account = await person_with_app_pin(owner_conn, settings)
    key = await enrolled_kiosk(client, owner_conn)
    challenge, code = await code_page(client, key, settings, twilio, account)
    answer = await signed_post_form(
        client, key, "/kiosk/sign-in/sms/code", {"challenge": challenge, "code": code, "pin": PIN}
    )
    assert answer.status_code == 303, answer.text
    row = await session_row(owner_conn, session_token(answer))
    assert (row["aal"], row["method"], row["kiosk_id"]) == (2, "pin+sms", key.kiosk_id)

    # A wrong app PIN after a right code: signed in at aal 1, the PIN counted on the app's PIN.
    client.cookies.clear()
    challenge, code = await code_page(client, key, settings, twilio, account)
    wrong = await signed_post_form(
        client, key, "/kiosk/sign-in/sms/code", {"challenge": challenge, "code": code, "pin": WRONG}
    )
    assert wrong.status_code == 401, wrong.text
    assert 'href="/kiosk/sign-in/pin" id="again"' in wrong.text
    row = await session_row(owner_conn, session_token(wrong))
    assert (row["aal"], row["method"]) == (1, "sms")
    failures = await owner_conn.fetchval(
        "SELECT app_pin_failures FROM accounts WHERE id = $1", account.id
    )
    assert failures == 1


async def test_an_enrollment_code_opens_a_session_to_set_the_pin(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    await staff_signed_in(owner_conn, client)
    account = await make_account(owner_conn, settings, name="문옥자", has_smartphone=False)
    await check_id(client, account.person_id)
    code = await issue_code(client, account.person_id)
    client.cookies.clear()
    key = await enrolled_kiosk(client, owner_conn)
    refresh_tokens = await owner_conn.fetchval("SELECT count(*) FROM refresh_tokens")

    page = await signed_get(client, key, "/kiosk/sign-in/enrollment-code")
    assert page.status_code == 200 and 'name="code"' in page.text
    answer = await signed_post_form(
        client, key, "/kiosk/sign-in/enrollment-code", {"code": code.lower()}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/kiosk/pin"
    row = await session_row(owner_conn, session_token(answer))
    assert (row["aal"], row["method"], row["kiosk_id"]) == (1, "enrollment_code", key.kiosk_id)
    assert (await signed_get(client, key, "/kiosk/pin")).status_code == 200

    simple = await signed_post_form(
        client, key, "/kiosk/pin", {"pin": "123456", "pin_again": "123456"}
    )
    assert simple.status_code == 400 and 'id="pin-error"' in simple.text
    differ = await signed_post_form(client, key, "/kiosk/pin", {"pin": PIN, "pin_again": WRONG})
    assert differ.status_code == 400 and 'id="pin_again-error"' in differ.text
    assert await owner_conn.fetchval(
        "SELECT pin_hash IS NULL FROM accounts WHERE id = $1", account.id
    )
    saved = await signed_post_form(client, key, "/kiosk/pin", {"pin": PIN, "pin_again": PIN})
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/kiosk/me?pin_set=1"
    assert await owner_conn.fetchval(
        "SELECT pin_hash IS NOT NULL FROM accounts WHERE id = $1", account.id
    )
    assert await owner_conn.fetchval("SELECT count(*) FROM refresh_tokens") == refresh_tokens
    # Used up: the code works once.
    client.cookies.clear()
    again = await signed_post_form(client, key, "/kiosk/sign-in/enrollment-code", {"code": code})
    assert again.status_code == 400 and 'id="again"' in again.text


async def test_bad_input_gets_a_friendly_page_and_writes_nothing(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    account = await person_with_app_pin(owner_conn, settings)
    key = await enrolled_kiosk(client, owner_conn)

    async def state() -> list[Any]:
        return [
            await owner_conn.fetchval("SELECT count(*) FROM sessions"),
            await owner_conn.fetchval("SELECT count(*) FROM sms_challenges"),
            await owner_conn.fetchval("SELECT count(*) FROM refresh_tokens"),
        ]

    before = await state()
    bad_phone = await signed_post_form(
        client, key, "/kiosk/sign-in/sms", {"phone": "12", "birth": "19900517"}
    )
    assert bad_phone.status_code == 400 and 'id="phone-error"' in bad_phone.text
    bad_birth = await signed_post_form(
        client, key, "/kiosk/sign-in/sms", {"phone": "01012345678", "birth": "19901345"}
    )
    assert bad_birth.status_code == 400 and 'id="birth-error"' in bad_birth.text
    bad_challenge = await signed_post_form(
        client, key, "/kiosk/sign-in/sms/code", {"challenge": "x", "code": "123456"}
    )
    assert bad_challenge.status_code == 400
    bad_code = await signed_post_form(
        client,
        key,
        "/kiosk/sign-in/sms/code",
        {"challenge": "00000000-0000-0000-0000-000000000000", "code": "12"},
    )
    assert bad_code.status_code == 400 and 'id="code-error"' in bad_code.text
    unknown = await signed_post_form(
        client,
        key,
        "/kiosk/sign-in/sms/code",
        {"challenge": "00000000-0000-0000-0000-000000000000", "code": "123456"},
        **{"Accept-Language": "en"},
    )
    assert unknown.status_code == 401 and 'id="again"' in unknown.text
    bad_enrollment = await signed_post_form(
        client, key, "/kiosk/sign-in/enrollment-code", {"code": "<script>"}
    )
    assert bad_enrollment.status_code == 400 and 'id="code-error"' in bad_enrollment.text
    no_session = await signed_post_form(client, key, "/kiosk/sign-in/pin", {"pin": PIN})
    assert no_session.status_code == 401
    assert await state() == before

    # A wrong code is counted on its challenge only: no session, no cookie.
    challenge, code = await code_page(client, key, settings, twilio, account)
    wrong = "000000" if code != "000000" else "111111"
    refused = await signed_post_form(
        client, key, "/kiosk/sign-in/sms/code", {"challenge": challenge, "code": wrong}
    )
    assert refused.status_code == 400 and "set-cookie" not in refused.headers
    assert 'id="code-error"' in refused.text and challenge in refused.text
    assert await owner_conn.fetchval("SELECT count(*) FROM sessions") == before[0]
    tries = await owner_conn.fetchval(
        "SELECT failed_attempts FROM sms_challenges WHERE id = $1::uuid", challenge
    )
    assert tries == 1
    # The language switch of a page that answered a post leads somewhere a GET can go.
    english = await signed_get(
        client, key, f"/kiosk/sign-in/sms/code?challenge={challenge}&lang=en"
    )
    assert english.status_code == 200 and "Enter the code" in english.text
    target = "/kiosk/sign-in/sms/code?lang=en"
    lost = await client.get(target, headers=key.headers("GET", target), follow_redirects=False)
    assert lost.status_code == 303 and lost.headers["location"] == "/kiosk/sign-in/sms?lang=en"
