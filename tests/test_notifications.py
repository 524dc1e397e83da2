"""Proactive notices end to end through arq: told once, on a channel that reaches the
person, in their language, not at night; retries, fallback and a dead worker's claim."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from foundation.korea import KOREA
from foundation.settings import Settings, load_settings
from notifications.notices import claim_due_notices
from tests.support.environment import environment_for_tests
from tests.support.factories import run_jobs
from tests.support.fakes.twilio import FakeTwilio, running_twilio, twilio_environment
from tests.support.notice_delivery import Clock, enqueue, korea, laid_off, notices_of

# A "slow" Twilio answers after this; the client gives up after 1 s.
SLOW_S = 2.0


@pytest.fixture(scope="module")
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with running_twilio(slow_seconds=SLOW_S) as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Settings:
    data = tmp_path_factory.mktemp("data") / "hanchang"
    return load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            data,
            **twilio_environment(twilio, 1),
            HANCHANG_AMBIGUOUS_GRACE_SECONDS="0",
        )
    )


def printed_letters(settings: Settings, day: date) -> str:
    folder = Path(settings.data_dir).resolve().parent / "var" / "letters"
    return (folder / f"{day.isoformat()}.txt").read_text(encoding="utf-8")


async def deliveries_of(conn: asyncpg.Connection, notice_id: int) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM notice_deliveries WHERE notice_id = $1", notice_id)
    return {row["channel"]: row for row in rows}


async def test_each_person_is_told_once_on_a_channel_that_reaches_them(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    mobile = await laid_off(owner_conn, settings, phone="+821023456789")
    landline = await laid_off(owner_conn, settings, phone="+82221234567", language="en")
    no_phone = await laid_off(owner_conn, settings, phone=None)
    clock = Clock(korea(datetime.now(KOREA).date(), 10))

    await enqueue(settings, "scan_notices")
    await run_jobs(settings, clock=clock)

    # One message per programme the person can get; one about the unemployment benefit.
    sms = [m for m in twilio.messages if m["To"] == "+821023456789" and "구직급여" in m["Body"]]
    assert len(sms) == 1
    assert "1350" in sms[0]["Body"]
    assert "http" not in sms[0]["Body"] and len(sms[0]["Body"]) <= 134
    calls = [c for c in twilio.calls if c["To"] == "+82221234567" and "Unemployment" in c["Twiml"]]
    assert len(calls) == 1
    assert 'language="en-US"' in calls[0]["Twiml"] and "1 3 5 0" in calls[0]["Twiml"]
    for person_id, channel in ((mobile, "sms"), (landline, "voice"), (no_phone, "letter")):
        [notice] = await notices_of(owner_conn, person_id)
        assert notice["state"] == "sent"
        assert set(await deliveries_of(owner_conn, notice["id"])) == {channel}

    # The letter goes to today's print file.
    await enqueue(settings, "print_letters")
    await run_jobs(settings, clock=clock)
    printed = printed_letters(settings, datetime.now(KOREA).date())
    assert "구직급여" in printed

    # The same scan again, and a re-run of the same delivery job: nothing new is sent.
    messages, calls_before = len(twilio.messages), len(twilio.calls)
    [notice] = await notices_of(owner_conn, mobile)
    await enqueue(settings, "scan_notices")
    await enqueue(settings, "deliver_notices", [notice["id"]])
    await run_jobs(settings, clock=clock)
    assert (len(twilio.messages), len(twilio.calls)) == (messages, calls_before)
    for person_id in (mobile, landline, no_phone):
        assert len(await notices_of(owner_conn, person_id)) == 1


async def test_quiet_hours_defer_to_the_morning_spread_over_an_hour(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    person_id = await laid_off(owner_conn, settings, phone="+821034567890")
    day = datetime.now(KOREA).date()
    clock = Clock(korea(day, 22, 30))
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(owner_conn, person_id)
    assert notice["state"] == "pending"
    morning = korea(day + timedelta(days=1), 8)
    assert morning <= notice["send_after"] < morning + timedelta(hours=1)
    assert not [m for m in twilio.messages if m["To"] == "+821034567890"]

    clock.now = morning + timedelta(hours=1)
    await enqueue(settings, "dispatch_due_notices")
    await run_jobs(settings, clock=clock)
    assert len([m for m in twilio.messages if m["To"] == "+821034567890"]) == 1


async def test_an_opted_out_programme_reaches_only_the_inbox(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    person_id = await laid_off(owner_conn, settings, phone="+821045678901")
    await owner_conn.execute(
        "INSERT INTO notification_preferences (person_id, opted_out_programmes) VALUES ($1, $2)",
        person_id,
        ["unemployment-benefit"],
    )
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=Clock(korea(datetime.now(KOREA).date(), 11)))
    [notice] = await notices_of(owner_conn, person_id)
    assert notice["state"] == "inbox_only"
    assert not await deliveries_of(owner_conn, notice["id"])


async def _claimed_by_a_lost_job(
    conn: asyncpg.Connection, settings: Settings, phone: str, clock: Clock, *, called: bool
) -> int:
    """A notice whose SMS a job claimed (and, if `called`, began to send) before it was
    lost with its worker; returns the notice's id."""
    person_id = await laid_off(conn, settings, phone=phone)
    day = datetime.now(KOREA).date()
    clock.now = korea(day, 23)
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(conn, person_id)
    clock.now = korea(day + timedelta(days=1), 9, 30)
    await conn.execute("UPDATE notices SET state = 'sending' WHERE id = $1", notice["id"])
    await conn.execute(
        """
        INSERT INTO notice_deliveries (notice_id, channel, state, attempts, updated_at,
                                       claimed_by, provider_call_at)
        VALUES ($1, 'sms', 'sending', 1, $2, 'a-lost-job',
                CASE WHEN $3 THEN now() - interval '10 seconds' END)
        """,
        notice["id"],
        clock.now - timedelta(minutes=1),
        called,
    )
    return int(notice["id"])


async def test_a_lost_claim_that_never_reached_twilio_is_sent_once(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    phone = "+821056789012"
    clock = Clock(datetime.now(UTC))
    notice_id = await _claimed_by_a_lost_job(owner_conn, settings, phone, clock, called=False)
    # Another job asked to deliver it leaves it: the claim may still be in flight.
    await enqueue(settings, "deliver_notices", [notice_id])
    await run_jobs(settings, clock=clock)
    assert not [m for m in twilio.messages if m["To"] == phone]
    # Ten minutes on, the sweep finds the claim's call never started: due again at once.
    clock.now += timedelta(minutes=11)
    await enqueue(settings, "sweep_deliveries")
    await run_jobs(settings, clock=clock)
    sms = (await deliveries_of(owner_conn, notice_id))["sms"]
    assert (sms["state"], sms["attempts"]) == ("temporary_failure", 0)
    await enqueue(settings, "retry_deliveries")
    await run_jobs(settings, clock=clock)
    [sent] = [m for m in twilio.messages if m["To"] == phone]
    sms = (await deliveries_of(owner_conn, notice_id))["sms"]
    assert (sms["state"], sms["provider_ref"]) == ("sent", sent["sid"])
    assert await owner_conn.fetchval("SELECT state FROM notices WHERE id = $1", notice_id) == "sent"


async def test_a_claim_whose_job_never_reached_the_queue_is_handed_back_within_minutes(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    """A dispatcher killed between claiming a batch and enqueuing its job: the claim names
    a job that is neither queued nor running, so the sweep hands it back long before the
    ten minutes after which any claim counts as lost."""
    phone = "+821056789015"
    person_id = await laid_off(owner_conn, settings, phone=phone)
    day = datetime.now(KOREA).date()
    clock = Clock(korea(day, 23))
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(owner_conn, person_id)
    assert notice["state"] == "pending"  # quiet hours
    clock.now = notice["send_after"] + timedelta(seconds=5)
    # The dispatcher's first half, as a killed one leaves it.
    claimed = await claim_due_notices(owner_conn, clock.now, 500, "deliver-that-never-came")
    assert notice["id"] in claimed

    # Within the minute its job may still be on its way to the queue: left alone.
    clock.now += timedelta(seconds=30)
    await enqueue(settings, "sweep_deliveries")
    await run_jobs(settings, clock=clock)
    assert (
        await owner_conn.fetchval("SELECT state FROM notices WHERE id = $1", notice["id"])
        == "sending"
    )
    assert not [m for m in twilio.messages if m["To"] == phone]

    # Past it, handed back; the dispatcher that runs beside the sweep takes it again.
    clock.now += timedelta(minutes=1)
    await enqueue(settings, "sweep_deliveries")
    await enqueue(settings, "dispatch_due_notices")
    await run_jobs(settings, clock=clock)
    row = await owner_conn.fetchrow(
        "SELECT state, claim_job FROM notices WHERE id = $1", notice["id"]
    )
    assert row is not None and row["state"] == "sent"
    assert row["claim_job"].startswith("deliver-") and row["claim_job"] != "deliver-that-never-came"
    [sent] = [m for m in twilio.messages if m["To"] == phone]
    sms = (await deliveries_of(owner_conn, notice["id"]))["sms"]
    assert (sms["state"], sms["provider_ref"]) == ("sent", sent["sid"])


async def test_a_lost_call_to_twilio_is_looked_up_not_guessed(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    """Two claims whose call to Twilio began before their job was lost: one reached
    Twilio (it is `sent`, with Twilio's reference), one did not (it is sent now, once)."""
    clock = Clock(datetime.now(UTC))
    reached, lost = "+821056789013", "+821056789014"
    reached_id = await _claimed_by_a_lost_job(owner_conn, settings, reached, clock, called=True)
    lost_id = await _claimed_by_a_lost_job(owner_conn, settings, lost, clock, called=True)
    # The first one did reach Twilio before the worker died: send its text as the job did.
    from notifications.messages import NoticeText, render_notice
    from notifications.sending import body_digest
    from providers.twilio_client import send_sms

    text = render_notice(
        NoticeText(kind="benefit", programme_id="unemployment-benefit", topic=None), "ko"
    ).sms
    sent = await send_sms(settings.twilio, None, to=reached, body=text)
    await owner_conn.execute(
        "UPDATE notice_deliveries SET body_sha256 = $2 WHERE notice_id = ANY($1::bigint[])",
        [reached_id, lost_id],
        body_digest(text),
    )
    clock.now += timedelta(minutes=11)
    await enqueue(settings, "sweep_deliveries")
    await run_jobs(settings, clock=clock)
    for notice_id in (reached_id, lost_id):
        assert (await deliveries_of(owner_conn, notice_id))["sms"]["state"] == "ambiguous"
        # Not sent while one of its deliveries is unsettled.
        state = await owner_conn.fetchval("SELECT state FROM notices WHERE id = $1", notice_id)
        assert state == "sending"
    await enqueue(settings, "resolve_ambiguous")
    await enqueue(settings, "retry_deliveries")
    await run_jobs(settings, clock=clock)
    await enqueue(settings, "retry_deliveries")
    await run_jobs(settings, clock=clock)
    first = (await deliveries_of(owner_conn, reached_id))["sms"]
    assert (first["state"], first["provider_ref"]) == ("sent", sent.provider_id)
    assert len([m for m in twilio.messages if m["To"] == reached]) == 1
    [then] = [m for m in twilio.messages if m["To"] == lost]
    second = (await deliveries_of(owner_conn, lost_id))["sms"]
    assert (second["state"], second["provider_ref"]) == ("sent", then["sid"])
    for notice_id in (reached_id, lost_id):
        state = await owner_conn.fetchval("SELECT state FROM notices WHERE id = $1", notice_id)
        assert state == "sent"


async def test_temporary_failures_retry_with_backoff_then_fall_back(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    person_id = await laid_off(owner_conn, settings, phone="+821067890123")
    clock = Clock(korea(datetime.now(KOREA).date(), 10))
    twilio.planned.extend([503] * 5)
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(owner_conn, person_id)
    sms = (await deliveries_of(owner_conn, notice["id"]))["sms"]
    assert (sms["state"], sms["attempts"]) == ("temporary_failure", 1)
    assert sms["next_attempt_at"] == clock.now + timedelta(seconds=120)

    # Not yet due: the retry job leaves it.
    await enqueue(settings, "retry_deliveries")
    await run_jobs(settings, clock=clock)
    assert (await deliveries_of(owner_conn, notice["id"]))["sms"]["attempts"] == 1
    for _ in range(4):
        clock.now += timedelta(hours=1)
        await enqueue(settings, "retry_deliveries")
        await run_jobs(settings, clock=clock)
    deliveries = await deliveries_of(owner_conn, notice["id"])
    assert (deliveries["sms"]["state"], deliveries["sms"]["attempts"]) == ("technical_failure", 5)
    # Retries used up: the next channel (a voice call) at once, and it went through.
    assert deliveries["voice"]["state"] == "sent"
    assert len([c for c in twilio.calls if c["To"] == "+821067890123"]) == 1
    assert not twilio.planned


async def test_an_unanswered_send_is_ambiguous_until_twilio_is_asked(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    phone = "+821078901234"
    person_id = await laid_off(owner_conn, settings, phone=phone)
    twilio.planned.append("slow")
    clock = Clock(korea(datetime.now(KOREA).date(), 14))
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(owner_conn, person_id)
    deliveries = await deliveries_of(owner_conn, notice["id"])
    assert set(deliveries) == {"sms"} and deliveries["sms"]["state"] == "ambiguous"
    assert notice["state"] == "sending"  # not `sent` while in doubt
    # Once the call's timeout (1 s here) has passed: Twilio lists the message it did take (the
    # answer came too late), so it is sent. The resolver waits for the timeout to pass; on a
    # loaded machine it may still say "waiting" at first, so it is asked again for a while.
    for _ in range(20):
        await asyncio.sleep(0.5)
        await enqueue(settings, "resolve_ambiguous")
        await enqueue(settings, "retry_deliveries")
        await run_jobs(settings, clock=clock)
        sms = (await deliveries_of(owner_conn, notice["id"]))["sms"]
        if sms["state"] != "ambiguous":
            break
    [message] = [m for m in twilio.messages if m["To"] == phone]
    assert (sms["state"], sms["provider_ref"]) == ("sent", message["sid"])
    assert (await notices_of(owner_conn, person_id))[0]["state"] == "sent"


async def test_new_facts_are_noticed_within_the_minute(
    owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    clock = Clock(korea(datetime.now(KOREA).date(), 15))
    await enqueue(settings, "watch_new_facts")  # the first look sets the watermark
    await run_jobs(settings, clock=clock)
    # An employment ends: the source system adds the facts.
    person_id = await laid_off(owner_conn, settings, phone="+821089012345")
    await enqueue(settings, "watch_new_facts")
    await run_jobs(settings, clock=clock)
    [notice] = await notices_of(owner_conn, person_id)
    assert notice["state"] == "sent"
    assert len([m for m in twilio.messages if m["To"] == "+821089012345"]) == 1
