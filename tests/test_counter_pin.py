"""The first PIN, typed by the person at the counter (auth/counter/pin.py): through the
console's JSON API and through its page. Only after a recent ID match, only when the
person has no PIN, never a trivial one; a refused try writes nothing. The PIN then works
with the access card at a kiosk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import pin_matches
from foundation.settings import Settings
from tests.support.access_cards import enroll_kiosk
from tests.support.access_cards import verify as card_sign_in
from tests.support.console_pages import csrf_of, page, post_form
from tests.support.factories import make_person
from tests.support.identity_checks import verify as check_id
from tests.support.problems import assert_problem
from tests.support.staff import clerk

Client = AsyncTestClient[Litestar]
PIN = "306817"


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def pin_hash(owner_conn: asyncpg.Connection, person_id: int) -> str | None:
    value: str | None = await owner_conn.fetchval(
        "SELECT pin_hash FROM accounts WHERE person_id = $1", person_id
    )
    return value


async def audit_actions(owner_conn: asyncpg.Connection, person_id: int) -> list[str]:
    rows = await owner_conn.fetch(
        "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"person:{person_id}"
    )
    return [row["action"] for row in rows]


async def test_first_pin_through_the_api_then_card_and_pin_at_a_kiosk(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    person = await make_person(
        owner_conn, settings, name="문옥자", birth_date=date(1947, 4, 2), phone_e164=None,
        has_smartphone=False,
    )  # fmt: skip
    _, kiosk_key = await enroll_kiosk(database_url, capsys)
    await clerk(settings, database_url, capsys, client)
    path = f"/console/api/people/{person.id}/pin"

    # No ID check yet (and so no account): refused, nothing written.
    assert_problem(await client.put(path, json={"pin": PIN}), 409, "recent-identity-check-needed")
    assert (await check_id(client, person.id)).status_code == 201

    trivial = await client.put(path, json={"pin": "470402"}, headers={"Accept-Language": "en"})
    body = assert_problem(trivial, 400, "pin-too-simple")
    assert body["errors"][0]["field"] == "body.pin"
    short = await client.put(path, json={"pin": "12345"})
    assert short.status_code == 400
    assert await pin_hash(owner_conn, person.id) is None

    assert (await client.put(path, json={"pin": PIN})).status_code == 204
    stored = await pin_hash(owner_conn, person.id)
    assert stored is not None and (await pin_matches(settings.auth, stored, PIN))[0]
    # A PIN she knows is hers to change, in the app: the counter cannot overwrite it.
    again = await client.put(path, json={"pin": "582913"}, headers={"Accept-Language": "ko"})
    assert assert_problem(again, 409, "pin-already-set")["title"] == "이미 비밀번호가 있어요"
    assert await pin_hash(owner_conn, person.id) == stored

    card = await client.post(f"/console/api/people/{person.id}/access-cards", json={})
    assert card.status_code == 201, card.text
    client.cookies.clear()
    signed_in = await card_sign_in(client, kiosk_key, card.json()["card_token"], PIN)
    assert signed_in.status_code == 303, signed_in.text  # signed in: on to /kiosk/me
    assert (await audit_actions(owner_conn, person.id)).count("counter.pin_set") == 1


async def test_first_pin_from_the_console_page(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    person = await make_person(owner_conn, settings, name="정말순", birth_date=date(1950, 8, 9))
    await clerk(settings, database_url, capsys, client)
    path = f"/console/people/{person.id}/pin"

    # Before the ID check the page explains, and a post is refused with nothing written.
    early = await page(client, path, 200)
    token = csrf_of(early)
    refused = await post_form(client, path, {"csrf_token": token, "pin": PIN, "pin_again": PIN})
    assert refused.status_code == 409
    assert 'id="pin-refused"' in refused.text and "30분" in refused.text
    assert await pin_hash(owner_conn, person.id) is None

    assert (await check_id(client, person.id)).status_code == 201
    person_page = await page(client, f"/console/people/{person.id}")
    assert f'href="{path}" id="set-pin"' in person_page
    form = await page(client, path)
    assert 'type="password" inputmode="numeric"' in form

    forged = await post_form(client, path, {"pin": PIN, "pin_again": PIN})
    assert forged.status_code == 403
    differ = await post_form(client, path, {"csrf_token": token, "pin": PIN, "pin_again": "306818"})
    assert differ.status_code == 400 and "두 비밀번호가 달라요" in differ.text
    assert PIN not in differ.text  # never drawn back into the form
    letters = await post_form(
        client, path + "?lang=en", {"csrf_token": token, "pin": "12ab56", "pin_again": "12ab56"}
    )
    assert letters.status_code == 400 and "Enter exactly 6 digits." in letters.text
    weak = await post_form(
        client, path, {"csrf_token": token, "pin": "111111", "pin_again": "111111"}
    )
    assert weak.status_code == 400 and 'aria-invalid="true"' in weak.text
    assert await pin_hash(owner_conn, person.id) is None

    saved = await post_form(client, path, {"csrf_token": token, "pin": PIN, "pin_again": PIN})
    assert saved.status_code == 303 and saved.headers["location"] == f"{path}?done=1"
    done = await page(client, saved.headers["location"])
    assert 'id="pin-done"' in done and "비밀번호를 저장했어요." in done
    assert await pin_hash(owner_conn, person.id) is not None
    assert "counter.pin_set" in await audit_actions(owner_conn, person.id)

    twice = await post_form(
        client, path, {"csrf_token": token, "pin": "582913", "pin_again": "582913"}
    )
    assert twice.status_code == 409 and "이미 비밀번호가 있어요" in twice.text
