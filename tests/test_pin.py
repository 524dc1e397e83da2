"""The PIN: trivial PINs refused, set and change rules, step-up to aal 2, the app's PIN lock."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account, Tokens, token_hash
from foundation.settings import Settings, load_settings
from server.app import create_app
from tests.support.dev_outbox import read_outbox_code
from tests.support.environment import environment_for_tests
from tests.support.factories import (
    bearer,
    last_audit_details,
    make_account,
    newest_session_id,
    run_jobs,
    sign_in,
)

BIRTH = date(1987, 4, 23)
GOOD_PIN = "493028"
OTHER_PIN = "582914"


@pytest.fixture(autouse=True)
async def fresh_limits(settings: Settings) -> AsyncIterator[None]:
    """Each test starts with no rate-limit windows (they live in this worker's Redis db)."""
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    yield


async def account_with_pin(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    name: str,
    pin: str = GOOD_PIN,
) -> Account:
    account = await make_account(owner_conn, settings, name=name, birth_date=BIRTH)
    tokens = await sign_in(owner_conn, settings, account)
    answer = await client.put("/v1/me/pin", json={"pin": pin}, headers=bearer(tokens))
    assert answer.status_code == 204, answer.text
    return account


async def age_sign_in(owner_conn: asyncpg.Connection, tokens: Tokens, minutes: int) -> None:
    """Make the session's sign-in `minutes` old."""
    await owner_conn.execute(
        "UPDATE sessions SET authenticated_at = now() - make_interval(mins => $2) "
        "WHERE access_token_hash = $1",
        token_hash(tokens.access_token),
        minutes,
    )


@pytest.mark.parametrize(
    ("pin", "reason"),
    [
        ("000000", "one digit"),
        ("777777", "one digit"),
        ("345678", "in order"),
        ("876543", "in order"),
        ("890123", "in order"),  # wraps past 9, as on a keypad
        ("135791", "simple pattern"),
        ("474747", "simple pattern"),
        ("581581", "simple pattern"),
        ("112233", "simple pattern"),
        ("870423", "birth date"),  # YYMMDD
        ("042387", "birth date"),  # MMDDYY
        ("230487", "birth date"),  # DDMMYY
        ("198704", "birth date"),  # YYYYMM
        ("510423", "birth date"),  # contains MMDD
        ("147258", "Many people"),
        ("123321", "Many people"),
    ],
)
async def test_trivial_pins_are_refused(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    pin: str,
    reason: str,
) -> None:
    account = await make_account(owner_conn, settings, name="배유나", birth_date=BIRTH)
    tokens = await sign_in(owner_conn, settings, account)
    answer = await client.put("/v1/me/pin", json={"pin": pin}, headers=bearer(tokens))
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"].endswith("/pin-too-simple")
    assert [e["field"] for e in body["errors"]] == ["body.pin"]
    english = await client.put(
        "/v1/me/pin", json={"pin": pin}, headers={**bearer(tokens), "Accept-Language": "en"}
    )
    assert reason in english.json()["errors"][0]["detail"]
    stored = await owner_conn.fetchval("SELECT pin_hash FROM accounts WHERE id = $1", account.id)
    assert stored is None


async def test_bad_pin_input_lists_the_field(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="배유진")
    tokens = await sign_in(owner_conn, settings, account)
    for body in ({"pin": "12ab56"}, {"pin": "49302"}, {"pin": "4930281"}, {"pin": 493028}, {}):
        answer = await client.put("/v1/me/pin", json=body, headers=bearer(tokens))
        assert answer.status_code == 400, body
        assert answer.json()["type"].endswith("/validation-error")
        assert [e["field"] for e in answer.json()["errors"]] == ["body.pin"], body
    verify = await client.post("/v1/auth/pin/verify", json={"pin": "abc"}, headers=bearer(tokens))
    assert verify.status_code == 400
    assert [e["field"] for e in verify.json()["errors"]] == ["body.pin"]


async def test_setting_a_pin_needs_a_fresh_sign_in(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="서지훈", birth_date=BIRTH)
    tokens = await sign_in(owner_conn, settings, account)
    await age_sign_in(owner_conn, tokens, 6)
    stale = await client.put(
        "/v1/me/pin", json={"pin": GOOD_PIN}, headers={**bearer(tokens), "Accept-Language": "en"}
    )
    assert stale.status_code == 401
    assert stale.json()["type"].endswith("/recent-sign-in-required")
    assert (
        await owner_conn.fetchval("SELECT pin_hash FROM accounts WHERE id = $1", account.id) is None
    )

    fresh = await sign_in(owner_conn, settings, account)
    answer = await client.put("/v1/me/pin", json={"pin": GOOD_PIN}, headers=bearer(fresh))
    assert answer.status_code == 204
    row = await owner_conn.fetchrow(
        "SELECT pin_hash, pin_set_at FROM accounts WHERE id = $1", account.id
    )
    assert row is not None and row["pin_set_at"] is not None
    # argon2id over the PIN keyed with the data key; never the PIN itself.
    assert re.fullmatch(r"k\d+\$argon2id\$v=19\$m=65536,t=3,p=4\$.+", row["pin_hash"])
    assert GOOD_PIN not in row["pin_hash"]
    me = (await client.get("/v1/me", headers=bearer(fresh))).json()
    assert me["authenticators"]["pin"] is True
    actions = [
        r["action"]
        for r in await owner_conn.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"account:{account.id}"
        )
    ]
    assert actions == ["auth.pin.set"]


async def test_changing_a_pin_needs_a_fresh_aal2_sign_in(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await account_with_pin(client, owner_conn, settings, "서지수")
    # Someone with only the phone (SMS) must not replace the PIN with their own.
    by_sms = await sign_in(owner_conn, settings, account)
    refused = await client.put("/v1/me/pin", json={"pin": OTHER_PIN}, headers=bearer(by_sms))
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/step-up-required")
    stepped = await client.post(
        "/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(by_sms)
    )
    assert stepped.status_code == 200
    aal2 = {"Authorization": f"Bearer {stepped.json()['access_token']}"}
    changed = await client.put("/v1/me/pin", json={"pin": OTHER_PIN}, headers=aal2)
    assert changed.status_code == 204
    audited = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.pin.changed' AND subject = $1",
        f"account:{account.id}",
    )
    assert audited == 1
    # A passkey session more than 5 minutes old is not fresh.
    passkey = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    await age_sign_in(owner_conn, passkey, 10)
    stale = await client.put("/v1/me/pin", json={"pin": GOOD_PIN}, headers=bearer(passkey))
    assert stale.status_code == 401
    assert stale.json()["type"].endswith("/recent-sign-in-required")
    # The new PIN is the one that works.
    fresh = await sign_in(owner_conn, settings, account)
    old = await client.post("/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(fresh))
    assert old.status_code == 401
    new = await client.post("/v1/auth/pin/verify", json={"pin": OTHER_PIN}, headers=bearer(fresh))
    assert new.status_code == 200


async def test_pin_verify_steps_up_to_a_new_aal2_session(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await account_with_pin(client, owner_conn, settings, "남궁민")
    old = await sign_in(owner_conn, settings, account, method="totp")
    answer = await client.post("/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(old))
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["aal"] == 2 and tokens["token_type"] == "Bearer"
    assert tokens["access_token"] != old.access_token
    assert tokens["suggest"] == ["passkey"]
    # The aal 1 session has ended: its access and refresh tokens no longer work.
    assert (await client.get("/v1/me", headers=bearer(old))).status_code == 401
    refresh = await client.post("/v1/auth/token/refresh", json={"refresh_token": old.refresh_token})
    assert refresh.status_code == 401
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200 and me.json()["aal"] == 2
    rows = await owner_conn.fetch(
        "SELECT aal, method, revoked_reason FROM sessions WHERE account_id = $1 "
        "AND method <> 'sms' ORDER BY created_at",
        account.id,
    )
    assert [dict(r) for r in rows] == [
        {"aal": 1, "method": "totp", "revoked_reason": "stepped_up"},
        {"aal": 2, "method": "pin+totp", "revoked_reason": None},
    ]
    methods = [
        r["details"]
        for r in await owner_conn.fetch(
            "SELECT details::text FROM audit_log WHERE subject = $1 AND action = "
            "'auth.sign_in.succeeded'",
            f"account:{account.id}",
        )
    ]
    assert any("pin+totp" in m for m in methods)
    new_session = await newest_session_id(owner_conn, account.id)
    assert await last_audit_details(
        owner_conn, "auth.sign_in.succeeded", f"account:{account.id}"
    ) == {"method": "pin+totp", "session": new_session, "address": "testclient"}
    stepped_up = await last_audit_details(
        owner_conn, "auth.session.stepped_up", f"account:{account.id}"
    )
    assert stepped_up["session"] == new_session
    assert not any(GOOD_PIN in m for m in methods)


async def test_what_pin_verify_refuses(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    no_pin = await make_account(owner_conn, settings, name="황보라")
    tokens = await sign_in(owner_conn, settings, no_pin)
    missing = await client.post(
        "/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(tokens)
    )
    assert missing.status_code == 409
    assert missing.json()["type"].endswith("/no-pin")

    account = await account_with_pin(client, owner_conn, settings, "황보석")
    # A passkey is already aal 2: a PIN adds nothing, nor restarts its clock.
    passkey = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    not_needed = await client.post(
        "/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(passkey)
    )
    assert not_needed.status_code == 409
    assert not_needed.json()["type"].endswith("/pin-not-needed")
    assert (await client.get("/v1/me", headers=bearer(passkey))).status_code == 200
    # The PIN completes a code from the last 12 hours, not an old one.
    old = await sign_in(owner_conn, settings, account)
    await age_sign_in(owner_conn, old, 13 * 60)
    stale = await client.post("/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(old))
    assert stale.status_code == 401
    assert stale.json()["type"].endswith("/pin-needs-code")
    assert (await client.post("/v1/auth/pin/verify", json={"pin": GOOD_PIN})).status_code == 401
    failures = await owner_conn.fetchval(
        "SELECT consecutive_failures FROM accounts WHERE id = $1", account.id
    )
    assert failures == 0


async def test_five_wrong_pins_lock_the_app_until_an_sms_recovery_code(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await account_with_pin(client, owner_conn, settings, "조은비")
    assert account.phone_e164 is not None
    tokens = await sign_in(owner_conn, settings, account)
    for tries_left in (4, 3, 2, 1):
        wrong = await client.post(
            "/v1/auth/pin/verify",
            json={"pin": OTHER_PIN},
            headers={**bearer(tokens), "Accept-Language": "en"},
        )
        assert wrong.status_code == 401
        assert wrong.json()["type"].endswith("/pin-wrong")
        assert wrong.json()["tries_left"] == tries_left
        assert str(tries_left) in wrong.json()["detail"]
    fifth = await client.post(
        "/v1/auth/pin/verify", json={"pin": OTHER_PIN}, headers=bearer(tokens)
    )
    assert fifth.status_code == 423
    assert fifth.json()["type"].endswith("/credential-locked")
    # Locked: even the right PIN is refused, and is not counted.
    right = await client.post("/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(tokens))
    assert right.status_code == 423
    assert right.json()["type"].endswith("/credential-locked")
    row = await owner_conn.fetchrow(
        "SELECT app_pin_failures, app_pin_locked_at, consecutive_failures FROM accounts "
        "WHERE id = $1",
        account.id,
    )
    assert row is not None
    assert row["app_pin_failures"] == 5 and row["app_pin_locked_at"] is not None
    assert row["consecutive_failures"] == 5  # each wrong PIN is also a failed sign-in
    assert await last_audit_details(owner_conn, "auth.sign_in.failed", f"account:{account.id}") == {
        "method": "pin",
        "credential": "app",
        "consecutive_failures": 5,
        "address": "testclient",
    }
    actions = [
        r["action"]
        for r in await owner_conn.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"account:{account.id}"
        )
    ]
    assert actions.count("auth.sign_in.failed") == 5
    assert "auth.pin.credential_locked" in actions

    # A recovery code to the phone of record unlocks it (read from the development outbox).
    started = await client.post(
        "/v1/auth/sms/start",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "purpose": "recovery",
        },
    )
    assert started.status_code == 202
    await run_jobs(settings)
    code = await read_outbox_code(owner_conn, account.phone_e164)
    recovered = await client.post(
        "/v1/auth/sms/verify", json={"challenge_id": started.json()["challenge_id"], "code": code}
    )
    assert recovered.status_code == 200, recovered.text
    by_sms = {"Authorization": f"Bearer {recovered.json()['access_token']}"}
    unlocked = await client.post("/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=by_sms)
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["aal"] == 2
    method = await owner_conn.fetchval(
        "SELECT method FROM sessions WHERE account_id = $1 AND revoked_at IS NULL AND aal = 2",
        account.id,
    )
    assert method == "pin+sms"


async def account_counts(owner_conn: asyncpg.Connection, account: Account) -> dict[str, Any]:
    row = await owner_conn.fetchrow(
        "SELECT consecutive_failures, hard_locked_at IS NOT NULL AS hard_locked, "
        "app_pin_failures FROM accounts WHERE id = $1",
        account.id,
    )
    assert row is not None
    return dict(row)


async def test_only_wrong_pins_after_a_code_count_and_only_a_right_pin_resets(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await account_with_pin(client, owner_conn, settings, "신예린")
    tokens = await sign_in(owner_conn, settings, account)
    for _ in range(3):
        await client.post("/v1/auth/pin/verify", json={"pin": OTHER_PIN}, headers=bearer(tokens))
    # Failures anyone can cause with just the number count nowhere.
    for _ in range(5):
        refused = await client.post(
            "/v1/auth/totp/verify",
            json={
                "phone": account.phone_e164,
                "birth_date": account.birth_date.isoformat(),
                "code": "000000",
            },
        )
        assert refused.status_code == 401
    assert await account_counts(owner_conn, account) == {
        "consecutive_failures": 3,
        "hard_locked": False,
        "app_pin_failures": 3,
    }
    right = await client.post("/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(tokens))
    assert right.status_code == 200, right.text
    assert await account_counts(owner_conn, account) == {
        "consecutive_failures": 0,
        "hard_locked": False,
        "app_pin_failures": 0,
    }


async def test_the_hundredth_wrong_pin_in_a_row_locks_the_account_until_a_counter_visit(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await account_with_pin(client, owner_conn, settings, "변정수")
    # 98 wrong PINs in a row already, through the card and earlier unlocks of the app's PIN.
    await owner_conn.execute(
        "UPDATE accounts SET consecutive_failures = 98 WHERE id = $1", account.id
    )
    tokens = await sign_in(owner_conn, settings, account)
    wrong = await client.post(
        "/v1/auth/pin/verify", json={"pin": OTHER_PIN}, headers=bearer(tokens)
    )
    assert wrong.status_code == 401 and wrong.json()["type"].endswith("/pin-wrong")
    locked = await client.post(
        "/v1/auth/pin/verify",
        json={"pin": OTHER_PIN},
        headers={**bearer(tokens), "Accept-Language": "en"},
    )
    assert locked.status_code == 423
    assert locked.json()["type"].endswith("/account-locked-counter")
    assert "counter" in locked.json()["detail"]
    assert await account_counts(owner_conn, account) == {
        "consecutive_failures": 100,
        "hard_locked": True,
        "app_pin_failures": 2,
    }
    # Even the right PIN now: a clerk unlocks it.
    again = await client.post("/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(tokens))
    assert again.status_code in (401, 423)
    locked_audit = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE subject = $1 "
        "AND action = 'auth.account.locked_until_counter'",
        f"account:{account.id}",
    )
    assert locked_audit == 1


async def test_a_pin_survives_a_data_key_rotation_and_is_rehashed(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    account = await account_with_pin(client, owner_conn, settings, "노을")
    old_version = settings.auth.current_data_key
    old_key = base64.b64encode(settings.auth.data_keys[old_version]).decode()
    new_key = base64.b64encode(secrets.token_bytes(32)).decode()
    rotated = load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            tmp_path,
            HANCHANG_DATA_KEYS=f"{old_version + 1}:{new_key},{old_version}:{old_key}",
        )
    )
    async with AsyncTestClient(app=create_app(rotated)) as after_rotation:
        tokens = await sign_in(owner_conn, rotated, account)
        answer = await after_rotation.post(
            "/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(tokens)
        )
        assert answer.status_code == 200, answer.text
    stored = await owner_conn.fetchval("SELECT pin_hash FROM accounts WHERE id = $1", account.id)
    assert stored.startswith(f"k{old_version + 1}$argon2id$")
