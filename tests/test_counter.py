"""Identity verification at the counter and enrollment codes: a clerk finds a person by exact
name and birth date, records a document check (a match creates or raises the account to
in_person), issues a one-time enrollment code, and the person redeems it once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.settings import Settings
from tests.support.factories import bearer, make_account, make_person, newest_session_id, sign_in
from tests.support.identity_checks import issue_code, verify
from tests.support.problems import assert_problem, comparable
from tests.support.staff import clerk

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def audit_rows(owner_conn: asyncpg.Connection, subject: str) -> list[asyncpg.Record]:
    return await owner_conn.fetch(
        "SELECT actor, action, office, channel, details FROM audit_log WHERE subject = $1 "
        "ORDER BY id",
        subject,
    )


async def test_find_people_only_by_exact_name_and_birth_date(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    born = date(1961, 3, 4)
    first = await make_person(owner_conn, settings, name="박순자", birth_date=born)
    second = await make_person(owner_conn, settings, name="박순자", birth_date=born)
    await make_person(owner_conn, settings, name="박순자", birth_date=date(1961, 3, 5))
    await make_person(owner_conn, settings, name="박순자나", birth_date=born)
    await owner_conn.execute(
        "UPDATE people SET deceased_on = '2025-01-01' WHERE id = $1",
        (await make_person(owner_conn, settings, name="박순자", birth_date=born)).id,
    )
    staff_id = await clerk(settings, database_url, capsys, client)

    found = await client.get(
        "/console/api/people", params={"name": " 박순자 ", "birth_date": born.isoformat()}
    )
    assert found.status_code == 200, found.text
    people = found.json()["people"]
    assert [p["id"] for p in people] == [first.id, second.id]
    assert first.phone_e164 is not None
    assert people[0]["phone_masked"] == first.phone_e164[:5] + "****" + first.phone_e164[-4:]
    assert people[0]["assurance"] is None
    # A part of the name lists nobody.
    partial = await client.get(
        "/console/api/people", params={"name": "박", "birth_date": born.isoformat()}
    )
    assert partial.json() == {"people": []}

    searched = await owner_conn.fetch(
        "SELECT office, channel, details FROM audit_log WHERE actor = $1 "
        "AND action = 'counter.people_searched' ORDER BY id",
        f"staff:{staff_id}",
    )
    assert [row["office"] for row in searched] == ["busan", "busan"]
    assert "박순자" not in searched[0]["details"]


async def test_at_most_ten_namesakes(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    born = date(1975, 8, 15)
    for _ in range(12):
        await make_person(owner_conn, settings, name="이영호", birth_date=born)
    await clerk(settings, database_url, capsys, client)
    found = await client.get(
        "/console/api/people", params={"name": "이영호", "birth_date": born.isoformat()}
    )
    assert len(found.json()["people"]) == 10


async def test_search_needs_name_and_valid_birth_date(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
) -> None:
    await clerk(settings, database_url, capsys, client)
    no_date = await client.get("/console/api/people", params={"name": "박순자"})
    assert_problem(no_date, 400, "validation-error")
    bad_date = await client.get(
        "/console/api/people", params={"name": "박순자", "birth_date": "1961-13-40"}, headers=EN
    )
    assert_problem(bad_date, 400, "validation-error")
    blank = await client.get(
        "/console/api/people", params={"name": "  ", "birth_date": "1961-03-04"}, headers=EN
    )
    body = assert_problem(blank, 400, "validation-error")
    assert body["errors"] == [
        {
            "field": "query.name",
            "detail": "Enter the name as on the ID document, up to 100 characters.",
        }
    ]
    korean = await client.get(
        "/console/api/people", params={"name": "", "birth_date": "1961-03-04"}
    )
    assert assert_problem(korean, 400, "validation-error")["title"] == "확인이 필요한 항목이 있어요"


async def test_console_calls_need_a_staff_session(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="최민지")
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    for response in (
        await client.get(
            "/console/api/people", params={"name": "최민지", "birth_date": "1990-05-17"}
        ),
        await verify(client, account.person_id, headers=bearer(tokens)),
        await client.post(
            f"/console/api/people/{account.person_id}/enrollment-codes",
            headers=bearer(tokens),
            json={},
        ),
    ):
        assert_problem(response, 401, "staff-sign-in-required")
    assert await owner_conn.fetchval("SELECT count(*) FROM identity_verifications") == 0


async def test_match_creates_an_in_person_account(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    person = await make_person(owner_conn, settings, name="정말순", phone_e164=None)
    staff_id = await clerk(settings, database_url, capsys, client, office="daegu")
    answer = await verify(
        client, person.id, document_type="alien_registration_card", document_last4="ab12"
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["result"] == "match"
    assert body["office"] == "daegu"
    assert body["account_created"] is True
    assert body["assurance"] == "in_person"
    account = await owner_conn.fetchrow(
        "SELECT id, assurance FROM accounts WHERE person_id = $1", person.id
    )
    assert account is not None
    assert account["assurance"] == "in_person"
    assert body["account_id"] == account["id"]
    row = await owner_conn.fetchrow(
        "SELECT staff_id, office_code, document_type, document_last4, result, channel "
        "FROM identity_verifications WHERE person_id = $1",
        person.id,
    )
    assert row is not None
    assert dict(row) == {
        "staff_id": staff_id,
        "office_code": "daegu",
        "document_type": "alien_registration_card",
        "document_last4": "AB12",
        "result": "match",
        "channel": "counter",
    }
    [audit] = await audit_rows(owner_conn, f"person:{person.id}")
    assert (audit["actor"], audit["action"], audit["office"], audit["channel"]) == (
        f"staff:{staff_id}",
        "counter.identity_verified",
        "daegu",
        "counter",
    )
    assert "AB12" not in audit["details"]


async def test_match_raises_a_remote_account_to_in_person(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    account = await make_account(owner_conn, settings, name="한동수", assurance="remote")
    await clerk(settings, database_url, capsys, client)
    answer = await verify(client, account.person_id, document_type="drivers_licence")
    assert answer.status_code == 201, answer.text
    assert answer.json()["account_upgraded"] is True
    assert answer.json()["account_id"] == account.id
    assurance = await owner_conn.fetchval(
        "SELECT assurance FROM accounts WHERE id = $1", account.id
    )
    assert assurance == "in_person"
    again = await verify(client, account.person_id, document_type="passport")
    assert again.json()["account_upgraded"] is False


async def test_mismatch_changes_nothing_but_is_recorded(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    account = await make_account(owner_conn, settings, name="윤서연", assurance="remote")
    loner = await make_person(owner_conn, settings, name="윤서진")
    staff_id = await clerk(settings, database_url, capsys, client)
    for person_id in (account.person_id, loner.id):
        answer = await verify(client, person_id, result="mismatch")
        assert answer.status_code == 201, answer.text
        assert answer.json()["account_created"] is False
        assert answer.json()["account_upgraded"] is False
        [audit] = await audit_rows(owner_conn, f"person:{person_id}")
        assert audit["action"] == "counter.identity_mismatch"
        assert audit["actor"] == f"staff:{staff_id}"
        assert audit["office"] == "busan"
    assert (
        await owner_conn.fetchval("SELECT assurance FROM accounts WHERE id = $1", account.id)
        == "remote"
    )
    assert (
        await owner_conn.fetchval("SELECT count(*) FROM accounts WHERE person_id = $1", loner.id)
        == 0
    )
    results = await owner_conn.fetch(
        "SELECT result FROM identity_verifications WHERE person_id = ANY($1::bigint[])",
        [account.person_id, loner.id],
    )
    assert [row["result"] for row in results] == ["mismatch", "mismatch"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"document_type": "library_card"}, "body.document_type"),
        ({"document_last4": "12-4"}, "body.document_last4"),
        ({"document_last4": "123"}, "body.document_last4"),
        ({"result": "maybe"}, "body.result"),
    ],
)
async def test_bad_verification_input_writes_nothing(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    overrides: dict[str, str],
    field: str,
) -> None:
    person = await make_person(owner_conn, settings, name="강철민")
    await clerk(settings, database_url, capsys, client)
    answer = await verify(client, person.id, headers=EN, **overrides)
    body = assert_problem(answer, 400, "validation-error")
    assert [error["field"] for error in body["errors"]] == [field]
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM identity_verifications WHERE person_id = $1", person.id
        )
        == 0
    )
    assert (
        await owner_conn.fetchval("SELECT count(*) FROM accounts WHERE person_id = $1", person.id)
        == 0
    )


async def test_unknown_or_deceased_person_is_not_found(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    person = await make_person(owner_conn, settings, name="오정희")
    await owner_conn.execute(
        "UPDATE people SET deceased_on = '2024-02-02' WHERE id = $1", person.id
    )
    await clerk(settings, database_url, capsys, client)
    body = assert_problem(await verify(client, person.id, headers=EN), 404, "person-not-found")
    assert body["title"] == "Person not found"
    assert_problem(await verify(client, 10**9), 404, "person-not-found")
    assert_problem(
        await client.post(f"/console/api/people/{10**9}/enrollment-codes", json={}),
        404,
        "person-not-found",
    )
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM identity_verifications WHERE person_id = $1", person.id
        )
        == 0
    )


async def test_enrollment_code_only_after_a_recent_match(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    person = await make_person(owner_conn, settings, name="임하늘", phone_e164=None)
    staff_id = await clerk(settings, database_url, capsys, client)
    codes_url = f"/console/api/people/{person.id}/enrollment-codes"
    assert_problem(await client.post(codes_url, json={}), 409, "identity-check-needed")
    assert (await verify(client, person.id, result="mismatch")).status_code == 201
    assert_problem(await client.post(codes_url, json={}), 409, "identity-check-needed")
    assert (await verify(client, person.id)).status_code == 201
    await owner_conn.execute(
        "UPDATE identity_verifications SET verified_at = now() - interval '8 hours 1 second' "
        "WHERE person_id = $1",
        person.id,
    )
    stale = await client.post(codes_url, headers=EN, json={})
    assert assert_problem(stale, 409, "identity-check-needed")["title"] == (
        "Check the person's ID first"
    )
    assert await owner_conn.fetchval("SELECT count(*) FROM enrollment_codes") == 0

    assert (await verify(client, person.id)).status_code == 201
    code = await issue_code(client, person.id)
    stored = await owner_conn.fetchrow(
        "SELECT staff_id, office_code, expires_at - created_at AS lifetime FROM enrollment_codes "
        "WHERE code_hash = sha256($1)",
        code.replace("-", "").encode(),
    )
    assert stored is not None  # only the hash is kept
    assert (stored["staff_id"], stored["office_code"]) == (staff_id, "busan")
    assert round(stored["lifetime"].total_seconds() / 86400) == 7
    actions = [row["action"] for row in await audit_rows(owner_conn, f"person:{person.id}")]
    assert actions[-1] == "counter.enrollment_code_issued"
    issued = (await audit_rows(owner_conn, f"person:{person.id}"))[-1]
    assert (issued["actor"], issued["office"]) == (f"staff:{staff_id}", "busan")


async def test_code_redeems_once_into_a_session(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    person = await make_person(owner_conn, settings, name="서민호", phone_e164=None)
    await clerk(settings, database_url, capsys, client)
    account_id = (await verify(client, person.id)).json()["account_id"]
    code = await issue_code(client, person.id)
    client.cookies.clear()  # the person's device, not the clerk's

    # As typed from paper: lower case, spaces instead of hyphens.
    typed = code.replace("-", " ").lower()
    redeemed = await client.post(
        "/v1/auth/enrollment/redeem", json={"code": typed, "channel": "kiosk"}
    )
    assert redeemed.status_code == 200, redeemed.text
    tokens = redeemed.json()
    assert tokens["aal"] == 1
    session = await owner_conn.fetchrow(
        "SELECT account_id, aal, method, channel FROM sessions WHERE account_id = $1", account_id
    )
    assert session is not None
    assert dict(session) == {
        "account_id": account_id,
        "aal": 1,
        "method": "enrollment_code",
        "channel": "kiosk",
    }
    # The session is good for setting the PIN.
    pin = await client.put(
        "/v1/me/pin",
        json={"pin": "274915"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert pin.status_code == 204, pin.text

    again = await client.post("/v1/auth/enrollment/redeem", json={"code": code, "channel": "app"})
    assert_problem(again, 400, "enrollment-code-invalid")
    assert (
        await owner_conn.fetchval("SELECT count(*) FROM sessions WHERE account_id = $1", account_id)
        == 1
    )
    redeemed_audit = await owner_conn.fetchrow(
        "SELECT office, channel, details FROM audit_log "
        "WHERE action = 'auth.enrollment_code_redeemed' AND subject = $1",
        f"account:{account_id}",
    )
    assert redeemed_audit is not None
    assert (redeemed_audit["office"], redeemed_audit["channel"]) == ("busan", "kiosk")
    details = msgspec.json.decode(redeemed_audit["details"])
    assert details["session"] == await newest_session_id(owner_conn, account_id)
    assert details["address"] == "testclient"


async def test_expired_retired_and_unknown_codes_answer_alike(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    person = await make_person(owner_conn, settings, name="배수지")
    await clerk(settings, database_url, capsys, client)
    assert (await verify(client, person.id)).status_code == 201
    older = await issue_code(client, person.id)
    newer = await issue_code(client, person.id)
    await owner_conn.execute(
        "UPDATE enrollment_codes SET expires_at = now() - interval '1 second' "
        "WHERE code_hash = sha256($1)",
        newer.replace("-", "").encode(),
    )
    client.cookies.clear()
    bodies: list[dict[str, Any]] = []
    for code in (older, newer, "ABCD-EFGH-JKMN-PQRS", "0000-1111-OOOO-IIII"):
        answer = await client.post(
            "/v1/auth/enrollment/redeem", json={"code": code, "channel": "app"}, headers=EN
        )
        assert_problem(answer, 400, "enrollment-code-invalid")
        bodies.append(comparable(answer))
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["title"] == "This enrollment code cannot be used"
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM sessions s JOIN accounts a ON a.id = s.account_id "
            "WHERE a.person_id = $1",
            person.id,
        )
        == 0
    )


async def test_redeem_bad_input(client: Client) -> None:
    for body in (
        {"code": "ABCD-EFGH-JKMN-PQRS", "channel": "phone"},
        {"code": "", "channel": "app"},
        {"channel": "app"},
    ):
        answer = await client.post("/v1/auth/enrollment/redeem", json=body)
        assert_problem(answer, 400, "validation-error")


async def test_redeem_is_limited_per_address(settings: Settings, client: Client) -> None:
    """Guessing codes from one address stops at the per-address limit."""
    limit = settings.auth.sign_in_per_address_per_minute
    body = {"code": "ABCD-EFGH-JKMN-PQRS", "channel": "app"}
    for _ in range(limit):
        answer = await client.post("/v1/auth/enrollment/redeem", json=body)
        assert_problem(answer, 400, "enrollment-code-invalid")
    limited = await client.post("/v1/auth/enrollment/redeem", json=body)
    assert_problem(limited, 429, "too-many-requests")
    assert int(limited.headers["retry-after"]) > 0
