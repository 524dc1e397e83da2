"""Recovery codes: shown once, stored as keyed hashes, each works once, regenerate replaces."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account
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
from tests.support.problems import comparable

FORMAT = re.compile(r"\d{4}-\d{4}-\d{4}-\d{4}")


@pytest.fixture(autouse=True)
async def fresh_limits(settings: Settings) -> AsyncIterator[None]:
    """Each test starts with no rate-limit windows (they live in this worker's Redis db)."""
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    yield


async def make_codes(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    account: Account,
) -> list[str]:
    aal2 = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    answer = await client.post("/v1/me/recovery-codes", headers=bearer(aal2))
    assert answer.status_code == 201, answer.text
    codes: list[str] = answer.json()["recovery_codes"]
    return codes


async def codes_left(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    account: Account,
) -> int:
    tokens = await sign_in(owner_conn, settings, account)
    me = await client.get("/v1/me", headers=bearer(tokens))
    left: int = me.json()["authenticators"]["recovery_codes_left"]
    return left


async def test_ten_codes_shown_once_and_stored_hashed(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="권나래")
    codes = await make_codes(client, owner_conn, settings, account)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(FORMAT.fullmatch(code) for code in codes)
    assert await codes_left(client, owner_conn, settings, account) == 10
    rows = await owner_conn.fetch(
        "SELECT code_hash, used_at FROM recovery_codes WHERE account_id = $1", account.id
    )
    assert len(rows) == 10 and all(r["used_at"] is None for r in rows)
    stored = b"".join(bytes(r["code_hash"]) for r in rows)
    for code in codes:
        assert code.encode() not in stored and code.replace("-", "").encode() not in stored
    assert all(len(bytes(r["code_hash"])) == 32 for r in rows)
    audit = await owner_conn.fetchval(
        "SELECT details::text FROM audit_log WHERE action = 'auth.recovery_codes.generated' "
        "AND subject = $1",
        f"account:{account.id}",
    )
    assert audit is not None and not any(code[:4] + code[5:9] in audit for code in codes)


async def test_each_code_signs_in_once(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="권도현")
    codes = await make_codes(client, owner_conn, settings, account)
    first = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": codes[0],
        },
    )
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert tokens["aal"] == 1 and tokens["suggest"] == ["passkey"]
    method = await owner_conn.fetchval(
        "SELECT method FROM sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1",
        account.id,
    )
    assert method == "recovery_code"
    assert await last_audit_details(
        owner_conn, "auth.sign_in.succeeded", f"account:{account.id}"
    ) == {
        "method": "recovery_code",
        "session": await newest_session_id(owner_conn, account.id),
        "address": "testclient",
    }
    again = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": codes[0],
        },
    )
    assert again.status_code == 401
    assert again.json()["type"].endswith("/sign-in-failed")
    # Typed without hyphens, or with spaces: the same code.
    plain = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": codes[1].replace("-", ""),
        },
    )
    assert plain.status_code == 200
    spaced = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": codes[2].replace("-", " "),
        },
    )
    assert spaced.status_code == 200
    assert await codes_left(client, owner_conn, settings, account) == 7
    actions = [
        r["action"]
        for r in await owner_conn.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"account:{account.id}"
        )
    ]
    assert actions.count("auth.recovery_codes.used") == 3
    # Running low: the app is told to offer a new set.
    for code in codes[3:8]:
        used = await client.post(
            "/v1/auth/recovery-codes/verify",
            json={
                "phone": account.phone_e164,
                "birth_date": account.birth_date.isoformat(),
                "code": code,
            },
        )
        assert used.status_code == 200
    assert used.json()["suggest"] == ["passkey", "recovery_codes"]


async def test_regenerate_needs_aal2_and_replaces_the_old_set(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="문가영")
    old = await make_codes(client, owner_conn, settings, account)
    aal1 = await sign_in(owner_conn, settings, account)
    # With neither a passkey nor a PIN, nothing reaches aal 2: add one of those first.
    first = await client.post("/v1/me/recovery-codes", headers=bearer(aal1))
    assert first.status_code == 409
    assert first.json()["type"].endswith("/passkey-or-pin-first")
    # With a PIN (set at a counter, say), new codes need aal 2.
    await owner_conn.execute(
        "UPDATE accounts SET pin_hash = 'k1$set-at-the-counter' WHERE id = $1", account.id
    )
    refused = await client.post("/v1/me/recovery-codes", headers=bearer(aal1))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/step-up-required")
    assert "insufficient_user_authentication" in refused.headers["www-authenticate"]
    assert (await client.post("/v1/me/recovery-codes")).status_code == 401

    new = await make_codes(client, owner_conn, settings, account)
    assert not set(new) & set(old)
    stale = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": old[5],
        },
    )
    assert stale.status_code == 401
    fresh = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": new[5],
        },
    )
    assert fresh.status_code == 200
    count = await owner_conn.fetchval(
        "SELECT count(*) FROM recovery_codes WHERE account_id = $1", account.id
    )
    assert count == 10


async def test_unknown_number_no_codes_and_wrong_code_answer_alike(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    with_codes = await make_account(owner_conn, settings, name="유재석")
    codes = await make_codes(client, owner_conn, settings, with_codes)
    without_codes = await make_account(owner_conn, settings, name="유재하")
    guess = "1234-5678-9012-3456"
    assert guess not in codes
    answers = [
        await client.post(
            "/v1/auth/recovery-codes/verify",
            json={"phone": phone, "birth_date": "1990-05-17", "code": guess},
            headers={"Accept-Language": "en"},
        )
        for phone in (with_codes.phone_e164, without_codes.phone_e164, "010-9876-0002")
    ]
    assert [a.status_code for a in answers] == [401, 401, 401]
    bodies = [comparable(a) for a in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    assert answers[0].headers.keys() == answers[1].headers.keys() == answers[2].headers.keys()
    # Another account's code does not open this one.
    crossed = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": without_codes.phone_e164,
            "birth_date": without_codes.birth_date.isoformat(),
            "code": codes[0],
        },
    )
    assert crossed.status_code == 401


async def test_wrong_codes_lock_nothing_and_are_audited(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="송지효")
    codes = await make_codes(client, owner_conn, settings, account)
    for attempt in range(12):
        refused = await client.post(
            "/v1/auth/recovery-codes/verify",
            json={
                "phone": account.phone_e164,
                "birth_date": account.birth_date.isoformat(),
                "code": f"0000-0000-0000-{attempt:04d}",
            },
        )
        assert refused.status_code == 401
    # Anyone who knows the number can send wrong codes: they lock nothing.
    right = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": account.phone_e164,
            "birth_date": account.birth_date.isoformat(),
            "code": codes[0],
        },
    )
    assert right.status_code == 200, right.text
    counted = await owner_conn.fetchval(
        "SELECT consecutive_failures FROM accounts WHERE id = $1", account.id
    )
    assert counted == 0
    actions = [
        r["action"]
        for r in await owner_conn.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"account:{account.id}"
        )
    ]
    assert actions.count("auth.sign_in.failed") == 12


async def test_bad_input_is_a_clear_problem(client: AsyncTestClient[Litestar]) -> None:
    letters = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={
            "phone": "010-1234-5678",
            "birth_date": "1990-05-17",
            "code": "abcd-efgh-ijkl-mnop",
        },
        headers={"Accept-Language": "en"},
    )
    assert letters.status_code == 400
    assert letters.headers["content-type"] == "application/problem+json"
    assert letters.json()["errors"] == [
        {
            "field": "body.code",
            "detail": "Enter the 16-digit recovery code, like 1234-5678-9012-3456.",
        }
    ]
    short = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={"phone": "010-1234-5678", "birth_date": "1990-05-17", "code": "1234"},
    )
    assert short.status_code == 400
    assert [e["field"] for e in short.json()["errors"]] == ["body.code"]
    bad_phone = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={"phone": "12", "birth_date": "1990-05-17", "code": "1234-5678-9012-3456"},
    )
    assert bad_phone.status_code == 400
    assert [e["field"] for e in bad_phone.json()["errors"]] == ["body.phone"]
    missing = await client.post(
        "/v1/auth/recovery-codes/verify",
        json={"phone": "010-1234-5678", "birth_date": "1990-05-17"},
    )
    assert missing.status_code == 400
    assert [e["field"] for e in missing.json()["errors"]] == ["body.code"]


async def test_codes_survive_a_data_key_rotation(
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    account = await make_account(owner_conn, settings, name="노을빛")
    codes = await make_codes(client, owner_conn, settings, account)
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
        answer = await after_rotation.post(
            "/v1/auth/recovery-codes/verify",
            json={
                "phone": account.phone_e164,
                "birth_date": account.birth_date.isoformat(),
                "code": codes[0],
            },
        )
        assert answer.status_code == 200, answer.text
