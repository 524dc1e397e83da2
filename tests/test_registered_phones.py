"""Registered phones: a counter clerk registers a number (landlines too); caller ID and
the PIN sign in at aal 1 on the phone line; a call back to that number with the PIN
raises the same session to aal 2; 5 wrong PINs lock that phone only.

The counter's part goes through its routes. The phone line's part is the core
(`verify_phone_sign_in`, `start_callback`, `complete_callback`), called here as the
phone line's Twilio-signed webhooks will call it: no JSON route takes a caller number,
since anyone could type one."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import (
    CALLBACK_ENDED,
    PHONE_PIN_LOCKED,
    PHONE_SESSION_NEEDED,
    PIN_NOT_NEEDED,
    PIN_WRONG,
    SIGN_IN_FAILED,
    Account,
    authenticate_access_token,
    has_recent_aal2,
    limit_key,
    mask_phone,
    new_token,
    token_hash,
)
from auth.staff import insert_staff, insert_staff_session
from foundation.problems import TOO_MANY_REQUESTS, Problem
from foundation.settings import Settings
from tests.support.factories import bearer, last_audit_details, make_account, make_person, sign_in
from tests.support.identity_checks import check_id
from tests.support.problems import assert_problem
from tests.support.registered_phones import (
    BIRTH,
    GOOD_PIN,
    WRONG_PIN,
    answer_callback,
    ask_for_callback,
    call_sid,
    call_token_from_outbox,
    person_with_pin,
    phone_sign_in,
    refused,
    refused_any,
)

Client = AsyncTestClient[Litestar]
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
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    name: str,
    *,
    pin: bool = True,
) -> tuple[Account, int, str]:
    """A person with a PIN (unless told) and a landline registered by a clerk: (account,
    phone id, E.164)."""
    if pin:
        account = await person_with_pin(client, owner_conn, settings, name)
    else:
        account = await make_account(owner_conn, settings, name=name, birth_date=BIRTH)
    typed, e164 = landline()
    await clerk(client, owner_conn)
    answer = await register(client, account.person_id, typed)
    assert answer.status_code == 201, answer.text
    client.cookies.clear()
    return account, answer.json()["id"], e164


async def has_recent_aal2_now(owner_conn: asyncpg.Connection, access_token: str) -> bool:
    session = await authenticate_access_token(owner_conn, access_token)
    assert session is not None
    return has_recent_aal2(session)


async def audit_actions(owner_conn: asyncpg.Connection, subject: str) -> list[str]:
    rows = await owner_conn.fetch(
        "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", subject
    )
    return [row["action"] for row in rows]


async def refusals_of(owner_conn: asyncpg.Connection, e164: str) -> list[dict[str, Any]]:
    """The committed `auth.phone.sign_in_refused` rows for a number (its masked form)."""
    rows = await owner_conn.fetch(
        "SELECT actor, channel, details FROM audit_log "
        "WHERE action = 'auth.phone.sign_in_refused' AND details->>'number' = $1 ORDER BY id",
        mask_phone(e164),
    )
    return [{**row, "details": msgspec.json.decode(row["details"])} for row in rows]


async def test_landline_registered_by_a_clerk_signs_in_at_aal1_on_the_phone(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, db_pool: asyncpg.Pool
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

    tokens = await phone_sign_in(db_pool, settings, e164, GOOD_PIN)
    assert tokens.aal == 1 and tokens.suggest == ["phone_callback"]
    session = await owner_conn.fetchrow(
        "SELECT id, aal, method, channel FROM sessions WHERE access_token_hash = $1",
        token_hash(tokens.access_token),
    )
    assert session is not None
    assert (session["aal"], session["method"], session["channel"]) == (1, "phone_pin", "phone")
    linked = await owner_conn.fetchval(
        "SELECT phone_id FROM phone_sessions WHERE session_id = $1", session["id"]
    )
    assert linked == body["id"]
    me = await client.get("/v1/me", headers=bearer(tokens))
    assert me.status_code == 200

    person_audit = await owner_conn.fetchrow(
        "SELECT actor, office, channel, details FROM audit_log "
        "WHERE action = 'auth.phone.registered' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert person_audit is not None
    assert person_audit["actor"] == f"staff:{staff_id}" and person_audit["office"] == "daegu"
    assert e164 not in str(person_audit["details"])  # masked, never the whole number
    signed_in = await owner_conn.fetchrow(
        "SELECT actor, channel, details FROM audit_log "
        "WHERE action = 'auth.phone.signed_in' AND subject = $1",
        f"account:{account.id}",
    )
    assert signed_in is not None
    assert signed_in["actor"] == f"account:{account.id}" and signed_in["channel"] == "phone"
    assert e164 not in str(signed_in["details"])
    # The sign-in row names the session; a call has no client address (Twilio brings it).
    assert await last_audit_details(
        owner_conn, "auth.sign_in.succeeded", f"account:{account.id}"
    ) == {"method": "phone_pin", "session": str(session["id"])}


async def test_unknown_number_no_pin_and_wrong_pin_give_the_same_problem(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    _, phone_id, e164 = await registered(client, owner_conn, settings, "최영호")
    _, _, without_pin = await registered(client, owner_conn, settings, "최영수", pin=False)
    _, unknown = landline()
    wrong = await refused(phone_sign_in(db_pool, settings, e164, WRONG_PIN), SIGN_IN_FAILED)
    stranger = await refused(phone_sign_in(db_pool, settings, unknown, GOOD_PIN), SIGN_IN_FAILED)
    no_pin = await refused(phone_sign_in(db_pool, settings, without_pin, GOOD_PIN), SIGN_IN_FAILED)
    # Whatever the phone line says or does with it, nothing tells a registered number apart.
    for locale in ("ko", "en"):
        assert wrong.body(locale) == stranger.body(locale) == no_pin.body(locale)
    assert wrong.headers == stranger.headers == no_pin.headers == {}
    assert "tries_left" not in wrong.body("en")
    assert stranger.body("en")["title"] == "We could not sign you in"
    assert stranger.body("ko")["title"] != stranger.body("en")["title"]
    # Caller ID can be faked: the wrong PIN counts towards no lock, only the caller's
    # throttles; its audit row is kept although the sign-in failed.
    assert wrong.commit_first
    failures = await owner_conn.fetchval(
        "SELECT pin_failures FROM registered_phones WHERE id = $1", phone_id
    )
    assert failures == 0
    # The unknown number's refusal is kept in the audit, with the number masked.
    assert await refusals_of(owner_conn, unknown) == [
        {
            "actor": "anonymous",
            "channel": "phone",
            "details": {"number": mask_phone(unknown), "reason": "unknown_number"},
        }
    ]
    assert mask_phone(unknown) != unknown


async def test_a_number_shared_by_two_people_signs_nobody_in(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    first, _, e164 = await registered(client, owner_conn, settings, "한지민")
    second = await person_with_pin(client, owner_conn, settings, "한지수")
    await clerk(client, owner_conn)
    assert (await register(client, second.person_id, e164)).status_code == 201
    await refused(phone_sign_in(db_pool, settings, e164, GOOD_PIN), SIGN_IN_FAILED)
    assert [r["details"]["reason"] for r in await refusals_of(owner_conn, e164)] == [
        "shared_number"
    ]
    for account in (first, second):
        assert "auth.phone.signed_in" not in await audit_actions(
            owner_conn, f"account:{account.id}"
        )


async def forget_the_hour(settings: Settings, *numbers: str) -> None:
    """As if an hour had passed for these numbers' hourly throttle (not the daily one)."""
    redis = Redis.from_url(settings.redis.url)
    for number in numbers:
        await redis.delete(limit_key(settings.auth, "phone-pin-number", number))
    await redis.aclose()


async def test_wrong_pins_on_incoming_calls_lock_nothing_and_meet_the_daily_cap(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    account, phone_id, e164 = await registered(client, owner_conn, settings, "정미경")
    _, unknown = landline()

    async def both(pin: str, calls: tuple[str, str] | None = None) -> tuple[Problem, Problem]:
        """The same try from the registered number and from an unknown one (on new calls,
        unless given one each)."""
        first, second = calls or (call_sid(), call_sid())
        known = await refused_any(phone_sign_in(db_pool, settings, e164, pin, call=first))
        stranger = await refused_any(phone_sign_in(db_pool, settings, unknown, pin, call=second))
        return known, stranger

    # Three wrong PINs a call; the fourth try on it waits, whatever the number.
    calls = (call_sid(), call_sid())
    for _ in range(3):
        known, stranger = await both(WRONG_PIN, calls)
        assert known.kind is stranger.kind is SIGN_IN_FAILED
    known, stranger = await both(GOOD_PIN, calls)
    assert known.kind is stranger.kind is TOO_MANY_REQUESTS
    # Five an hour per number (three are spent): then even the right PIN waits, alike.
    for _ in range(2):
        known, stranger = await both(WRONG_PIN)
        assert known.kind is stranger.kind is SIGN_IN_FAILED
    known, stranger = await both(GOOD_PIN)
    assert known.kind is stranger.kind is TOO_MANY_REQUESTS
    assert known.body("en") == stranger.body("en")
    assert 3500 <= int(known.headers["Retry-After"]) <= 3600
    # Ten a day per number: the phone line's daily cap.
    await forget_the_hour(settings, e164, unknown)
    for _ in range(5):
        known, stranger = await both(WRONG_PIN)
        assert known.kind is stranger.kind is SIGN_IN_FAILED
    await forget_the_hour(settings, e164, unknown)
    known, stranger = await both(GOOD_PIN)
    assert known.kind is stranger.kind is TOO_MANY_REQUESTS
    assert 86000 <= int(known.headers["Retry-After"]) <= 86400

    # Nothing is locked or counted: the phone, the account and the app's PIN are as they were.
    phone = await owner_conn.fetchrow(
        "SELECT pin_failures, locked_at FROM registered_phones WHERE id = $1", phone_id
    )
    assert phone is not None and dict(phone) == {"pin_failures": 0, "locked_at": None}
    counts = await owner_conn.fetchrow(
        "SELECT consecutive_failures, app_pin_failures, hard_locked_at FROM accounts WHERE id = $1",
        account.id,
    )
    assert counts is not None
    assert dict(counts) == {
        "consecutive_failures": 0,
        "app_pin_failures": 0,
        "hard_locked_at": None,
    }
    tokens = await sign_in(owner_conn, settings, account)
    step_up = await client.post(
        "/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(tokens)
    )
    assert step_up.status_code == 200, step_up.text


async def test_five_wrong_pins_on_call_backs_lock_that_phone_only_until_a_clerk_unlocks_it(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    account, phone_id, e164 = await registered(client, owner_conn, settings, "정미란")
    earlier = await phone_sign_in(db_pool, settings, e164, GOOD_PIN)
    callback = await ask_for_callback(db_pool, settings, earlier)
    call_token = await call_token_from_outbox(owner_conn, callback.id)
    # On a call we placed, the person holds the phone: wrong PINs count.
    for tries_left in (4, 3, 2, 1):
        wrong = await refused(
            answer_callback(db_pool, settings, callback.id, WRONG_PIN, call_token), PIN_WRONG
        )
        assert wrong.extra == {"tries_left": tries_left}
    locked = await refused(
        answer_callback(db_pool, settings, callback.id, WRONG_PIN, call_token), PHONE_PIN_LOCKED
    )
    assert locked.kind.status == 423 and locked.commit_first
    assert "counter" in locked.body("en")["detail"]
    # An incoming call is told of the lock only with the right PIN; a wrong one answers as
    # for any number. Nor is a session it began called back.
    await refused(phone_sign_in(db_pool, settings, e164, WRONG_PIN), SIGN_IN_FAILED)
    await refused(phone_sign_in(db_pool, settings, e164, GOOD_PIN), PHONE_PIN_LOCKED)
    await refused(ask_for_callback(db_pool, settings, earlier), PHONE_PIN_LOCKED)
    row = await owner_conn.fetchrow(
        "SELECT pin_failures, locked_at FROM registered_phones WHERE id = $1", phone_id
    )
    assert row is not None
    assert row["pin_failures"] == 5 and row["locked_at"] is not None
    # The account counted them towards its lock at 100; the app's PIN is untouched and
    # still steps up in the app (which starts the account's count again).
    app = await owner_conn.fetchrow(
        "SELECT consecutive_failures, app_pin_failures, app_pin_locked_at, hard_locked_at "
        "FROM accounts WHERE id = $1",
        account.id,
    )
    assert app is not None and dict(app) == {
        "consecutive_failures": 5,
        "app_pin_failures": 0,
        "app_pin_locked_at": None,
        "hard_locked_at": None,
    }
    tokens = await sign_in(owner_conn, settings, account)
    step_up = await client.post(
        "/v1/auth/pin/verify", json={"pin": GOOD_PIN}, headers=bearer(tokens)
    )
    assert step_up.status_code == 200, step_up.text
    assert step_up.json()["aal"] == 2

    staff_id = await clerk(client, owner_conn)
    unlocked = await client.post(f"/console/api/phones/{phone_id}/unlock", json={})
    assert unlocked.status_code == 204, unlocked.text
    assert (await phone_sign_in(db_pool, settings, e164, GOOD_PIN)).aal == 1
    locked_audit = await owner_conn.fetchrow(
        "SELECT channel, details FROM audit_log "
        "WHERE action = 'auth.pin.credential_locked' AND subject = $1",
        f"account:{account.id}",
    )
    assert locked_audit is not None
    assert locked_audit["channel"] == "phone"
    assert msgspec.json.decode(locked_audit["details"]) == {"credential": "phone", "wrong_pins": 5}
    assert (await audit_actions(owner_conn, f"account:{account.id}")).count(
        "auth.sign_in.failed"
    ) == 6
    unlock_actor = await owner_conn.fetchval(
        "SELECT actor FROM audit_log WHERE action = 'auth.phone.unlocked' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert unlock_actor == f"staff:{staff_id}"


async def test_callback_to_the_registered_number_and_the_pin_raise_the_session_to_aal2(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    account, phone_id, e164 = await registered(client, owner_conn, settings, "오세훈")
    tokens = await phone_sign_in(db_pool, settings, e164, GOOD_PIN)
    # aal 1 is not enough for personal data.
    assert not await has_recent_aal2_now(owner_conn, tokens.access_token)

    started = await ask_for_callback(db_pool, settings, tokens)
    callback_id = started.id
    outbox = await owner_conn.fetchrow(
        "SELECT channel, to_e164, body FROM dev_outbox ORDER BY id DESC LIMIT 1"
    )
    assert outbox is not None
    assert outbox["channel"] == "voice" and outbox["to_e164"] == e164
    assert "<Gather" in outbox["body"] and "비밀번호 6자리를 눌러 주세요" in outbox["body"]
    assert str(callback_id) in outbox["body"] and "hang up" not in outbox["body"]  # Korean
    call_token = await call_token_from_outbox(owner_conn, callback_id)
    # What the session's holder is told does not carry the call's token.
    assert call_token not in msgspec.json.encode(started).decode()

    # Whoever holds the session (perhaps a spoofer) knows the id and the PIN, not the call's
    # token: without answering the registered phone, the call-back cannot be completed.
    for guess in ("", "hcb_guess", call_token[:-1]):
        await refused(
            answer_callback(db_pool, settings, callback_id, GOOD_PIN, guess), CALLBACK_ENDED
        )
    assert not await has_recent_aal2_now(owner_conn, tokens.access_token)

    wrong = await refused(
        answer_callback(db_pool, settings, callback_id, WRONG_PIN, call_token), PIN_WRONG
    )
    assert wrong.extra == {"tries_left": 4} and wrong.body("en")["tries_left"] == 4
    failures = await owner_conn.fetchval(
        "SELECT pin_failures FROM registered_phones WHERE id = $1", phone_id
    )
    assert failures == 1
    session_id = await owner_conn.fetchval(
        "SELECT session_id FROM phone_callbacks WHERE id = $1", callback_id
    )
    # The call-back goes on in the session that asked for it.
    assert await answer_callback(db_pool, settings, callback_id, GOOD_PIN, call_token) == (
        session_id
    )
    session = await owner_conn.fetchrow(
        "SELECT aal, method, revoked_at FROM sessions WHERE access_token_hash = $1",
        token_hash(tokens.access_token),
    )
    assert session is not None
    assert session["aal"] == 2 and session["method"] == "phone_pin+callback"
    assert session["revoked_at"] is None
    # The same tokens now open personal data.
    assert await has_recent_aal2_now(owner_conn, tokens.access_token)
    # Single use.
    await refused(
        answer_callback(db_pool, settings, callback_id, GOOD_PIN, call_token), CALLBACK_ENDED
    )
    await refused(ask_for_callback(db_pool, settings, tokens), PIN_NOT_NEEDED)
    actions = await audit_actions(owner_conn, f"account:{account.id}")
    assert "auth.phone.callback_placed" in actions and "auth.session.stepped_up" in actions
    stepped_up_details = await owner_conn.fetchval(
        "SELECT details FROM audit_log WHERE action = 'auth.session.stepped_up' AND subject = $1",
        f"account:{account.id}",
    )
    stepped_up = msgspec.json.decode(stepped_up_details)
    assert stepped_up["method"] == "phone_pin+callback"
    assert stepped_up["callback"] == str(callback_id) and stepped_up["phone_id"] == phone_id


async def test_the_callback_speaks_the_language_it_was_asked_in(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    _, _, e164 = await registered(client, owner_conn, settings, "이수진")
    tokens = await phone_sign_in(db_pool, settings, e164, GOOD_PIN)
    started = await ask_for_callback(db_pool, settings, tokens, locale="en")
    body = await owner_conn.fetchval(
        "SELECT body FROM dev_outbox WHERE channel = 'voice' AND body LIKE $1",
        f"%{started.id}%",
    )
    assert 'language="en-US"' in body and "enter your 6-digit PIN" in body


async def test_callback_needs_a_phone_session_and_a_live_callback(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    account, _, e164 = await registered(client, owner_conn, settings, "유재석")
    app_tokens = await sign_in(owner_conn, settings, account)
    not_by_phone = await refused(
        ask_for_callback(db_pool, settings, app_tokens), PHONE_SESSION_NEEDED
    )
    assert "registered phone" in not_by_phone.body("en")["detail"]
    await refused(
        answer_callback(db_pool, settings, uuid.uuid4(), GOOD_PIN, "hcb_unknown"), CALLBACK_ENDED
    )
    # A call-back not answered within its 5 minutes has ended.
    tokens = await phone_sign_in(db_pool, settings, e164, GOOD_PIN)
    started = await ask_for_callback(db_pool, settings, tokens)
    call_token = await call_token_from_outbox(owner_conn, started.id)
    await owner_conn.execute(
        "UPDATE phone_callbacks SET expires_at = now() - interval '1 second' WHERE id = $1",
        started.id,
    )
    await refused(
        answer_callback(db_pool, settings, started.id, GOOD_PIN, call_token), CALLBACK_ENDED
    )
    assert not await has_recent_aal2_now(owner_conn, tokens.access_token)


async def test_removed_number_is_refused_at_once(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, db_pool: asyncpg.Pool
) -> None:
    account, phone_id, e164 = await registered(client, owner_conn, settings, "김영희")
    tokens = await phone_sign_in(db_pool, settings, e164, GOOD_PIN)
    callback_id = (await ask_for_callback(db_pool, settings, tokens)).id
    call_token = await call_token_from_outbox(owner_conn, callback_id)

    staff_id = await clerk(client, owner_conn)
    removed = await client.delete(f"/console/api/people/{account.person_id}/phones/{phone_id}")
    assert removed.status_code == 204, removed.text
    again = await client.delete(f"/console/api/people/{account.person_id}/phones/{phone_id}")
    assert_problem(again, 404, "not-found")
    client.cookies.clear()

    await refused(phone_sign_in(db_pool, settings, e164, GOOD_PIN), SIGN_IN_FAILED)
    assert [r["details"]["reason"] for r in await refusals_of(owner_conn, e164)] == [
        "unknown_number"
    ]
    # The session that call began is over, and its pending call-back too.
    assert (await client.get("/v1/me", headers=bearer(tokens))).status_code == 401
    await refused(
        answer_callback(db_pool, settings, callback_id, GOOD_PIN, call_token), CALLBACK_ENDED
    )
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
    assert_problem(
        await client.post("/console/api/phones/1/unlock", json={}), 401, "staff-sign-in-required"
    )

    await clerk(client, owner_conn)
    bad = await register(client, person.id, "12345", **{"Accept-Language": "en"})
    body = assert_problem(bad, 400, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["body.number"]
    assert "02-1234-5678" in body["errors"][0]["detail"]
    missing = await client.post(f"/console/api/people/{person.id}/phones", json={})
    assert_problem(missing, 400, "validation-error")
    assert_problem(await register(client, 987654321, "02-1234-5678"), 404, "not-found")
    assert_problem(
        await client.post("/console/api/phones/987654321/unlock", json={}), 404, "not-found"
    )
    count = await owner_conn.fetchval(
        "SELECT count(*) FROM registered_phones WHERE person_id = $1", person.id
    )
    assert count == 0


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize(
    "path",
    [
        "/v1/auth/phone/verify",
        "/v1/auth/phone/callback",
        "/v1/auth/phone/callback/0b9a8f3e-52d6-4c1e-9f6a-3b2d1c0e9a87/verify",
    ],
)
async def test_no_json_route_signs_in_with_a_caller_number(
    client: Client, method: str, path: str
) -> None:
    """A caller number in a JSON body is whatever the sender types: the phone line takes it
    only from Twilio's signed webhooks. No other route serves these paths, with any method."""
    answer = await client.request(
        method,
        path,
        json={"caller_number": "02-1234-5678", "pin": GOOD_PIN, "call_token": "hcb_x"}
        if method == "POST"
        else None,
        headers={"Accept-Language": "en"},
    )
    body = assert_problem(answer, 404, "not-found")
    assert body["instance"] == path
    schema = (await client.get("/schema/openapi.json")).json()
    assert not [p for p in schema["paths"] if p.startswith("/v1/auth/phone")]
