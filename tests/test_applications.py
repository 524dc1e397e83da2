"""Applications in one step: idempotent submit, bank accounts, lifecycle, rejection and appeal."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from foundation.settings import Settings
from onestop.applications import (
    SUBMIT_SCOPE,
    ApplicationRequest,
    StoredAnswer,
    claim_key,
    request_fingerprint,
    store_answer,
)
from tests.support.applying import (
    Client,
    account_number,
    add_account,
    apply,
    citizen,
    deposit_code,
    korea_today,
    laid_off,
    payload,
    verified_account,
)
from tests.support.factories import bearer, make_account, sign_in
from tests.support.problems import EN, assert_problem


async def test_apply_end_to_end(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings, name="박지훈")
    await laid_off(owner_conn, account.person_id)
    bank = await verified_account(client, owner_conn, tokens)
    assert bank["status"] == "verified"

    answer = await apply(client, tokens, payload(bank["id"]))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    separation = (korea_today() - timedelta(days=40)).isoformat()
    assert body["status"] == "submitted"
    assert body["eligibility"]["status"] == "eligible"
    assert body["eligibility"]["period_key"] == separation
    assert body["eligibility"]["rule_version"] == "unemployment-benefit@2024-01-01"
    assert "담당자" in body["eligibility"]["notice"]
    paid_days = next(
        c for c in body["eligibility"]["explained"] if c["id"] == "paid-days-18-months"
    )
    assert paid_days["status"] == "met" and paid_days["reference"].startswith("고용보험법")
    form = body["prefilled"]
    assert form["applicant"]["name"] == "박지훈"
    assert form["employment"]["last_job_left"] == {
        "employer_name": "한빛물류",
        "employer_id": "123-81-45678",
        "started_on": (korea_today() - timedelta(days=700)).isoformat(),
        "left_on": separation,
        "separation_code": "23",
        "paid_base_days": 480,
    }
    assert form["job_seeker_registration"]["registered_on"]
    assert "children" not in form  # only what the criteria read
    assert body["bank_account"] == {
        "id": bank["id"],
        "bank_code": "088",
        "bank_name": "신한은행",
        "last4": bank["last4"],
    }
    assert [(e["status"], e["by"]) for e in body["events"]] == [("submitted", "applicant")]

    listed = await client.get("/v1/applications", headers=bearer(tokens))
    assert [a["id"] for a in listed.json()] == [body["id"]]
    one = await client.get(f"/v1/applications/{body['id']}", headers={**bearer(tokens), **EN})
    assert one.status_code == 200
    assert one.json()["eligibility"]["notice"].startswith("Our check found")
    audited = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'application.submitted' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert audited == 1

    # A second application for the same period is refused while the first is open.
    again = await apply(client, tokens, payload(bank["id"]))
    problem = assert_problem(again, 409, "application-already-open")
    assert str(body["id"]) in problem["detail"]


async def test_a_retry_answers_the_same_and_applies_once(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    bank = await verified_account(client, owner_conn, tokens)
    key = str(uuid.uuid4())
    request = payload(bank["id"], programme_id="tomorrow-learning-card")
    first = await apply(client, tokens, request, key)
    second = await apply(client, tokens, request, key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    count = await owner_conn.fetchval(
        "SELECT count(*) FROM applications WHERE person_id = $1", account.person_id
    )
    assert count == 1

    other = await apply(client, tokens, {**request, "contact_preference": "sms"}, key)
    assert assert_problem(other, 422, "idempotency-key-reused")["title"] == (
        "이 요청 키는 다른 신청에 이미 쓰였어요"
    )
    other_en = await apply(client, tokens, {**request, "contact_preference": "sms"}, key, **EN)
    assert assert_problem(other_en, 422, "idempotency-key-reused")["title"].startswith(
        "This request key"
    )


async def test_a_key_still_in_progress_is_409(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    bank = await verified_account(client, owner_conn, tokens)
    request = payload(bank["id"], programme_id="tomorrow-learning-card")
    key = str(uuid.uuid4())
    await owner_conn.execute(
        "INSERT INTO idempotency_keys (account_id, key, request_hash) VALUES ($1, $2, $3)",
        account.id,
        key,
        request_fingerprint(SUBMIT_SCOPE, ApplicationRequest(**request)),
    )
    answer = await apply(client, tokens, request, key, **EN)
    assert assert_problem(answer, 409, "idempotency-key-in-progress")["detail"].startswith("We are")
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM applications WHERE person_id = $1", account.person_id
        )
        == 0
    )
    # Abandoned (older than the lease): the same request may take it over.
    await owner_conn.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '5 minutes' WHERE key = $1", key
    )
    assert (await apply(client, tokens, request, key)).status_code == 201


async def test_a_duplicate_sent_while_the_first_runs_waits_and_gets_its_answer(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, database_url: str
) -> None:
    """The key is claimed in the request's own transaction (one connection per request):
    a duplicate waits on the key until the first request ends, then replays its answer;
    if the first fails, its key is gone with it and the duplicate does the work."""
    account, _ = await citizen(owner_conn, settings)
    fingerprint = b"f" * 32
    answer = b'{"id": 1, "status": "submitted"}'
    second = await asyncpg.connect(database_url)
    try:
        for first_ends in ("commit", "rollback"):
            key = f"duplicate-{first_ends}"
            first = owner_conn.transaction()
            await first.start()
            assert await claim_key(owner_conn, account.id, key, fingerprint) is None
            await store_answer(owner_conn, account.id, key, StoredAnswer(status=201, body=answer))
            waiting = second.transaction()
            await waiting.start()
            duplicate = asyncio.create_task(claim_key(second, account.id, key, fingerprint))
            await asyncio.sleep(0.5)
            assert not duplicate.done(), "the duplicate must wait for the first request"
            await (first.commit() if first_ends == "commit" else first.rollback())
            stored = await asyncio.wait_for(duplicate, 10)
            await waiting.rollback()
            if first_ends == "commit":
                assert stored == StoredAnswer(status=201, body=answer)
            else:
                assert stored is None  # the duplicate is now the one to do the work
    finally:
        await second.close()


async def test_a_failed_submit_releases_its_key(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    added = await add_account(client, tokens)
    key = str(uuid.uuid4())
    request = payload(added["id"], programme_id="tomorrow-learning-card")
    refused = await apply(client, tokens, request, key)
    assert_problem(refused, 409, "bank-account-not-verified")
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM idempotency_keys WHERE account_id = $1", account.id
        )
        == 0
    )
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM applications WHERE person_id = $1", account.person_id
        )
        == 0
    )
    code = await deposit_code(owner_conn, "088", added["last4"])
    await client.post(
        f"/v1/me/bank-accounts/{added['id']}/verify", json={"code": code}, headers=bearer(tokens)
    )
    assert (await apply(client, tokens, request, key)).status_code == 201


@pytest.mark.parametrize("key", [None, "short", "x" * 129])
async def test_the_idempotency_key_is_required(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, key: str | None
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    headers = bearer(tokens) if key is None else {**bearer(tokens), "Idempotency-Key": key}
    for language, word in (("ko", "Idempotency-Key 헤더"), ("en", "Send an Idempotency-Key")):
        answer = await client.post(
            "/v1/applications",
            json=payload(1),
            headers={**headers, "Accept-Language": language},
        )
        body = assert_problem(answer, 400, "validation-error")
        assert body["errors"][0]["field"] == "header.Idempotency-Key"
        assert word in body["errors"][0]["detail"]


async def test_an_aal1_session_must_step_up(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings)
    tokens = await sign_in(owner_conn, settings, account, aal=1)
    answer = await apply(client, tokens, payload(1))
    assert_problem(answer, 401, "step-up-required")
    added = await client.post(
        "/v1/me/bank-accounts",
        json={"bank_code": "088", "account_number": account_number()},
        headers=bearer(tokens),
    )
    assert_problem(added, 401, "step-up-required")
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM bank_accounts WHERE person_id = $1", account.person_id
        )
        == 0
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"programme_id": "free-money"}, "body.programme_id"),
        ({"confirmed": False}, "body.confirmed"),
        ({"contact_preference": "pigeon"}, "body.contact_preference"),
        ({"bank_account_id": "one"}, "body.bank_account_id"),
        ({"surprise": 1}, None),
    ],
)
async def test_bad_application_inputs(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    changes: dict[str, Any],
    field: str | None,
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    bank = await verified_account(client, owner_conn, tokens)
    for headers in ({}, EN):
        answer = await apply(client, tokens, {**payload(bank["id"]), **changes}, **headers)
        body = assert_problem(answer, 400, "validation-error")
        assert (body["title"] == "Some fields need checking") == (headers == EN)
        if field is not None:
            assert [e["field"] for e in body["errors"]] == [field]
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM applications WHERE person_id = $1", account.person_id
        )
        == 0
    )


async def test_someone_elses_bank_account_and_application_are_not_found(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    bank = await verified_account(client, owner_conn, tokens)
    mine = await apply(client, tokens, payload(bank["id"], programme_id="tomorrow-learning-card"))
    assert mine.status_code == 201
    _, stranger = await citizen(owner_conn, settings)
    seen = await client.get(f"/v1/applications/{mine.json()['id']}", headers=bearer(stranger))
    assert_problem(seen, 404, "not-found")
    assert (await client.get("/v1/applications", headers=bearer(stranger))).json() == []
    used = await apply(client, stranger, payload(bank["id"], programme_id="tomorrow-learning-card"))
    assert assert_problem(used, 400, "validation-error")["errors"][0]["field"] == (
        "body.bank_account_id"
    )
    verify = await client.post(
        f"/v1/me/bank-accounts/{bank['id']}/verify", json={"code": "0000"}, headers=bearer(stranger)
    )
    assert_problem(verify, 404, "not-found")
    appeal = await client.post(
        f"/v1/applications/{mine.json()['id']}/appeal",
        json={"kind": "human_review"},
        headers=bearer(stranger),
    )
    assert_problem(appeal, 404, "not-found")
