"""TOTP: setup, confirmation, sign-in with drift and replay rules, enumeration safety, removal."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
import msgspec
import pyotp
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account
from foundation.settings import Settings
from tests.support.factories import (
    bearer,
    last_audit_details,
    make_account,
    newest_session_id,
    sign_in,
)
from tests.support.problems import comparable


@pytest.fixture(autouse=True)
async def fresh_limits(settings: Settings) -> AsyncIterator[None]:
    """Each test starts with no rate-limit windows (they live in this worker's Redis db)."""
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    yield


async def away_from_step_edge() -> None:
    """Codes computed here must be checked within the same 30-second step."""
    into_step = time.time() % 30
    if into_step > 25:
        await asyncio.sleep(30 - into_step + 0.1)


def code_at(secret: str, steps_from_now: int) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


async def enable_totp(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    account: Account,
) -> tuple[str, dict[str, Any]]:
    """Set up and confirm an authenticator app for `account` (at aal 2: an app is not a
    first binding, auth/binding.py); the seed and the confirm answer."""
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    setup = await client.post("/v1/auth/totp/setup", headers=bearer(tokens))
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    await away_from_step_edge()
    confirmed = await client.post(
        "/v1/auth/totp/confirm", json={"code": code_at(secret, 0)}, headers=bearer(tokens)
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()


async def forget_last_step(owner_conn: asyncpg.Connection, account: Account) -> None:
    """As if the last code used was long ago (the confirm code's step is otherwise kept)."""
    await owner_conn.execute("UPDATE accounts SET totp_last_step = NULL WHERE id = $1", account.id)


async def test_setup_confirm_and_sign_in(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="김태현")
    assert account.phone_e164 is not None
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    setup = await client.post("/v1/auth/totp/setup", headers=bearer(tokens))
    assert setup.status_code == 200, setup.text
    body = setup.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    secret = body["secret"]
    assert len(base64.b32decode(secret)) == 20  # 160 bits

    uri = urlsplit(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert unquote(uri.path) == f"/한 창구:{account.phone_e164[:5]}****{account.phone_e164[-4:]}"
    query = parse_qs(uri.query)
    assert query["secret"] == [secret] and query["issuer"] == ["한 창구"]
    assert account.phone_e164[5:9] not in body["otpauth_uri"]  # the account name is masked

    svg = body["qr_svg"]
    assert svg.startswith("<svg") and 'role="img"' in svg and "xmlns=" in svg
    title = svg.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "한 창구" in title  # the accessible name says what the image is for
    assert "<desc>" in svg

    # Not on until confirmed.
    me = (await client.get("/v1/me", headers=bearer(tokens))).json()
    assert me["authenticators"]["totp"] is False
    await away_from_step_edge()
    early = await client.post(
        "/v1/auth/totp/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": code_at(secret, 0),
        },
    )
    assert early.status_code == 401

    confirmed = await client.post(
        "/v1/auth/totp/confirm", json={"code": code_at(secret, 0)}, headers=bearer(tokens)
    )
    assert confirmed.status_code == 200, confirmed.text
    assert len(confirmed.json()["recovery_codes"]) == 10  # the account's first set
    me = (await client.get("/v1/me", headers=bearer(tokens))).json()
    assert me["authenticators"]["totp"] is True
    assert me["authenticators"]["recovery_codes_left"] == 10

    # The next step's code (the phone a little ahead) signs in, in national form too.
    national = (
        "0" + account.phone_e164[3:5] + "-" + account.phone_e164[5:9] + "-" + account.phone_e164[9:]
    )
    verified = await client.post(
        "/v1/auth/totp/verify",
        json={
            "phone": national,
            "birth_date": account.birth_date.isoformat(),
            "code": code_at(secret, 1),
        },
    )
    assert verified.status_code == 200, verified.text
    signed_in = verified.json()
    assert signed_in["aal"] == 1 and signed_in["token_type"] == "Bearer"
    assert signed_in["suggest"] == ["passkey"]
    session = await owner_conn.fetchrow(
        "SELECT aal, method, channel FROM sessions WHERE account_id = $1 ORDER BY created_at DESC "
        "LIMIT 1",
        account.id,
    )
    assert session is not None and dict(session) == {"aal": 1, "method": "totp", "channel": "app"}
    actions = [
        r["action"]
        for r in await owner_conn.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"account:{account.id}"
        )
    ]
    assert actions.index("auth.totp.setup_started") < actions.index("auth.totp.confirmed")
    assert "auth.recovery_codes.generated" in actions
    assert actions[-1] == "auth.sign_in.succeeded"
    assert await last_audit_details(
        owner_conn, "auth.sign_in.succeeded", f"account:{account.id}"
    ) == {
        "method": "totp",
        "session": await newest_session_id(owner_conn, account.id),
        "address": "testclient",
    }
    dump = " ".join(
        r["details"] for r in await owner_conn.fetch("SELECT details::text FROM audit_log")
    )
    assert secret not in dump and code_at(secret, 1) not in dump


async def test_the_seed_is_sealed_at_rest(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="이수민")
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    secret = (await client.post("/v1/auth/totp/setup", headers=bearer(tokens))).json()["secret"]
    raw = base64.b32decode(secret)
    pending = await owner_conn.fetchval(
        "SELECT totp_pending_secret_enc FROM accounts WHERE id = $1", account.id
    )
    assert pending is not None
    assert secret.encode() not in bytes(pending) and raw not in bytes(pending)
    await away_from_step_edge()
    confirmed = await client.post(
        "/v1/auth/totp/confirm", json={"code": code_at(secret, 0)}, headers=bearer(tokens)
    )
    assert confirmed.status_code == 200
    row = await owner_conn.fetchrow(
        "SELECT totp_secret_enc, totp_pending_secret_enc, totp_confirmed_at FROM accounts "
        "WHERE id = $1",
        account.id,
    )
    assert row is not None and row["totp_pending_secret_enc"] is None
    assert row["totp_confirmed_at"] is not None
    sealed = bytes(row["totp_secret_enc"])
    assert secret.encode() not in sealed and raw not in sealed
    assert secret.lower().encode() not in sealed


async def test_one_step_of_drift_is_accepted_two_are_not(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="박서준")
    secret, _ = await enable_totp(client, owner_conn, settings, account)
    phone = account.phone_e164
    born = account.birth_date.isoformat()
    await forget_last_step(owner_conn, account)
    await away_from_step_edge()
    behind_two = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": born, "code": code_at(secret, -2)},
    )
    assert behind_two.status_code == 401
    behind_one = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": born, "code": code_at(secret, -1)},
    )
    assert behind_one.status_code == 200, behind_one.text
    ahead_two = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": born, "code": code_at(secret, 2)},
    )
    assert ahead_two.status_code == 401
    ahead_one = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": born, "code": code_at(secret, 1)},
    )
    assert ahead_one.status_code == 200, ahead_one.text


async def test_each_code_works_once(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="최지우")
    secret, _ = await enable_totp(client, owner_conn, settings, account)
    phone = account.phone_e164
    born = account.birth_date.isoformat()
    await away_from_step_edge()
    # The code that confirmed the app cannot sign in.
    confirm_code = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": born, "code": code_at(secret, 0)},
    )
    assert confirm_code.status_code == 401
    await forget_last_step(owner_conn, account)
    await away_from_step_edge()
    code = code_at(secret, 0)
    first = await client.post(
        "/v1/auth/totp/verify", json={"phone": phone, "birth_date": born, "code": code}
    )
    assert first.status_code == 200
    replay = await client.post(
        "/v1/auth/totp/verify", json={"phone": phone, "birth_date": born, "code": code}
    )
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("/sign-in-failed")
    # Nor an earlier code still within the drift window, once a later one was used.
    later = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": born, "code": code_at(secret, 1)},
    )
    assert later.status_code == 200
    earlier = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": phone, "birth_date": born, "code": code_at(secret, 0)},
    )
    assert earlier.status_code == 401


async def test_unknown_number_no_app_and_wrong_code_answer_alike(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    with_app = await make_account(owner_conn, settings, name="정하은")
    secret, _ = await enable_totp(client, owner_conn, settings, with_app)
    without_app = await make_account(owner_conn, settings, name="정하준")
    await away_from_step_edge()
    right = code_at(secret, 0)
    wrong = "000000" if right != "000000" else "111111"
    answers = [
        await client.post(
            "/v1/auth/totp/verify",
            json={
                "phone": with_app.phone_e164,
                "birth_date": with_app.birth_date.isoformat(),
                "code": wrong,
            },
            headers={"Accept-Language": "en"},
        ),
        await client.post(
            "/v1/auth/totp/verify",
            json={
                "phone": without_app.phone_e164,
                "birth_date": without_app.birth_date.isoformat(),
                "code": right,
            },
            headers={"Accept-Language": "en"},
        ),
        await client.post(
            "/v1/auth/totp/verify",
            json={"phone": "010-9876-0001", "birth_date": "1990-05-17", "code": right},
            headers={"Accept-Language": "en"},
        ),
    ]
    assert [a.status_code for a in answers] == [401, 401, 401]
    bodies = [comparable(a) for a in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["type"].endswith("/sign-in-failed")
    assert answers[0].headers.keys() == answers[1].headers.keys() == answers[2].headers.keys()
    # Failures on real accounts are audited, whether or not they have an app, and count
    # towards no lock: anyone who knows the number can send a code.
    for account in (with_app, without_app):
        failures = await owner_conn.fetchval(
            "SELECT consecutive_failures FROM accounts WHERE id = $1", account.id
        )
        assert failures == 0
        audited = await owner_conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE subject = $1 AND action = 'auth.sign_in.failed'",
            f"account:{account.id}",
        )
        assert audited == 1
        failed = await last_audit_details(
            owner_conn, "auth.sign_in.failed", f"account:{account.id}"
        )
        assert failed["address"] == "testclient"
    # An unknown number's failure has no account to name, but its source address.
    anonymous = await owner_conn.fetchval(
        "SELECT details::text FROM audit_log WHERE action = 'auth.sign_in.failed' "
        "AND subject IS NULL ORDER BY id DESC LIMIT 1"
    )
    assert msgspec.json.decode(anonymous) == {
        "method": "totp",
        "account": False,
        "address": "testclient",
    }


async def test_ten_wrong_codes_throttle_the_number_and_lock_nothing(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="한도윤")
    secret, _ = await enable_totp(client, owner_conn, settings, account)
    await forget_last_step(owner_conn, account)
    await away_from_step_edge()
    right = code_at(secret, 0)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(10):
        refused = await client.post(
            "/v1/auth/totp/verify",
            json={
                "phone": account.phone_e164,
                "birth_date": account.birth_date.isoformat(),
                "code": wrong,
            },
        )
        assert refused.status_code == 401
    # Six digits need a limit on guessing: the number's app codes wait, even a right one.
    throttled = await client.post(
        "/v1/auth/totp/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": right,
        },
        headers={"Accept-Language": "en"},
    )
    assert throttled.status_code == 429
    assert throttled.json()["type"].endswith("/too-many-requests")
    assert 3500 <= int(throttled.headers["retry-after"]) <= 3600
    row = await owner_conn.fetchrow(
        "SELECT consecutive_failures, hard_locked_at FROM accounts WHERE id = $1", account.id
    )
    assert row is not None and dict(row) == {"consecutive_failures": 0, "hard_locked_at": None}


async def test_confirm_needs_a_setup_and_the_right_code(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="윤서아")
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    nothing = await client.post(
        "/v1/auth/totp/confirm", json={"code": "123456"}, headers=bearer(tokens)
    )
    assert nothing.status_code == 409
    assert nothing.json()["type"].endswith("/totp-setup-not-started")
    secret = (await client.post("/v1/auth/totp/setup", headers=bearer(tokens))).json()["secret"]
    await away_from_step_edge()
    right = code_at(secret, 0)
    wrong = await client.post(
        "/v1/auth/totp/confirm",
        json={"code": "000000" if right != "000000" else "111111"},
        headers={**bearer(tokens), "Accept-Language": "en"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["type"].endswith("/validation-error")
    assert [e["field"] for e in wrong.json()["errors"]] == ["body.code"]
    assert "clock" in wrong.json()["errors"][0]["detail"]
    enabled = await owner_conn.fetchval(
        "SELECT totp_confirmed_at FROM accounts WHERE id = $1", account.id
    )
    assert enabled is None
    anonymous = await client.post("/v1/auth/totp/setup")
    assert anonymous.status_code == 401


async def test_replacing_an_app_needs_aal2_and_keeps_recovery_codes(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="장민서")
    old_secret, first = await enable_totp(client, owner_conn, settings, account)
    assert len(first["recovery_codes"]) == 10
    aal1 = await sign_in(owner_conn, settings, account)
    refused = await client.post("/v1/auth/totp/setup", headers=bearer(aal1))
    assert refused.status_code == 409  # an app alone never reaches aal 2
    assert refused.json()["type"].endswith("/passkey-or-pin-first")
    await owner_conn.execute(
        "UPDATE accounts SET pin_hash = 'k1$set-at-the-counter' WHERE id = $1", account.id
    )
    refused = await client.post("/v1/auth/totp/setup", headers=bearer(aal1))
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/step-up-required")
    aal2 = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    setup = await client.post("/v1/auth/totp/setup", headers=bearer(aal2))
    assert setup.status_code == 200
    new_secret = setup.json()["secret"]
    assert new_secret != old_secret
    await away_from_step_edge()
    confirmed = await client.post(
        "/v1/auth/totp/confirm", json={"code": code_at(new_secret, 0)}, headers=bearer(aal2)
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["recovery_codes"] == []  # the first set still stands
    await forget_last_step(owner_conn, account)
    old = await client.post(
        "/v1/auth/totp/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": code_at(old_secret, 0),
        },
    )
    new = await client.post(
        "/v1/auth/totp/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": code_at(new_secret, 0),
        },
    )
    assert (old.status_code, new.status_code) == (401, 200)


async def test_removing_needs_aal2_and_another_way_in(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="임지호")
    await enable_totp(client, owner_conn, settings, account)
    aal1 = await sign_in(owner_conn, settings, account)
    step_up = await client.delete("/v1/me/totp", headers=bearer(aal1))
    assert step_up.status_code == 401
    assert step_up.json()["type"].endswith("/step-up-required")
    assert "insufficient_user_authentication" in step_up.headers["www-authenticate"]
    aal2 = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    removed = await client.delete("/v1/me/totp", headers=bearer(aal2))
    assert removed.status_code == 204
    row = await owner_conn.fetchrow(
        "SELECT totp_secret_enc, totp_confirmed_at FROM accounts WHERE id = $1", account.id
    )
    assert row is not None and row["totp_secret_enc"] is None and row["totp_confirmed_at"] is None
    again = await client.delete("/v1/me/totp", headers=bearer(aal2))
    assert again.status_code == 404
    audited = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.totp.removed' AND subject = $1",
        f"account:{account.id}",
    )
    assert audited == 1

    # No phone of record and no passkey: the app is the only way in and stays.
    only_app = await make_account(owner_conn, settings, name="임지안", phone_e164=None)
    await enable_totp(client, owner_conn, settings, only_app)
    only_aal2 = await sign_in(owner_conn, settings, only_app, aal=2, method="passkey")
    last = await client.delete(
        "/v1/me/totp", headers={**bearer(only_aal2), "Accept-Language": "en"}
    )
    assert last.status_code == 409
    assert last.json()["type"].endswith("/last-authenticator")
    still = await owner_conn.fetchval(
        "SELECT totp_confirmed_at FROM accounts WHERE id = $1", only_app.id
    )
    assert still is not None


async def test_bad_input_is_a_clear_problem(client: AsyncTestClient[Litestar]) -> None:
    bad_phone = await client.post(
        "/v1/auth/totp/verify", json={"phone": "12", "birth_date": "1990-05-17", "code": "123456"}
    )
    assert bad_phone.status_code == 400
    assert bad_phone.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in bad_phone.json()["errors"]] == ["body.phone"]
    bad_code = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": "010-1234-5678", "birth_date": "1990-05-17", "code": "12ab56"},
    )
    assert bad_code.status_code == 400
    assert [e["field"] for e in bad_code.json()["errors"]] == ["body.code"]
    bad_date = await client.post(
        "/v1/auth/totp/verify",
        json={"phone": "010-1234-5678", "birth_date": "17/05/1990", "code": "123456"},
        headers={"Accept-Language": "en"},
    )
    assert bad_date.status_code == 400
    assert bad_date.json()["errors"] == [
        {"field": "body.birth_date", "detail": "Enter a date as YYYY-MM-DD."}
    ]
    missing = await client.post(
        "/v1/auth/totp/verify", json={"code": "123456"}, headers={"Accept-Language": "en"}
    )
    assert missing.status_code == 400
    # Every missing field, not only the first.
    assert missing.json()["errors"] == [
        {"field": "body.phone", "detail": "This field is required."},
        {"field": "body.birth_date", "detail": "This field is required."},
    ]
    not_json = await client.post(
        "/v1/auth/totp/verify", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    assert not_json.headers["content-type"] == "application/problem+json"
