"""`hanchang phone call`: a caller's keys in a terminal drive the line through the same
signed webhooks Twilio posts; on `make run` a development token signs them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from msgspec.structs import replace

from auth import insert_registered_phone
from auth.staff import insert_staff
from foundation.settings import Settings, load_settings
from server.phone_cli import Call, place_call
from tests.support.environment import environment_for_tests
from tests.support.factories import bearer, make_account, sign_in
from tests.support.fakes.twilio import FakeTwilio, twilio_environment
from tests.support.phone_calls import twilio_in_a_thread

PIN = "738261"


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


async def test_a_caller_signs_in_and_hears_the_menu_from_the_terminal(
    client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(
        owner_conn, settings, name="강영숙", birth_date=date(1958, 3, 9), preferred_language="en"
    )
    tokens = await sign_in(owner_conn, settings, account, aal=2, method="passkey")
    answer = await client.put("/v1/me/pin", json={"pin": PIN}, headers=bearer(tokens))
    assert answer.status_code == 204, answer.text
    staff = await insert_staff(owner_conn, name="김민수", office_code="busan", role="clerk")
    await insert_registered_phone(
        owner_conn,
        person_id=account.person_id,
        phone_e164="+82241003001",
        staff_id=staff.id,
        office_code="busan",
    )
    keys = ["2", "2", "580309", PIN, "", ""]
    heard: list[str] = []

    said = await place_call(
        Call(client, settings, "+82241003001", "+8215881350"),
        lambda: keys.pop(0) if keys else "",
        heard.append,
    )

    assert said == heard
    assert any("보이스피싱" in text for text in said)  # the warning comes first, for everyone
    assert any("You are signed in." in text for text in said)
    assert said[-1] in {"(the line hung up)", "(the call ended)"}


async def test_a_forged_call_is_refused(
    client: AsyncTestClient[Litestar], settings: Settings
) -> None:
    forged = replace(settings, twilio=replace(settings.twilio, auth_token="not-the-token"))
    with pytest.raises(RuntimeError, match="403"):
        await place_call(Call(client, forged, "+82241003002", "+8215881350"), lambda: "", print)


def test_make_run_signs_webhooks_with_a_development_token(tmp_path: Path) -> None:
    development = load_settings({"HANCHANG_ENV": "development", "HANCHANG_DATA_DIR": str(tmp_path)})
    secret = tmp_path / "twilio-webhook.secret"
    assert development.twilio.auth_token == secret.read_text().strip() != ""
    assert secret.stat().st_mode & 0o777 == 0o600
    # Tests and production never get one by default.
    test = load_settings({"HANCHANG_ENV": "test", "HANCHANG_DATA_DIR": str(tmp_path)})
    assert test.twilio.auth_token == ""
