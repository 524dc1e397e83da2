"""Offices on the phone line: the transfer (`<Dial>`) to the person's job centre while it
is open, a call back from its staff out of hours (a window within its hours, queued for
the office, confirmed by SMS to a mobile, listed on its console and marked done there).
Opening hours are the office's rows in `office_hours`, set here for what each test needs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import insert_registered_phone
from auth.staff import insert_staff
from foundation.jobs import INTERACTIVE_QUEUE
from foundation.settings import Settings, load_settings
from notifications.staff_callback_notice import confirm_staff_callback
from tests.support.environment import environment_for_tests
from tests.support.factories import bearer, make_account, sign_in
from tests.support.fakes.twilio import FakeTwilio, twilio_environment
from tests.support.phone_calls import Call, said, twilio_in_a_thread
from tests.support.staff import signed_in as staff_signed_in

Client = AsyncTestClient[Litestar]
PIN = "493028"
BUSAN = "+82518608000"
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with twilio_in_a_thread() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Settings:
    env = environment_for_tests(
        database_url, redis_url, tmp_path_factory.mktemp("data"), **twilio_environment(twilio)
    )
    return load_settings(env)


async def busan_hours(conn: asyncpg.Connection, *, open_now: bool) -> None:
    """Busan's hours: every day, all day (open now), or none at all (closed)."""
    await conn.execute("DELETE FROM office_hours WHERE office_code = 'busan'")
    if open_now:
        await conn.execute(
            "INSERT INTO office_hours SELECT 'busan', d, '00:00', '23:59:59.999' "
            "FROM generate_series(1, 7) d"
        )


async def busan_caller(
    client: Client, conn: asyncpg.Connection, settings: Settings, *, mobile: bool = False
) -> tuple[str, Any]:
    n = next(_numbers)
    account = await make_account(
        conn, settings, name="강영숙", birth_date=date(1958, 3, 9), region_code="26",
        preferred_language="en",
    )  # fmt: skip
    tokens = await sign_in(conn, settings, account, aal=2, method="passkey")
    answer = await client.put("/v1/me/pin", json={"pin": PIN}, headers=bearer(tokens))
    assert answer.status_code == 204, answer.text
    staff = await insert_staff(conn, name="김민수", office_code="busan", role="clerk")
    e164 = f"+8210{5100 + n}{3000 + n}" if mobile else f"+8251{4100 + n}{3000 + n}"
    await insert_registered_phone(
        conn, person_id=account.person_id, phone_e164=e164, staff_id=staff.id, office_code="busan"
    )
    return e164, account


async def signed_in_call(client: Client, settings: Settings, e164: str) -> Call:
    call = Call(client, settings, e164)
    await call.start()
    for digits in ("2", "2", "580309"):
        await call.press(digits)
    menu = said(await call.press(PIN))
    assert "press 6" in menu and "press 7" in menu
    return call


async def test_six_and_zero_put_the_caller_through_to_their_job_centre_while_open(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    await busan_hours(owner_conn, open_now=True)
    e164, _ = await busan_caller(client, owner_conn, settings)
    for key in ("6", "0"):
        call = await signed_in_call(client, settings, e164)
        answer = await call.press(key)
        assert f'<Dial timeout="30">{BUSAN}</Dial>' in answer
        assert "Connecting you to Busan Employment Center." in said(answer)


async def test_out_of_hours_the_line_offers_a_call_back_instead(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    await busan_hours(owner_conn, open_now=False)
    e164, _ = await busan_caller(client, owner_conn, settings)
    call = await signed_in_call(client, settings, e164)
    answer = await call.press("6")
    assert "<Dial" not in answer
    assert "Busan Employment Center is closed now" in said(answer) and "press 7" in said(answer)


async def test_a_staff_call_back_is_queued_confirmed_by_sms_and_done_on_the_console(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    twilio: FakeTwilio,
    db_pool: asyncpg.Pool,
) -> None:
    await busan_hours(owner_conn, open_now=True)
    e164, account = await busan_caller(client, owner_conn, settings, mobile=True)
    call = await signed_in_call(client, settings, e164)
    offer = said(await call.press("7"))
    assert "When should the staff" in offer and "press 1" in offer
    assert "tomorrow morning" in offer
    redis = Redis.from_url(settings.redis.url)
    queued = await redis.zcard(INTERACTIVE_QUEUE)
    # The last choice offered is the next day's morning.
    keys = [k for k in ("1", "2", "3") if f"press {k}." in offer]
    done = said(await call.press(keys[-1]))
    assert "Staff of Busan Employment Center will call you back tomorrow morning" in done
    assert "text message" in done
    assert await redis.zcard(INTERACTIVE_QUEUE) == queued + 1
    await redis.aclose()
    row = await owner_conn.fetchrow(
        "SELECT id, office_code, phone_e164, window_starts_at, window_ends_at "
        "FROM staff_callback_requests WHERE person_id = $1",
        account.person_id,
    )
    assert row is not None and row["office_code"] == "busan" and row["phone_e164"] == e164
    # Pressing the same choice again answers the same request.
    await call.press("7")
    await call.press(keys[-1])
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM staff_callback_requests WHERE person_id = $1", account.person_id
        )
        == 1
    )

    # The interactive worker's job: one SMS from the codes' sender, once.
    ctx = {"settings": settings, "pool": db_pool, "job_try": 1}
    assert await confirm_staff_callback(ctx, row["id"], "en") == "sent"
    assert await confirm_staff_callback(ctx, row["id"], "en") == "nothing-to-do"
    texts = [m for m in twilio.messages if m["To"] == e164]
    assert len(texts) == 1 and "Busan Employment Center will call you back" in texts[0]["Body"]

    # The office's console lists it; the clerk marks it done; another office cannot.
    await staff_signed_in(client, owner_conn)
    listed = (await client.get("/console/api/callbacks")).json()["callbacks"]
    assert [c["id"] for c in listed if c["person_id"] == account.person_id] == [row["id"]]
    page = await client.get("/console/callbacks")
    assert page.status_code == 200 and f'id="callback-{row["id"]}"' in page.text
    same_origin = {"Origin": settings.http.public_url}
    done_answer = await client.post(
        f"/console/api/callbacks/{row['id']}/done", json={}, headers=same_origin
    )
    assert done_answer.status_code == 204, done_answer.text
    again = await client.post(
        f"/console/api/callbacks/{row['id']}/done", json={}, headers=same_origin
    )
    assert again.status_code == 404
    listed = (await client.get("/console/api/callbacks")).json()["callbacks"]
    assert row["id"] not in [c["id"] for c in listed]


async def test_a_landline_hears_no_sms_promise(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    await busan_hours(owner_conn, open_now=True)
    e164, _ = await busan_caller(client, owner_conn, settings)
    call = await signed_in_call(client, settings, e164)
    await call.press("7")
    done = said(await call.press("1"))
    assert "will call you back" in done and "text message" not in done
