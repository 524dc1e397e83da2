"""Card sign-in through the kiosk channel: card + PIN in a signed form post opens a
session bound to the kiosk (cookie under /kiosk, HttpOnly, SameSite=Strict, no refresh
token), `/kiosk/me` says who is signed in, signing out ends it on the server. Refused,
with a friendly page and nothing written: the session from another kiosk, a wrong PIN
(5 lock the card), an unknown card, a bad form, a post signed over another body; a
retired kiosk is refused at once, its session mid-way included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import retire_kiosk_device
from foundation.settings import Settings
from tests.support.access_cards import PIN, issue, person_with_pin
from tests.support.kiosk_devices import (
    KioskKey,
    enrolled_kiosk,
    signed_get,
    signed_post_form,
)
from tests.support.staff import staff_signed_in

Client = AsyncTestClient[Litestar]
WRONG = "000000" if PIN != "000000" else "111111"


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def holder(client: Client, owner_conn: asyncpg.Connection, settings: Settings) -> Any:
    """A person with a PIN and a card (issued at the console); the kiosk has no staff cookie."""
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    card = await issue(client, account.person_id)
    client.cookies.clear()
    return account, card


async def sign_in(client: Client, key: KioskKey, card: str, pin: str = PIN) -> Any:
    return await signed_post_form(client, key, "/kiosk/sign-in", {"card": card, "pin": pin})


async def table_state(owner_conn: asyncpg.Connection) -> list[Any]:
    return [
        await owner_conn.fetch(
            "SELECT id, last_seen_at, access_expires_at, revoked_at FROM sessions ORDER BY id"
        ),
        await owner_conn.fetchval("SELECT count(*) FROM refresh_tokens"),
        await owner_conn.fetch("SELECT id, pin_failures, locked_at FROM access_cards ORDER BY id"),
    ]


async def test_card_and_pin_open_a_session_bound_to_the_kiosk(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, card = await holder(client, owner_conn, settings)
    key = await enrolled_kiosk(client, owner_conn)
    page = await signed_get(client, key, "/kiosk/sign-in")
    assert page.status_code == 200
    assert 'name="card"' in page.text and 'name="pin"' in page.text
    refresh_tokens = await owner_conn.fetchval("SELECT count(*) FROM refresh_tokens")

    answer = await sign_in(client, key, card["card_token"])
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/kiosk/me"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("hanchang_kiosk=hks_")
    for attribute in ("HttpOnly", "Path=/kiosk", "SameSite=Strict"):
        assert attribute.lower() in cookie.lower(), cookie
    assert "max-age" not in cookie.lower()
    token = cookie.split(";")[0].split("=", 1)[1]
    session = await owner_conn.fetchrow(
        "SELECT aal, method, channel, kiosk_id, account_id FROM sessions "
        "WHERE access_token_hash = sha256($1)",
        token.encode(),
    )
    assert session is not None
    assert dict(session) == {
        "aal": 2,
        "method": "card+pin",
        "channel": "kiosk",
        "kiosk_id": key.kiosk_id,
        "account_id": account.id,
    }
    assert await owner_conn.fetchval("SELECT count(*) FROM refresh_tokens") == refresh_tokens
    # The kiosk's session is no bearer token for the app's API.
    api = await client.get("/v1/me/sessions", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401

    me = await signed_get(client, key, "/kiosk/me")
    assert me.status_code == 200, me.text
    assert "박순자" in me.text and 'action="/kiosk/sign-out"' in me.text

    out = await signed_post_form(client, key, "/kiosk/sign-out", {})
    assert out.status_code == 303 and out.headers["location"] == "/kiosk?signed_out=1"
    assert (
        await owner_conn.fetchval(
            "SELECT revoked_reason FROM sessions WHERE access_token_hash = sha256($1)",
            token.encode(),
        )
        == "signed_out"
    )
    client.cookies.set("hanchang_kiosk", token, path="/kiosk")
    again = await signed_get(client, key, "/kiosk/me")
    assert again.status_code == 401 and "카드와 PIN으로 로그인해 주세요" in again.text


async def test_a_session_from_another_kiosk_is_refused_and_nothing_is_written(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, card = await holder(client, owner_conn, settings)
    here = await enrolled_kiosk(client, owner_conn)
    there = await enrolled_kiosk(client, owner_conn, "ES256")
    assert (await sign_in(client, here, card["card_token"])).status_code == 303
    before = await table_state(owner_conn)
    elsewhere = await signed_get(client, there, "/kiosk/me", **{"Accept-Language": "en"})
    assert elsewhere.status_code == 403
    assert "다른 키오스크에서 로그인했어요" in elsewhere.text  # the device's language is not asked
    assert 'href="/kiosk/sign-in" id="again"' in elsewhere.text
    out = await signed_post_form(client, there, "/kiosk/sign-out", {})
    assert out.status_code == 403
    assert await table_state(owner_conn) == before
    assert (await signed_get(client, here, "/kiosk/me")).status_code == 200


async def test_wrong_pins_count_against_the_card_and_five_lock_it(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, card = await holder(client, owner_conn, settings)
    key = await enrolled_kiosk(client, owner_conn)
    sessions = await owner_conn.fetchval("SELECT count(*) FROM sessions")
    for _ in range(4):
        wrong = await sign_in(client, key, card["card_token"], WRONG)
        assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
        assert 'href="/kiosk/sign-in"' in wrong.text
    locked = await sign_in(client, key, card["card_token"], WRONG)
    assert locked.status_code == 423, locked.text
    assert (await sign_in(client, key, card["card_token"])).status_code == 423
    row = await owner_conn.fetchrow(
        "SELECT pin_failures, locked_at IS NOT NULL AS locked FROM access_cards WHERE id = $1",
        card["card_id"],
    )
    assert row is not None and dict(row) == {"pin_failures": 5, "locked": True}
    assert await owner_conn.fetchval("SELECT count(*) FROM sessions") == sessions


async def test_an_unknown_card_a_bad_form_or_a_swapped_body_write_nothing(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, card = await holder(client, owner_conn, settings)
    key = await enrolled_kiosk(client, owner_conn)
    before = await table_state(owner_conn)
    unknown = await sign_in(client, key, "hcc_nosuchcard")
    assert unknown.status_code == 401 and "이 카드는 여기서 쓸 수 없어요" in unknown.text
    bad = await sign_in(client, key, card["card_token"], "12")
    assert bad.status_code == 400 and 'id="pin-error"' in bad.text
    swapped = key.headers("POST", "/kiosk/sign-in", b"card=x&pin=000000")
    forged = await client.post(
        "/kiosk/sign-in",
        content=f"card={card['card_token']}&pin={PIN}".encode(),
        headers={**swapped, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert forged.status_code == 401 and "등록되지 않은 키오스크예요" in forged.text
    assert await table_state(owner_conn) == before


async def test_a_retired_kiosk_is_refused_mid_session(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, card = await holder(client, owner_conn, settings)
    key = await enrolled_kiosk(client, owner_conn)
    assert (await sign_in(client, key, card["card_token"])).status_code == 303
    assert (await signed_get(client, key, "/kiosk/me")).status_code == 200
    async with owner_conn.transaction():
        await retire_kiosk_device(owner_conn, key.kiosk_id or 0, actor="staff:1", channel="console")
    refused = await signed_get(client, key, "/kiosk/me")
    assert refused.status_code == 401 and "등록되지 않은 키오스크예요" in refused.text
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM sessions WHERE kiosk_id = $1 AND revoked_at IS NULL", key.kiosk_id
        )
        == 0
    )
