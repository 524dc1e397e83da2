"""The whole counter flow, as issue 4 tells it: a clerk signs in with a passkey, checks a
person's ID card, the person sets a PIN, gets an access card, signs in at a kiosk with
card + PIN, fails five times and is locked, and the counter unlocks the card."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.settings import Settings
from tests.support.access_cards import enroll_kiosk
from tests.support.access_cards import verify as card_sign_in
from tests.support.factories import make_person
from tests.support.identity_checks import issue_code
from tests.support.identity_checks import verify as check_id
from tests.support.problems import assert_problem
from tests.support.staff import clerk

Client = AsyncTestClient[Litestar]
PIN, WRONG = "306817", "306818"


@pytest.fixture(autouse=True)
async def fresh_limits(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def test_from_the_counter_to_the_kiosk_and_back(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    # A woman of 79 with no phone of record and no account comes to the Busan job centre.
    person = await make_person(
        owner_conn, settings, name="문옥자", birth_date=date(1947, 4, 2), phone_e164=None,
        has_smartphone=False,
    )  # fmt: skip
    _, kiosk_key = await enroll_kiosk(database_url, capsys)
    await clerk(settings, database_url, capsys, client)  # passkey sign-in (software authenticator)

    found = await client.get(
        "/console/api/people", params={"name": "문옥자", "birth_date": "1947-04-02"}
    )
    assert found.status_code == 200, found.text
    assert [p["id"] for p in found.json()["people"]] == [person.id]
    checked = await check_id(client, person.id)
    assert checked.status_code == 201, checked.text
    assurance = await owner_conn.fetchval(
        "SELECT assurance FROM accounts WHERE person_id = $1", person.id
    )
    assert assurance == "in_person"

    # She sets her PIN at the counter's kiosk with a one-time enrollment code.
    code = await issue_code(client, person.id)
    card = await client.post(f"/console/api/people/{person.id}/access-cards", json={})
    staff_cookie = client.cookies.get("hanchang_staff")
    client.cookies.clear()
    redeemed = await client.post(
        "/v1/auth/enrollment/redeem", json={"code": code, "channel": "kiosk"}
    )
    assert redeemed.status_code == 200, redeemed.text
    pin_set = await client.put(
        "/v1/me/pin",
        json={"pin": PIN},
        headers={"Authorization": f"Bearer {redeemed.json()['access_token']}"},
    )
    assert pin_set.status_code == 204, pin_set.text

    # The card was issued before the PIN existed: now card + PIN sign her in, at aal 2.
    assert card.status_code == 201, card.text
    card_token = card.json()["card_token"]
    signed_in = await card_sign_in(client, kiosk_key, card_token, PIN)
    assert signed_in.status_code == 303, signed_in.text  # signed in: on to /kiosk/me

    # Five wrong PINs lock the card; the right one is then refused too.
    for _ in range(4):
        assert_problem(await card_sign_in(client, kiosk_key, card_token, WRONG), 401, "pin-wrong")
    assert_problem(await card_sign_in(client, kiosk_key, card_token, WRONG), 423, "card-locked")
    assert_problem(await card_sign_in(client, kiosk_key, card_token, PIN), 423, "card-locked")

    # Back at the counter, the clerk unlocks the card; she signs in again the same day.
    assert staff_cookie is not None
    client.cookies.set("hanchang_staff", staff_cookie, path="/console")
    unlocked = await client.post(
        f"/console/api/access-cards/{card.json()['card_id']}/unlock", json={}
    )
    assert unlocked.status_code == 200, unlocked.text
    client.cookies.clear()
    again = await card_sign_in(client, kiosk_key, card_token, PIN)
    assert again.status_code == 303, again.text

    actions = [
        row["action"]
        for row in await owner_conn.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"person:{person.id}"
        )
    ]
    for expected in ("auth.card.issued", "auth.card.unlocked", "auth.card.signed_in"):
        assert expected in actions, actions
