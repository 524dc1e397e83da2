"""Parity with the app for the demo people who have a registered phone: the phone line's
menus read the same core answers as the app's API (`/v1/me/eligibility`,
`/v1/applications`, `/v1/me/inbox`), for each of them, through signed webhooks."""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import get_account_by_person
from auth.staff import insert_staff
from foundation.settings import Settings, load_settings
from i18n import translate
from server.demo_data import load_demo_data, register_demo_phones
from tests.support.environment import environment_for_tests
from tests.support.factories import bearer, sign_in
from tests.support.fakes.twilio import FakeTwilio, twilio_environment
from tests.support.phone_calls import Call, said, twilio_in_a_thread

Client = AsyncTestClient[Litestar]


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


async def test_the_menus_answer_as_the_app_for_every_demo_caller(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    await load_demo_data(owner_conn, people=30, seed=16, settings=settings)
    clerk = await insert_staff(owner_conn, name="김창구", office_code="seoul", role="clerk")
    callers = await register_demo_phones(owner_conn, settings.auth, staff_id=clerk.id)
    assert [c.name for c in callers] == ["강영숙"]
    for caller in callers:
        account = await get_account_by_person(owner_conn, caller.person_id)
        assert account is not None
        locale = "ko"
        app = {**bearer(await sign_in(owner_conn, settings, account)), "Accept-Language": locale}
        call = Call(client, settings, caller.phone)
        await call.start()
        await call.press("1")  # 한국어
        await call.press("2")  # sign in
        await call.press(caller.birth_digits)
        assert translate(locale, "You are signed in.") in said(await call.press(caller.pin))

        benefits = said(await call.press("1"))
        eligibility = (await client.get("/v1/me/eligibility", headers=app)).json()
        for programme in eligibility["programmes"]:
            line = f"{programme['name']}: {programme['summary']}"
            may_get = programme["status"] in ("eligible", "unknown")
            assert (line in benefits) == may_get, (caller.name, line)

        applications = (await client.get("/v1/applications", headers=app)).json()
        heard = said(await call.press("2"))
        if not applications:
            assert translate(locale, "You have no applications.") in heard
        else:
            assert heard.count(".") >= len(applications)

        unread = (await client.get("/v1/me/inbox", headers=app)).json()["unread"]
        notices = said(await call.press("3"))
        if unread:
            count = min(unread, 5)
            assert translate(locale, "You have {count} new notices.", count=count) in notices
        else:
            assert translate(locale, "You have no new notices.") in notices
