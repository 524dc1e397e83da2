"""The console's benefits page, for a person with only a landline: the clerk adds their
bank account and the bank is asked whose name it is in (the holder inquiry, against the
local fake network), as the console's JSON and the kiosk do; a wrong name or a malformed
number is refused on the page and nothing is added."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import asyncpg
import pytest

from foundation.settings import Settings, load_settings
from server.fake_bank import FakeAccount, FakeBank, running_fake_bank
from tests.support.applying import Client, account_number, citizen, laid_off
from tests.support.console_pages import csrf_of, page, post_form
from tests.support.environment import environment_for_tests
from tests.support.identity_checks import verify as check_id
from tests.support.staff import clerk

BORN = date(1950, 1, 9)


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


def at_the_bank(bank: FakeBank, holder: str) -> str:
    number = account_number()
    bank.add(
        FakeAccount(
            bank_code="088",
            account_num=number.replace("-", ""),
            holder_name=holder,
            birth_date=BORN,
        )
    )
    return number


async def test_the_clerk_adds_the_persons_account_on_the_benefits_page(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
    bank: FakeBank,
) -> None:
    principal, _ = await citizen(owner_conn, settings, name="강영숙", birth_date=BORN)
    person_id = principal.person_id
    await laid_off(owner_conn, person_id)
    await clerk(settings, database_url, capsys, client)
    assert (await check_id(client, person_id)).status_code == 201
    scopes = {"scopes": ["view_benefits", "apply"]}
    delegated = await client.post(f"/console/api/people/{person_id}/delegations", json=scopes)
    assert delegated.status_code == 201
    path = f"/console/people/{person_id}/benefits"
    shown = await page(client, path)
    assert 'id="no-bank"' in shown and 'id="add-bank"' in shown
    accounts = "SELECT count(*) FROM bank_accounts WHERE person_id = $1"

    # A malformed number: the form again, saying what is wrong; nothing added.
    malformed = await post_form(
        client,
        f"/console/people/{person_id}/bank-account",
        {"csrf_token": csrf_of(shown), "bank_code": "088", "account_number": "12"},
    )
    assert malformed.status_code == 400 and 'id="add-bank"' in malformed.text
    assert await owner_conn.fetchval(accounts, person_id) == 0

    # Someone else's account: the bank's answer is refused; no usable account.
    stranger = at_the_bank(bank, "김철수")
    refused = await post_form(
        client,
        f"/console/people/{person_id}/bank-account",
        {"csrf_token": csrf_of(shown), "bank_code": "088", "account_number": stranger},
    )
    assert refused.status_code == 409, refused.text
    assert "본인 명의 계좌가 아니에요" in refused.text
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM bank_accounts WHERE person_id = $1 AND verified_at IS NOT NULL",
            person_id,
        )
        == 0
    )

    # Her own: checked at the bank and added; the page offers it for applying.
    own = at_the_bank(bank, "강영숙")
    added = await post_form(
        client,
        f"/console/people/{person_id}/bank-account",
        {"csrf_token": csrf_of(shown), "bank_code": "088", "account_number": own},
    )
    assert added.status_code == 303, added.text
    assert added.headers["location"].endswith(f"/console/people/{person_id}/benefits?bank_added=1")
    after = await page(client, path + "?bank_added=1")
    assert 'id="bank-added"' in after
    assert f"****{own[-4:]}" in after and 'id="apply"' in after
