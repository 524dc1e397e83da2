"""Daily caps on PIN guesses, per path (issue 13, finding 6).

Every SMS recovery code reset the app's PIN lock and the account's count of wrong
PINs: five guesses per code, five codes an hour, no end. Now a recovery code lifts the
app's PIN lock at most 3 times in 24 hours and resets no count (only a right PIN does),
as an SMS code unlocks a card at most 3 times a day. Each path has its own cap, so
using up one (the recovery SMS) leaves the others (the card, its SMS unlock) working.

Codes go through the real Twilio SDK to a local fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from auth import Account
from foundation.settings import Settings
from tests.support.access_cards import PIN, enroll_kiosk, verify
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
    start,
)
from tests.support.factories import bearer, sign_in
from tests.support.fakes.twilio import FakeTwilio
from tests.support.problems import assert_problem

WRONG_PIN = "582913"


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


def auth(tokens: Any) -> dict[str, str]:
    access = tokens["access_token"] if isinstance(tokens, dict) else tokens.access_token
    return {"Authorization": f"Bearer {access}", "Accept-Language": "en"}


async def five_wrong_pins(client: Client, tokens: Any, locked: str = "credential-locked") -> None:
    """Five wrong PINs in the app: the fifth locks the app's PIN (answering `locked`)."""
    for tries_left in (4, 3, 2, 1):
        wrong = await client.post(
            "/v1/auth/pin/verify", json={"pin": WRONG_PIN}, headers=auth(tokens)
        )
        assert_problem(wrong, 401, "pin-wrong")
        assert wrong.json()["tries_left"] == tries_left
    fifth = await client.post("/v1/auth/pin/verify", json={"pin": WRONG_PIN}, headers=auth(tokens))
    assert_problem(fifth, 423, locked)


async def recovery_sign_in(
    client: Client, settings: Settings, twilio: FakeTwilio, holder: Holder
) -> dict[str, Any]:
    """A sign-in with an SMS code of purpose `recovery` to the phone of record."""
    await forget_resend_wait(settings, holder.phone)
    started = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": holder.phone,
            "birth_date": holder.account.birth_date.isoformat(),
            "purpose": "recovery",
        },
    )
    assert started.status_code == 202, started.text
    _, code = await sent_code(settings, twilio, holder.phone)
    verified = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": started.json()["challenge_id"], "code": code}
    )
    assert verified.status_code == 200, verified.text
    tokens: dict[str, Any] = verified.json()
    return tokens


async def counts(owner_conn: asyncpg.Connection, account: Account) -> dict[str, Any]:
    row = await owner_conn.fetchrow(
        "SELECT app_pin_failures, app_pin_locked_at IS NOT NULL AS app_pin_locked, "
        "consecutive_failures FROM accounts WHERE id = $1",
        account.id,
    )
    assert row is not None
    return dict(row)


async def test_recovery_codes_unlock_the_apps_pin_three_times_a_day_and_other_paths_go_on(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    twilio: FakeTwilio,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    holder = await card_holder(settings, client, owner_conn, key, name="유재석")
    account = holder.account

    # Someone with the person's phone guesses the PIN in the app.
    await five_wrong_pins(client, await sign_in(owner_conn, settings, account))
    for locked in ("credential-locked", "credential-locked", "app-pin-unlock-limit"):
        # A recovery code lifts the lock: five more guesses, and the counts go on. Once
        # the third has been used, the lock says that no code will lift it today.
        tokens = await recovery_sign_in(client, settings, twilio, holder)
        await five_wrong_pins(client, tokens, locked)
    assert await counts(owner_conn, account) == {
        "app_pin_failures": 20,
        "app_pin_locked": True,
        "consecutive_failures": 20,
    }

    # The fourth recovery code in 24 hours signs in, but lifts the lock no more.
    fourth = await recovery_sign_in(client, settings, twilio, holder)
    assert fourth["aal"] == 1
    capped = await client.post("/v1/auth/pin/verify", json={"pin": PIN}, headers=auth(fourth))
    body = assert_problem(capped, 423, "app-pin-unlock-limit")
    assert "3 times" in body["detail"] and "counter" in body["detail"]
    assert 86000 <= int(capped.headers["retry-after"]) <= 86400
    assert await counts(owner_conn, account) == {
        "app_pin_failures": 20,
        "app_pin_locked": True,
        "consecutive_failures": 20,
    }
    audited = [
        row["action"]
        for row in await owner_conn.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 AND action LIKE 'auth.pin.%' "
            "ORDER BY id",
            f"account:{account.id}",
        )
    ]
    assert audited.count("auth.pin.unlocked") == 3
    assert audited.count("auth.pin.unlock_refused") == 1

    # The card at the kiosk is another path: the right PIN signs in (and starts the
    # account's count again, not the app's).
    card = await verify(client, key, holder.token)
    assert card.status_code == 303, card.text  # signed in: on to /kiosk/me
    assert await counts(owner_conn, account) == {
        "app_pin_failures": 20,
        "app_pin_locked": True,
        "consecutive_failures": 0,
    }
    # And its own SMS unlock still works: it lifts the card's lock, keeping the count.
    await lock(client, holder)
    await forget_resend_wait(settings, holder.phone)  # the last recovery code was just sent
    started = await start(client, holder)
    assert started.status_code == 202, started.text
    _, code = await sent_code(settings, twilio, holder.phone)
    unlocked = await finish(client, holder, started.json()["challenge_id"], code)
    assert unlocked.status_code == 200, unlocked.text
    assert await card_state(owner_conn, holder.card_id) == (5, False)
    after = await verify(client, key, holder.token, WRONG_PIN)
    assert_problem(after, 401, "pin-wrong")
    assert after.json()["tries_left"] == 4
    assert (await verify(client, key, holder.token)).status_code == 303
    assert await card_state(owner_conn, holder.card_id) == (0, False)


async def test_a_recovery_code_resets_no_count_and_unlocks_only_a_locked_pin(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    twilio: FakeTwilio,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    holder = await card_holder(settings, client, owner_conn, key, name="하하")
    account = holder.account
    tokens = await sign_in(owner_conn, settings, account)
    for _ in range(3):
        wrong = await client.post(
            "/v1/auth/pin/verify", json={"pin": WRONG_PIN}, headers=bearer(tokens)
        )
        assert_problem(wrong, 401, "pin-wrong")
    # A sign-in with a code (here a recovery code, while the PIN is not locked) is
    # another factor: the PIN's count goes on, and nothing is unlocked or capped.
    recovered = await recovery_sign_in(client, settings, twilio, holder)
    assert await counts(owner_conn, account) == {
        "app_pin_failures": 3,
        "app_pin_locked": False,
        "consecutive_failures": 3,
    }
    wrong = await client.post(
        "/v1/auth/pin/verify", json={"pin": WRONG_PIN}, headers=auth(recovered)
    )
    assert wrong.json()["tries_left"] == 1
    right = await client.post("/v1/auth/pin/verify", json={"pin": PIN}, headers=auth(recovered))
    assert right.status_code == 200, right.text
    assert await counts(owner_conn, account) == {
        "app_pin_failures": 0,
        "app_pin_locked": False,
        "consecutive_failures": 0,
    }
    unlocks = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE subject = $1 AND action = 'auth.pin.unlocked'",
        f"account:{account.id}",
    )
    assert unlocks == 0
