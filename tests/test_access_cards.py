"""Access cards: issuing a card at the console, its printable page, card + PIN at an
enrolled kiosk through the kiosk channel (aal 2, channel kiosk, a session bound to the
kiosk), the lock after 5 wrong PINs and the counter's unlock, reissuing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.settings import Settings
from tests.support.access_cards import (
    enroll_kiosk,
    issue,
    kiosk_cli,
    person_with_pin,
    session_token,
    verify,
)
from tests.support.audit_log import actions
from tests.support.factories import last_audit_details, newest_session_id
from tests.support.kiosk_devices import KioskKey
from tests.support.problems import assert_problem
from tests.support.staff import staff_signed_in

Client = AsyncTestClient[Litestar]


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    """No rate-limit windows and no cookie left over from the previous test."""
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


def as_dict(row: asyncpg.Record | None) -> dict[str, Any]:
    assert row is not None
    return dict(row)


async def test_card_and_pin_at_an_enrolled_kiosk_sign_in_at_aal2(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    kiosk_id, key = await enroll_kiosk(database_url, capsys)
    assert await owner_conn.fetchval(
        "SELECT public_key = $2 FROM kiosks WHERE id = $1", kiosk_id, key.public_key
    )
    staff_id = await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    card = await issue(client, account.person_id)
    assert card["card_token"].startswith("hcc_")
    assert card["revoked_card_ids"] == []
    stored = await owner_conn.fetchrow(
        "SELECT token_hash = sha256($2) AS hashed, issued_by, office_code FROM access_cards "
        "WHERE id = $1",
        card["card_id"],
        card["card_token"].encode(),
    )
    assert as_dict(stored) == {"hashed": True, "issued_by": staff_id, "office_code": "busan"}

    client.cookies.clear()  # the kiosk has no staff cookie
    token = session_token(await verify(client, key, card["card_token"]))
    session = await owner_conn.fetchrow(
        "SELECT aal, method, channel, device, account_id FROM sessions "
        "WHERE access_token_hash = sha256($1)",
        token.encode(),
    )
    assert as_dict(session) == {
        "aal": 2,
        "method": "card+pin",
        "channel": "kiosk",
        "device": f"kiosk:{kiosk_id}",
        "account_id": account.id,
    }
    # The kiosk's session lives in its cookie: no bearer token for the app's API.
    me = await client.get("/v1/me/sessions", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401, me.text

    assert await actions(owner_conn, f"kiosk:{kiosk_id}") == ["kiosk.enrolled"]
    assert await actions(owner_conn, f"person:{account.person_id}") == [
        "counter.identity_verified",
        "auth.card.issued",
        "auth.card.signed_in",
    ]
    signed_in = await owner_conn.fetchrow(
        "SELECT actor, office, channel, details->>'card' AS card FROM audit_log "
        "WHERE action = 'auth.card.signed_in' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert as_dict(signed_in) == {
        "actor": f"account:{account.id}",
        "office": "busan",
        "channel": "kiosk",
        "card": str(card["card_id"]),
    }
    session_id = await newest_session_id(owner_conn, account.id)
    card_row = await last_audit_details(
        owner_conn, "auth.card.signed_in", f"person:{account.person_id}"
    )
    assert card_row["session"] == session_id and card_row["address"] == "testclient"
    assert await last_audit_details(
        owner_conn, "auth.sign_in.succeeded", f"account:{account.id}"
    ) == {"method": "card+pin", "session": session_id, "address": "testclient"}


async def test_an_unsigned_request_or_a_retired_kiosk_never_reaches_the_card(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    kiosk_id, key = await enroll_kiosk(database_url, capsys)
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    card = await issue(client, account.person_id)
    client.cookies.clear()

    unsigned = await verify(client, None, card["card_token"])
    assert unsigned.status_code == 401 and "등록되지 않은 키오스크예요" in unsigned.text
    stranger = KioskKey()
    stranger.kiosk_id = kiosk_id
    forged = await verify(client, stranger, card["card_token"], **{"Accept-Language": "en"})
    assert (
        forged.status_code == 401 and "등록되지 않은 키오스크예요" in forged.text
    )  # Korean: the device's language is not asked
    unknown_card = assert_problem(
        await verify(client, key, "hcc_" + "y" * 43), 401, "card-sign-in-failed"
    )
    assert unknown_card["title"] == "이 카드는 여기서 쓸 수 없어요"

    assert await kiosk_cli(database_url, "retire", str(kiosk_id)) == 0
    retired = await verify(client, key, card["card_token"])
    assert retired.status_code == 401 and retired.text == unsigned.text
    # No wrong PIN was counted: the PIN was never looked at.
    failures = await owner_conn.fetchval(
        "SELECT pin_failures FROM access_cards WHERE id = $1", card["card_id"]
    )
    assert failures == 0
    assert await actions(owner_conn, f"kiosk:{kiosk_id}") == [
        "kiosk.enrolled",
        "kiosk.signature_refused",
        "kiosk.retired",
        "kiosk.signature_refused",
    ]
    refused = await owner_conn.fetchrow(
        "SELECT details->>'reason' AS reason, details->>'address' AS address FROM audit_log "
        "WHERE action = 'auth.card.refused' ORDER BY id DESC LIMIT 1"
    )
    assert as_dict(refused) == {"reason": "card_unknown", "address": "testclient"}


async def test_five_wrong_pins_lock_the_card_only_until_the_counter_unlocks_it(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    card = await issue(client, account.person_id)
    cookie = client.cookies.get("hanchang_staff")
    client.cookies.clear()

    for tries_left in (4, 3, 2, 1):
        wrong = assert_problem(
            await verify(client, key, card["card_token"], "582913"), 401, "pin-wrong"
        )
        assert wrong["tries_left"] == tries_left
    assert_problem(await verify(client, key, card["card_token"], "582913"), 423, "card-locked")
    locked = assert_problem(await verify(client, key, card["card_token"]), 423, "card-locked")
    assert "1350" in locked["detail"]
    row = await owner_conn.fetchrow(
        "SELECT a.app_pin_failures, a.app_pin_locked_at, a.hard_locked_at, c.pin_failures, "
        "c.locked_at IS NOT NULL AS card_locked "
        "FROM accounts a JOIN access_cards c ON c.person_id = a.person_id WHERE c.id = $1",
        card["card_id"],
    )
    # The card is locked, not the app's PIN, not the account.
    assert as_dict(row) == {
        "app_pin_failures": 0,
        "app_pin_locked_at": None,
        "hard_locked_at": None,
        "pin_failures": 5,
        "card_locked": True,
    }

    assert cookie is not None
    client.cookies.set("hanchang_staff", cookie, path="/console")
    unlocked = await client.post(f"/console/api/access-cards/{card['card_id']}/unlock", json={})
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json() == {
        "card_id": card["card_id"],
        "person_id": account.person_id,
        "pin_failures": 0,
        "locked": False,
    }
    client.cookies.clear()
    # A card at an enrolled kiosk proves possession: the five wrong PINs also counted
    # towards the account's lock at 100; the right PIN starts that count again.
    assert (
        await owner_conn.fetchval(
            "SELECT consecutive_failures FROM accounts WHERE id = $1", account.id
        )
        == 5
    )
    session_token(await verify(client, key, card["card_token"]))
    assert (
        await owner_conn.fetchval(
            "SELECT consecutive_failures FROM accounts WHERE id = $1", account.id
        )
        == 0
    )
    assert await actions(owner_conn, f"person:{account.person_id}") == [
        "counter.identity_verified",
        "auth.card.issued",
        "auth.card.unlocked",
        "auth.card.signed_in",
    ]
    assert "auth.pin.credential_locked" in await actions(owner_conn, f"account:{account.id}")


async def test_reissuing_revokes_the_old_card_at_once(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    old = await issue(client, account.person_id)
    new = await issue(client, account.person_id)
    assert new["revoked_card_ids"] == [old["card_id"]]
    cookie = client.cookies.get("hanchang_staff")
    client.cookies.clear()
    assert_problem(await verify(client, key, old["card_token"]), 401, "card-sign-in-failed")
    session_token(await verify(client, key, new["card_token"]))
    assert cookie is not None
    client.cookies.set("hanchang_staff", cookie, path="/console")
    # The old card can no longer be printed or unlocked.
    old_page = await client.get(old["print_url"])
    assert old_page.status_code == 404
    assert_problem(
        await client.post(f"/console/api/access-cards/{old['card_id']}/unlock", json={}),
        404,
        "card-not-found",
    )
    assert await actions(owner_conn, f"person:{account.person_id}") == [
        "counter.identity_verified",
        "auth.card.issued",
        "auth.card.revoked",
        "auth.card.issued",
        "auth.card.signed_in",
    ]


async def test_print_page_has_the_name_a_qr_code_and_the_helpline(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    card = await issue(client, account.person_id)
    page = await client.get(card["print_url"])
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert '<html lang="ko">' in text
    assert "박순자" in text
    assert "<svg" in text and "<path" in text
    assert "1350" in text
    # Only inside the QR code, and in the page's own address and its PDF link.
    pdf_link = card["print_url"].replace("/print?", "/print.pdf?")
    assert card["card_token"] not in text.replace(card["print_url"], "").replace(pdf_link, "")

    other = await client.get(f"/console/api/access-cards/{card['card_id']}/print?token=hcc_nope")
    assert other.status_code == 404
    client.cookies.clear()
    assert (await client.get(card["print_url"])).status_code == 401


async def test_console_card_desk_refuses_bad_requests(
    settings: Settings, database_url: str, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(owner_conn, settings)
    # Without a staff session.
    assert_problem(
        await client.post(f"/console/api/people/{account.person_id}/access-cards", json={}),
        401,
        "staff-sign-in-required",
    )
    assert_problem(
        await client.post("/console/api/access-cards/1/unlock", json={}),
        401,
        "staff-sign-in-required",
    )
    await staff_signed_in(owner_conn, client)
    missing = await client.post(
        "/console/api/people/999999999/access-cards", headers={"Accept-Language": "en"}, json={}
    )
    assert assert_problem(missing, 404, "card-holder-not-found")["title"] == "No such person"
    assert_problem(
        await client.post("/console/api/access-cards/999999999/unlock", json={}),
        404,
        "card-not-found",
    )
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM access_cards WHERE person_id = $1", account.person_id
        )
        == 0
    )


async def test_card_sign_in_refuses_malformed_forms(
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    sessions = await owner_conn.fetchval("SELECT count(*) FROM sessions")
    for card, pin, field in (
        ("hcc_abc", "12345", "pin"),
        ("hcc_abc", "abcdef", "pin"),
        ("", "493028", "card"),
        ("hcc abc", "493028", "card"),
    ):
        answer = await verify(client, key, card, pin)
        assert answer.status_code == 400, answer.text
        assert f'id="{field}-error"' in answer.text
    assert await owner_conn.fetchval("SELECT count(*) FROM sessions") == sessions


async def test_card_sign_in_is_limited_per_address(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
) -> None:
    _, key = await enroll_kiosk(database_url, capsys)
    limit = settings.auth.sign_in_per_address_per_minute
    for _ in range(limit):
        answer = await verify(client, key, "hcc_unknown")
        assert answer.status_code == 401
    assert_problem(await verify(client, key, "hcc_unknown"), 429, "too-many-requests")


async def test_wrong_pins_are_throttled_per_kiosk(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    """Someone at a kiosk with a pile of photographed cards meets the kiosk's throttle
    (its channel's source) before they have locked many; another kiosk is not slowed."""
    _, key = await enroll_kiosk(database_url, capsys)
    _, other_key = await enroll_kiosk(database_url, capsys)
    await staff_signed_in(owner_conn, client)
    cards = []
    for _ in range(5):
        account = await person_with_pin(owner_conn, settings)
        cards.append(await issue(client, account.person_id))
    client.cookies.clear()
    for card in cards[:4]:
        for _ in range(5):
            answer = await verify(client, key, card["card_token"], "582913")
            assert answer.status_code in (401, 423), answer.text
    throttled = assert_problem(
        await verify(client, key, cards[4]["card_token"]), 429, "too-many-requests"
    )
    assert throttled["status"] == 429
    waited = await verify(client, key, cards[4]["card_token"])
    assert 1 <= int(waited.headers["retry-after"]) <= 600
    # The fifth card was not touched, and works at another kiosk.
    session_token(await verify(client, other_key, cards[4]["card_token"]))


async def test_a_kiosk_code_for_an_unknown_office_is_refused(
    database_url: str, capsys: pytest.CaptureFixture[str], owner_conn: asyncpg.Connection
) -> None:
    before = await owner_conn.fetchval("SELECT count(*) FROM kiosk_enrolment_codes")
    assert await kiosk_cli(database_url, "code", "--office", "atlantis", "--location", "x") == 2
    assert "no office 'atlantis'" in capsys.readouterr().err
    assert await kiosk_cli(database_url, "retire", "999999") == 1
    assert await owner_conn.fetchval("SELECT count(*) FROM kiosk_enrolment_codes") == before
