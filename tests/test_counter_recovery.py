"""Recovery at the counter: unlock, PIN reset and one revocation after a recent ID match;
revoking everything and changing the phone of record only with a second person (a
supervisor or administrator of the same office who did not ask); the audit trail for
supervisors only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account, record_wrong_pin
from foundation.settings import Settings
from tests.support.counter_recovery import REASON, authenticators, person_with_pin, ways_in
from tests.support.factories import bearer, make_account, sign_in
from tests.support.identity_checks import verify
from tests.support.problems import assert_problem
from tests.support.staff import Desk

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}
NEW_PIN = "482913"


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


async def pin_step_up(
    owner_conn: asyncpg.Connection, settings: Settings, client: Client, account: Account, pin: str
) -> Any:
    tokens = await sign_in(owner_conn, settings, account)
    return await client.post("/v1/auth/pin/verify", json={"pin": pin}, headers=bearer(tokens))


async def actions(owner_conn: asyncpg.Connection, person_id: int) -> list[asyncpg.Record]:
    return await owner_conn.fetch(
        "SELECT actor, action, office, channel, reason, details FROM audit_log "
        "WHERE subject = $1 ORDER BY id",
        f"person:{person_id}",
    )


async def test_hard_locked_person_is_unlocked_the_same_day_and_signs_in(
    settings: Settings, desk: Desk, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(owner_conn, settings, client, name="박잠금")
    await owner_conn.execute(
        "UPDATE accounts SET consecutive_failures = 99 WHERE id = $1", account.id
    )
    await record_wrong_pin(
        owner_conn, account.id, credential="app", channel="app", address="192.0.2.1"
    )
    locked = await pin_step_up(owner_conn, settings, client, account, "739164")
    assert locked.status_code == 401, locked.text

    clerk = await desk.staff()
    console = desk.as_(clerk)
    # No unlock without a matching ID check in the last 30 minutes.
    refused = await console.post(f"/console/api/people/{account.person_id}/unlock", json=REASON)
    assert_problem(refused, 409, "recent-identity-check-needed")
    assert refused.json()["title"] == "먼저 신분증을 다시 확인해 주세요"
    assert (await verify(console, account.person_id, result="mismatch")).status_code == 201
    refused = await console.post(
        f"/console/api/people/{account.person_id}/unlock", json=REASON, headers=EN
    )
    assert assert_problem(refused, 409, "recent-identity-check-needed")["title"] == (
        "Check the person's ID again first"
    )
    # A match from 31 minutes ago is too old.
    assert (await verify(console, account.person_id)).status_code == 201
    await owner_conn.execute(
        "UPDATE identity_verifications SET verified_at = now() - interval '31 minutes' "
        "WHERE person_id = $1",
        account.person_id,
    )
    refused = await console.post(f"/console/api/people/{account.person_id}/unlock", json=REASON)
    assert_problem(refused, 409, "recent-identity-check-needed")

    assert (await verify(console, account.person_id)).status_code == 201
    unlocked = await console.post(f"/console/api/people/{account.person_id}/unlock", json=REASON)
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["was_locked_until_counter"] is True
    row = await owner_conn.fetchrow(
        "SELECT consecutive_failures, hard_locked_at FROM accounts WHERE id = $1", account.id
    )
    assert row is not None
    assert dict(row) == {"consecutive_failures": 0, "hard_locked_at": None}

    again = await pin_step_up(owner_conn, settings, client, account, "739164")
    assert again.status_code == 200, again.text
    assert again.json()["aal"] == 2
    audit = await owner_conn.fetchrow(
        "SELECT actor, office, channel, reason FROM audit_log "
        "WHERE action = 'auth.account.unlocked' AND subject = $1",
        f"account:{account.id}",
    )
    assert audit is not None
    assert dict(audit) == {
        "actor": f"staff:{clerk}",
        "office": "busan",
        "channel": "counter",
        "reason": "잃어버린 휴대전화",
    }


async def test_pin_reset_then_a_new_pin_works(
    settings: Settings, desk: Desk, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(owner_conn, settings, client, name="이잊음")
    clerk = await desk.staff()
    console = desk.as_(clerk)
    refused = await console.post(f"/console/api/people/{account.person_id}/pin-reset", json=REASON)
    assert_problem(refused, 409, "recent-identity-check-needed")
    assert await owner_conn.fetchval(
        "SELECT pin_hash IS NOT NULL FROM accounts WHERE id = $1", account.id
    )
    assert (await verify(console, account.person_id)).status_code == 201
    reset = await console.post(f"/console/api/people/{account.person_id}/pin-reset", json=REASON)
    assert reset.status_code == 200, reset.text
    assert reset.json()["had_pin"] is True

    old = await pin_step_up(owner_conn, settings, client, account, "739164")
    assert_problem(old, 409, "no-pin")
    # On the spot: a fresh sign-in sets a first PIN, which then completes aal 2.
    tokens = await sign_in(owner_conn, settings, account)
    answer = await client.put("/v1/me/pin", json={"pin": NEW_PIN}, headers=bearer(tokens))
    assert answer.status_code == 204, answer.text
    stepped = await client.post(
        "/v1/auth/pin/verify", json={"pin": NEW_PIN}, headers=bearer(tokens)
    )
    assert stepped.status_code == 200, stepped.text
    assert [r["action"] for r in await actions(owner_conn, account.person_id)][-1] == (
        "counter.pin_reset"
    )


async def test_revoke_all_needs_a_supervisor_of_the_office(
    settings: Settings, desk: Desk, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="정분실")
    clerk = await desk.staff()
    other_clerk = await desk.staff()
    elsewhere = await desk.staff("supervisor", office="daegu")
    supervisor = await desk.staff("supervisor")
    held = await authenticators(owner_conn, settings, account, clerk)
    before = await ways_in(owner_conn, account)
    assert before == {
        "passkeys": 1,
        "totp": 1,
        "recovery_codes": 10,
        "cards": 1,
        "phones": 1,
        "sessions": 1,
    }

    console = desk.as_(clerk)
    body = {"action": "revoke_all_authenticators", "reason": "명의 도용 신고"}
    url = f"/console/api/people/{account.person_id}/recovery-requests"
    assert_problem(await console.post(url, json=body), 409, "recent-identity-check-needed")
    assert (await verify(console, account.person_id)).status_code == 201
    asked = await console.post(url, json=body)
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    assert asked.json()["status"] == "pending"
    assert await ways_in(owner_conn, account) == before  # a clerk alone changes nothing

    approve = f"/console/api/recovery-requests/{request_id}/approve"
    for staff_id in (clerk, other_clerk, elsewhere):
        refused = await desk.as_(staff_id).post(approve, json={})
        assert_problem(refused, 403, "approval-not-allowed")
    refused = await desk.as_(clerk).post(approve, headers=EN, json={})
    assert assert_problem(refused, 403, "approval-not-allowed")["title"] == (
        "You cannot decide on this request"
    )
    assert refused.json()["detail"].startswith("A supervisor or administrator")
    assert await ways_in(owner_conn, account) == before
    assert (
        await owner_conn.fetchval("SELECT status FROM recovery_requests WHERE id = $1", request_id)
        == "pending"
    )
    # Clerks do not see the office's queue; the supervisor of another office does not see it.
    assert_problem(
        await desk.as_(clerk).get("/console/api/recovery-requests"), 403, "supervisor-only"
    )
    assert (await desk.as_(elsewhere).get("/console/api/recovery-requests")).json() == {
        "requests": []
    }
    queue = await desk.as_(supervisor).get("/console/api/recovery-requests?status=pending")
    assert [r["id"] for r in queue.json()["requests"]] == [request_id]

    approved = await desk.as_(supervisor).post(approve, json={})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == supervisor
    assert await ways_in(owner_conn, account) == {
        "passkeys": 0,
        "totp": 0,
        "recovery_codes": 0,
        "cards": 0,
        "phones": 0,
        "sessions": 0,
    }
    gone = await client.get("/v1/me/sessions", headers=bearer(held["tokens"]))
    assert gone.status_code == 401
    assert_problem(
        await desk.as_(supervisor).post(approve, json={}), 409, "recovery-request-decided"
    )

    rows = await actions(owner_conn, account.person_id)
    refusals = [r for r in rows if r["action"] == "counter.recovery_decision_refused"]
    assert {r["actor"] for r in refusals} == {
        f"staff:{clerk}",
        f"staff:{other_clerk}",
        f"staff:{elsewhere}",
    }
    done = next(r for r in rows if r["action"] == "counter.all_authenticators_revoked")
    details = json.loads(done["details"])
    assert done["actor"] == f"staff:{supervisor}"
    assert (done["office"], done["channel"], done["reason"]) == (
        "busan",
        "counter",
        "명의 도용 신고",
    )
    assert details["two_person"] is True
    assert details["requested_by"] == f"staff:{clerk}"
    assert details["decided_by"] == f"staff:{supervisor}"
    assert details["passkeys"] == [held["passkey"]]


async def test_change_of_phone_of_record_needs_a_second_person(
    settings: Settings, desk: Desk, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="최번호", phone_e164="+821055550001")
    supervisor = await desk.staff("supervisor")
    admin = await desk.staff("admin")
    console = desk.as_(supervisor)
    assert (await verify(console, account.person_id)).status_code == 201
    url = f"/console/api/people/{account.person_id}/recovery-requests"
    asked = await console.post(
        url,
        json={
            "action": "change_phone_of_record",
            "reason": "번호 변경",
            "new_phone": "010-5555-0002",
        },
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["new_phone_masked"] == "+8210****0002"
    tokens = await sign_in(owner_conn, settings, account)
    approve = f"/console/api/recovery-requests/{asked.json()['id']}/approve"
    # A supervisor cannot approve their own request either.
    assert_problem(await console.post(approve, json={}), 403, "approval-not-allowed")
    phone = "SELECT phone_e164 FROM people WHERE id = $1"
    assert await owner_conn.fetchval(phone, account.person_id) == "+821055550001"

    approved = await desk.as_(admin).post(approve, json={})
    assert approved.status_code == 200, approved.text
    assert await owner_conn.fetchval(phone, account.person_id) == "+821055550002"
    assert (await client.get("/v1/me/sessions", headers=bearer(tokens))).status_code == 401
    done = [
        r
        for r in await actions(owner_conn, account.person_id)
        if r["action"] == "counter.phone_of_record_changed"
    ]
    assert len(done) == 1 and done[0]["actor"] == f"staff:{admin}"
    assert "+821055550001" not in done[0]["details"]  # masked in the audit log


async def test_refused_and_expired_requests_change_nothing(
    settings: Settings, desk: Desk, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="한거절", phone_e164="+821055550003")
    clerk = await desk.staff()
    supervisor = await desk.staff("supervisor")
    console = desk.as_(clerk)
    assert (await verify(console, account.person_id)).status_code == 201
    url = f"/console/api/people/{account.person_id}/recovery-requests"
    body = {"action": "change_phone_of_record", "reason": "번호 변경", "new_phone": "01055550004"}
    first = (await console.post(url, json=body)).json()["id"]
    second = (await console.post(url, json=body)).json()["id"]

    boss = desk.as_(supervisor)
    assert_problem(
        await boss.post(f"/console/api/recovery-requests/{first}/refuse", json={"reason": " "}),
        400,
        "validation-error",
    )
    refused = await boss.post(
        f"/console/api/recovery-requests/{first}/refuse", json={"reason": "본인 아님"}
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"
    assert_problem(
        await boss.post(f"/console/api/recovery-requests/{first}/approve", json={}),
        409,
        "recovery-request-decided",
    )
    await owner_conn.execute(
        "UPDATE recovery_requests SET requested_at = now() - interval '9 hours' WHERE id = $1",
        second,
    )
    expired = await boss.post(
        f"/console/api/recovery-requests/{second}/approve", headers=EN, json={}
    )
    assert assert_problem(expired, 409, "recovery-request-expired")["title"] == (
        "This request has expired"
    )
    assert (
        await owner_conn.fetchval("SELECT phone_e164 FROM people WHERE id = $1", account.person_id)
        == "+821055550003"
    )
    listed = await boss.get("/console/api/recovery-requests?status=refused")
    assert [r["id"] for r in listed.json()["requests"]] == [first]
    assert_problem(
        await boss.post("/console/api/recovery-requests/999999/approve", json={}), 404, "not-found"
    )


async def test_revoke_one_authenticator(
    settings: Settings, desk: Desk, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="윤카드")
    clerk = await desk.staff()
    held = await authenticators(owner_conn, settings, account, clerk)
    console = desk.as_(clerk)
    base = f"/console/api/people/{account.person_id}/authenticators"
    refused = await console.post(f"{base}/card/{held['card']}/revoke", json=REASON)
    assert_problem(refused, 409, "recent-identity-check-needed")
    assert (await verify(console, account.person_id)).status_code == 201

    revoked = await console.post(f"{base}/card/{held['card']}/revoke", json=REASON)
    assert revoked.status_code == 200, revoked.text
    assert_problem(
        await console.post(f"{base}/card/{held['card']}/revoke", json=REASON), 404, "not-found"
    )
    after = await ways_in(owner_conn, account)
    assert (after["cards"], after["passkeys"], after["phones"], after["sessions"]) == (0, 1, 1, 1)

    assert (
        await console.post(f"{base}/phone/{held['phone']}/revoke", json=REASON)
    ).status_code == 200
    totp = await console.post(f"{base}/totp/{account.id}/revoke", json=REASON)
    # A session does not say which authenticator began it: all of them end.
    assert totp.json() == {"kind": "totp", "id": account.id, "sessions_ended": 1}
    passkey = await console.post(f"{base}/passkey/{held['passkey']}/revoke", json=REASON)
    assert passkey.status_code == 200, passkey.text
    assert passkey.json()["sessions_ended"] == 0
    after = await ways_in(owner_conn, account)
    assert after == {**after, "passkeys": 0, "totp": 0, "phones": 0, "sessions": 0}

    # Another person's passkey id is not found through this person.
    stranger = await make_account(owner_conn, settings, name="남의것")
    theirs = await authenticators(owner_conn, settings, stranger, clerk)
    assert_problem(
        await console.post(f"{base}/passkey/{theirs['passkey']}/revoke", json=REASON),
        404,
        "not-found",
    )
    bad = await console.post(f"{base}/sim/1/revoke", json=REASON, headers=EN)
    body = assert_problem(bad, 400, "validation-error")
    assert body["errors"] == [
        {"field": "path.kind", "detail": "Choose passkey, totp, card or phone."}
    ]
    bad = await console.post(f"{base}/sim/1/revoke", json=REASON)
    assert assert_problem(bad, 400, "validation-error")["errors"][0]["detail"] == (
        "passkey, totp, card, phone 중에서 골라 주세요."
    )


async def test_bad_input_answers_in_the_callers_language(
    settings: Settings, desk: Desk, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="오입력")
    clerk = await desk.staff()
    console = desk.as_(clerk)
    assert (await verify(console, account.person_id)).status_code == 201
    url = f"/console/api/people/{account.person_id}/recovery-requests"
    cases: list[tuple[dict[str, Any], str, str, str]] = [
        (
            {"action": "change_phone_of_record", "reason": "x", "new_phone": "12"},
            "body.new_phone",
            "010-1234-5678처럼 전화번호를 입력해 주세요.",
            "Enter a phone number like 010-1234-5678.",
        ),
        (
            {"action": "change_phone_of_record", "reason": "x"},
            "body.new_phone",
            "010-1234-5678처럼 전화번호를 입력해 주세요.",
            "Enter a phone number like 010-1234-5678.",
        ),
        (
            {"action": "revoke_all_authenticators", "reason": "x", "new_phone": "01055550009"},
            "body.new_phone",
            "새 전화번호는 등록된 전화번호를 바꿀 때만 적어 주세요.",
            "Give a new phone number only to change the phone of record.",
        ),
        (
            {"action": "revoke_all_authenticators", "reason": "\t "},
            "body.reason",
            "사유를 500자 이내로 적어 주세요.",
            "Write the reason, up to 500 characters.",
        ),
    ]
    for body, field, ko, en in cases:
        answer = await console.post(url, json=body)
        assert assert_problem(answer, 400, "validation-error")["errors"] == [
            {"field": field, "detail": ko}
        ], body
        answer = await console.post(url, json=body, headers=EN)
        assert answer.json()["errors"] == [{"field": field, "detail": en}], body
    for body in (
        {"action": "delete_everything", "reason": "x"},
        {"action": "revoke_all_authenticators"},
    ):
        assert_problem(await console.post(url, json=body), 400, "validation-error")
    assert_problem(
        await console.post(f"/console/api/people/{account.person_id}/unlock", json={}),
        400,
        "validation-error",
    )
    assert_problem(
        await console.post(
            f"/console/api/people/{account.person_id}/pin-reset", json={"reason": "x" * 501}
        ),
        400,
        "validation-error",
    )
    assert_problem(
        await console.post("/console/api/people/99999999/unlock", json=REASON),
        404,
        "person-not-found",
    )
    supervisor = await desk.staff("supervisor")
    bad = await desk.as_(supervisor).get("/console/api/recovery-requests?status=all", headers=EN)
    assert assert_problem(bad, 400, "validation-error")["errors"] == [
        {"field": "query.status", "detail": "Choose pending, approved or refused."}
    ]
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM recovery_requests WHERE person_id = $1", account.person_id
        )
        == 0
    )
    desk.client.cookies.clear()
    assert_problem(
        await desk.client.post(f"/console/api/people/{account.person_id}/unlock", json=REASON),
        401,
        "staff-sign-in-required",
    )


async def test_only_supervisors_read_the_audit_trail(
    settings: Settings, desk: Desk, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(owner_conn, settings, client, name="강기록")
    clerk = await desk.staff()
    supervisor = await desk.staff("supervisor")
    console = desk.as_(clerk)
    assert (await verify(console, account.person_id)).status_code == 201
    assert (
        await console.post(f"/console/api/people/{account.person_id}/unlock", json=REASON)
    ).status_code == 200
    url = f"/console/api/people/{account.person_id}/audit"
    refused = await console.get(url, headers=EN)
    assert assert_problem(refused, 403, "supervisor-only")["detail"] == (
        "Only a supervisor or administrator can see this."
    )
    trail = await desk.as_(supervisor).get(url)
    assert trail.status_code == 200, trail.text
    entries = trail.json()["entries"]
    assert [e["action"] for e in entries][:3] == [
        "auth.account.unlocked",
        "counter.identity_verified",
        "auth.pin.set",
    ]
    assert {e["subject"] for e in entries} == {
        f"person:{account.person_id}",
        f"account:{account.id}",
    }
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True)
    assert_problem(
        await desk.as_(supervisor).get("/console/api/people/99999999/audit"),
        404,
        "person-not-found",
    )
    viewed = await owner_conn.fetchval(
        "SELECT actor FROM audit_log WHERE action = 'counter.audit_trail_viewed' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert viewed == f"staff:{supervisor}"
