"""Registered phones: a counter clerk registers a number (landlines too); caller ID and
the PIN sign in at aal 1 on the phone line; a call back to that number with the PIN
raises the same session to aal 2; 5 wrong PINs lock that phone only."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth.accounts import Account
from auth.secrets import new_token, token_hash
from auth.sessions import authenticate_access_token, has_recent_aal2
from auth.staff_sessions import insert_staff_session
from auth.staff_store import insert_staff
from server.settings import Settings
from tests.factories import bearer, make_account, make_person, sign_in
from tests.test_access_cards import check_id

PROBLEMS = "https://hanchang.moel.go.kr/problems/"
Client = AsyncTestClient[Litestar]
BIRTH = date(1958, 3, 9)
GOOD_PIN = "493028"
WRONG_PIN = "582914"
_landlines = itertools.count(1)


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    """No rate-limit windows and no cookie left over from the previous test."""
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


def landline() -> tuple[str, str]:
    """A Seoul landline, different each call: (as a clerk types it, as E.164)."""
    n = next(_landlines)
    return f"02-{3100 + n}-{2000 + n}", f"+822{3100 + n}{2000 + n}"


async def clerk(client: Client, owner_conn: asyncpg.Connection, office: str = "busan") -> int:
    """A signed-in clerk: the staff cookie is set on `client`."""
    staff = await insert_staff(owner_conn, name="김민수", office_code=office, role="clerk")
    token = new_token("hcs_")
    await insert_staff_session(
        owner_conn,
        staff_id=staff.id,
        token_hash=token_hash(token),
        now=await owner_conn.fetchval("SELECT now()"),
    )
    client.cookies.set("hanchang_staff", token, path="/console")
    return staff.id


async def person_with_pin(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, name: str
) -> Account:
    account = await make_account(owner_conn, settings, name=name, birth_date=BIRTH)
    tokens = await sign_in(owner_conn, settings, account)
    answer = await client.put("/v1/me/pin", json={"pin": GOOD_PIN}, headers=bearer(tokens))
    assert answer.status_code == 204, answer.text
    return account


async def register(client: Client, person_id: int, number: str, **headers: str) -> Any:
    """Register a number; a number to sign in with goes only to someone whose ID was just
    checked, so a first refusal (409 `id-check-needed`) is followed by the check."""
    path = f"/console/api/people/{person_id}/phones"
    answer = await client.post(path, json={"number": number}, headers=headers)
    if answer.status_code == 409 and answer.json()["type"].endswith("/id-check-needed"):
        await check_id(client, person_id)
        answer = await client.post(path, json={"number": number}, headers=headers)
    return answer


async def registered(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, name: str
) -> tuple[Account, int, str]:
    """A person with a PIN and a landline registered by a clerk: (account, phone id, E.164)."""
    account = await person_with_pin(client, owner_conn, settings, name)
    typed, e164 = landline()
    await clerk(client, owner_conn)
    answer = await register(client, account.person_id, typed)
    assert answer.status_code == 201, answer.text
    client.cookies.clear()
    return account, answer.json()["id"], e164


async def phone_sign_in(client: Client, number: str, pin: str, **headers: str) -> Any:
    return await client.post(
        "/v1/auth/phone/verify", json={"caller_number": number, "pin": pin}, headers=headers
    )


async def call_token_from_outbox(owner_conn: asyncpg.Connection, callback_id: str) -> str:
    """The token in the call's TwiML (the address its digits go to): only the call has it."""
    body = await owner_conn.fetchval(
        "SELECT body FROM dev_outbox WHERE channel = 'voice' AND body LIKE $1",
        f"%/phone/callbacks/{callback_id}/pin?token=%",
    )
    assert body is not None
    found = re.search(r"\?token=(hcb_[A-Za-z0-9_-]+)", body)
    assert found is not None
    return found.group(1)


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEMS + slug, body
    return body


async def has_recent_aal2_now(owner_conn: asyncpg.Connection, access_token: str) -> bool:
    session = await authenticate_access_token(owner_conn, access_token)
    assert session is not None
    return has_recent_aal2(session)


async def audit_actions(owner_conn: asyncpg.Connection, subject: str) -> list[str]:
    rows = await owner_conn.fetch(
        "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", subject
    )
    return [row["action"] for row in rows]


async def test_landline_registered_by_a_clerk_signs_in_at_aal1_on_the_phone(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await person_with_pin(client, owner_conn, settings, "박순자")
    typed, e164 = landline()
    staff_id = await clerk(client, owner_conn, office="daegu")
    answer = await register(client, account.person_id, typed)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["number"] == e164 and body["office"] == "daegu"
    row = await owner_conn.fetchrow("SELECT * FROM registered_phones WHERE id = $1", body["id"])
    assert row is not None
    assert row["registered_by"] == staff_id and row["person_id"] == account.person_id
    again = await register(client, account.person_id, e164, **{"Accept-Language": "en"})
    assert_problem(again, 409, "phone-already-registered")
    assert "already registered" in again.json()["detail"]

    signed_in = await phone_sign_in(client, e164, GOOD_PIN)
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    assert tokens["aal"] == 1
    session = await owner_conn.fetchrow(
        "SELECT aal, method, channel FROM sessions WHERE access_token_hash = $1",
        token_hash(tokens["access_token"]),
    )
    assert session is not None
    assert dict(session) == {"aal": 1, "method": "phone_pin", "channel": "phone"}
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200

    person_audit = await owner_conn.fetchrow(
        "SELECT actor, office, channel, details FROM audit_log "
        "WHERE action = 'auth.phone.registered' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert person_audit is not None
    assert person_audit["actor"] == f"staff:{staff_id}" and person_audit["office"] == "daegu"
    assert e164 not in str(person_audit["details"])  # masked, never the whole number
    assert "auth.phone.signed_in" in await audit_actions(owner_conn, f"account:{account.id}")


async def test_unknown_number_and_wrong_pin_give_the_same_problem(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, _, e164 = await registered(client, owner_conn, settings, "최영호")
    _, unknown = landline()
    wrong = await phone_sign_in(client, e164, WRONG_PIN)
    stranger = await phone_sign_in(client, unknown, GOOD_PIN)
    assert_problem(wrong, 401, "sign-in-failed")
    assert_problem(stranger, 401, "sign-in-failed")
    assert wrong.json() == stranger.json()
    assert "tries_left" not in wrong.json()
    english = await phone_sign_in(client, unknown, GOOD_PIN, **{"Accept-Language": "en"})
    assert english.json()["title"] == "We could not sign you in"
    assert stranger.json()["title"] != english.json()["title"]  # Korean by default
    refused = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'auth.phone.sign_in_refused'"
    )
    assert refused >= 2


async def test_a_number_shared_by_two_people_signs_nobody_in(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, _, e164 = await registered(client, owner_conn, settings, "한지민")
    second = await person_with_pin(client, owner_conn, settings, "한지수")
    await clerk(client, owner_conn)
    assert (await register(client, second.person_id, e164)).status_code == 201
    assert_problem(await phone_sign_in(client, e164, GOOD_PIN), 401, "sign-in-failed")


async def test_five_wrong_pins_lock_that_phone_only_until_a_clerk_unlocks_it(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, phone_id, e164 = await registered(client, owner_conn, settings, "정미경")
    for _ in range(4):
        assert_problem(await phone_sign_in(client, e164, WRONG_PIN), 401, "sign-in-failed")
    locked = await phone_sign_in(client, e164, WRONG_PIN, **{"Accept-Language": "en"})
    assert_problem(locked, 423, "phone-pin-locked")
    assert "counter" in locked.json()["detail"]
    # Even the right PIN: the phone is locked.
    assert_problem(await phone_sign_in(client, e164, GOOD_PIN), 423, "phone-pin-locked")
    row = await owner_conn.fetchrow(
        "SELECT pin_failures, locked_at FROM registered_phones WHERE id = $1", phone_id
    )
    assert row is not None
    assert row["pin_failures"] == 5 and row["locked_at"] is not None
    # The account and the app's PIN are untouched: the PIN still steps up in the app.
    app = await owner_conn.fetchrow(
        "SELECT app_pin_failures, app_pin_locked_at, hard_locked_at FROM accounts WHERE id = $1",
        account.id,
    )
    assert app is not None
    assert app["app_pin_failures"] == 0 and app["app_pin_locked_at"] is None
    tokens = await sign_in(owner_conn, settings, account)
    step_up = await client.post(
        "/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(tokens)
    )
    assert step_up.status_code == 200, step_up.text
    assert step_up.json()["aal"] == 2

    staff_id = await clerk(client, owner_conn)
    unlocked = await client.post(f"/console/api/phones/{phone_id}/unlock")
    assert unlocked.status_code == 204, unlocked.text
    assert (await phone_sign_in(client, e164, GOOD_PIN)).status_code == 200
    actions = await audit_actions(owner_conn, f"account:{account.id}")
    assert "auth.pin.credential_locked" in actions
    unlock_actor = await owner_conn.fetchval(
        "SELECT actor FROM audit_log WHERE action = 'auth.phone.unlocked' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert unlock_actor == f"staff:{staff_id}"


async def test_callback_to_the_registered_number_and_the_pin_raise_the_session_to_aal2(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, _, e164 = await registered(client, owner_conn, settings, "오세훈")
    tokens = (await phone_sign_in(client, e164, GOOD_PIN)).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    # aal 1 is not enough for personal data.
    assert not await has_recent_aal2_now(owner_conn, tokens["access_token"])

    started = await client.post("/v1/auth/phone/callback", headers=headers)
    assert started.status_code == 201, started.text
    callback_id = started.json()["id"]
    outbox = await owner_conn.fetchrow(
        "SELECT channel, to_e164, body FROM dev_outbox ORDER BY id DESC LIMIT 1"
    )
    assert outbox is not None
    assert outbox["channel"] == "voice" and outbox["to_e164"] == e164
    assert "<Gather" in outbox["body"] and "비밀번호 6자리를 눌러 주세요" in outbox["body"]
    assert callback_id in outbox["body"] and "hang up" not in outbox["body"]  # Korean
    call_token = await call_token_from_outbox(owner_conn, callback_id)
    assert call_token not in started.text

    # Whoever holds the session (perhaps a spoofer) knows the id and the PIN, not the call's
    # token: without answering the registered phone, the call-back cannot be completed.
    for guess in ("", "hcb_guess"):
        spoofed = await client.post(
            f"/v1/auth/phone/callback/{callback_id}/verify",
            json={"pin": GOOD_PIN, "call_token": guess},
        )
        assert spoofed.status_code == 400, spoofed.text
    assert not await has_recent_aal2_now(owner_conn, tokens["access_token"])

    wrong = await client.post(
        f"/v1/auth/phone/callback/{callback_id}/verify",
        json={"pin": WRONG_PIN, "call_token": call_token},
    )
    assert_problem(wrong, 401, "pin-wrong")
    assert wrong.json()["tries_left"] == 4
    right = await client.post(
        f"/v1/auth/phone/callback/{callback_id}/verify",
        json={"pin": GOOD_PIN, "call_token": call_token},
    )
    assert right.status_code == 200, right.text
    assert right.json() == {"aal": 2}
    session = await owner_conn.fetchrow(
        "SELECT aal, method, revoked_at FROM sessions WHERE access_token_hash = $1",
        token_hash(tokens["access_token"]),
    )
    assert session is not None
    assert session["aal"] == 2 and session["method"] == "phone_pin+callback"
    assert session["revoked_at"] is None
    # The same tokens now open personal data.
    assert await has_recent_aal2_now(owner_conn, tokens["access_token"])
    # Single use.
    used = await client.post(
        f"/v1/auth/phone/callback/{callback_id}/verify",
        json={"pin": GOOD_PIN, "call_token": call_token},
    )
    assert_problem(used, 400, "callback-ended")
    assert_problem(
        await client.post("/v1/auth/phone/callback", headers=headers), 409, "pin-not-needed"
    )
    actions = await audit_actions(owner_conn, f"account:{account.id}")
    assert "auth.phone.callback_placed" in actions and "auth.session.stepped_up" in actions


async def test_callback_needs_a_phone_session_and_a_live_callback(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, _, _ = await registered(client, owner_conn, settings, "유재석")
    app_tokens = await sign_in(owner_conn, settings, account)
    refused = await client.post(
        "/v1/auth/phone/callback", headers={**bearer(app_tokens), "Accept-Language": "en"}
    )
    assert_problem(refused, 409, "phone-session-needed")
    assert_problem(await client.post("/v1/auth/phone/callback"), 401, "unauthorized")
    unknown = await client.post(
        f"/v1/auth/phone/callback/{uuid.uuid4()}/verify",
        json={"pin": GOOD_PIN, "call_token": "hcb_unknown"},
    )
    assert_problem(unknown, 400, "callback-ended")


async def test_removed_number_is_refused_at_once(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, phone_id, e164 = await registered(client, owner_conn, settings, "김영희")
    tokens = (await phone_sign_in(client, e164, GOOD_PIN)).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    callback_id = (await client.post("/v1/auth/phone/callback", headers=headers)).json()["id"]
    call_token = await call_token_from_outbox(owner_conn, callback_id)

    staff_id = await clerk(client, owner_conn)
    removed = await client.delete(f"/console/api/people/{account.person_id}/phones/{phone_id}")
    assert removed.status_code == 204, removed.text
    again = await client.delete(f"/console/api/people/{account.person_id}/phones/{phone_id}")
    assert_problem(again, 404, "not-found")
    client.cookies.clear()

    assert_problem(await phone_sign_in(client, e164, GOOD_PIN), 401, "sign-in-failed")
    # The session that call began is over, and its pending call-back too.
    assert (await client.get("/v1/me", headers=headers)).status_code == 401
    late = await client.post(
        f"/v1/auth/phone/callback/{callback_id}/verify",
        json={"pin": GOOD_PIN, "call_token": call_token},
    )
    assert_problem(late, 400, "callback-ended")
    row = await owner_conn.fetchrow(
        "SELECT removed_at, removed_by FROM registered_phones WHERE id = $1", phone_id
    )
    assert row is not None
    assert row["removed_at"] is not None and row["removed_by"] == staff_id
    assert "auth.phone.removed" in await audit_actions(owner_conn, f"person:{account.person_id}")


async def test_console_needs_a_staff_session_and_good_input(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    person = await make_person(owner_conn, settings, name="이도윤")
    assert_problem(await register(client, person.id, "02-1234-5678"), 401, "staff-sign-in-required")
    # A citizen's bearer token opens nothing under /console.
    account = await make_account(owner_conn, settings, name="이서윤")
    citizen = await register(
        client,
        account.person_id,
        "02-1234-5678",
        **bearer(await sign_in(owner_conn, settings, account)),
    )
    assert_problem(citizen, 401, "staff-sign-in-required")
    assert_problem(await client.post("/console/api/phones/1/unlock"), 401, "staff-sign-in-required")

    await clerk(client, owner_conn)
    bad = await register(client, person.id, "12345", **{"Accept-Language": "en"})
    body = assert_problem(bad, 400, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["body.number"]
    assert "02-1234-5678" in body["errors"][0]["detail"]
    missing = await client.post(f"/console/api/people/{person.id}/phones", json={})
    assert_problem(missing, 400, "validation-error")
    assert_problem(await register(client, 987654321, "02-1234-5678"), 404, "not-found")
    assert_problem(await client.post("/console/api/phones/987654321/unlock"), 404, "not-found")
    count = await owner_conn.fetchval(
        "SELECT count(*) FROM registered_phones WHERE person_id = $1", person.id
    )
    assert count == 0


async def test_phone_verify_bad_input_and_rate_limit(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    bad_number = await phone_sign_in(client, "not-a-number", GOOD_PIN, **{"Accept-Language": "en"})
    body = assert_problem(bad_number, 400, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["body.caller_number"]
    bad_pin = await phone_sign_in(client, "02-1234-5678", "12ab")
    assert [e["field"] for e in assert_problem(bad_pin, 400, "validation-error")["errors"]] == [
        "body.pin"
    ]
    _, unknown = landline()
    limit = settings.auth.sign_in_per_address_per_minute
    statuses = [(await phone_sign_in(client, unknown, GOOD_PIN)).status_code for _ in range(limit)]
    assert 429 in statuses
