"""Proving a bank account by its holder's name: the real open-banking client
(providers/open_banking.py) against the local fake network (server/fake_bank.py) on a
socket, through the app's and the counter's routes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import msgspec
import pytest

from auth import Account, Tokens
from foundation.db import transaction
from foundation.problems import Problem
from foundation.settings import Settings, load_settings
from onestop.applications.holder_check import check_account_holder
from providers.open_banking import forget_tokens
from server.fake_bank import FakeAccount, FakeBank, running_fake_bank
from tests.support.applying import Client, account_number, apply, citizen, payload
from tests.support.environment import environment_for_tests
from tests.support.factories import bearer, run_jobs
from tests.support.identity_checks import verify as check_id
from tests.support.problems import EN, assert_problem, comparable
from tests.support.staff import clerk

BORN = date(1988, 4, 12)


@pytest.fixture(scope="module")
def bank() -> Iterator[FakeBank]:
    with running_fake_bank() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, bank: FakeBank
) -> Settings:
    environment = environment_for_tests(database_url, redis_url, tmp_path_factory.mktemp("data"))
    return load_settings({**environment, **bank.environment(timeout_s=1.0)})


@pytest.fixture(autouse=True)
def fresh_fake(bank: FakeBank) -> None:
    bank.planned.clear()


async def person(
    owner_conn: asyncpg.Connection, settings: Settings, name: str = "김 민준"
) -> tuple[Account, Tokens]:
    return await citizen(owner_conn, settings, name=name, birth_date=BORN)


def at_the_bank(
    bank: FakeBank, holder: str, *, bank_code: str = "088", born: date = BORN
) -> tuple[str, str]:
    """An account the network knows: (bank code, number as a person types it)."""
    number = account_number()
    bank.add(
        FakeAccount(
            bank_code=bank_code,
            account_num=number.replace("-", ""),
            holder_name=holder,
            birth_date=born,
        )
    )
    return bank_code, number


async def add(
    client: Client, tokens: Tokens, bank_code: str, number: str, **extra: str
) -> dict[str, Any]:
    added = await client.post(
        "/v1/me/bank-accounts",
        json={"bank_code": bank_code, "account_number": number, "proof": "holder", **extra},
        headers=bearer(tokens),
    )
    assert added.status_code == 201, added.text
    body: dict[str, Any] = added.json()
    assert body["status"] == "pending"
    return body


async def check(client: Client, tokens: Tokens, bank_account_id: int, **headers: str) -> Any:
    return await client.post(
        f"/v1/me/bank-accounts/{bank_account_id}/holder-check",
        headers={**bearer(tokens), **headers},
    )


async def audit_actions(owner_conn: asyncpg.Connection, person_id: int) -> list[str]:
    rows = await owner_conn.fetch(
        "SELECT action FROM audit_log WHERE subject = $1 AND action LIKE 'bank_account.%' "
        "ORDER BY id",
        f"person:{person_id}",
    )
    return [r["action"] for r in rows]


async def test_the_holders_name_verifies_and_a_replacement_waits_a_day(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, bank: FakeBank
) -> None:
    account, tokens = await person(owner_conn, settings)
    # The bank writes the name without the space the registry has: the same name.
    first = await add(client, tokens, *at_the_bank(bank, "김민준"))
    # No deposit was made for a holder proof.
    assert await owner_conn.fetchval("SELECT count(*) FROM dev_outbox WHERE channel = 'bank'") == 0
    checked = await check(client, tokens, first["id"])
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "verified"
    assert checked.json()["effective_from"] == checked.json()["verified_at"]
    sent = bank.inquiries[-1]
    assert sent["account_holder_info"] == "880412" and sent["bank_code_std"] == "088"
    assert sent["bank_tran_id"].startswith("F000000000U") and len(sent["bank_tran_id"]) == 20
    assert_problem(await check(client, tokens, first["id"]), 409, "bank-account-already-verified")

    # A replacement: verified the same way, usable a day later, announced on every channel.
    second = await add(client, tokens, *at_the_bank(bank, "김민준", bank_code="090"))
    replaced = await check(client, tokens, second["id"])
    assert replaced.status_code == 200, replaced.text
    verified_at = datetime.fromisoformat(replaced.json()["verified_at"])
    effective_from = datetime.fromisoformat(replaced.json()["effective_from"])
    assert effective_from - verified_at == timedelta(hours=24)
    refused = await apply(client, tokens, payload(second["id"]), **EN)
    assert_problem(refused, 409, "bank-account-cooling-off")
    await run_jobs(settings)
    texts = await owner_conn.fetch(
        "SELECT body FROM dev_outbox WHERE channel = 'sms' AND to_e164 = $1", account.phone_e164
    )
    assert len(texts) == 1 and "카카오뱅크" in texts[0]["body"]
    notice = await owner_conn.fetchrow(
        "SELECT state, urgent FROM notices WHERE person_id = $1 AND kind = 'account'",
        account.person_id,
    )
    assert notice is not None and notice["urgent"] and notice["state"] == "sent"
    details = await owner_conn.fetch(
        "SELECT details FROM audit_log WHERE subject = $1 AND action = 'bank_account.verified' "
        "ORDER BY id",
        f"person:{account.person_id}",
    )
    assert ['"proof": "holder"' in r["details"] for r in details] == [True, True]


async def test_another_name_or_an_unknown_account_is_refused_and_counted(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, bank: FakeBank
) -> None:
    account, tokens = await person(owner_conn, settings, name="박서준")
    # Someone else's account, and a name that merely contains the person's.
    for holder in ("이서준", "박서준호"):
        added = await add(client, tokens, *at_the_bank(bank, holder))
        answer = await check(client, tokens, added["id"], **EN)
        body = assert_problem(answer, 409, "bank-account-holder-mismatch")
        assert holder not in answer.text and "someone else" in body["detail"]
        row = await owner_conn.fetchrow(
            "SELECT status, code_attempts FROM bank_accounts WHERE id = $1", added["id"]
        )
        assert row is not None and (row["status"], row["code_attempts"]) == ("void", 1)
        # The check of that account has ended; asking again does not reach the bank.
        asked = len(bank.inquiries)
        assert_problem(await check(client, tokens, added["id"]), 409, "bank-account-check-ended")
        assert len(bank.inquiries) == asked

    unknown = await add(client, tokens, "004", account_number())
    answer = await check(client, tokens, unknown["id"])
    assert "찾지 못했어요" in assert_problem(answer, 409, "bank-account-unknown")["title"]
    # A right name with a birth date the bank does not hold is not the person's account.
    wrong_born = await add(client, tokens, *at_the_bank(bank, "박서준", born=date(1988, 4, 13)))
    assert_problem(await check(client, tokens, wrong_born["id"]), 409, "bank-account-unknown")
    assert await audit_actions(owner_conn, account.person_id) == [
        "bank_account.added",
        "bank_account.holder_mismatch",
        "bank_account.added",
        "bank_account.holder_mismatch",
        "bank_account.added",
        "bank_account.holder_unknown",
        "bank_account.added",
        "bank_account.holder_unknown",
    ]
    # The fifth miss of the day is the last: then the bank is not asked for this person.
    fifth = await add(client, tokens, "004", account_number())
    assert_problem(await check(client, tokens, fifth["id"]), 409, "bank-account-unknown")
    own = await add(client, tokens, *at_the_bank(bank, "박서준"))
    asked = len(bank.inquiries)
    exhausted = await check(client, tokens, own["id"], **EN)
    assert "5 times" in assert_problem(exhausted, 429, "bank-holder-checks-exhausted")["detail"]
    assert len(bank.inquiries) == asked
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM bank_accounts WHERE person_id = $1 AND status = 'verified'",
            account.person_id,
        )
        == 0
    )


@pytest.mark.parametrize("failure", [500, 503, "slow", "bad-token"])
async def test_when_the_network_cannot_answer_nothing_is_written(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    bank: FakeBank,
    failure: int | str,
) -> None:
    account, tokens = await person(owner_conn, settings, name="최유나")
    added = await add(client, tokens, *at_the_bank(bank, "최유나"))
    before = await audit_actions(owner_conn, account.person_id)
    secret = bank.client_secret
    if failure == "bad-token":
        forget_tokens()
        bank.client_secret = "changed"
    else:
        bank.slow_seconds = 3.0
        bank.planned.append(failure)
    answer = await check(client, tokens, added["id"], **EN)
    bank.client_secret = secret
    body = assert_problem(answer, 503, "bank-inquiry-unavailable")
    assert "try again later" in body["detail"]
    await _nothing_written(owner_conn, added["id"], account.person_id, before)
    # Once the network answers again, the same account is checked.
    assert (await check(client, tokens, added["id"])).status_code == 200


async def test_when_the_network_is_down_nothing_is_written(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    bank: FakeBank,
    db_pool: asyncpg.Pool,
) -> None:
    account, tokens = await person(owner_conn, settings, name="한가람")
    added = await add(client, tokens, *at_the_bank(bank, "한가람"))
    before = await audit_actions(owner_conn, account.person_id)
    # Nothing listens on the discard port; and without a network configured at all (as in
    # production without OPEN_BANKING_API_BASE_URL) the answer is the same.
    for base_url in ("http://127.0.0.1:9", ""):
        down = msgspec.structs.replace(
            settings,
            open_banking=msgspec.structs.replace(settings.open_banking, base_url=base_url),
        )
        with pytest.raises(Problem) as refused:
            async with transaction(db_pool) as tx:
                await check_account_holder(
                    tx.conn,
                    down,
                    person_id=account.person_id,
                    bank_account_id=added["id"],
                    actor=f"account:{account.id}",
                    channel="app",
                )
        assert refused.value.kind.slug == "bank-inquiry-unavailable"
    await _nothing_written(owner_conn, added["id"], account.person_id, before)


async def _nothing_written(
    owner_conn: asyncpg.Connection, bank_account_id: int, person_id: int, before: list[str]
) -> None:
    row = await owner_conn.fetchrow(
        "SELECT status, code_attempts, verified_at FROM bank_accounts WHERE id = $1",
        bank_account_id,
    )
    assert row is not None and tuple(row) == ("pending", 0, None)
    assert await audit_actions(owner_conn, person_id) == before


async def test_the_token_is_kept_until_it_expires(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, bank: FakeBank
) -> None:
    forget_tokens()
    bank.token_seconds = 2
    try:
        _, tokens = await person(owner_conn, settings, name="정하늘")
        asked = bank.token_requests
        for _ in range(3):
            added = await add(client, tokens, *at_the_bank(bank, "다른사람"))
            assert_problem(
                await check(client, tokens, added["id"]), 409, "bank-account-holder-mismatch"
            )
        assert bank.token_requests == asked + 1
        await asyncio.sleep(2.1)
        added = await add(client, tokens, *at_the_bank(bank, "정하늘"))
        assert (await check(client, tokens, added["id"])).status_code == 200
        assert bank.token_requests == asked + 2
    finally:
        bank.token_seconds = 7_776_000
        forget_tokens()


async def test_the_app_and_the_counter_answer_alike(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    bank: FakeBank,
) -> None:
    account, tokens = await person(owner_conn, settings, name="강영숙")
    await clerk(settings, database_url, capsys, client)
    base = f"/console/api/people/{account.person_id}/bank-accounts"
    bank_code, number = at_the_bank(bank, "강영숙")
    # Without the person's visit delegation the clerk can do nothing.
    refused = await client.post(base, json={"bank_code": bank_code, "account_number": number})
    assert_problem(refused, 403, "delegation-needed")
    assert (await check_id(client, account.person_id)).status_code == 201
    allowed = await client.post(
        f"/console/api/people/{account.person_id}/delegations", json={"scopes": ["apply"]}
    )
    assert allowed.status_code == 201, allowed.text

    # The same account, refused alike: someone else's name.
    stranger_code, stranger = at_the_bank(bank, "남궁민")
    app_added = await add(client, tokens, stranger_code, stranger)
    app_answer = await check(client, tokens, app_added["id"])
    counter_added = await client.post(
        base, json={"bank_code": stranger_code, "account_number": stranger}
    )
    assert counter_added.status_code == 201, counter_added.text
    counter_answer = await client.post(f"{base}/{counter_added.json()['id']}/holder-check", json={})
    assert app_answer.status_code == counter_answer.status_code == 409
    assert comparable(app_answer) == comparable(counter_answer)

    # And the person's own account, verified alike (the counter's first, then the app's
    # replacement of it waits a day, as it would the other way round).
    counter_added = await client.post(base, json={"bank_code": bank_code, "account_number": number})
    counter_answer = await client.post(f"{base}/{counter_added.json()['id']}/holder-check", json={})
    assert counter_answer.status_code == 200, counter_answer.text
    app_added = await add(client, tokens, bank_code, number)
    app_answer = await check(client, tokens, app_added["id"])
    assert app_answer.status_code == 200, app_answer.text
    left, right = counter_answer.json(), app_answer.json()
    assert {k: left[k] for k in ("bank_code", "bank_name", "last4", "status")} == {
        k: right[k] for k in ("bank_code", "bank_name", "last4", "status")
    }
    rows = await owner_conn.fetch(
        "SELECT actor, channel FROM audit_log WHERE subject = $1 AND action = 'bank_account.verified' "
        "ORDER BY id",
        f"person:{account.person_id}",
    )
    assert [r["channel"] for r in rows] == ["counter", "app"]
    assert rows[0]["actor"].startswith("staff:")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"bank_code": "999", "account_number": "110-123-456789"}, ["body.bank_code"]),
        ({"bank_code": "088", "account_number": "110-12"}, ["body.account_number"]),
        ({"bank_code": "1", "account_number": "x"}, ["body.bank_code", "body.account_number"]),
    ],
)
async def test_a_malformed_account_is_refused_by_both_channels(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    body: dict[str, str],
    fields: list[str],
) -> None:
    account, tokens = await person(owner_conn, settings, name="윤지우")
    app = await client.post(
        "/v1/me/bank-accounts", json={**body, "proof": "holder"}, headers=bearer(tokens)
    )
    assert [e["field"] for e in assert_problem(app, 400, "validation-error")["errors"]] == fields
    await clerk(settings, database_url, capsys, client)
    assert (await check_id(client, account.person_id)).status_code == 201
    base = f"/console/api/people/{account.person_id}"
    assert (await client.post(f"{base}/delegations", json={"scopes": ["apply"]})).status_code == 201
    counter = await client.post(f"{base}/bank-accounts", json=body)
    assert [
        e["field"] for e in assert_problem(counter, 400, "validation-error")["errors"]
    ] == fields
    wrong_proof = await client.post(
        "/v1/me/bank-accounts",
        json={"bank_code": "088", "account_number": "110-123-456789", "proof": "guess"},
        headers=bearer(tokens),
    )
    assert_problem(wrong_proof, 400, "validation-error")
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM bank_accounts WHERE person_id = $1", account.person_id
        )
        == 0
    )
