"""What every kiosk page carries, in signed requests: "call staff" tells the staff of the
kiosk's office on their console (not another office's; pressing twice is one call);
"more time" keeps a session alive; signing out clears the browser's cache of the
person's pages but not the kiosk's key; every page exposes what audio mode says."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from redis.asyncio import Redis

from auth.staff import insert_staff
from foundation.settings import Settings
from tests.support.access_cards import PIN, issue, person_with_pin
from tests.support.kiosk_devices import Client, enrolled_kiosk, signed_get, signed_post_form
from tests.support.staff import staff_signed_in


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def test_call_staff_reaches_the_console_of_the_kiosks_office(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    clerk = await staff_signed_in(owner_conn, client)  # a clerk of the Busan office
    elsewhere = await insert_staff(owner_conn, name="최서울", office_code="seoul", role="clerk")
    staff_cookie = client.cookies.get("hanchang_staff")
    client.cookies.clear()
    key = await enrolled_kiosk(client, owner_conn, office="busan", location="2층 복도")

    called = await signed_post_form(client, key, "/kiosk/help", {"from": "/kiosk/sign-in"})
    assert called.status_code == 200, called.text
    assert (
        "직원이 오고 있어요" in called.text
        and 'href="/kiosk/sign-in" id="help-back"' in called.text
    )
    assert 'href="/kiosk/sign-in?lang=en"' in called.text
    told = await owner_conn.fetch(
        "SELECT staff_id FROM staff_notices WHERE kind = 'kiosk_help' AND about_kiosk_id = $1",
        key.kiosk_id,
    )
    assert clerk in [row["staff_id"] for row in told]
    assert elsewhere.id not in [row["staff_id"] for row in told]
    # Pressed again before anyone came: the same call.
    again = await signed_post_form(client, key, "/kiosk/help", {"from": "https://evil.example"})
    assert again.status_code == 200 and 'href="/kiosk" id="help-back"' in again.text
    assert await owner_conn.fetchval(
        "SELECT count(*) FROM staff_notices WHERE kind = 'kiosk_help'"
    ) == len(told)

    assert staff_cookie is not None
    client.cookies.set("hanchang_staff", staff_cookie, path="/console")
    console = await client.get("/console", headers={"Accept": "text/html"})
    assert console.status_code == 200, console.text
    assert "2층 복도" in console.text and "notice-kiosk_help" in console.text


async def test_an_unsigned_call_writes_nothing(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    before = await owner_conn.fetchval("SELECT count(*) FROM staff_notices")
    answer = await client.post(
        "/kiosk/help", content=b"from=/kiosk", headers={"Accept": "text/html"}
    )
    assert answer.status_code == 401
    assert await owner_conn.fetchval("SELECT count(*) FROM staff_notices") == before


async def test_more_time_sign_out_and_the_spoken_text(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    card = await issue(client, account.person_id)
    client.cookies.clear()
    key = await enrolled_kiosk(client, owner_conn)
    assert (await signed_post_form(client, key, "/kiosk/more-time", {})).status_code == 401
    signed = await signed_post_form(
        client, key, "/kiosk/sign-in", {"card": card["card_token"], "pin": PIN}
    )
    assert signed.status_code == 303
    assert (await signed_post_form(client, key, "/kiosk/more-time", {})).status_code == 204

    for path in ("/kiosk", "/kiosk/sign-in", "/kiosk/me", "/kiosk/sign-in/sms",
                 "/kiosk/sign-in/enrollment-code", "/kiosk/card/unlock"):  # fmt: skip
        page = await signed_get(client, key, path)
        assert page.status_code == 200, (path, page.text)
        assert page.headers["cache-control"] == "no-store"
        assert '<body data-spoken="' in page.text and '<body data-spoken=""' not in page.text
        assert 'id="call-staff"' in page.text and 'id="toggle-large"' in page.text
        assert 'hreflang="en"' in page.text and 'src="/kiosk/kiosk.js"' in page.text

    out = await signed_post_form(client, key, "/kiosk/sign-out", {})
    assert out.status_code == 303
    assert out.headers["clear-site-data"] == '"cache"'
    # An ended session signs out again without a fuss (the frame offers it with any cookie).
    client.cookies.set("hanchang_kiosk", "hks_ended", path="/kiosk")
    assert (await signed_post_form(client, key, "/kiosk/sign-out", {})).status_code == 303

    script = await client.get("/kiosk/kiosk.js")
    assert script.status_code == 200 and "speechSynthesis" in script.text
    style = await client.get("/kiosk/kiosk.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
