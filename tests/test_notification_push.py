"""Push first when the person has the app: through firebase-admin to a local FCM fake;
a dead token is retired and SMS goes at once; a push unread for 48 hours goes by SMS
once; an application decision is told to the person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from foundation.korea import KOREA
from foundation.settings import Settings
from tests.support.factories import make_account, make_fact, run_jobs
from tests.support.fakes.fcm import FakeFcm, running_fcm
from tests.support.fakes.twilio import FakeTwilio, running_twilio
from tests.support.notice_delivery import Clock, enqueue, korea, settings_with_push_and_sms


@pytest.fixture(scope="module")
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with running_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
async def fcm() -> AsyncIterator[FakeFcm]:
    async with running_fcm() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    twilio: FakeTwilio,
    fcm: FakeFcm,
) -> Settings:
    data = tmp_path_factory.mktemp("data")
    return settings_with_push_and_sms(database_url, redis_url, data, twilio, fcm)


async def parent_with_app(
    conn: asyncpg.Connection, settings: Settings, *, phone: str, token: str, language: str = "ko"
) -> int:
    """A working parent with the app: eligible for parental-leave benefit (a child of 3)."""
    account = await make_account(
        conn, settings, phone_e164=phone, preferred_language=language, birth_date=date(1990, 3, 3)
    )
    await make_fact(
        conn, person_id=account.person_id, kind="employment_insurance", source_system="ei",
        valid_from=date(2018, 3, 2), employer_id="1018112345", paid_base_days=1_500,
    )  # fmt: skip
    await make_fact(
        conn, person_id=account.person_id, kind="child", source_system="family",
        child_birth_date=datetime.now(KOREA).date() - timedelta(days=3 * 365),
    )  # fmt: skip
    await conn.execute(
        """
        INSERT INTO devices (account_id, person_id, fcm_token, platform, locale)
        VALUES ($1, $2, $3, 'android', $4)
        """,
        account.id,
        account.person_id,
        token,
        language,
    )
    return account.person_id


async def parental_notice(conn: asyncpg.Connection, person_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT * FROM notices WHERE person_id = $1 AND programme_id = 'parental-leave-benefit'",
        person_id,
    )
    assert row is not None
    return row


async def test_push_first_in_the_persons_language(
    owner_conn: asyncpg.Connection, settings: Settings, fcm: FakeFcm, twilio: FakeTwilio
) -> None:
    token = "fcm-token-english-parent-0001"
    person_id = await parent_with_app(
        owner_conn, settings, phone="+821011112222", token=token, language="en"
    )
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=Clock(korea(datetime.now(KOREA).date(), 10)))
    notice = await parental_notice(owner_conn, person_id)
    [push] = [
        m for m in fcm.messages
        if m["token"] == token and m["data"]["notice_id"] == str(notice["id"])
    ]  # fmt: skip
    assert push["notification"]["title"] == "You may be able to get Parental leave benefit"
    assert push["data"]["open"] == "apply/parental-leave-benefit"
    delivery = await owner_conn.fetchrow(
        "SELECT * FROM notice_deliveries WHERE notice_id = $1", notice["id"]
    )
    assert delivery is not None
    assert (delivery["channel"], delivery["state"]) == ("push", "sent")
    assert delivery["provider_ref"] == push["name"]
    assert not [m for m in twilio.messages if m["To"] == "+821011112222"]

    # Not read in the app for 48 hours: SMS, once.
    later = Clock(datetime.now(UTC) + timedelta(hours=49))
    for _ in range(2):
        await enqueue(settings, "fallback_unread_push")
        await run_jobs(settings, clock=later)
    sms = [m for m in twilio.messages if m["To"] == "+821011112222"]
    assert len([m for m in sms if "Parental leave benefit" in m["Body"]]) == 1


async def test_a_dead_token_is_retired_and_sms_goes_at_once(
    owner_conn: asyncpg.Connection, settings: Settings, fcm: FakeFcm, twilio: FakeTwilio
) -> None:
    token = "fcm-token-uninstalled-app-0002"
    fcm.failing_tokens[token] = "unregistered"
    person_id = await parent_with_app(owner_conn, settings, phone="+821022223333", token=token)
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=Clock(korea(datetime.now(KOREA).date(), 10)))
    notice = await parental_notice(owner_conn, person_id)
    rows = await owner_conn.fetch(
        "SELECT channel, state FROM notice_deliveries WHERE notice_id = $1", notice["id"]
    )
    assert {(r["channel"], r["state"]) for r in rows} == {
        ("push", "permanent_failure"),
        ("sms", "sent"),
    }
    retired = await owner_conn.fetchval(
        "SELECT retired_reason FROM devices WHERE fcm_token = $1", token
    )
    assert retired == "unregistered"
    assert [
        m for m in twilio.messages if m["To"] == "+821022223333" and "육아휴직급여" in m["Body"]
    ]


async def test_an_application_decision_is_told_even_to_someone_who_opted_out(
    owner_conn: asyncpg.Connection, settings: Settings, fcm: FakeFcm
) -> None:
    token = "fcm-token-applicant-0003"
    person_id = await parent_with_app(owner_conn, settings, phone="+821033334444", token=token)
    account_id = await owner_conn.fetchval(
        "SELECT id FROM accounts WHERE person_id = $1", person_id
    )
    await owner_conn.execute(
        "INSERT INTO notification_preferences (person_id, opted_out_of_offers) VALUES ($1, true)",
        person_id,
    )
    bank = await owner_conn.fetchval(
        """
        INSERT INTO bank_accounts (person_id, bank_code, number_sealed, number_last4, status,
                                   verified_at, effective_from)
        VALUES ($1, '004', '\\x00', '1234', 'verified', now(), now()) RETURNING id
        """,
        person_id,
    )
    application = await owner_conn.fetchval(
        """
        INSERT INTO applications (person_id, account_id, programme_id, status, eligibility_status,
                                  rule_version, criteria, period_key, evaluated_on, explained,
                                  prefilled, bank_account_id, contact_preference)
        VALUES ($1, $2, 'parental-leave-benefit', 'approved', 'eligible',
                'parental-leave-benefit@2024-01-01', 'MMMM', '2023-01-01', current_date,
                '[]', '{}', $3, 'push')
        RETURNING id
        """,
        person_id,
        account_id,
        bank,
    )
    await owner_conn.execute(
        """
        INSERT INTO application_events (application_id, kind, status, actor)
        VALUES ($1, 'status', 'approved', 'staff:kim')
        """,
        application,
    )
    await enqueue(settings, "notify_application_events")
    await run_jobs(settings, clock=Clock(korea(datetime.now(KOREA).date(), 10)))
    notice = await owner_conn.fetchrow(
        "SELECT * FROM notices WHERE person_id = $1 AND kind = 'application_status'", person_id
    )
    assert notice is not None
    assert notice["legally_required"] and notice["state"] == "sent"
    [push] = [m for m in fcm.messages if m["token"] == token]
    assert push["notification"]["title"] == "육아휴직급여 신청이 승인됐어요"
