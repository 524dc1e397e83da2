"""The kiosk's service pages, through signed requests as the kiosk's service worker sends
them: benefits with reasons, applying in one step (a payment account added and proven by
the holder inquiry against the fake bank network, then one application for two posts of
the same form), applications and the receipt, notices read aloud and marked read,
consents and revoking one, who viewed my data. Bad input (an unknown programme, someone
else's application, a stale or broken form) gets a friendly page and writes nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from redis.asyncio import Redis

from auth import Account, authenticate_access_token
from foundation.settings import Settings, load_settings
from onestop.consents import grant_consent
from server.fake_bank import FakeAccount, FakeBank, running_fake_bank
from tests.support.access_cards import PIN, issue, person_with_pin
from tests.support.applying import Client, account_number, laid_off
from tests.support.environment import environment_for_tests
from tests.support.factories import sign_in
from tests.support.kiosk_devices import KioskKey, enrolled_kiosk, signed_get, signed_post_form
from tests.support.staff import staff_signed_in

PROGRAMME = "unemployment-benefit"


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
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def signed_in(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> tuple[Account, KioskKey]:
    """박순자, let go 40 days ago, with a card, signed in at a kiosk."""
    await staff_signed_in(owner_conn, client)
    account = await person_with_pin(owner_conn, settings)
    await laid_off(owner_conn, account.person_id)
    card = await issue(client, account.person_id)
    client.cookies.clear()
    key = await enrolled_kiosk(client, owner_conn)
    answer = await signed_post_form(
        client, key, "/kiosk/sign-in", {"card": card["card_token"], "pin": PIN}
    )
    assert answer.status_code == 303, answer.text
    return account, key


def at_the_bank(bank: FakeBank, born: Any, holder: str = "박순자") -> str:
    number = account_number()
    bank.add(
        FakeAccount(
            bank_code="088",
            account_num=number.replace("-", ""),
            holder_name=holder,
            birth_date=born,
        )
    )
    return number


async def counts(owner_conn: asyncpg.Connection) -> list[Any]:
    return [
        await owner_conn.fetchval(f"SELECT count(*) FROM {table}")
        for table in ("applications", "bank_accounts", "idempotency_keys", "audit_log")
    ]


def key_of(page: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


async def test_benefits_apply_once_and_print_the_receipt(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, bank: FakeBank
) -> None:
    account, key = await signed_in(client, owner_conn, settings)
    me = await signed_get(client, key, "/kiosk/me")
    for path in (
        "/kiosk/benefits",
        "/kiosk/applications",
        "/kiosk/inbox",
        "/kiosk/documents",
        "/kiosk/access-log",
    ):
        assert f'href="{path}"' in me.text, path

    benefits = await signed_get(client, key, "/kiosk/benefits")
    assert benefits.status_code == 200, benefits.text
    assert 'data-spoken="' in benefits.text and 'aria-describedby="page-spoken"' in benefits.text
    assert f'id="programme-{PROGRAMME}" data-status="eligible"' in benefits.text
    assert "data-criterion=" in benefits.text

    # No account yet: the confirm page offers to add one, proven by the holder's name.
    confirm = await signed_get(client, key, f"/kiosk/benefits/{PROGRAMME}/apply")
    assert confirm.status_code == 200 and 'id="account-form"' in confirm.text
    born = await owner_conn.fetchval(
        "SELECT birth_date FROM people WHERE id = $1", account.person_id
    )
    number = at_the_bank(bank, born)
    added = await signed_post_form(
        client,
        key,
        f"/kiosk/benefits/{PROGRAMME}/account",
        {"bank_code": "088", "account_number": number},
    )
    assert added.status_code == 303, added.text
    confirm = await signed_get(client, key, f"/kiosk/benefits/{PROGRAMME}/apply?added=1")
    assert 'id="apply-form"' in confirm.text, confirm.text
    account_id = re.search(r'name="bank_account_id" value="(\d+)"', confirm.text)
    assert account_id
    form = {
        "idempotency_key": key_of(confirm.text),
        "bank_account_id": account_id.group(1),
        "contact_preference": "sms",
        "confirmed": "yes",
    }
    first = await signed_post_form(client, key, f"/kiosk/benefits/{PROGRAMME}/apply", form)
    assert first.status_code == 303, first.text
    again = await signed_post_form(client, key, f"/kiosk/benefits/{PROGRAMME}/apply", form)
    assert again.headers["location"] == first.headers["location"]
    applications = await owner_conn.fetch(
        "SELECT id, programme_id FROM applications WHERE person_id = $1", account.person_id
    )
    assert len(applications) == 1
    application_id = applications[0]["id"]
    assert first.headers["location"] == f"/kiosk/applications/{application_id}/receipt?applied=1"
    channel = await owner_conn.fetchval(
        "SELECT channel FROM audit_log WHERE action = 'application.submitted' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert channel == "kiosk"

    receipt = await signed_get(client, key, first.headers["location"])
    assert receipt.status_code == 200
    assert f'<dd id="reference">{application_id}</dd>' in receipt.text
    assert "<svg" in receipt.text and "window.print()" in receipt.text
    listed = await signed_get(client, key, "/kiosk/applications")
    assert f'id="application-{application_id}" data-status="submitted"' in listed.text

    # A new confirm page has a new key: applying again for the same period is refused kindly.
    fresh = await signed_get(client, key, f"/kiosk/benefits/{PROGRAMME}/apply")
    before = await counts(owner_conn)
    twice = await signed_post_form(
        client,
        key,
        f"/kiosk/benefits/{PROGRAMME}/apply",
        {**form, "idempotency_key": key_of(fresh.text)},
    )
    assert twice.status_code == 409 and "이미 신청했어요" in twice.text, twice.text
    assert f'href="/kiosk/benefits/{PROGRAMME}/apply" id="again"' in twice.text
    assert await counts(owner_conn) == before


async def test_bad_input_gets_a_friendly_page_and_writes_nothing(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, key = await signed_in(client, owner_conn, settings)
    # The application of the first test is someone else's (another 박순자).
    their = await owner_conn.fetchval("SELECT max(id) FROM applications")
    assert their is not None
    before = await counts(owner_conn)
    unknown = await signed_get(client, key, "/kiosk/benefits/no-such-benefit/apply")
    assert unknown.status_code == 404 and 'class="problem"' in unknown.text
    assert 'href="/kiosk/me" id="again"' in unknown.text
    someone = await signed_get(client, key, f"/kiosk/applications/{their}/receipt")
    assert someone.status_code == 404 and 'class="problem"' in someone.text
    stale = await signed_post_form(
        client,
        key,
        f"/kiosk/benefits/{PROGRAMME}/apply",
        {
            "idempotency_key": "a-stale-form-key",
            "bank_account_id": "999999",
            "contact_preference": "sms",
            "confirmed": "yes",
        },
    )
    assert stale.status_code == 400 and "등록한 계좌 중에 이 계좌가 없어요" in stale.text, (
        stale.text
    )
    broken = await signed_post_form(
        client, key, f"/kiosk/benefits/{PROGRAMME}/apply", {"bank_account_id": "x"}
    )
    assert broken.status_code == 400 and 'class="problem"' in broken.text
    bad_number = await signed_post_form(
        client,
        key,
        f"/kiosk/benefits/{PROGRAMME}/account",
        {"bank_code": "088", "account_number": "12"},
    )
    assert bad_number.status_code == 400 and 'class="problem"' in bad_number.text
    unknown = await signed_get(
        client, key, "/kiosk/benefits/no-such-benefit/apply", **{"Accept-Language": "en"}
    )
    assert "서비스를 찾을 수 없어요" in unknown.text  # Korean unless the person chose
    english = await signed_get(client, key, "/kiosk/benefits/no-such-benefit/apply?lang=en")
    assert "Service not found" in english.text
    assert await counts(owner_conn) == before


async def test_inbox_documents_and_access_log(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, key = await signed_in(client, owner_conn, settings)
    notice = await owner_conn.fetchval(
        "INSERT INTO notices (person_id, kind, programme_id, period_key, locale) "
        "VALUES ($1, 'benefit', $2, 'p', 'ko') RETURNING id",
        account.person_id,
        PROGRAMME,
    )
    inbox = await signed_get(client, key, "/kiosk/inbox")
    assert inbox.status_code == 200, inbox.text
    assert f'id="notice-{notice}" data-read="no"' in inbox.text
    assert re.search(r'class="secondary read-aloud" data-spoken="[^"]{10,}"', inbox.text)
    opened = await signed_get(client, key, f"/kiosk/inbox/{notice}")
    assert opened.status_code == 200 and 'id="read-aloud"' in opened.text
    assert await owner_conn.fetchval("SELECT read_at FROM notices WHERE id = $1", notice)
    assert (await signed_get(client, key, f"/kiosk/inbox/{notice + 1000}")).status_code == 404

    documents = await signed_get(client, key, "/kiosk/documents")
    assert documents.status_code == 200 and 'id="no-consents"' in documents.text
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    session = await authenticate_access_token(owner_conn, tokens.access_token)
    assert session is not None
    async with owner_conn.transaction():
        consent = await grant_consent(
            owner_conn,
            session,
            document_type="employment-insurance-history",
            grantee=PROGRAMME,
            purpose="구직급여 수급자격 심사",
            single_use=True,
            expires_on=None,
        )
    documents = await signed_get(client, key, "/kiosk/documents")
    assert f'id="consent-{consent.id}" data-status="live"' in documents.text
    assert f'id="revoke-{consent.id}"' in documents.text
    before = await counts(owner_conn)
    elsewhere = await signed_post_form(
        client, key, f"/kiosk/documents/{consent.id + 99}/revoke", {}
    )
    assert elsewhere.status_code == 404 and 'href="/kiosk/documents" id="again"' in elsewhere.text
    assert await counts(owner_conn) == before
    revoked = await signed_post_form(client, key, f"/kiosk/documents/{consent.id}/revoke", {})
    assert (
        revoked.status_code == 303 and revoked.headers["location"] == "/kiosk/documents?revoked=1"
    )
    assert (
        await owner_conn.fetchval(
            "SELECT channel FROM audit_log WHERE action = 'consent.revoked' AND subject = $1",
            f"person:{account.person_id}",
        )
        == "kiosk"
    )
    documents = await signed_get(client, key, revoked.headers["location"])
    assert 'id="revoked"' in documents.text and f'id="revoke-{consent.id}"' not in documents.text
    for bad in ("/kiosk/inbox?before=abc", "/kiosk/access-log?before=0"):
        refused = await signed_get(client, key, bad)
        assert refused.status_code == 400 and 'class="problem"' in refused.text, bad
    log = await signed_get(client, key, "/kiosk/access-log")
    assert log.status_code == 200 and 'id="no-views"' in log.text


async def test_an_account_not_usable_yet_is_said_plainly(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, bank: FakeBank
) -> None:
    account, key = await signed_in(client, owner_conn, settings)
    born = await owner_conn.fetchval(
        "SELECT birth_date FROM people WHERE id = $1", account.person_id
    )
    number = at_the_bank(bank, born)
    added = await signed_post_form(
        client,
        key,
        f"/kiosk/benefits/{PROGRAMME}/account",
        {"bank_code": "088", "account_number": number},
    )
    assert added.status_code == 303, added.text
    # As after a change of account: usable only from tomorrow.
    bank_account = await owner_conn.fetchval(
        "UPDATE bank_accounts SET effective_from = now() + interval '1 day' "
        "WHERE person_id = $1 RETURNING id",
        account.person_id,
    )
    confirm = await signed_get(client, key, f"/kiosk/benefits/{PROGRAMME}/apply")
    assert 'id="account-waiting-1"' in confirm.text
    assert 'id="apply-form"' not in confirm.text and 'id="account-form"' not in confirm.text
    before = await counts(owner_conn)
    refused = await signed_post_form(
        client,
        key,
        f"/kiosk/benefits/{PROGRAMME}/apply",
        {
            "idempotency_key": "an-old-confirm-page",
            "bank_account_id": str(bank_account),
            "contact_preference": "sms",
            "confirmed": "yes",
        },
    )
    assert refused.status_code == 409 and 'class="problem"' in refused.text, refused.text
    assert await counts(owner_conn) == before


async def test_the_service_pages_need_a_session_at_this_kiosk(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    key = await enrolled_kiosk(client, owner_conn)
    for path in (
        "/kiosk/benefits",
        "/kiosk/applications",
        "/kiosk/inbox",
        "/kiosk/documents",
        "/kiosk/access-log",
        f"/kiosk/benefits/{PROGRAMME}/apply",
    ):
        page = await signed_get(client, key, path)
        assert page.status_code == 401, path
        assert 'href="/kiosk/sign-in" id="again"' in page.text, path
    unsigned = await client.get("/kiosk/benefits", headers={"Accept": "text/html"})
    assert unsigned.status_code == 401 and "등록되지 않은 키오스크예요" in unsigned.text


async def test_the_pages_follow_the_persons_language_until_they_choose_another(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    """A person whose language is Vietnamese signs in: the kiosk's pages are in Vietnamese
    (the device's own Accept-Language is not theirs); `?lang=` still chooses."""
    account, key = await signed_in(client, owner_conn, settings)
    await owner_conn.execute(
        "UPDATE people SET preferred_language = 'vi' WHERE id = $1", account.person_id
    )
    benefits = await signed_get(client, key, "/kiosk/benefits")
    assert benefits.status_code == 200, benefits.text
    assert '<html lang="vi"' in benefits.text
    chosen = await signed_get(client, key, "/kiosk/benefits?lang=en")
    assert '<html lang="en"' in chosen.text
    await owner_conn.execute(
        "UPDATE people SET preferred_language = 'ko' WHERE id = $1", account.person_id
    )
    assert '<html lang="ko"' in (await signed_get(client, key, "/kiosk/benefits")).text
