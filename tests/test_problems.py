"""Every error from the JSON API is RFC 9457 problem+json, in the caller's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import msgspec
import pytest
from litestar import Litestar, MediaType, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient

from foundation.audit import record_audit
from foundation.db import DatabaseBusy, RequestSlots, Transaction, request_slot
from foundation.problems import PROBLEM_KINDS, SERVICE_UNAVAILABLE, Problem
from foundation.settings import Settings
from server.app import create_app


class Registration(msgspec.Struct):
    name: str
    birth_date: date
    count: int = 0


@post("/v1/_test/echo")
async def echo(data: JSONBody[Registration]) -> Registration:
    return data


@post("/v1/_test/fail")
async def fail(tx: NamedDependency[Transaction]) -> None:
    await record_audit(tx.conn, actor="system", action="test.half_written")
    raise RuntimeError("boom: this text must not reach the caller")


@get("/kiosk/_test/page", media_type=MediaType.HTML, opt={"error_format": "html"})
async def html_page() -> str:
    raise ValueError("broken page")


@post("/webhooks/twilio/_test/refuse", status_code=200)
async def refusing_webhook() -> None:
    raise Problem(SERVICE_UNAVAILABLE, down="test")


@post("/v1/_test/busy")
async def busy(tx: NamedDependency[Transaction]) -> None:
    await record_audit(tx.conn, actor="system", action="test.busy_half_written")
    # What a request gets when the pool had no connection free within the acquire timeout.
    raise DatabaseBusy("no database connection came free within 10 s")


@post("/v1/_test/statement-timeout")
async def statement_timeout(tx: NamedDependency[Transaction]) -> None:
    await tx.conn.execute("SET LOCAL statement_timeout = 50")
    await tx.conn.execute("SELECT pg_sleep(1)")


@pytest.fixture(scope="module")
async def problem_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(
        settings,
        extra_route_handlers=[
            echo, fail, html_page, refusing_webhook, busy, statement_timeout,
        ],
    )  # fmt: skip
    async with AsyncTestClient(app=app) as client:
        yield client


async def test_bad_json_is_a_korean_problem_by_default(
    problem_client: AsyncTestClient[Litestar],
) -> None:
    response = await problem_client.post(
        "/v1/_test/echo",
        content='{"name": "김'.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-language"] == "ko"
    body = response.json()
    assert body["type"] == PROBLEM_KINDS["malformed-request"].type_uri
    assert body["title"] == "요청을 읽을 수 없어요"
    assert "JSON" in body["detail"]
    assert body["status"] == 400
    assert body["instance"] == "/v1/_test/echo"


async def test_bad_json_in_english_when_asked(problem_client: AsyncTestClient[Litestar]) -> None:
    response = await problem_client.post(
        "/v1/_test/echo",
        content=b"{oops",
        headers={"Content-Type": "application/json", "Accept-Language": "en-GB,en;q=0.9,ko;q=0.5"},
    )
    assert response.status_code == 400
    assert response.headers["content-language"] == "en"
    assert response.json()["title"] == "The request could not be read"


async def test_validation_lists_each_bad_field(problem_client: AsyncTestClient[Litestar]) -> None:
    response = await problem_client.post(
        "/v1/_test/echo",
        json={"name": "김하나", "birth_date": "1990-13-45"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"].endswith("/validation-error")
    assert body["errors"] == [{"field": "body.birth_date", "detail": "Enter a date as YYYY-MM-DD."}]

    missing = await problem_client.post("/v1/_test/echo", json={"name": "김하나"})
    assert missing.json()["errors"] == [
        {"field": "body.birth_date", "detail": "꼭 입력해야 하는 항목이에요."}
    ]

    wrong_type = await problem_client.post(
        "/v1/_test/echo",
        json={"name": 7, "birth_date": "1990-01-02"},
        headers={"Accept-Language": "en"},
    )
    assert wrong_type.json()["errors"] == [{"field": "body.name", "detail": "Enter text here."}]


async def test_unknown_route_and_wrong_method(problem_client: AsyncTestClient[Litestar]) -> None:
    missing = await problem_client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["title"] == "찾을 수 없어요"

    wrong = await problem_client.get("/v1/_test/echo", headers={"Accept-Language": "en"})
    assert wrong.status_code == 405
    assert wrong.json()["type"].endswith("/method-not-allowed")


@pytest.mark.parametrize("method", ["GET", "POST", "TRACE", "PUT"])
@pytest.mark.parametrize(
    "path", ["/webhooks/twilio/voice", "/webhooks/twilio/anything", "/webhooks/twilio"]
)
async def test_an_unknown_twilio_webhook_is_a_real_404(
    problem_client: AsyncTestClient[Litestar], method: str, path: str
) -> None:
    """Not a 200 reading out an error: Twilio is only given addresses that exist, so a wrong
    one must show as a failure (in Twilio's debugger), not pass for a call answered."""
    response = await problem_client.request(method, path, headers={"Accept-Language": "en"})
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/not-found")
    assert body["title"] == "Not found"
    assert body["instance"] == path


@pytest.mark.parametrize("method", ["GET", "TRACE", "PUT", "DELETE", "PATCH", "HEAD"])
async def test_a_webhook_asked_with_another_method_is_a_real_405(
    problem_client: AsyncTestClient[Litestar], method: str
) -> None:
    response = await problem_client.request(method, "/webhooks/twilio/status")
    assert response.status_code == 405, response.text
    assert "POST" in response.headers["allow"]
    if method != "HEAD":
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/method-not-allowed")


async def test_a_problem_inside_a_twilio_webhook_is_spoken_with_a_200(
    problem_client: AsyncTestClient[Litestar],
) -> None:
    """Twilio reads TwiML only from a 200: a webhook that refuses says why on the call."""
    for lang, language, title in (("ko", "ko-KR", "서비스"), ("en", "en-US", "not ready")):
        response = await problem_client.post(
            "/webhooks/twilio/_test/refuse", headers={"Accept-Language": lang}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        assert f'<Say language="{language}">' in response.text
        assert title in response.text


async def test_crash_is_a_500_problem_that_hides_internals_and_rolls_back(
    problem_client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection
) -> None:
    response = await problem_client.post("/v1/_test/fail")
    assert response.status_code == 500
    body = response.json()
    assert body["type"].endswith("/internal-error")
    assert "boom" not in response.text
    assert "아무것도 저장되지 않았어요" in body["detail"]
    # What the handler wrote before failing was rolled back with it.
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'test.half_written'"
        )
        == 0
    )


async def test_a_busy_service_is_a_503_to_try_again_and_nothing_is_saved(
    problem_client: AsyncTestClient[Litestar], owner_conn: asyncpg.Connection
) -> None:
    for path in ("/v1/_test/busy", "/v1/_test/statement-timeout"):
        response = await problem_client.post(path)
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "30"
        body = response.json()
        assert body["type"].endswith("/service-busy")
        assert body["title"] == "지금 서비스가 붐벼요"
        assert "아무것도 저장되지 않았어요" in body["detail"]
    english = await problem_client.post("/v1/_test/busy", headers={"Accept-Language": "en"})
    assert english.json()["title"] == "The service is busy"
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'test.busy_half_written'"
        )
        == 0
    )


async def test_requests_beyond_the_concurrency_wait_their_turn_then_get_busy() -> None:
    slots = RequestSlots(1, timeout_s=0.2)
    async with request_slot(slots):
        with pytest.raises(DatabaseBusy):
            async with request_slot(slots):
                pass
    # Freed: the next one goes in.
    async with request_slot(slots):
        pass


async def test_html_pages_get_a_friendly_page(problem_client: AsyncTestClient[Litestar]) -> None:
    response = await problem_client.get("/kiosk/_test/page", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Something went wrong on our side</h1>" in response.text
    assert 'lang="en"' in response.text
    assert "broken page" not in response.text


async def test_every_problem_type_is_documented(problem_client: AsyncTestClient[Litestar]) -> None:
    for slug, kind in PROBLEM_KINDS.items():
        response = await problem_client.get(f"/problems/{slug}", headers={"Accept-Language": "en"})
        assert response.status_code == 200
        assert response.json()["type"] == kind.type_uri
    assert (await problem_client.get("/problems/no-such-kind")).status_code == 404
