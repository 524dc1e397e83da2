"""Bank accounts: sealed numbers, the 1-won deposit check, and the cooling-off day for a change."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import pytest

from foundation.settings import Settings
from tests.support.applying import (
    Client,
    add_account,
    apply,
    citizen,
    deposit_code,
    payload,
    verified_account,
)
from tests.support.factories import bearer, run_jobs
from tests.support.problems import EN, assert_problem


async def test_the_number_is_sealed_and_only_its_last_4_digits_are_shown(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    number = "110-987-654321"
    added = await client.post(
        "/v1/me/bank-accounts",
        json={"bank_code": "004", "account_number": number},
        headers=bearer(tokens),
    )
    assert added.status_code == 201, added.text
    assert added.json()["last4"] == "4321" and added.json()["bank_name"] == "KB국민은행"
    stored = await owner_conn.fetchrow(
        "SELECT number_sealed, number_last4 FROM bank_accounts WHERE id = $1", added.json()["id"]
    )
    assert stored is not None and b"110987654321" not in bytes(stored["number_sealed"])
    listed = await client.get("/v1/me/bank-accounts", headers={**bearer(tokens), **EN})
    assert "110987654321" not in listed.text and "654321" not in listed.text
    assert [(a["last4"], a["bank_name"], a["status"]) for a in listed.json()] == [
        ("4321", "KB Kookmin Bank", "pending")
    ]
    audited = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'bank_account.added' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert audited == 1
    banks = await client.get("/v1/me/bank-accounts/banks")
    assert {"code": "090", "name": "카카오뱅크"} in banks.json()


@pytest.mark.parametrize(
    ("bank_code", "number", "fields"),
    [
        ("999", "110-123-456789", ["body.bank_code"]),
        ("088", "110-123", ["body.account_number"]),
        ("088", "1101234567890123456", ["body.account_number"]),
        ("088", "110-12a-456789", ["body.account_number"]),
        ("088", "١١٠١٢٣٤٥٦٧٨٩", ["body.account_number"]),  # Arabic-Indic digits
        ("1", "x", ["body.bank_code", "body.account_number"]),
    ],
)
async def test_bad_bank_accounts_are_refused_in_both_languages(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    bank_code: str,
    number: str,
    fields: list[str],
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    for headers, word in (({}, "숫자"), (EN, "digits")):
        answer = await client.post(
            "/v1/me/bank-accounts",
            json={"bank_code": bank_code, "account_number": number},
            headers={**bearer(tokens), **headers},
        )
        body = assert_problem(answer, 400, "validation-error")
        assert [e["field"] for e in body["errors"]] == fields
        if "body.account_number" in fields:
            assert word in body["errors"][-1]["detail"]
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM bank_accounts WHERE person_id = $1", account.person_id
        )
        == 0
    )


async def test_wrong_codes_count_and_five_void_the_check(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    added = await add_account(client, tokens)
    right = await deposit_code(owner_conn, "088", added["last4"])
    wrong = f"{(int(right) + 1) % 10000:04d}"
    url = f"/v1/me/bank-accounts/{added['id']}/verify"
    for tries_left in (4, 3, 2, 1):
        answer = await client.post(url, json={"code": wrong}, headers={**bearer(tokens), **EN})
        body = assert_problem(answer, 400, "deposit-code-wrong")
        assert f"{tries_left} more times" in body["detail"]
    fifth = await client.post(url, json={"code": wrong}, headers=bearer(tokens))
    assert "5번" in assert_problem(fifth, 409, "deposit-void")["detail"]
    late = await client.post(url, json={"code": right}, headers=bearer(tokens))
    assert_problem(late, 409, "deposit-void")
    row = await owner_conn.fetchrow(
        "SELECT status, code_attempts, code_hash FROM bank_accounts WHERE id = $1", added["id"]
    )
    assert row is not None
    assert (row["status"], row["code_attempts"], row["code_hash"]) == ("void", 5, None)
    actions = await owner_conn.fetch(
        "SELECT action FROM audit_log WHERE subject = $1 AND action LIKE 'bank_account.%' "
        "ORDER BY id",
        f"person:{account.person_id}",
    )
    assert [r["action"] for r in actions] == [
        "bank_account.added",
        *["bank_account.wrong_code"] * 4,
        "bank_account.deposit_voided",
    ]
    # A void account cannot be used to apply.
    refused = await apply(client, tokens, payload(added["id"]))
    assert_problem(refused, 409, "bank-account-not-verified")


async def test_a_malformed_or_stale_code(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    added = await add_account(client, tokens)
    url = f"/v1/me/bank-accounts/{added['id']}/verify"
    for code in ("12345", "12a4", ""):
        answer = await client.post(url, json={"code": code}, headers=bearer(tokens))
        assert_problem(answer, 400, "validation-error")
    missing = await client.post(
        "/v1/me/bank-accounts/999999/verify", json={"code": "1234"}, headers=bearer(tokens)
    )
    assert_problem(missing, 404, "not-found")
    code = await deposit_code(owner_conn, "088", added["last4"])
    await owner_conn.execute(
        "UPDATE bank_accounts SET code_sent_at = now() - interval '25 hours' WHERE id = $1",
        added["id"],
    )
    stale = await client.post(url, json={"code": code}, headers=bearer(tokens))
    assert_problem(stale, 409, "deposit-void")


async def test_a_change_of_account_waits_a_day_and_is_announced_by_sms(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings, preferred_language="ko")
    assert account.phone_e164 is not None
    first = await verified_account(client, owner_conn, tokens)
    assert first["effective_from"] == first["verified_at"]  # a first account: at once
    again = await client.post(
        f"/v1/me/bank-accounts/{first['id']}/verify", json={"code": "0000"}, headers=bearer(tokens)
    )
    assert_problem(again, 409, "bank-account-already-verified")

    second = await verified_account(client, owner_conn, tokens, bank_code="090")
    verified_at = datetime.fromisoformat(second["verified_at"])
    effective_from = datetime.fromisoformat(second["effective_from"])
    assert effective_from - verified_at == timedelta(hours=24)

    refused = await apply(client, tokens, payload(second["id"]), **EN)
    body = assert_problem(refused, 409, "bank-account-cooling-off")
    assert datetime.fromisoformat(body["effective_from"]) == effective_from
    # Meanwhile the account already in use still works.
    assert (
        await apply(client, tokens, payload(first["id"], programme_id="tomorrow-learning-card"))
    ).status_code == 201

    await run_jobs(settings)
    texts = await owner_conn.fetch(
        "SELECT body FROM dev_outbox WHERE channel = 'sms' AND to_e164 = $1", account.phone_e164
    )
    assert len(texts) == 1
    assert "카카오뱅크" in texts[0]["body"] and second["last4"] in texts[0]["body"]
    assert "1350" in texts[0]["body"] and "http" not in texts[0]["body"]
    # And on every other channel the person has (a call; a letter), and in the inbox.
    notice = await owner_conn.fetchrow(
        "SELECT id, state, urgent FROM notices WHERE person_id = $1 AND kind = 'account'",
        account.person_id,
    )
    assert notice is not None and notice["urgent"] and notice["state"] == "sent"
    channels = await owner_conn.fetch(
        "SELECT channel, state FROM notice_deliveries WHERE notice_id = $1", notice["id"]
    )
    assert {(c["channel"], c["state"]) for c in channels} == {
        ("sms", "sent"),
        ("voice", "sent"),
        ("letter", "sent"),
    }

    # A day later the new account is usable.
    await owner_conn.execute(
        "UPDATE bank_accounts SET verified_at = verified_at - interval '24 hours', "
        "effective_from = effective_from - interval '24 hours' WHERE id = $1",
        second["id"],
    )
    assert (await apply(client, tokens, payload(second["id"]))).status_code == 201
    verified = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE subject = $1 AND action = 'bank_account.verified'",
        f"person:{account.person_id}",
    )
    assert verified == 2
