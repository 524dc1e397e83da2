"""The staff console's HTML pages (`/console`): sign-in and enrollment pages, home and
sign-out, finding a person, the ID check, and issuing a card or a code from a form.
Every form post needs the page's anti-forgery token; without it nothing is written."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.settings import Settings
from tests.support.console_pages import csrf_of, page, post_form
from tests.support.factories import make_person
from tests.support.staff import clerk

Client = AsyncTestClient[Litestar]


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def count(owner_conn: asyncpg.Connection, table: str, person_id: int) -> int:
    value: int = await owner_conn.fetchval(
        f"SELECT count(*) FROM {table} WHERE person_id = $1",  # table is a test constant
        person_id,
    )
    return value


async def test_pages_without_a_session_send_to_sign_in(client: Client) -> None:
    pages = ("/console", "/console/people", "/console/people/1", "/console/approvals")
    parts = ("pin", "benefits", "recovery", "phones", "delegations", "audit")
    for path in (*pages, "/console/staff", *(f"/console/people/1/{part}" for part in parts)):
        response = await client.get(path, params={"lang": "en"}, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/console/sign-in?lang=en"
    korean = await page(client, "/console/sign-in")
    assert '<html lang="ko">' in korean
    assert "패스키로 로그인" in korean
    assert '<a class="skip" href="#main">본문으로 건너뛰기</a>' in korean
    assert '<button id="sign-in" type="button">' in korean
    english = await page(client, "/console/sign-in", lang="en")
    assert "Sign in with a passkey" in english and '<html lang="en">' in english


def _selectors(selector_list: str) -> list[str]:
    """A CSS selector list split at its top-level commas (not those inside `:not(...)`)."""
    parts, depth, current = [], 0, ""
    for char in selector_list:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


async def test_the_text_field_width_leaves_radio_buttons_and_checkboxes_alone(
    client: Client,
) -> None:
    """`input{min-width:16rem}` drew each radio button 16rem wide, its label far away."""
    style = re.search(r"<style>(.*?)</style>", await page(client, "/console/sign-in"), re.DOTALL)
    assert style is not None
    widened = [
        selector
        for selectors, declarations in re.findall(r"([^{}]+)\{([^}]*)\}", style.group(1))
        if "min-width" in declarations
        for selector in _selectors(selectors)
    ]
    assert widened
    for selector in widened:
        if selector.startswith("input"):
            assert ":not(" in selector and "radio" in selector and "checkbox" in selector, selector


async def test_enroll_page_carries_only_a_well_formed_token(client: Client) -> None:
    with_token = await page(client, "/console/enroll", token="hce_abc-DEF_123")
    assert 'const token = "hce_abc-DEF_123";' in with_token
    assert '<button id="enroll" type="button">' in with_token
    for bad in ("", "hce_<script>", "x" * 101):
        shown = await page(client, "/console/enroll", token=bad, lang="en")
        assert "The link has no token" in shown
        assert "const token" not in shown


async def test_home_shows_the_staff_member_and_signs_out_with_the_token(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    staff_id = await clerk(settings, database_url, capsys, client)
    home = await page(client, "/console")
    assert '<td id="staff-name">김민수</td>' in home
    assert "창구 직원" in home
    token = csrf_of(home)

    refused = await post_form(client, "/console/sign-out", {})
    assert refused.status_code == 403
    assert "이 양식은 만료되었어요" in refused.text
    forged = await post_form(client, "/console/sign-out", {"csrf_token": token[:-2] + "xx"})
    assert forged.status_code == 403
    assert (await client.get("/console/api/me")).status_code == 200

    done = await post_form(client, "/console/sign-out", {"csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == "/console/sign-in"
    assert 'hanchang_staff=""' in done.headers["set-cookie"]
    revoked = await owner_conn.fetchval(
        "SELECT revoked_reason FROM staff_sessions WHERE staff_id = $1", staff_id
    )
    assert revoked == "signed_out"


async def test_search_verify_and_issue_from_the_pages(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    await clerk(settings, database_url, capsys, client)
    born = date(1971, 2, 3)
    person = await make_person(owner_conn, settings, name="조은비", birth_date=born)

    bad = await page(client, "/console/people", 400, name="", birth_date="1971-13-40", lang="en")
    assert "This field is required." in bad and "Enter a date as YYYY-MM-DD." in bad
    assert 'aria-invalid="true"' in bad
    found = await page(client, "/console/people", name="조은비", birth_date="1971-02-03")
    assert f'href="/console/people/{person.id}"' in found
    nobody = await page(client, "/console/people", name="없는사람", birth_date="1971-02-03")
    assert "맞는 사람이 없어요" in nobody

    opened = await page(client, f"/console/people/{person.id}")
    assert "최근 8시간 안에 신분증을 확인하지 않았어요." in opened
    assert 'id="issue-card"' not in opened
    token = csrf_of(opened)
    verify = f"/console/people/{person.id}/verify"
    early = await post_form(
        client, f"/console/people/{person.id}/enrollment-code", {"csrf_token": token}
    )
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("text/html")

    wrong = await post_form(
        client,
        verify,
        {"csrf_token": token, "document_type": "library_card", "document_last4": "12"},
    )
    assert wrong.status_code == 400
    assert wrong.text.count('class="error"') == 3
    assert await count(owner_conn, "identity_verifications", person.id) == 0

    mismatch = await post_form(
        client,
        verify,
        {
            "csrf_token": token,
            "document_type": "passport",
            "document_last4": "m123",
            "result": "mismatch",
        },
    )
    assert mismatch.status_code == 303
    assert mismatch.headers["location"] == f"/console/people/{person.id}?checked=mismatch"
    assert 'id="issue-card"' not in await page(client, mismatch.headers["location"])

    match = await post_form(
        client,
        verify + "?lang=en",
        {
            "csrf_token": token,
            "document_type": "resident_id_card",
            "document_last4": "5678",
            "result": "match",
        },
    )
    assert match.status_code == 303
    assert match.headers["location"] == f"/console/people/{person.id}?checked=match&lang=en"
    matched = await page(client, match.headers["location"])
    assert "The ID matched." in matched and "Last matching ID check:" in matched
    assert 'id="issue-card"' in matched and 'id="issue-code"' in matched
    assert await count(owner_conn, "identity_verifications", person.id) == 2

    card = await post_form(
        client, f"/console/people/{person.id}/access-card", {"csrf_token": token}
    )
    assert card.status_code == 303
    assert card.headers["location"].startswith("/console/api/access-cards/")
    printed = await page(client, card.headers["location"])
    assert "조은비" in printed and "<svg" in printed

    code = await post_form(
        client, f"/console/people/{person.id}/enrollment-code", {"csrf_token": token}
    )
    assert code.status_code == 200
    assert re.search(r'<p class="code" id="code">[A-Z2-9]{4}(-[A-Z2-9]{4}){3}</p>', code.text)


async def test_form_posts_without_the_token_write_nothing(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    staff_id = await clerk(settings, database_url, capsys, client)
    person = await make_person(owner_conn, settings, name="하지민")
    seen = await owner_conn.fetchval(
        "SELECT last_seen_at FROM staff_sessions WHERE staff_id = $1", staff_id
    )
    audited = await owner_conn.fetchval("SELECT count(*) FROM audit_log")
    form = {"document_type": "passport", "document_last4": "1234", "result": "match"}
    for path, sent in (
        (f"/console/people/{person.id}/verify", form),
        (f"/console/people/{person.id}/verify", {**form, "csrf_token": "made-up"}),
        (f"/console/people/{person.id}/access-card", {}),
        (f"/console/people/{person.id}/enrollment-code", {}),
    ):
        refused = await client.post(
            path, data=sent, headers={"Accept-Language": "en"}, follow_redirects=False
        )
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/html")
        assert "This form has expired" in refused.text
    assert await count(owner_conn, "identity_verifications", person.id) == 0
    assert await count(owner_conn, "access_cards", person.id) == 0
    assert await owner_conn.fetchval("SELECT count(*) FROM audit_log") == audited
    assert (
        await owner_conn.fetchval(
            "SELECT last_seen_at FROM staff_sessions WHERE staff_id = $1", staff_id
        )
        == seen
    )


async def test_a_token_from_another_session_is_refused(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    await clerk(settings, database_url, capsys, client)
    person = await make_person(owner_conn, settings, name="남궁별")
    old_token = csrf_of(await page(client, "/console"))
    client.cookies.clear()
    await clerk(settings, database_url, capsys, client)
    refused = await post_form(
        client, f"/console/people/{person.id}/access-card", {"csrf_token": old_token}
    )
    assert refused.status_code == 403
    assert await count(owner_conn, "access_cards", person.id) == 0


async def test_unknown_person_is_a_friendly_page(
    settings: Settings, database_url: str, capsys: pytest.CaptureFixture[str], client: Client
) -> None:
    await clerk(settings, database_url, capsys, client)
    shown = await page(client, "/console/people/999999", 404, lang="en")
    assert "Person not found" in shown
