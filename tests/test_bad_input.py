"""Inputs that once reached a server error get a 400 naming the field, and write nothing.

Found from outside (issue 18): `[` × 100,000 on any JSON route (RecursionError), a NUL in
a name or a consent purpose (PostgreSQL refuses NUL in text), a path id of 2^63 (bigint),
a fact dated 9999-12-31 (year 10000 in date arithmetic).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from foundation.request_guard import MAX_DEPTH, json_depth
from foundation.settings import Settings
from tests.support.applying import citizen
from tests.support.factories import bearer

Client = AsyncTestClient[Litestar]


def _fields(response: Any) -> dict[str, str]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/validation-error"), body
    return {error["field"]: error["detail"] for error in body["errors"]}


def test_depth_is_measured_outside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth(b'{"a": "' + b"[" * 1000 + b'"}') == 1
    assert json_depth(b"[" * 100_000) == 100_000
    assert json_depth(b'["\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]') == 1


@pytest.mark.parametrize("path", ["/v1/auth/signup", "/v1/eligibility/check"])
async def test_deep_nesting_is_a_400_not_a_crash(client: Client, path: str) -> None:
    response = await client.post(
        path,
        content=b"[" * 100_000,
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )
    fields = _fields(response)
    assert fields == {"body": f"The JSON is nested more than {MAX_DEPTH} levels deep."}


async def test_a_body_too_large_is_refused(client: Client) -> None:
    response = await client.post(
        "/v1/eligibility/check",
        content=b'{"birth_date": "1990-01-01", "x": "' + b"a" * (2 * 1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_nul_in_a_name_names_the_field_in_korean(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    before = await owner_conn.fetchval("SELECT count(*) FROM audit_log")
    response = await client.post(
        "/v1/auth/signup",
        json={"name": "김\x00민준", "birth_date": "1990-01-01", "phone": "01012345678"},
    )
    fields = _fields(response)
    assert set(fields) == {"body.name"}
    assert "NUL" in fields["body.name"] and "지우고" in fields["body.name"]
    assert await owner_conn.fetchval("SELECT count(*) FROM audit_log") == before


async def test_every_bad_field_is_named(client: Client) -> None:
    response = await client.post(
        "/v1/eligibility/check",
        json={
            "birth_date": "9999-12-31",
            "facts": [
                {"kind": "wage", "valid_from": "2020-01-01", "separation_code": "a\x07"},
                {"kind": "wage", "valid_from": "0001-01-01"},
            ],
        },
        headers={"Accept-Language": "en"},
    )
    fields = _fields(response)
    assert fields == {
        "body.birth_date": "Enter a date between 1900-01-01 and 2199-12-31.",
        "body.facts[0].separation_code": (
            "Remove the invisible control characters (such as NUL) from this text."
        ),
        "body.facts[1].valid_from": "Enter a date between 1900-01-01 and 2199-12-31.",
    }


async def test_a_property_the_route_does_not_read_is_not_judged(client: Client) -> None:
    """msgspec ignores a property its type does not name, so the guard does too: its
    value never reaches the database. A text field the route reads is still judged, and a
    text shaped like a date is a date only where the field is one."""
    facts = [{"kind": "wage", "valid_from": "2020-01-01", "amount_krw": 1, "note": "a\x00b"}]
    ignored = await client.post(
        "/v1/eligibility/check",
        json={"birth_date": "1990-05-17", "facts": facts, "extra": ["0001-01-01\x07"]},
    )
    assert ignored.status_code == 200, ignored.text
    read = await client.post(
        "/v1/eligibility/check",
        json={"birth_date": "1990-05-17", "facts": [{**facts[0], "separation_code": "1\x00"}]},
        headers={"Accept-Language": "en"},
    )
    assert _fields(read) == {
        "body.facts[0].separation_code": (
            "Remove the invisible control characters (such as NUL) from this text."
        )
    }


async def test_a_date_at_the_edges_passes_the_guard(client: Client) -> None:
    response = await client.post(
        "/v1/eligibility/check",
        json={"birth_date": "1900-01-01", "as_of": "2199-12-31"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200, response.text


async def test_a_path_id_beyond_bigint(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _account, tokens = await citizen(owner_conn, settings)
    headers = {**bearer(tokens), "Accept-Language": "en"}
    for method, path, field in (
        ("GET", f"/v1/applications/{2**63}", "path.application_id"),
        ("POST", f"/v1/applications/{2**70}/appeal", "path.application_id"),
        ("POST", f"/v1/me/inbox/{2**63}/read", "path.notice_id"),
    ):
        response = await client.request(method, path, headers=headers)
        assert _fields(response) == {field: "This number is too large."}
    largest = await client.get(f"/v1/applications/{2**63 - 1}", headers=bearer(tokens))
    assert largest.status_code == 404, largest.text


async def test_a_control_character_in_the_query(client: Client) -> None:
    response = await client.get("/v1/services", params={"lang": "ko\x00"})
    fields = _fields(response)
    assert set(fields) == {"query.lang"}


async def test_validation_names_every_bad_field_in_plain_korean(client: Client) -> None:
    response = await client.post("/v1/auth/signup", json={"name": "김민준"})
    assert _fields(response) == {
        "body.birth_date": "꼭 입력해야 하는 항목이에요.",
        "body.phone": "꼭 입력해야 하는 항목이에요.",
    }
    wrong = await client.post(
        "/v1/auth/signup", json={"name": 7, "birth_date": "1990-02-30", "phone": "12"}
    )
    assert _fields(wrong) == {
        "body.name": "글자를 입력해 주세요.",
        "body.birth_date": "날짜를 YYYY-MM-DD 형식으로 입력해 주세요.",
        "body.phone": "010-1234-5678처럼 휴대전화 번호를 입력해 주세요.",
    }


async def test_validation_in_english_and_inside_lists(client: Client) -> None:
    response = await client.post(
        "/v1/eligibility/check",
        json={
            "birth_date": "1990-01-01",
            "facts": [
                {"kind": "wage", "valid_from": "2020-01-01"},
                {"kind": 3, "valid_from": "soon"},
                "not a fact",
            ],
            "as_of": 5,
        },
        headers={"Accept-Language": "en"},
    )
    fields = _fields(response)
    assert fields["body.facts[1].kind"].startswith("Enter")
    assert fields["body.facts[1].valid_from"] == "Enter a date as YYYY-MM-DD."
    assert fields["body.facts[2]"] == "Enter values grouped in braces { } here."
    assert fields["body.as_of"] == "Enter a date as YYYY-MM-DD."
    assert "body.facts[0].kind" not in fields
    for detail in fields.values():
        assert "object" not in detail and "(s)" not in detail


async def test_a_body_is_read_with_jsons_own_types(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    """`0` is not false and `"21"` is not 21 (Litestar alone would take both), while 21.0 is
    21, as JSON Schema counts it; each wrong field is named and nothing is saved."""
    _, tokens = await citizen(owner_conn, settings)
    headers = {**bearer(tokens), "Accept-Language": "ko"}
    preferences = {
        "quiet_from": 21,
        "quiet_until": 8,
        "opted_out_programmes": [],
        "opted_out_of_offers": False,
        "preferred_channel": None,
    }
    path = "/v1/me/notification-preferences"
    lenient = {**preferences, "quiet_from": "22", "opted_out_of_offers": 0}
    fields = _fields(await client.put(path, json=lenient, headers=headers))
    assert fields == {
        "body.quiet_from": "0에서 23 사이의 숫자를 입력해 주세요.",
        "body.opted_out_of_offers": "true나 false 중 하나를 입력해 주세요.",
    }
    saved = await client.get(path, headers=headers)
    assert saved.json()["updated_at"] is None

    whole = await client.put(path, json={**preferences, "quiet_until": 7.0}, headers=headers)
    assert whole.status_code == 200, whole.text
    assert whole.json()["quiet_until"] == 7


@pytest.mark.parametrize("tag", ["vi-VN", "zh_TW", "FIL", "uz-Latn-UZ"])
async def test_a_language_tag_the_document_allows_is_understood(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, tag: str
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    answer = await client.put("/v1/me/language", json={"language": tag}, headers=bearer(tokens))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("tag", ["xx", "vi-", "vi VN", "-vi", "vi-verylongpart"])
async def test_a_language_tag_outside_the_document_is_refused(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, tag: str
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    headers = {**bearer(tokens), "Accept-Language": "en"}
    answer = await client.put("/v1/me/language", json={"language": tag}, headers=headers)
    assert _fields(answer) == {
        "body.language": "Choose one of these languages: ko, en, vi, zh-Hans, th, ne, km, id, "
        "uz, mn, tl."
    }
