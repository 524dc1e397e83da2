"""Passkeys: real WebAuthn ceremonies through the HTTP API, with a software authenticator."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account, user_handle
from foundation.settings import Settings, load_settings
from server.app import create_app
from tests.support.environment import environment_for_tests
from tests.support.factories import (
    bearer,
    last_audit_details,
    make_account,
    newest_session_id,
    sign_in,
)
from tests.support.passkeys import (
    authentication_options,
    device,
    register,
    registered,
    sign_in_with,
)
from tests.support.webauthn_authenticator import (
    CredentialExcluded,
    b64url,
    from_b64url,
)

PROBLEM_JSON = "application/problem+json"
PROBLEMS = "https://hanchang.moel.go.kr/problems/"
Client = AsyncTestClient[Litestar]


@pytest.fixture(autouse=True)
async def fresh_limits(settings: Settings) -> AsyncIterator[None]:
    """Each test starts with no rate-limit windows (they live in this worker's Redis db)."""
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    yield


def auth_header(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def new_account(
    owner_conn: asyncpg.Connection, settings: Settings, **person: Any
) -> tuple[Account, dict[str, str]]:
    """An account, signed in at aal 2 (as with a passkey on another device): once it has a
    passkey, adding or removing one needs aal 2 (tests/test_authenticator_binding.py)."""
    account = await make_account(owner_conn, settings, **person)
    return account, bearer(await sign_in(owner_conn, settings, account, aal=2, method="passkey"))


def assert_sign_in_refused(status: int, body: dict[str, Any]) -> None:
    assert status == 401, body
    assert body["type"] == PROBLEMS + "sign-in-failed"


async def one_row(conn: asyncpg.Connection, query: str, *args: Any) -> dict[str, Any]:
    row = await conn.fetchrow(query, *args)
    assert row is not None, query
    return dict(row)


async def failures(owner_conn: asyncpg.Connection, account: Account) -> int:
    """Refused answers audited for the account (they count towards no lock)."""
    count: int = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE subject = $1 AND action = 'auth.sign_in.failed'",
        f"account:{account.id}",
    )
    return count


async def counted(owner_conn: asyncpg.Connection, account: Account) -> int:
    """The account's count towards its lock: only wrong PINs after proven possession."""
    count: int = await owner_conn.fetchval(
        "SELECT consecutive_failures FROM accounts WHERE id = $1", account.id
    )
    return count


async def test_register_then_sign_in_at_aal2(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, headers = await new_account(owner_conn, settings, name="박지우")
    authenticator = device(settings)
    result = await register(client, headers, authenticator)
    assert result["status"] == 201, result["body"]
    passkey = result["body"]
    assert {"id", "name", "created_at", "backed_up"} <= set(passkey)
    assert passkey["backed_up"] is False
    assert passkey["name"]

    options = result["options"]
    assert options["rp"]["id"] == settings.auth.rp_id
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert options["excludeCredentials"] == []
    # The user handle is opaque and stable; the user name is recognisable, not identifying.
    assert account.phone_e164 is not None
    assert options["user"]["name"] == "박*우 ·" + account.phone_e164[-4:]
    assert options["user"]["displayName"] == "박지우"
    handle = from_b64url(options["user"]["id"])
    # Opaque: not the account id in any plain form. (Not "no digit of the id in it":
    # 32 random bytes hold a byte like b"1" about one time in eight.)
    assert len(handle) == 32
    assert handle != account.id.to_bytes(8, "big") and handle != str(account.id).encode()
    assert handle == user_handle(settings.auth, account.id)

    status, tokens = await sign_in_with(client, authenticator)
    assert status == 200, tokens
    assert tokens["aal"] == 2 and tokens["token_type"] == "Bearer"
    assert tokens["suggest"] == []
    me = await client.get("/v1/me", headers=auth_header(tokens))
    assert me.status_code == 200
    assert me.json()["account_id"] == account.id
    assert me.json()["aal"] == 2
    assert me.json()["authenticators"]["passkeys"] == 1

    row = await one_row(
        owner_conn,
        "SELECT sign_count, last_used_at, aaguid FROM passkeys WHERE id = $1",
        passkey["id"],
    )
    assert row["sign_count"] == 1 and row["last_used_at"] is not None
    assert row["aaguid"] == str(uuid.UUID(bytes=authenticator.aaguid))
    session = await one_row(
        owner_conn,
        "SELECT aal, method, channel FROM sessions WHERE account_id = $1 AND method = 'passkey'",
        account.id,
    )
    assert session == {"aal": 2, "method": "passkey", "channel": "app"}
    audit = [
        (r["action"], r["details"])
        for r in await owner_conn.fetch(
            "SELECT action, details::text AS details FROM audit_log WHERE subject = $1 ORDER BY id",
            f"account:{account.id}",
        )
    ]
    actions = [action for action, _ in audit]
    assert "auth.passkey.added" in actions
    assert actions[-1] == "auth.sign_in.succeeded"
    assert msgspec.json.decode(audit[-1][1]) == {
        "method": "passkey",
        "session": await newest_session_id(owner_conn, account.id),
        "address": "testclient",
    }
    # The public key and credential id never reach the audit log.
    assert all(
        passkey_secret not in details
        for _, details in audit
        for passkey_secret in (
            options["challenge"],
            authenticator.credentials[0].credential_id.hex(),
        )
    )


async def test_several_passkeys_per_account_and_the_list(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, headers = await new_account(owner_conn, settings, name="최유나")
    phone = device(
        settings, backup_eligible=True, backed_up=True, transports=("internal", "hybrid")
    )
    laptop = device(settings, transports=("usb",), attachment="cross-platform")
    first = await registered(client, headers, phone, name="  내 휴대폰 ")
    assert first["name"] == "내 휴대폰"
    assert first["backed_up"] is True and first["device_type"] == "multi_device"

    # The options exclude the account's passkeys: the phone refuses a second one.
    started = await client.post("/v1/auth/passkeys/registration/options", headers=headers)
    excluded = started.json()["options"]["excludeCredentials"]
    assert [c["id"] for c in excluded] == [b64url(phone.credentials[0].credential_id)]
    assert excluded[0]["transports"] == ["internal", "hybrid"]
    with pytest.raises(CredentialExcluded):
        phone.create(started.json()["options"])

    second = await registered(client, {**headers, "Accept-Language": "en"}, laptop)
    assert second["name"] == "Passkey 2"
    assert second["backed_up"] is False and second["device_type"] == "single_device"

    listing = await client.get("/v1/me/passkeys", headers=headers)
    assert listing.status_code == 200
    passkeys = listing.json()["passkeys"]
    assert [p["id"] for p in passkeys] == [first["id"], second["id"]]
    assert passkeys[0]["transports"] == ["internal", "hybrid"]
    assert passkeys[1]["transports"] == ["usb"]
    assert all("public_key" not in p and "credential_id" not in p for p in passkeys)

    # Each device signs in to the same account.
    for authenticator in (phone, laptop):
        status, tokens = await sign_in_with(client, authenticator)
        assert status == 200 and tokens["aal"] == 2


async def test_backup_state_is_recorded_at_each_sign_in(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, headers = await new_account(owner_conn, settings)
    synced = device(settings, backup_eligible=True, backed_up=False)
    passkey = await registered(client, headers, synced)
    assert passkey["backed_up"] is False
    synced.backed_up = True
    # Synced passkeys report a counter of 0 every time: not a regression.
    status, _ = await sign_in_with(client, synced, sign_count=0)
    assert status == 200
    status, _ = await sign_in_with(client, synced, sign_count=0)
    assert status == 200
    row = await one_row(
        owner_conn,
        "SELECT backed_up, sign_count, sign_count_regressions FROM passkeys WHERE id = $1",
        passkey["id"],
    )
    assert row == {"backed_up": True, "sign_count": 0, "sign_count_regressions": 0}


async def test_rename_and_delete(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, headers = await new_account(owner_conn, settings)
    passkey = await registered(client, headers, device(settings))
    renamed = await client.patch(
        f"/v1/me/passkeys/{passkey['id']}", json={"name": "회사 노트북"}, headers=headers
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "회사 노트북"

    for bad in ("", "   ", "x" * 61, "a\nb"):
        refused = await client.patch(
            f"/v1/me/passkeys/{passkey['id']}", json={"name": bad}, headers=headers
        )
        assert refused.status_code == 400, bad
        assert refused.headers["content-type"] == PROBLEM_JSON
        assert refused.json()["errors"][0]["field"] == "body.name"

    # Another account's passkey is not found, for renaming and for deleting.
    _, stranger = await new_account(owner_conn, settings)
    assert (
        await client.patch(f"/v1/me/passkeys/{passkey['id']}", json={"name": "x"}, headers=stranger)
    ).status_code == 404
    assert (
        await client.delete(f"/v1/me/passkeys/{passkey['id']}", headers=stranger)
    ).status_code == 404

    # With a PIN as well as the phone of record (the PIN and an SMS code reach aal 2), the
    # only passkey can go.
    assert (
        await client.put("/v1/me/pin", json={"pin": "306817"}, headers=headers)
    ).status_code == 204
    deleted = await client.delete(f"/v1/me/passkeys/{passkey['id']}", headers=headers)
    assert deleted.status_code == 204
    assert (await client.get("/v1/me/passkeys", headers=headers)).json() == {"passkeys": []}
    assert (
        await client.delete(f"/v1/me/passkeys/{passkey['id']}", headers=headers)
    ).status_code == 404
    actions = [
        r["action"]
        for r in await owner_conn.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 AND action LIKE 'auth.passkey.%' "
            "ORDER BY id",
            f"account:{account.id}",
        )
    ]
    assert actions == ["auth.passkey.added", "auth.passkey.renamed", "auth.passkey.deleted"]


async def test_the_last_authenticator_cannot_be_deleted(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, headers = await new_account(owner_conn, settings, phone_e164=None)
    first = await registered(client, headers, device(settings))
    second = await registered(client, headers, device(settings))
    assert (
        await client.delete(f"/v1/me/passkeys/{first['id']}", headers=headers)
    ).status_code == 204
    refused = await client.delete(f"/v1/me/passkeys/{second['id']}", headers=headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.json()["type"] == PROBLEMS + "last-authenticator"
    assert (
        await owner_conn.fetchval("SELECT count(*) FROM passkeys WHERE account_id = $1", account.id)
        == 1
    )

    # An authenticator app does not change that: it signs in from the phone number, which
    # this account has none of, and with no PIN nothing would reach aal 2.
    await owner_conn.execute(
        "UPDATE accounts SET totp_confirmed_at = now() WHERE id = $1", account.id
    )
    assert (
        await client.delete(f"/v1/me/passkeys/{second['id']}", headers=headers)
    ).status_code == 409


async def test_tampered_signature_wrong_origin_and_no_user_verification_are_refused(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, headers = await new_account(owner_conn, settings)
    authenticator = device(settings)
    await registered(client, headers, authenticator)
    sessions = "SELECT count(*) FROM sessions WHERE account_id = $1"
    sessions_before = await owner_conn.fetchval(sessions, account.id)

    assert_sign_in_refused(*await sign_in_with(client, authenticator, tamper_signature=True))
    assert_sign_in_refused(
        *await sign_in_with(client, authenticator, origin="https://hanchang.example.com")
    )
    assert_sign_in_refused(*await sign_in_with(client, authenticator, user_verified=False))
    # Each refusal was audited, and kept although the answer is an error; none counts
    # towards a lock (anyone who learnt the credential id can send one).
    assert await failures(owner_conn, account) == 3
    assert await counted(owner_conn, account) == 0
    failed_row = await last_audit_details(
        owner_conn, "auth.sign_in.failed", f"account:{account.id}"
    )
    assert failed_row["address"] == "testclient"
    assert await owner_conn.fetchval(sessions, account.id) == sessions_before

    # The genuine device still signs in.
    status, _ = await sign_in_with(client, authenticator)
    assert status == 200


async def test_origins_that_only_look_like_ours_are_refused(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    redis_url: str,
) -> None:
    """The origin is compared whole (scheme, host, port): a host or port that merely starts
    like ours is another site. An origin listed in HANCHANG_WEBAUTHN_ORIGINS signs in."""
    account, headers = await new_account(owner_conn, settings)
    authenticator = device(settings)
    await registered(client, headers, authenticator)
    public = settings.http.public_url
    assert public == "http://localhost:8000"
    for origin in (
        "http://localhost.evil.com",
        public + ".evil.com",
        public + "0",
        "http://localhost",
        "https://localhost:8000",
        public + "/",
    ):
        assert_sign_in_refused(*await sign_in_with(client, authenticator, origin=origin))
    assert await failures(owner_conn, account) == 6

    listed = load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            settings.data_dir,
            HANCHANG_WEBAUTHN_ORIGINS="http://localhost:3000",
        )
    )
    async with AsyncTestClient(app=create_app(listed)) as other_client:
        status, _ = await sign_in_with(other_client, authenticator, origin="http://localhost:3000")
        assert status == 200
        assert_sign_in_refused(
            *await sign_in_with(other_client, authenticator, origin="http://localhost:3000.evil")
        )


async def test_a_user_handle_of_another_account_is_refused(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, headers = await new_account(owner_conn, settings)
    other, _ = await new_account(owner_conn, settings)
    authenticator = device(settings)
    await registered(client, headers, authenticator)
    started = await authentication_options(client)
    credential = authenticator.get(started["options"])
    # The user handle is not signed: a changed one keeps the signature valid.
    credential["response"]["userHandle"] = b64url(user_handle(settings.auth, other.id))
    refused = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        json={"challenge_id": started["challenge_id"], "credential": credential},
    )
    assert_sign_in_refused(refused.status_code, refused.json())
    assert await failures(owner_conn, account) == 1
    assert await failures(owner_conn, other) == 0


async def test_passkeys_still_sign_in_after_the_data_key_rotates(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, headers = await new_account(owner_conn, settings)
    authenticator = device(settings)
    await registered(client, headers, authenticator)
    old = settings.auth.current_data_key
    rotated = msgspec.structs.replace(
        settings,
        auth=msgspec.structs.replace(
            settings.auth,
            data_keys={**settings.auth.data_keys, old + 1: bytes(range(32))},
            current_data_key=old + 1,
        ),
    )
    async with AsyncTestClient(app=create_app(rotated)) as rotated_client:
        status, tokens = await sign_in_with(rotated_client, authenticator)
    assert status == 200, tokens
    assert tokens["aal"] == 2


async def test_wrong_and_replayed_challenges_are_refused(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, headers = await new_account(owner_conn, settings)
    authenticator = device(settings)
    await registered(client, headers, authenticator)

    # Answered for one challenge, sent with another's id.
    first = await authentication_options(client)
    second = await authentication_options(client)
    credential = authenticator.get(first["options"])
    wrong = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        json={"challenge_id": second["challenge_id"], "credential": credential},
    )
    assert_sign_in_refused(wrong.status_code, wrong.json())

    # A challenge id nobody issued.
    made_up = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        json={"challenge_id": str(uuid.uuid4()), "credential": authenticator.get(first["options"])},
    )
    assert_sign_in_refused(made_up.status_code, made_up.json())

    # The same answer twice: the first signs in, the replay finds no challenge.
    started = await authentication_options(client)
    body = {
        "challenge_id": started["challenge_id"],
        "credential": authenticator.get(started["options"]),
    }
    assert (
        await client.post("/v1/auth/passkeys/authentication/verify", json=body)
    ).status_code == 200
    replay = await client.post("/v1/auth/passkeys/authentication/verify", json=body)
    assert_sign_in_refused(replay.status_code, replay.json())

    # A registration challenge does not sign in.
    registration = await client.post("/v1/auth/passkeys/registration/options", headers=headers)
    crossed = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        json={
            "challenge_id": registration.json()["challenge_id"],
            "credential": authenticator.get(
                {
                    "rpId": settings.auth.rp_id,
                    "challenge": registration.json()["options"]["challenge"],
                }
            ),
        },
    )
    assert_sign_in_refused(crossed.status_code, crossed.json())

    # An unknown credential.
    stranger = device(settings)
    stranger_options = await client.post("/v1/auth/passkeys/registration/options", headers=headers)
    stranger.create(stranger_options.json()["options"])
    assert_sign_in_refused(*await sign_in_with(client, stranger))


async def test_challenges_are_single_use_and_short_lived_in_redis(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    started = await authentication_options(client)
    redis = Redis.from_url(settings.redis.url)
    try:
        key = f"webauthn:{started['challenge_id']}"
        ttl = await redis.ttl(key)
        assert 290 <= ttl <= 300
        assert started["options"]["allowCredentials"] == []
        assert started["options"]["userVerification"] == "required"
        assert started["options"]["rpId"] == settings.auth.rp_id
        # Expired: gone from Redis, so any answer is refused.
        await redis.delete(key)
    finally:
        await redis.aclose()
    _, headers = await new_account(owner_conn, settings)
    authenticator = device(settings)
    await registered(client, headers, authenticator)
    expired = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        json={
            "challenge_id": started["challenge_id"],
            "credential": authenticator.get(started["options"]),
        },
    )
    assert_sign_in_refused(expired.status_code, expired.json())


async def test_sign_count_regression_is_refused_recorded_and_committed(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, headers = await new_account(owner_conn, settings)
    authenticator = device(settings, transports=("usb",), attachment="cross-platform")
    passkey = await registered(client, headers, authenticator)
    for _ in range(3):
        status, _tokens = await sign_in_with(client, authenticator)
        assert status == 200
    # A clone of the key, taken when its counter was at 2.
    assert_sign_in_refused(*await sign_in_with(client, authenticator, sign_count=2))
    assert_sign_in_refused(*await sign_in_with(client, authenticator, sign_count=3))
    row = await one_row(
        owner_conn,
        "SELECT sign_count, sign_count_regressions FROM passkeys WHERE id = $1",
        passkey["id"],
    )
    assert row == {"sign_count": 3, "sign_count_regressions": 2}
    assert await failures(owner_conn, account) == 2
    regressions = await owner_conn.fetch(
        "SELECT details FROM audit_log WHERE subject = $1 "
        "AND action = 'auth.passkey.sign_count_regression' ORDER BY id",
        f"account:{account.id}",
    )
    assert len(regressions) == 2
    # A forged assertion with a low counter is a bad signature, not a clone alarm.
    assert_sign_in_refused(
        *await sign_in_with(client, authenticator, sign_count=1, tamper_signature=True)
    )
    assert (
        await owner_conn.fetchval(
            "SELECT sign_count_regressions FROM passkeys WHERE id = $1", passkey["id"]
        )
        == 2
    )
    # The genuine key goes on.
    status, _tokens = await sign_in_with(client, authenticator)
    assert status == 200


async def test_refused_answers_lock_nothing_and_a_lock_is_told_only_to_a_true_passkey(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, headers = await new_account(owner_conn, settings)
    authenticator = device(settings)
    await registered(client, headers, authenticator)
    for attempt in range(1, 13):
        status, body = await sign_in_with(client, authenticator, tamper_signature=True)
        assert_sign_in_refused(status, body)
        assert await failures(owner_conn, account) == attempt
    assert await counted(owner_conn, account) == 0
    status, _ = await sign_in_with(client, authenticator)
    assert status == 200

    # Locked until a counter visit (by wrong PINs after proven possession): a forged
    # answer still learns nothing; the genuine passkey is told, in a problem.
    await owner_conn.execute(
        "UPDATE accounts SET consecutive_failures = 100, hard_locked_at = now() WHERE id = $1",
        account.id,
    )
    assert_sign_in_refused(*await sign_in_with(client, authenticator, tamper_signature=True))
    started = await authentication_options(client)
    locked = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        json={
            "challenge_id": started["challenge_id"],
            "credential": authenticator.get(started["options"]),
        },
    )
    assert locked.status_code == 423
    assert locked.headers["content-type"] == PROBLEM_JSON
    assert locked.json()["type"] == PROBLEMS + "account-locked-counter"


async def test_registration_needs_a_signed_in_account(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    for path in ("/v1/auth/passkeys/registration/options", "/v1/auth/passkeys/registration/verify"):
        answer = await client.post(path, json={})
        assert answer.status_code == 401, path
        assert answer.headers["content-type"] == PROBLEM_JSON
        assert answer.json()["type"] == PROBLEMS + "unauthorized"
    for method, path in (("GET", "/v1/me/passkeys"), ("DELETE", "/v1/me/passkeys/1")):
        answer = await client.request(method, path)
        assert answer.status_code == 401

    # A registration challenge belongs to the account that asked for it.
    _, mine = await new_account(owner_conn, settings)
    _, theirs = await new_account(owner_conn, settings)
    started = await client.post("/v1/auth/passkeys/registration/options", headers=mine)
    credential = device(settings).create(started.json()["options"])
    stolen = await client.post(
        "/v1/auth/passkeys/registration/verify",
        json={"challenge_id": started.json()["challenge_id"], "credential": credential},
        headers=theirs,
    )
    assert stolen.status_code == 400
    assert stolen.json()["type"] == PROBLEMS + "passkey-not-added"


async def test_bad_registrations_are_refused_and_nothing_is_kept(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, headers = await new_account(owner_conn, settings)
    for options in (
        {"user_verified": False},
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
    ):
        result = await register(client, headers, device(settings), **options)
        assert result["status"] == 400, options
        assert result["body"]["type"] == PROBLEMS + "passkey-not-added"

    # The same answer twice: the challenge is gone the second time.
    authenticator = device(settings)
    started = await client.post("/v1/auth/passkeys/registration/options", headers=headers)
    body = {
        "challenge_id": started.json()["challenge_id"],
        "credential": authenticator.create(started.json()["options"]),
    }
    first = await client.post("/v1/auth/passkeys/registration/verify", json=body, headers=headers)
    assert first.status_code == 201
    again = await client.post("/v1/auth/passkeys/registration/verify", json=body, headers=headers)
    assert again.status_code == 400
    assert (
        await owner_conn.fetchval("SELECT count(*) FROM passkeys WHERE account_id = $1", account.id)
        == 1
    )

    # A credential id already registered (to any account) is not registered again.
    _, other = await new_account(owner_conn, settings)
    started = await client.post("/v1/auth/passkeys/registration/options", headers=other)
    duplicate = await client.post(
        "/v1/auth/passkeys/registration/verify",
        json={
            "challenge_id": started.json()["challenge_id"],
            "credential": device(settings).create(
                started.json()["options"], credential_id=authenticator.credentials[0].credential_id
            ),
        },
        headers=other,
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["type"] == PROBLEMS + "passkey-already-registered"
    assert (
        await owner_conn.fetchval("SELECT count(*) FROM passkeys WHERE account_id = $1", account.id)
        == 1
    )


async def test_validation_errors_are_problems_listing_fields(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    missing = await client.post("/v1/auth/passkeys/authentication/verify", json={})
    assert missing.status_code == 400
    assert missing.headers["content-type"] == PROBLEM_JSON
    body = missing.json()
    assert body["type"] == PROBLEMS + "validation-error"
    assert body["errors"][0]["field"] == "body.challenge_id"

    no_credential = await client.post(
        "/v1/auth/passkeys/authentication/verify", json={"challenge_id": str(uuid.uuid4())}
    )
    assert no_credential.json()["errors"][0]["field"] == "body.credential"

    bad_id = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        json={"challenge_id": "not-a-uuid", "credential": {}},
    )
    assert bad_id.status_code == 400
    assert bad_id.json()["errors"][0]["field"].startswith("body.")

    shapeless = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        json={
            "challenge_id": str(uuid.uuid4()),
            "credential": {"id": "abc", "rawId": "abc", "type": "public-key", "response": {}},
        },
    )
    assert shapeless.status_code == 400
    assert shapeless.json()["type"] == PROBLEMS + "validation-error"
    assert shapeless.json()["errors"]

    _, headers = await new_account(owner_conn, settings)
    english = await client.post(
        "/v1/auth/passkeys/registration/verify",
        json={"challenge_id": str(uuid.uuid4()), "credential": "nope"},
        headers={**headers, "Accept-Language": "en"},
    )
    assert english.status_code == 400
    assert english.json()["title"] == "Some fields need checking"
    assert english.json()["errors"][0]["field"] == "body.credential"

    not_json = await client.post(
        "/v1/auth/passkeys/authentication/verify",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert not_json.status_code == 400
    assert not_json.headers["content-type"] == PROBLEM_JSON


async def test_anonymous_verify_is_rate_limited_per_address(client: Client) -> None:
    body = {
        "challenge_id": str(uuid.uuid4()),
        "credential": {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
        },
    }
    statuses = [
        (await client.post("/v1/auth/passkeys/authentication/verify", json=body)).status_code
        for _ in range(61)
    ]
    assert statuses[:60] == [401] * 60
    assert statuses[60] == 429
    limited = await client.post("/v1/auth/passkeys/authentication/verify", json=body)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["content-type"] == PROBLEM_JSON


async def test_the_openapi_document_describes_the_passkey_calls(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    for path, method in (
        ("/v1/auth/passkeys/registration/options", "post"),
        ("/v1/auth/passkeys/registration/verify", "post"),
        ("/v1/auth/passkeys/authentication/options", "post"),
        ("/v1/auth/passkeys/authentication/verify", "post"),
        ("/v1/me/passkeys", "get"),
        ("/v1/me/passkeys/{passkey_id}", "patch"),
        ("/v1/me/passkeys/{passkey_id}", "delete"),
    ):
        operation = paths[path][method]
        assert operation["tags"] == ["passkeys"]
        problems = [
            code
            for code, response in operation["responses"].items()
            if "application/problem+json" in response.get("content", {})
        ]
        assert problems, (path, method)
    assert "201" in paths["/v1/auth/passkeys/registration/verify"]["post"]["responses"]
    assert "/dev/passkeys" not in paths


async def test_the_development_page_is_not_served_in_production(
    client: Client, settings: Settings
) -> None:
    page = await client.get("/dev/passkeys")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "navigator.credentials.create" in page.text

    production = msgspec.structs.replace(settings, env="production")
    async with AsyncTestClient(app=create_app(production)) as prod_client:
        hidden = await prod_client.get("/dev/passkeys", headers={"Accept-Language": "en"})
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("text/html")
    assert "Not found" in hidden.text and "navigator" not in hidden.text
