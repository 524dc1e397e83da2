"""Binding and removing authenticators (issue 13, finding 1): an SMS alone never adds a way
to reach aal 2 to an account that already has one, and every change is told at once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from arq.connections import ArqRedis, create_pool
from arq.connections import RedisSettings as ArqRedisSettings
from redis.asyncio import Redis

from auth import Account, Tokens
from foundation.jobs import INTERACTIVE_QUEUE
from foundation.settings import Settings
from tests.support.applying import Client, apply, laid_off, payload, verified_account
from tests.support.factories import bearer, make_account, run_jobs, sign_in
from tests.support.notifying import fcm_token, register_device
from tests.support.passkeys import device, registered, sign_in_with
from tests.support.problems import EN, assert_problem
from tests.support.webauthn_authenticator import SoftwareAuthenticator

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
GOOD_PIN = "306817"


@pytest.fixture(autouse=True)
async def fresh_limits(settings: Settings) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    yield


@pytest.fixture
async def queue(settings: Settings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(ArqRedisSettings.from_dsn(settings.redis.url))
    yield pool
    await pool.aclose()


async def sms_sign_in(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, account: Account
) -> dict[str, str]:
    """A real SMS sign-in to the phone of record (the code read from the development outbox)."""
    born = await owner_conn.fetchval(
        "SELECT birth_date FROM people WHERE id = $1", account.person_id
    )
    started = await client.post(
        "/v1/auth/sms/start",
        json={"phone": account.phone_e164, "birth_date": born.isoformat(), "purpose": "sign_in"},
    )
    assert started.status_code == 202, started.text
    await run_jobs(settings)
    # The newest message with a code (notices about the account go to the same number).
    bodies = await owner_conn.fetch(
        "SELECT body FROM dev_outbox WHERE to_e164 = $1 AND channel = 'sms' ORDER BY id DESC",
        account.phone_e164,
    )
    match = next(m for row in bodies if (m := CODE.search(row["body"])))
    verified = await client.post(
        "/v1/auth/sms/verify",
        json={"challenge_id": started.json()["challenge_id"], "code": match[1]},
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["aal"] == 1
    return {"Authorization": f"Bearer {verified.json()['access_token']}"}


async def passkey_sign_in(client: Client, authenticator: SoftwareAuthenticator) -> dict[str, str]:
    status, tokens = await sign_in_with(client, authenticator)
    assert status == 200 and tokens["aal"] == 2, tokens
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def count(conn: asyncpg.Connection, query: str, *args: Any) -> int:
    value: int = await conn.fetchval(query, *args)
    return value


async def owner_with_passkey(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, **person: Any
) -> tuple[Account, SoftwareAuthenticator, int]:
    """An account whose owner added a passkey (their first, at a fresh sign-in)."""
    account = await make_account(owner_conn, settings, **person)
    authenticator = device(settings)
    first = bearer(await sign_in(owner_conn, settings, account))
    passkey = await registered(client, first, authenticator)
    return account, authenticator, passkey["id"]


async def test_an_sms_sign_in_cannot_add_or_remove_anything_on_an_account_with_a_passkey(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, owners_device, owners_passkey = await owner_with_passkey(client, owner_conn, settings)
    # Whoever holds the phone number (a swapped SIM) signs in by SMS: aal 1.
    thief = await sms_sign_in(client, owner_conn, settings, account)
    thiefs_device = device(settings)

    refused = await client.post("/v1/auth/passkeys/registration/options", headers=thief)
    assert_problem(refused, 401, "step-up-required")
    assert "insufficient_user_authentication" in refused.headers["www-authenticate"]
    english = await client.post("/v1/auth/passkeys/registration/options", headers={**thief, **EN})
    assert assert_problem(english, 401, "step-up-required")["title"] == "Please confirm it is you"
    # Nor with a challenge the owner's own session asked for.
    owner = await passkey_sign_in(client, owners_device)
    started = await client.post("/v1/auth/passkeys/registration/options", headers=owner)
    assert started.status_code == 200, started.text
    answer = await client.post(
        "/v1/auth/passkeys/registration/verify",
        json={
            "challenge_id": started.json()["challenge_id"],
            "credential": thiefs_device.create(started.json()["options"]),
        },
        headers=thief,
    )
    assert_problem(answer, 401, "step-up-required")
    for method, path, body in (
        ("PUT", "/v1/me/pin", {"pin": GOOD_PIN}),
        ("POST", "/v1/auth/totp/setup", None),
        ("POST", "/v1/me/recovery-codes", None),
        ("DELETE", f"/v1/me/passkeys/{owners_passkey}", None),
    ):
        answer = await client.request(method, path, json=body, headers=thief)
        assert_problem(answer, 401, "step-up-required")
    assert (
        await count(owner_conn, "SELECT count(*) FROM passkeys WHERE account_id = $1", account.id)
        == 1
    )
    row = await owner_conn.fetchrow(
        "SELECT pin_hash, totp_pending_secret_enc FROM accounts WHERE id = $1", account.id
    )
    assert row is not None and row["pin_hash"] is None and row["totp_pending_secret_enc"] is None
    told = await owner_conn.fetch(
        "SELECT topic FROM notices WHERE person_id = $1", account.person_id
    )
    assert [row["topic"] for row in told] == ["authenticator_added:passkey"]  # the owner's only

    # The owner, with the passkey (aal 2), still adds and removes what they like.
    second_device = device(settings)
    second = await registered(client, owner, second_device)
    assert (
        await client.put("/v1/me/pin", json={"pin": GOOD_PIN}, headers=owner)
    ).status_code == 204
    removed = await client.delete(f"/v1/me/passkeys/{second['id']}", headers=owner)
    assert removed.status_code == 204, removed.text


async def test_an_sms_sign_in_cannot_add_a_passkey_to_an_account_with_a_pin(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings)
    first = bearer(await sign_in(owner_conn, settings, account))
    assert (
        await client.put("/v1/me/pin", json={"pin": GOOD_PIN}, headers=first)
    ).status_code == 204

    thief = await sms_sign_in(client, owner_conn, settings, account)
    refused = await client.post("/v1/auth/passkeys/registration/options", headers=thief)
    assert_problem(refused, 401, "step-up-required")

    # The owner: an SMS code and the PIN make aal 2, and then a passkey is added.
    owner = bearer(await sign_in(owner_conn, settings, account, method="sms"))
    stepped = await client.post("/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=owner)
    assert stepped.status_code == 200 and stepped.json()["aal"] == 2, stepped.text
    owner = {"Authorization": f"Bearer {stepped.json()['access_token']}"}
    await registered(client, owner, device(settings))


async def test_an_account_with_only_sms_adds_its_first_passkey_and_is_told_on_every_channel(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, queue: ArqRedis
) -> None:
    account = await make_account(owner_conn, settings, preferred_language="en")
    tokens = await sign_in(owner_conn, settings, account)
    assert (await register_device(client, tokens, fcm_token())).status_code == 201

    fresh = await sms_sign_in(client, owner_conn, settings, account)
    passkey = await registered(client, fresh, device(settings))

    notice = await owner_conn.fetchrow(
        "SELECT id, kind, topic, urgent, legally_required FROM notices WHERE person_id = $1",
        account.person_id,
    )
    assert notice is not None
    assert dict(notice) | {"id": 0} == {
        "id": 0,
        "kind": "account",
        "topic": "authenticator_added:passkey",
        "urgent": True,
        "legally_required": True,
    }
    queued = [
        job.args
        for job in await queue.queued_jobs(queue_name=INTERACTIVE_QUEUE)
        if job.function == "deliver_urgent_notices"
    ]
    assert ([notice["id"]],) in queued
    audit = await owner_conn.fetchrow(
        "SELECT details FROM audit_log WHERE action = 'auth.passkey.added' AND subject = $1",
        f"account:{account.id}",
    )
    assert audit is not None
    assert '"allowed_by": "first"' in audit["details"] and str(passkey["id"]) in audit["details"]

    await run_jobs(settings)
    channels = {
        row["channel"]
        for row in await owner_conn.fetch(
            "SELECT channel FROM notice_deliveries WHERE notice_id = $1", notice["id"]
        )
    }
    assert channels == {"push", "sms", "voice", "letter"}
    texts = [
        row["body"]
        for row in await owner_conn.fetch(
            "SELECT body FROM dev_outbox WHERE to_e164 = $1 AND channel = 'sms'",
            account.phone_e164,
        )
    ]
    assert any("A passkey was added to your account" in text for text in texts), texts
    inbox = await client.get("/v1/me/inbox", headers={**fresh, **EN})
    assert inbox.json()["notices"][0]["title"] == "A passkey was added to your account"

    # Now the account reaches aal 2, so the same aal-1 sign-in adds nothing more.
    again = await client.post("/v1/auth/passkeys/registration/options", headers=fresh)
    assert_problem(again, 401, "step-up-required")


async def test_a_first_binding_needs_a_fresh_sign_in_and_is_a_passkey_or_pin(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings)
    tokens = await sign_in(owner_conn, settings, account)
    await owner_conn.execute(
        "UPDATE sessions SET authenticated_at = now() - interval '6 minutes' WHERE account_id = $1",
        account.id,
    )
    stale = await client.post("/v1/auth/passkeys/registration/options", headers=bearer(tokens))
    assert_problem(stale, 401, "recent-sign-in-required")

    fresh = bearer(await sign_in(owner_conn, settings, account))
    totp = await client.post("/v1/auth/totp/setup", headers={**fresh, **EN})
    body = assert_problem(totp, 409, "passkey-or-pin-first")
    assert "passkey" in body["detail"]
    codes = await client.post("/v1/me/recovery-codes", headers=fresh)
    assert_problem(codes, 409, "passkey-or-pin-first")
    assert (
        await client.put("/v1/me/pin", json={"pin": GOOD_PIN}, headers=fresh)
    ).status_code == 204


async def test_an_enrollment_code_session_binds_one_authenticator(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, _, _ = await owner_with_passkey(client, owner_conn, settings)
    enrolled = bearer(await sign_in(owner_conn, settings, account, method="enrollment_code"))
    pin = await client.put("/v1/me/pin", json={"pin": GOOD_PIN}, headers=enrolled)
    assert pin.status_code == 204, pin.text
    allowed_by = await owner_conn.fetchval(
        "SELECT details->>'allowed_by' FROM audit_log WHERE action = 'auth.pin.set' "
        "AND subject = $1",
        f"account:{account.id}",
    )
    assert allowed_by == "enrollment_code"
    second = await client.post("/v1/auth/passkeys/registration/options", headers=enrolled)
    assert_problem(second, 401, "step-up-required")


async def test_the_last_way_to_reach_aal2_cannot_be_removed(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, owners_device, passkey_id = await owner_with_passkey(client, owner_conn, settings)
    owner = await passkey_sign_in(client, owners_device)
    # The phone of record still signs in by SMS, but nothing would reach aal 2 any more.
    last = await client.delete(f"/v1/me/passkeys/{passkey_id}", headers={**owner, **EN})
    body = assert_problem(last, 409, "last-authenticator")
    assert body["detail"]
    assert (
        await count(owner_conn, "SELECT count(*) FROM passkeys WHERE account_id = $1", account.id)
        == 1
    )

    # With a PIN as well (the PIN and an SMS code reach aal 2), the passkey may go.
    assert (
        await client.put("/v1/me/pin", json={"pin": GOOD_PIN}, headers=owner)
    ).status_code == 204
    removed = await client.delete(f"/v1/me/passkeys/{passkey_id}", headers=owner)
    assert removed.status_code == 204, removed.text
    topics = [
        row["topic"]
        for row in await owner_conn.fetch(
            "SELECT topic FROM notices WHERE person_id = $1 ORDER BY id", account.person_id
        )
    ]
    assert topics == [
        "authenticator_added:passkey",
        "authenticator_added:pin",
        "authenticator_removed:passkey",
    ]


async def test_a_payment_account_within_7_days_of_an_aal1_binding_waits_the_cooling_off_day(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, queue: ArqRedis
) -> None:
    # SMS only; a fresh SMS sign-in adds the first passkey, which signs in at aal 2.
    account = await make_account(owner_conn, settings)
    await laid_off(owner_conn, account.person_id)
    authenticator = device(settings)
    await registered(
        client, await sms_sign_in(client, owner_conn, settings, account), authenticator
    )
    owner = await passkey_sign_in(client, authenticator)
    tokens = Tokens(
        access_token=owner["Authorization"].removeprefix("Bearer "),
        refresh_token="",
        expires_in=900,
        aal=2,
    )
    bank = await verified_account(client, owner_conn, tokens)
    effective_from = datetime.fromisoformat(bank["effective_from"])
    assert effective_from > datetime.now(UTC) + timedelta(hours=23)
    queued = [
        job.args
        for job in await queue.queued_jobs(queue_name=INTERACTIVE_QUEUE)
        if job.function == "announce_bank_account_change"
    ]
    assert (bank["id"],) in queued
    refused = await apply(client, tokens, payload(bank["id"]))
    assert_problem(refused, 409, "bank-account-cooling-off")

    # A binding more than 7 days before the account was added does not hold it back.
    later = await make_account(owner_conn, settings)
    other_device = device(settings)
    await registered(client, await sms_sign_in(client, owner_conn, settings, later), other_device)
    await owner_conn.execute(
        "UPDATE authenticator_changes SET occurred_at = now() - interval '8 days' "
        "WHERE account_id = $1",
        later.id,
    )
    signed_in = await passkey_sign_in(client, other_device)
    later_tokens = Tokens(
        access_token=signed_in["Authorization"].removeprefix("Bearer "),
        refresh_token="",
        expires_in=900,
        aal=2,
    )
    usable = await verified_account(client, owner_conn, later_tokens)
    assert datetime.fromisoformat(usable["effective_from"]) <= datetime.now(UTC)
