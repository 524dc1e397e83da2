"""The console's staff page: an administrator lists their office's staff, adds one (the
one-time link, shown once, registers a passkey) and disables one. Other roles and
other offices are kept out; a refused form writes nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from redis.asyncio import Redis

from foundation.settings import Settings
from tests.support.console_pages import csrf_of, page, post_form
from tests.support.passkeys import device
from tests.support.staff import Client, Desk, enroll, staff_sign_in

LINK = re.compile(r'<a href="(http[^"]+/console/enroll\?token=([^"]+))">')


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


@pytest.fixture
def desk(
    settings: Settings, database_url: str, capsys: pytest.CaptureFixture[str], client: Client
) -> Desk:
    return Desk(settings, database_url, capsys, client)


async def staff_rows(owner_conn: asyncpg.Connection, office: str) -> list[Any]:
    return await owner_conn.fetch(
        "SELECT id, name, role, disabled_at FROM staff WHERE office_code = $1 ORDER BY id", office
    )


async def test_admin_adds_a_clerk_who_enrolls_and_then_disables_them(
    desk: Desk, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    admin = await desk.staff("admin")
    client = desk.as_(admin)
    home = await page(client, "/console")
    assert 'id="staff-link"' in home and "관리자" in home
    listing = await page(client, "/console/staff")
    token = csrf_of(listing)
    assert f'id="disable-{admin}"' not in listing  # not oneself

    before = len(await staff_rows(owner_conn, "busan"))
    no_token = await post_form(client, "/console/staff", {"name": "이서연", "role": "clerk"})
    assert no_token.status_code == 403
    bad = await post_form(
        client, "/console/staff?lang=en", {"csrf_token": token, "name": " ", "role": "boss"}
    )
    assert bad.status_code == 400
    assert (
        "Enter the name, 1 to 64 characters." in bad.text
        and "Choose one of the options." in bad.text
    )
    assert len(await staff_rows(owner_conn, "busan")) == before

    created = await post_form(
        client, "/console/staff", {"csrf_token": token, "name": "이서연", "role": "clerk"}
    )
    assert created.status_code == 200, created.text
    found = LINK.search(created.text)
    assert found, created.text
    new = (await staff_rows(owner_conn, "busan"))[-1]
    assert (new["name"], new["role"]) == ("이서연", "clerk")
    # Shown once: the list does not carry it, and only its hash is stored.
    assert found[2] not in await page(client, "/console/staff")

    # The new clerk opens the link on their computer and signs in with the passkey.
    client.cookies.clear()
    authenticator = device(settings)
    status, body = await enroll(client, authenticator, found[2])
    assert status == 201, body
    status, body = await staff_sign_in(client, authenticator)
    assert status == 200, body
    clerk_cookie = client.cookies.get("hanchang_staff")
    refused = await client.get("/console/staff", follow_redirects=False)
    assert refused.status_code == 403 and "관리자만 할 수 있어요" in refused.text

    client = desk.as_(admin)
    listing = await page(client, "/console/staff")
    assert listing.count("등록했어요") >= 2  # the admin's passkey and the new clerk's
    done = await post_form(client, f"/console/staff/{new['id']}/disable", {"csrf_token": token})
    assert (
        done.status_code == 303
        and done.headers["location"] == f"/console/staff?disabled={new['id']}"
    )
    assert "이서연 님은 사용 중지됐어요" in await page(client, done.headers["location"])
    # The clerk's session ended with it.
    client.cookies.clear()
    assert clerk_cookie
    client.cookies.set("hanchang_staff", clerk_cookie)
    assert (await client.get("/console/api/me")).status_code == 401


async def test_only_own_office_and_never_oneself(
    desk: Desk, owner_conn: asyncpg.Connection
) -> None:
    seoul_clerk = await desk.staff("clerk", office="seoul")
    admin = await desk.staff("admin")
    client = desk.as_(admin)
    listing = await page(client, "/console/staff")
    assert f'id="disable-{seoul_clerk}"' not in listing
    token = csrf_of(listing)
    other = await post_form(client, f"/console/staff/{seoul_clerk}/disable", {"csrf_token": token})
    assert other.status_code == 404
    itself = await post_form(client, f"/console/staff/{admin}/disable", {"csrf_token": token})
    assert itself.status_code == 409
    rows = {r["id"]: r["disabled_at"] for r in await staff_rows(owner_conn, "seoul")}
    rows |= {r["id"]: r["disabled_at"] for r in await staff_rows(owner_conn, "busan")}
    assert rows[seoul_clerk] is None and rows[admin] is None
    listed = await client.get("/console/api/staff")
    assert listed.status_code == 200
    listed_ids = [m["id"] for m in listed.json()["staff"]]
    busan = {r["id"] for r in await staff_rows(owner_conn, "busan")}
    assert admin in listed_ids and seoul_clerk not in listed_ids and set(listed_ids) <= busan
