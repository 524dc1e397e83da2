"""Every request has an id: in the `X-Request-Id` header, the problem+json body and its
log lines, which are JSON lines (one object a line) or text; a job's lines carry its id."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from foundation.jobs import enqueue
from foundation.log_lines import log_format_of, log_handler
from foundation.settings import Settings, SettingsError
from server.app import create_app
from tests.support.factories import run_jobs
from tests.support.problems import PROBLEMS

GENERATED = re.compile(r"[0-9a-f]{32}")


@get("/v1/_test/fails")
async def fails() -> None:
    logging.getLogger("hanchang.test").warning("about to fail")
    raise RuntimeError("a server fault on purpose")


@pytest.fixture(scope="module")
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=create_app(settings, extra_route_handlers=[fails])) as client:
        yield client


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the process writes, through the handler `hanchang serve` installs (JSON)."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines_of(stream: io.StringIO, request_id: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line["request_id"] == request_id]


async def test_a_problem_carries_the_request_id_of_its_header_and_log_line(
    client: AsyncTestClient[Litestar], log_lines: io.StringIO
) -> None:
    answer = await client.get("/v1/applications/12")
    assert answer.status_code == 401
    request_id = answer.headers["x-request-id"]
    assert GENERATED.fullmatch(request_id)
    assert answer.json()["request_id"] == request_id

    (access,) = [
        line for line in lines_of(log_lines, request_id) if line["logger"] == "hanchang.access"
    ]
    assert access["route"] == "/v1/applications/{application_id}"
    assert access["method"] == "GET"
    assert access["status"] == 401
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] > 0
    assert access["level"] == "INFO"
    assert access["message"] == "GET /v1/applications/{application_id} 401"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", access["time"])


async def test_every_line_written_while_serving_carries_the_request(
    client: AsyncTestClient[Litestar], log_lines: io.StringIO
) -> None:
    answer = await client.get("/v1/_test/fails", headers={"X-Request-Id": "trace-me.1"})
    assert answer.status_code == 500
    assert answer.json()["type"] == PROBLEMS + "internal-error"
    assert answer.json()["request_id"] == answer.headers["x-request-id"] == "trace-me.1"

    lines = {line["message"]: line for line in lines_of(log_lines, "trace-me.1")}
    assert lines["about to fail"]["logger"] == "hanchang.test"
    assert lines["about to fail"]["route"] == "/v1/_test/fails"
    assert "RuntimeError: a server fault on purpose" in lines["unhandled error"]["exception"]
    assert lines["GET /v1/_test/fails 500"]["status"] == 500
    # Nothing the server wrote for this request is without its id (httpx's line is the
    # test client's, outside the request).
    everything = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    assert not [
        line
        for line in everything
        if "fail" in line["message"] and line["request_id"] is None and line["logger"] != "httpx"
    ]


@pytest.mark.parametrize(
    "incoming", ["abc", "A.b_c-9", "x" * 64, "0f8fad5b-d9cb-469f-a165-70867728950e"]
)
async def test_a_sane_incoming_request_id_is_kept(
    client: AsyncTestClient[Litestar], incoming: str
) -> None:
    answer = await client.get("/v1/me", headers={"X-Request-Id": incoming})
    assert answer.status_code == 401
    assert answer.headers["x-request-id"] == incoming
    assert answer.json()["request_id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 65, "has space", "semi;colon", "new\\nline", "한글", "a/b", "<script>"],
)
async def test_an_insane_incoming_request_id_is_replaced(
    client: AsyncTestClient[Litestar], incoming: str
) -> None:
    answer = await client.get("/v1/me", headers={b"X-Request-Id": incoming.encode()})
    assert answer.status_code == 401
    replaced = answer.headers["x-request-id"]
    assert replaced != incoming
    assert GENERATED.fullmatch(replaced)
    assert answer.json()["request_id"] == replaced
    assert answer.headers.get_list("x-request-id") == [replaced]


async def test_every_answer_has_a_request_id_and_each_its_own(
    client: AsyncTestClient[Litestar],
) -> None:
    seen = set()
    for path in ("/healthz", "/healthz", "/v1/services", "/no/such/page", "/status"):
        answer = await client.get(path)
        seen.add(answer.headers["x-request-id"])
    assert len(seen) == 5


def test_text_lines_name_the_request_too() -> None:
    stream = io.StringIO()
    handler = log_handler("text", stream)
    record = logging.LogRecord("hanchang.x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.request_id = "r-1"
    handler.handle(record)
    assert stream.getvalue().endswith("INFO hanchang.x [r-1]: hello you\n")


def test_the_log_format_defaults_to_json_in_production_only() -> None:
    assert log_format_of({"HANCHANG_ENV": "production"}) == "json"
    assert log_format_of({}) == "text"
    assert log_format_of({"HANCHANG_ENV": "production", "HANCHANG_LOG_FORMAT": "text"}) == "text"
    assert log_format_of({"HANCHANG_LOG_FORMAT": "JSON"}) == "json"
    with pytest.raises(SettingsError, match="HANCHANG_LOG_FORMAT"):
        log_format_of({"HANCHANG_LOG_FORMAT": "xml"})


async def test_a_jobs_lines_carry_its_id(settings: Settings, log_lines: io.StringIO) -> None:
    redis = await create_pool(RedisSettings.from_dsn(settings.redis.url))
    try:
        # Refused by the job's signature: arq logs the failure, with its traceback.
        await enqueue(redis, "purge_idempotency_keys", "surplus", _job_id="job-log-1")
    finally:
        await redis.aclose()
    await run_jobs(settings)
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    (failed,) = [
        line for line in lines if line.get("job_id") == "job-log-1" and line["level"] == "ERROR"
    ]
    assert "purge_idempotency_keys" in failed["message"]
    assert "TypeError" in failed["exception"]
    assert failed["request_id"] is None


async def test_litestar_leaves_the_process_logging_alone(settings: Settings) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await client.get("/healthz")
        assert root.handlers == before


async def test_an_error_page_gives_the_reference_to_quote(
    client: AsyncTestClient[Litestar],
) -> None:
    """A friendly page, not problem+json: it shows the start of the request id, which is
    what a person reads out to the helpline and what an operator searches the logs for."""
    answer = await client.get("/status", params={"lang": "ko", "q": "\x00"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    request_id = answer.headers["x-request-id"]
    assert f"문의할 때 이 참조 번호를 알려 주세요: {request_id[:8]}" in answer.text
    english = await client.get("/status", params={"lang": "en", "q": "\x00"})
    reference = english.headers["x-request-id"][:8]
    assert f"If you contact us about this, give this reference: {reference}" in english.text
