"""The kiosk channel's router: only a request signed by an enrolled kiosk reaches a page.
Enrolment (page, JSON, scripts) needs no signature; everything else answers a plain page
in the reader's language saying the kiosk is not enrolled, and nothing else, when the
signature is missing, forged, stale, replayed, or from an unknown or retired kiosk."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.kiosk_cli import add_kiosk_commands  # noqa: F401 - the CLI is importable
from tests.support.kiosk_devices import (
    ALGORITHMS,
    KioskKey,
    enrol,
    enrolled_kiosk,
    enrolment_code,
    signed_get,
)

Client = AsyncTestClient[Litestar]
NOT_ENROLLED_KO = "등록되지 않은 키오스크예요"


@pytest.fixture(autouse=True)
async def no_cookies(client: Client) -> AsyncIterator[None]:
    client.cookies.clear()
    yield


def assert_not_enrolled(answer: object, language: str = "ko") -> None:
    text = answer.text  # type: ignore[attr-defined]
    assert answer.status_code == 401, text  # type: ignore[attr-defined]
    assert answer.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    assert answer.headers["content-language"] == language  # type: ignore[attr-defined]
    assert (NOT_ENROLLED_KO if language == "ko" else "This kiosk is not enrolled") in text
    # Nothing else: no link, no form, no word of the service.
    assert "<a " not in text and "<form" not in text and "sign-in" not in text


async def refusals(owner_conn: asyncpg.Connection) -> list[str]:
    rows = await owner_conn.fetch(
        "SELECT details->>'reason' AS reason FROM audit_log "
        "WHERE action = 'kiosk.signature_refused' ORDER BY id"
    )
    return [row["reason"] for row in rows]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_a_signed_request_reaches_the_home_page(
    algorithm: str, client: Client, owner_conn: asyncpg.Connection
) -> None:
    key = await enrolled_kiosk(client, owner_conn, algorithm, office="seoul", location="1층")
    home = await signed_get(client, key, "/kiosk")
    assert home.status_code == 200, home.text
    assert "서울고용복지플러스센터, 1층" in home.text
    assert 'href="/kiosk/sign-in"' in home.text
    assert home.headers["cache-control"] == "no-store"
    english = await signed_get(client, key, "/kiosk?lang=en")
    assert "Seoul Employment Welfare Plus Center, 1층" in english.text
    # Public information before anyone signs in: the programmes, the office's hours (the
    # seeded Monday to Friday, 09:00 to 18:00), how to get help.
    assert "구직급여" in home.text and "국민내일배움카드" in home.text
    assert "월요일, 화요일, 수요일, 목요일, 금요일: 09:00부터 18:00까지" in home.text
    assert "직원 부르기" in home.text and "1350" in home.text
    assert "Monday, Tuesday, Wednesday, Thursday, Friday: 09:00 to 18:00" in english.text


async def test_every_bad_signature_gets_the_not_enrolled_page(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    key = await enrolled_kiosk(client, owner_conn)
    before = len(await refusals(owner_conn))
    sessions = await owner_conn.fetchval("SELECT count(*) FROM sessions")

    assert_not_enrolled(await client.get("/kiosk", headers={"Accept": "text/html"}))
    assert_not_enrolled(
        await client.get("/kiosk?lang=en", headers={"Accept-Language": "ko"}), language="en"
    )
    headers = key.headers("GET", "/kiosk")
    assert (await client.get("/kiosk", headers=headers)).status_code == 200
    assert_not_enrolled(await client.get("/kiosk", headers=headers))  # replayed
    moved = key.headers("GET", "/kiosk")
    assert_not_enrolled(await client.get("/kiosk?lang=en", headers=moved), language="en")
    stale = key.headers("GET", "/kiosk", timestamp=int(time.time()) - 120)
    assert_not_enrolled(await client.get("/kiosk", headers=stale))
    stranger = KioskKey()
    stranger.kiosk_id = key.kiosk_id
    assert_not_enrolled(await client.get("/kiosk", headers=stranger.headers("GET", "/kiosk")))
    unknown = key.headers("GET", "/kiosk", kiosk_id=999_999)
    assert_not_enrolled(await client.get("/kiosk", headers=unknown))
    assert (await refusals(owner_conn))[before:] == [
        "missing",
        "missing",
        "replayed",
        "forged",
        "stale",
        "forged",
        "unknown_kiosk",
    ]
    assert await owner_conn.fetchval("SELECT count(*) FROM sessions") == sessions


async def test_enrolment_needs_no_signature_and_a_code_works_once(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    # The device's browser language is not the person's: a kiosk speaks Korean until the
    # person picks another language on the page (`?lang=`).
    page = await client.get("/kiosk/enrol", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "이 키오스크 등록하기" in page.text and 'src="/kiosk/enrol.js"' in page.text
    script = await client.get("/kiosk/sw.js")
    assert script.status_code == 200
    assert script.headers["service-worker-allowed"] == "/kiosk"
    assert script.headers["content-type"].startswith("text/javascript")
    assert "hanchang-kiosk-v1" in script.text
    assert (await client.get("/kiosk/enrol.js")).status_code == 200

    code = await enrolment_code(owner_conn)
    first = await enrol(client, KioskKey("ES256"), code)
    assert first.status_code == 201, first.text
    assert first.json()["office"] == "busan"
    again = await enrol(client, KioskKey(), code)
    assert again.status_code == 400
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["type"].endswith("/kiosk-enrolment-refused")
    bad = await client.post(
        "/kiosk/enrol",
        json={
            "code": await enrolment_code(owner_conn),
            "algorithm": "Ed25519",
            "public_key": "AAAA",
        },
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "body.public_key"


async def test_a_retired_kiosk_is_refused_at_once(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    key = await enrolled_kiosk(client, owner_conn)
    assert (await signed_get(client, key, "/kiosk")).status_code == 200
    await owner_conn.execute("UPDATE kiosks SET retired_at = now() WHERE id = $1", key.kiosk_id)
    assert_not_enrolled(await signed_get(client, key, "/kiosk"))
    assert (await refusals(owner_conn))[-1] == "retired"
