"""Finding 5 of issue 13: the console's JSON writes took any content type, so a plain
HTML form on any same-site page could post to them with the staff cookie; SameSite
was the only defence. Now every write under `/console/api` must be JSON
(`Content-Type: application/json`, else 415) from the console's own origin
(`Sec-Fetch-Site: same-origin`, or an `Origin` equal to the public URL's; a request
with neither is 403), checked before anything is read or written. The console's
HTML forms keep their anti-forgery token."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.settings import Settings
from tests.support.factories import make_person
from tests.support.problems import assert_problem
from tests.support.staff import enrolled_staff, staff_sign_in

Client = AsyncTestClient[Litestar]
COOKIE = "hanchang_staff"
EN = {"Accept-Language": "en"}
CHECK = {"document_type": "resident_id_card", "document_last4": "1234", "result": "match"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def bare_post(client: Client, path: str, **kw: Any) -> Any:
    """A post with none of the browser headers the tests' client adds, plus `headers`:
    what curl or a script sends, or what a page of another site makes a browser send."""
    request = client.build_request("POST", path, **kw)
    for name in ("sec-fetch-site", "origin"):
        if name in request.headers and name not in {h.lower() for h in kw.get("headers", {})}:
            del request.headers[name]
    return await client.send(request)


async def signed_in_clerk(
    settings: Settings, database_url: str, capsys: pytest.CaptureFixture[str], client: Client
) -> str:
    _, authenticator = await enrolled_staff(settings, database_url, capsys, client)
    status, body = await staff_sign_in(client, authenticator)
    assert status == 200, body
    cookie = client.cookies.get(COOKIE)
    assert cookie
    return cookie


async def checks(owner_conn: asyncpg.Connection, person_id: int) -> int:
    counted: int = await owner_conn.fetchval(
        "SELECT count(*) FROM identity_verifications WHERE person_id = $1", person_id
    )
    return counted


async def test_a_json_body_under_another_content_type_is_refused(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    """What a form with enctype text/plain, urlencoded or multipart can send: refused."""
    await signed_in_clerk(settings, database_url, capsys, client)
    person = await make_person(owner_conn, settings, name="양식공격")
    path = f"/console/api/people/{person.id}/verifications"
    body = json.dumps(CHECK)
    for content_type in (
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        refused = await client.post(path, content=body, headers={"Content-Type": content_type})
        problem = assert_problem(refused, 415, "unsupported-media-type")
        assert problem["title"] == "지원하지 않는 형식이에요", problem
    english = await client.post(path, content=body, headers={"Content-Type": "text/plain", **EN})
    assert assert_problem(english, 415, "unsupported-media-type")["title"] == ("Unsupported format")
    # A real form post and a multipart upload: the same.
    assert_problem(await client.post(path, data=CHECK), 415, "unsupported-media-type")
    assert_problem(
        await client.post(path, files={"f": ("a.json", body, "application/json")}),
        415,
        "unsupported-media-type",
    )
    # A bodyless action is a write too.
    no_type = await client.post(f"/console/api/people/{person.id}/enrollment-codes")
    assert_problem(no_type, 415, "unsupported-media-type")
    assert await checks(owner_conn, person.id) == 0

    accepted = await client.post(path, json=CHECK)
    assert accepted.status_code == 201, accepted.text
    assert await checks(owner_conn, person.id) == 1


async def test_cross_site_and_origin_less_json_is_refused(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    await signed_in_clerk(settings, database_url, capsys, client)
    person = await make_person(owner_conn, settings, name="교차출처")
    path = f"/console/api/people/{person.id}/verifications"

    # Only what a browser sends on a fetch from another site or a same-site page.
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://console.hanchang.example.evil.example"},
        # Both present: both must say the console.
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site", "Origin": settings.http.public_url},
    ):
        refused = await bare_post(client, path, json=CHECK, headers=headers)
        problem = assert_problem(refused, 403, "console-request-not-same-origin")
        assert problem["title"] == "콘솔 화면에서 보낸 요청이 아니에요", problem
    # Neither header: curl, a script, or a browser too old to say. Refused too.
    neither = await bare_post(client, path, json=CHECK, headers=EN)
    problem = assert_problem(neither, 403, "console-request-not-same-origin")
    assert problem["title"] == "This request did not come from the console", problem
    assert await checks(owner_conn, person.id) == 0

    # The console's own pages: either header says so.
    by_origin = await bare_post(
        client, path, json=CHECK, headers={"Origin": settings.http.public_url}
    )
    assert by_origin.status_code == 201, by_origin.text
    by_fetch_site = await bare_post(
        client, path, json=CHECK, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert by_fetch_site.status_code == 201, by_fetch_site.text
    assert await checks(owner_conn, person.id) == 2
    # Reading stays open to any request with the cookie (nothing changes).
    assert (
        await client.get("/console/api/me", headers={"Sec-Fetch-Site": "cross-site"})
    ).status_code == 200


async def test_sign_in_and_sign_out_are_console_writes_too(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
) -> None:
    await signed_in_clerk(settings, database_url, capsys, client)
    assert_problem(
        await bare_post(client, "/console/api/sign-in/options", json={}),
        403,
        "console-request-not-same-origin",
    )
    refused = await bare_post(
        client, "/console/api/sign-out", headers={"Origin": "https://evil.example"}, json={}
    )
    assert_problem(refused, 403, "console-request-not-same-origin")
    assert (await client.get("/console/api/me")).status_code == 200
    signed_out = await client.post("/console/api/sign-out", json={})
    assert signed_out.status_code == 204, signed_out.text


async def test_console_form_pages_keep_their_token(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    """The HTML forms under /console post urlencoded with their token, as before."""
    await signed_in_clerk(settings, database_url, capsys, client)
    person = await make_person(owner_conn, settings, name="양식화면")
    page = await client.get(f"/console/people/{person.id}")
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found
    posted = await client.post(
        f"/console/people/{person.id}/verify", data={"csrf_token": found.group(1), **CHECK}
    )
    assert posted.status_code in (200, 303), posted.text
    assert await checks(owner_conn, person.id) == 1
    forged: Any = await client.post(f"/console/people/{person.id}/verify", data=CHECK)
    assert forged.status_code == 403
    assert await checks(owner_conn, person.id) == 1
