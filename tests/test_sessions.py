"""Sessions: opaque tokens, refresh rotation, reuse detection, logout, revocation."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import REFRESH_RACE_GRACE, mark_deceased, token_hash
from foundation.settings import Settings
from tests.support.factories import bearer, make_account, sign_in


async def test_tokens_are_opaque_and_stored_hashed(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="강하늘")
    tokens = await sign_in(owner_conn, settings, account)
    assert tokens.access_token.startswith("hca_") and len(tokens.access_token) > 40
    row = await owner_conn.fetchrow(
        "SELECT access_token_hash FROM sessions WHERE account_id = $1", account.id
    )
    assert row is not None and bytes(row["access_token_hash"]) == token_hash(tokens.access_token)
    dump = " ".join(str(r) for r in await owner_conn.fetch("SELECT * FROM sessions"))
    assert tokens.access_token not in dump
    assert (await client.get("/v1/me", headers=bearer(tokens))).status_code == 200


async def test_missing_or_bad_token_is_401_problem(client: AsyncTestClient[Litestar]) -> None:
    missing = await client.get("/v1/me")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    bad = await client.get("/v1/me", headers={"Authorization": "Bearer hca_nope"})
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]


async def test_refresh_rotates_and_reuse_ends_the_session(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="문소리")
    first = await sign_in(owner_conn, settings, account)
    refreshed = await client.post(
        "/v1/auth/token/refresh", json={"refresh_token": first.refresh_token}
    )
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first.refresh_token
    assert second["access_token"] != first.access_token
    # The old access token is replaced; the new one works.
    assert (await client.get("/v1/me", headers=bearer(first))).status_code == 401
    new_auth = {"Authorization": f"Bearer {second['access_token']}"}
    assert (await client.get("/v1/me", headers=new_auth)).status_code == 200

    # Someone replays the first refresh token after the grace for a race: the family ends.
    await owner_conn.execute(
        "UPDATE refresh_tokens SET used_at = used_at - $2::interval WHERE token_hash = $1",
        token_hash(first.refresh_token),
        REFRESH_RACE_GRACE,
    )
    replay = await client.post(
        "/v1/auth/token/refresh", json={"refresh_token": first.refresh_token}
    )
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("/session-invalid")
    assert (await client.get("/v1/me", headers=new_auth)).status_code == 401
    after = await client.post(
        "/v1/auth/token/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert after.status_code == 401
    reason = await owner_conn.fetchval(
        "SELECT revoked_reason FROM sessions WHERE account_id = $1", account.id
    )
    assert reason == "refresh_token_reused"
    audited = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.session.refresh_reuse_detected' "
        "AND subject = $1",
        f"account:{account.id}",
    )
    assert audited == 1


async def test_two_refreshes_at_once_keep_the_session(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    """An app that refreshes from two screens at once is not taken for a thief."""
    account = await make_account(owner_conn, settings, name="문하린")
    first = await sign_in(owner_conn, settings, account)
    both = await asyncio.gather(
        *(
            client.post(
                "/v1/auth/token/refresh",
                json={"refresh_token": first.refresh_token},
                headers={"Accept-Language": language},
            )
            for language in ("ko", "en")
        )
    )
    assert sorted(a.status_code for a in both) == [200, 409]
    won = next(a for a in both if a.status_code == 200).json()
    lost = next(a for a in both if a.status_code == 409)
    assert lost.headers["content-type"] == "application/problem+json"
    assert lost.json()["type"].endswith("/refresh-already-used")
    assert lost.json()["title"] in ("로그인이 방금 연장됐어요", "This sign-in was just renewed")
    # The first refresh's tokens keep working: nothing was ended.
    auth = {"Authorization": f"Bearer {won['access_token']}"}
    assert (await client.get("/v1/me", headers=auth)).status_code == 200
    later = await client.post(
        "/v1/auth/token/refresh", json={"refresh_token": won["refresh_token"]}
    )
    assert later.status_code == 200, later.text
    revoked = await owner_conn.fetchval(
        "SELECT revoked_at FROM sessions WHERE account_id = $1", account.id
    )
    assert revoked is None


async def test_a_retired_token_whose_family_moved_on_ends_it_at_once(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    """The grace covers a race with the newest refresh only, not a token two rotations old."""
    account = await make_account(owner_conn, settings, name="문도윤")
    first = await sign_in(owner_conn, settings, account)
    second = await client.post(
        "/v1/auth/token/refresh", json={"refresh_token": first.refresh_token}
    )
    third = await client.post(
        "/v1/auth/token/refresh", json={"refresh_token": second.json()["refresh_token"]}
    )
    assert third.status_code == 200
    replay = await client.post(
        "/v1/auth/token/refresh",
        json={"refresh_token": first.refresh_token},
        headers={"Accept-Language": "en"},
    )
    assert replay.status_code == 401
    assert replay.json()["type"].endswith("/session-invalid")
    reason = await owner_conn.fetchval(
        "SELECT revoked_reason FROM sessions WHERE account_id = $1", account.id
    )
    assert reason == "refresh_token_reused"


async def test_sessions_list_revoke_logout_and_logout_all(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="배수지")
    phone = await sign_in(owner_conn, settings, account, channel="app")
    kiosk = await sign_in(owner_conn, settings, account, channel="kiosk", aal=2, method="card+pin")
    tablet = await sign_in(owner_conn, settings, account, channel="app")
    listed = (await client.get("/v1/me/sessions", headers=bearer(phone))).json()["sessions"]
    assert len(listed) == 3
    assert sum(1 for s in listed if s["current"]) == 1
    assert {s["channel"] for s in listed} == {"app", "kiosk"}

    kiosk_id = next(s["id"] for s in listed if s["channel"] == "kiosk")
    assert (
        await client.delete(f"/v1/me/sessions/{kiosk_id}", headers=bearer(phone))
    ).status_code == 204
    assert (await client.get("/v1/me", headers=bearer(kiosk))).status_code == 401

    other = await make_account(owner_conn, settings, name="다른사람")
    other_tokens = await sign_in(owner_conn, settings, other)
    foreign = await client.delete(f"/v1/me/sessions/{kiosk_id}", headers=bearer(other_tokens))
    assert foreign.status_code == 404

    assert (await client.post("/v1/auth/logout", headers=bearer(tablet))).status_code == 204
    assert (await client.get("/v1/me", headers=bearer(tablet))).status_code == 401
    assert (await client.post("/v1/auth/logout-all", headers=bearer(phone))).status_code == 204
    assert (await client.get("/v1/me", headers=bearer(phone))).status_code == 401
    assert (await client.get("/v1/me", headers=bearer(other_tokens))).status_code == 200


async def test_a_death_in_the_registry_ends_sessions(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="고인")
    tokens = await sign_in(owner_conn, settings, account)
    assert (await client.get("/v1/me", headers=bearer(tokens))).status_code == 200
    await mark_deceased(owner_conn, account.person_id, date(2026, 11, 20))
    assert (await client.get("/v1/me", headers=bearer(tokens))).status_code == 401
    refresh = await client.post(
        "/v1/auth/token/refresh", json={"refresh_token": tokens.refresh_token}
    )
    assert refresh.status_code == 401


async def test_me_shows_the_account_without_sensitive_fields(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings, name="임윤아", phone_e164="+821055551234")
    tokens = await sign_in(owner_conn, settings, account)
    body = (await client.get("/v1/me", headers=bearer(tokens))).json()
    assert body["phone"] == "+8210****1234"
    assert body["authenticators"] == {
        "passkeys": 0,
        "totp": False,
        "pin": False,
        "sms": True,
        "recovery_codes_left": 0,
    }
    assert body["aal"] == 1
