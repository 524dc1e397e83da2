"""A voice notice's keys (issue 16, outbound): the call the notification worker places
says the notice twice, then "1 to hear again, 2 to apply, 0 for a person"; its `<Gather>`
posts to the phone line with a sealed, single-use, expiring token for that call and
person (never the person id in clear); 2 and the PIN sign in at aal 2 on that call (we
placed it to the registered number of record) and go to applying for the notice's
programme. Driven as Twilio drives it: the real worker, the fake's recorded TwiML, then
signed webhook posts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import create_account, insert_registered_phone, store_pin
from auth.staff import insert_staff
from foundation.korea import KOREA
from foundation.settings import Settings, load_settings
from tests.support.environment import environment_for_tests
from tests.support.factories import run_jobs
from tests.support.fakes.twilio import FakeTwilio, twilio_environment
from tests.support.notice_delivery import Clock, enqueue, korea, laid_off
from tests.support.phone_calls import Call, check_twiml, said, twilio_in_a_thread

Client = AsyncTestClient[Litestar]
PIN = "493028"
WRONG_PIN = "582914"
LANDLINE = "+82221234599"


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with twilio_in_a_thread() as fake:
        yield fake


@pytest.fixture(scope="module", autouse=True)
async def no_jobs_of_other_modules(redis_url: str) -> None:
    """This worker's Redis holds only this module's jobs: an earlier module's leftover
    bulk jobs (for a database already dropped) would keep the dispatcher waiting."""
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    await redis.aclose()


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Settings:
    data = tmp_path_factory.mktemp("data") / "hanchang"
    return load_settings(
        environment_for_tests(database_url, redis_url, data, **twilio_environment(twilio))
    )


async def test_two_on_a_voice_notice_signs_in_at_aal_2_and_goes_to_applying(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    person_id = await laid_off(owner_conn, settings, phone=LANDLINE, language="en")
    account = await create_account(owner_conn, person_id=person_id, assurance="in_person")
    await store_pin(owner_conn, settings.auth, account, PIN)
    staff = await insert_staff(owner_conn, name="김민수", office_code="seoul", role="clerk")
    await insert_registered_phone(
        owner_conn, person_id=person_id, phone_e164=LANDLINE, staff_id=staff.id, office_code="seoul"
    )
    await enqueue(settings, "scan_notices")
    await run_jobs(settings, clock=Clock(korea(datetime.now(KOREA).date(), 10)))

    [placed] = [c for c in twilio.calls if c["To"] == LANDLINE]
    (keys_to,) = check_twiml(placed["Twiml"], settings)
    assert "Unemployment" in said(placed["Twiml"])
    assert "To apply, press 2." in said(placed["Twiml"]) and "press 0" in said(placed["Twiml"])
    query = parse_qs(urlsplit(keys_to).query)
    assert urlsplit(keys_to).path == "/webhooks/twilio/voice/notice"
    assert query["lang"] == ["en"] and query["token"][0].startswith("hnc_")
    assert str(person_id) not in keys_to.split("token=")[0] and "person" not in keys_to

    # The person answers our call (Twilio posts From: our number, To: theirs).
    call = Call(client, settings, settings.twilio.from_number)
    again = said(await call.post(keys_to, "1"))
    assert "Unemployment" in again and "To apply, press 2." in again
    # The token was good once: a replay (another call) is refused, spoken.
    replay = Call(client, settings, settings.twilio.from_number)
    assert "This call can no longer be answered" in said(await replay.post(keys_to, "2"))

    assert "enter your 6-digit PIN" in said(await call.press("2"))
    wrong = said(await call.press(WRONG_PIN))
    assert "not right" in wrong
    # On a call we placed a wrong PIN counts towards this phone's lock.
    failures = await owner_conn.fetchval(
        "SELECT pin_failures FROM registered_phones WHERE person_id = $1", person_id
    )
    assert failures == 1
    applying = said(await call.press(PIN))
    # aal 2 at once, on this call; no payment account on file: the line says so.
    assert "there is none on file" in applying
    session = await owner_conn.fetchrow(
        "SELECT s.aal, s.channel FROM sessions s JOIN accounts a ON a.id = s.account_id "
        "WHERE a.person_id = $1 ORDER BY s.created_at DESC LIMIT 1",
        person_id,
    )
    assert session is not None and (session["aal"], session["channel"]) == (2, "phone")


async def test_a_voice_notice_to_a_nepali_landline_is_said_in_korean_then_english(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, twilio: FakeTwilio
) -> None:
    landline = "+82221234598"
    person_id = await laid_off(owner_conn, settings, phone=landline, language="ne")
    day = datetime.now(KOREA).date()
    clock = Clock(korea(day, 23))  # quiet hours: the notice waits for the morning
    await enqueue(settings, "person_facts_changed", [person_id])
    await run_jobs(settings, clock=clock)
    [notice_id] = await owner_conn.fetch("SELECT id FROM notices WHERE person_id = $1", person_id)
    # The notice in the person's language (notices.py writes only ko and en until issue
    # 17's migration lets `notices.locale` hold every code; 'ne' fits its CHECK already).
    await owner_conn.execute("UPDATE notices SET locale = 'ne' WHERE id = $1", notice_id["id"])
    clock.now = korea(day + timedelta(days=1), 10)
    await enqueue(settings, "deliver_notices", [notice_id["id"]])
    await run_jobs(settings, clock=clock)

    [placed] = [c for c in twilio.calls if c["To"] == landline]
    (keys_to,) = check_twiml(placed["Twiml"], settings)
    voices = re.findall(r'<Say language="([^"]+)"', placed["Twiml"])
    assert set(voices) == {"ko-KR", "en-US"} and voices[0] == "ko-KR"
    words = said(placed["Twiml"])
    assert (
        "외국인력상담센터 1 5 7 7, 0 0 7 1" in words
        and "Danuri call centre on 1 5 7 7, 1 3 6 6" in words
    )
    assert "구직급여" in words and "Unemployment benefit" in words
    assert parse_qs(urlsplit(keys_to).query)["lang"] == ["ko"]
    # 1 on that call: heard again, in Korean then English, never in a voice for Nepali.
    call = Call(client, settings, settings.twilio.from_number)
    again = await call.post(keys_to, "1")
    assert set(re.findall(r'<Say language="([^"]+)"', again)) == {"ko-KR", "en-US"}
    assert "1 5 7 7, 1 3 6 6" in said(again)
