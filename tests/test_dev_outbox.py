"""`GET /dev/outbox`: a sign-up code is found by phone number among thousands of notices."""

from __future__ import annotations

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from foundation.settings import Settings
from providers.fcm import insert_push_outbox
from providers.twilio_client import place_call, send_sms
from server.app import create_app

PHONE = "+821012345678"
CODE_SMS = "[한 창구] 인증번호 482913 (10분 안에 입력해 주세요)"


@pytest.fixture(scope="module")
async def outbox(database_url: str, settings: Settings) -> None:
    """Our code, then a later voice call to the same number, buried under 500 newer rows."""
    assert not settings.twilio.enabled
    conn = await asyncpg.connect(database_url)
    try:
        await send_sms(settings.twilio, conn, to=PHONE, body=CODE_SMS)
        await place_call(settings.twilio, conn, to=PHONE, twiml="<Response><Say>482913</Say>")
        for number in range(250):
            await send_sms(settings.twilio, conn, to=f"+8210{number:08d}", body="새 소식이 있어요")
        await insert_push_outbox(
            conn, [f"token-{n}" for n in range(250)], ["받을 수 있는 지원이 있어요"] * 250
        )
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "to", ["010-1234-5678", "01012345678", "+821012345678", "+82 10 1234 5678"]
)
async def test_a_code_among_many_is_found_by_number_in_any_form(
    client: AsyncTestClient[Litestar], outbox: None, to: str
) -> None:
    everything = (await client.get("/dev/outbox", params={"limit": 200})).json()
    assert len(everything) == 200 and all(row["to"] != PHONE for row in everything)

    found = await client.get("/dev/outbox", params={"to": to})
    assert found.status_code == 200
    rows = found.json()
    # Newest first: the voice call came after the text.
    assert [(row["channel"], row["to"]) for row in rows] == [("voice", PHONE), ("sms", PHONE)]
    assert rows[1]["body"] == CODE_SMS


async def test_a_plus_typed_in_an_address_bar_still_finds_the_number(
    client: AsyncTestClient[Litestar], outbox: None
) -> None:
    # Unescaped, `+` decodes to a space in a query string.
    rows = (await client.get("/dev/outbox?to=+821012345678")).json()
    assert [row["to"] for row in rows] == [PHONE, PHONE]


async def test_the_channel_narrows_the_list(
    client: AsyncTestClient[Litestar], outbox: None
) -> None:
    rows = (
        await client.get("/dev/outbox", params={"to": "010-1234-5678", "channel": "sms"})
    ).json()
    assert [row["body"] for row in rows] == [CODE_SMS]
    pushes = (await client.get("/dev/outbox", params={"channel": "push", "limit": 5})).json()
    assert [row["channel"] for row in pushes] == ["push"] * 5
    assert pushes[0]["to"] == "token-249"
    assert (await client.get("/dev/outbox", params={"to": "010-9999-0000"})).json() == []


@pytest.mark.parametrize(
    ("locale", "phone_detail", "channel_detail"),
    [
        (
            "en",
            "Enter a phone number like 010-1234-5678.",
            "Choose sms, voice, push or bank.",
        ),
        (
            "ko",
            "010-1234-5678처럼 전화번호를 입력해 주세요.",
            "sms, voice, push, bank 중에서 골라 주세요.",
        ),
    ],
)
async def test_a_bad_number_or_channel_is_a_problem_naming_the_parameter(
    client: AsyncTestClient[Litestar], locale: str, phone_detail: str, channel_detail: str
) -> None:
    bad = await client.get(
        "/dev/outbox", params={"to": "12-34"}, headers={"Accept-Language": locale}
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    problem = bad.json()
    assert problem["type"].endswith("/validation-error")
    assert problem["errors"] == [{"field": "query.to", "detail": phone_detail}]

    both = await client.get(
        "/dev/outbox",
        params={"to": "전화번호", "channel": "email"},
        headers={"Accept-Language": locale},
    )
    assert both.status_code == 400
    assert both.json()["errors"] == [
        {"field": "query.to", "detail": phone_detail},
        {"field": "query.channel", "detail": channel_detail},
    ]


async def test_the_outbox_is_not_served_in_production(settings: Settings, outbox: None) -> None:
    production = msgspec.structs.replace(settings, env="production")
    async with AsyncTestClient(app=create_app(production)) as prod_client:
        for params in ({}, {"to": "010-1234-5678"}, {"to": "not a number"}):
            hidden = await prod_client.get("/dev/outbox", params=params)
            assert hidden.status_code == 404, params
            assert PHONE not in hidden.text
