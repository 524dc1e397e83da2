"""Notification endpoints: push devices and the inbox."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from foundation.audit import list_audit_for_subject
from foundation.settings import Settings
from tests.support.factories import bearer
from tests.support.notifying import Client, citizen, fcm_token, insert_notice
from tests.support.notifying import register_device as register

PROBLEMS = "https://hanchang.moel.go.kr/problems/"


async def device_row(owner_conn: asyncpg.Connection, device_id: int) -> asyncpg.Record:
    row = await owner_conn.fetchrow("SELECT * FROM devices WHERE id = $1", device_id)
    assert row is not None
    return row


# --- Devices --------------------------------------------------------------------------------


async def test_register_list_and_register_again(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    token = fcm_token()
    first = await register(client, tokens, token, locale="ko-KR")
    assert first.status_code == 201, first.text
    device = first.json()
    assert device["platform"] == "android"
    assert device["locale"] == "ko"
    assert device["token_ending"] == token[-6:]
    assert token not in first.text

    again = await register(client, tokens, token, platform="android", locale="en_US")
    assert again.status_code == 200, again.text
    assert again.json()["id"] == device["id"]
    assert again.json()["locale"] == "en"

    listed = await client.get("/v1/me/devices", headers=bearer(tokens))
    assert listed.status_code == 200
    assert listed.json()["devices"] == [again.json()]
    assert token not in listed.text
    row = await device_row(owner_conn, device["id"])
    assert (row["account_id"], row["person_id"], row["fcm_token"]) == (
        account.id,
        account.person_id,
        token,
    )
    audit = await list_audit_for_subject(owner_conn, f"person:{account.person_id}")
    assert [e.action for e in audit] == ["device.registered"]


async def test_a_token_from_another_account_moves_and_the_old_row_is_replaced(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, old_owner = await citizen(owner_conn, settings)
    new_account, new_owner = await citizen(owner_conn, settings)
    token = fcm_token()
    old = (await register(client, old_owner, token)).json()

    moved = await register(client, new_owner, token, platform="ios")
    assert moved.status_code == 201, moved.text
    assert moved.json()["id"] != old["id"]

    old_row = await device_row(owner_conn, old["id"])
    assert old_row["retired_reason"] == "replaced"
    assert old_row["retired_at"] is not None
    assert old_row["fcm_token"] != token  # a retired row keeps no usable token
    new_row = await device_row(owner_conn, moved.json()["id"])
    assert (new_row["account_id"], new_row["fcm_token"], new_row["retired_at"]) == (
        new_account.id,
        token,
        None,
    )
    assert (await client.get("/v1/me/devices", headers=bearer(old_owner))).json() == {"devices": []}
    assert [d["id"] for d in (await client.get("/v1/me/devices", headers=bearer(new_owner))).json()[
        "devices"
    ]] == [moved.json()["id"]]  # fmt: skip


async def test_remove_a_device_then_register_its_token_again(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    token = fcm_token()
    device = (await register(client, tokens, token)).json()

    removed = await client.delete(f"/v1/me/devices/{device['id']}", headers=bearer(tokens))
    assert removed.status_code == 204
    row = await device_row(owner_conn, device["id"])
    assert row["retired_reason"] == "removed"
    assert row["fcm_token"] != token
    assert (await client.get("/v1/me/devices", headers=bearer(tokens))).json()["devices"] == []
    twice = await client.delete(f"/v1/me/devices/{device['id']}", headers=bearer(tokens))
    assert twice.status_code == 204
    assert (await device_row(owner_conn, device["id"]))["retired_reason"] == "removed"

    back = await register(client, tokens, token)
    assert back.status_code == 201, back.text
    assert back.json()["id"] != device["id"]


async def test_a_device_the_core_retired_as_unregistered_can_come_back(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    token = fcm_token()
    device = (await register(client, tokens, token)).json()
    await owner_conn.execute(
        "UPDATE devices SET retired_at = now(), retired_reason = 'unregistered' WHERE id = $1",
        device["id"],
    )
    back = await register(client, tokens, token)
    assert back.status_code == 201, back.text
    old_row = await device_row(owner_conn, device["id"])
    assert (old_row["retired_reason"], old_row["fcm_token"] != token) == ("unregistered", True)


@pytest.mark.parametrize(("language", "title"), [("ko", "찾을 수 없어요"), ("en", "Not found")])
async def test_another_persons_device_is_not_found(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, language: str, title: str
) -> None:
    _, owner = await citizen(owner_conn, settings)
    _, stranger = await citizen(owner_conn, settings)
    device = (await register(client, owner, fcm_token())).json()
    for device_id in (device["id"], 2**62):
        answer = await client.delete(
            f"/v1/me/devices/{device_id}",
            headers={**bearer(stranger), "Accept-Language": language},
        )
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["title"] == title
    # An id beyond bigint is refused before any lookup, naming the field.
    beyond = await client.delete(f"/v1/me/devices/{2**63}", headers=bearer(stranger))
    assert beyond.status_code == 400 and beyond.json()["errors"][0]["field"] == "path.device_id"
    assert (await device_row(owner_conn, device["id"]))["retired_at"] is None


INVALID = ("입력한 값이 올바르지 않아요.", "This value is not valid.")


@pytest.mark.parametrize(
    ("body", "field", "details"),
    [
        ({"platform": "blackberry"}, "body.platform", INVALID),
        (
            {"fcm_token": "too-short"},
            "body.fcm_token",
            ("20자 이상 입력해 주세요.", "Enter at least 20 characters."),
        ),
        ({"fcm_token": "has spaces " * 5}, "body.fcm_token", INVALID),
        ({"locale": "한국어"}, "body.locale", INVALID),
        (
            {"locale": None},
            "body.locale",
            ("글자를 입력해 주세요.", "Enter text here."),
        ),
    ],
)
@pytest.mark.parametrize("language", ["ko", "en"])
async def test_bad_registrations_are_refused_and_write_nothing(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    body: dict[str, Any],
    field: str,
    details: tuple[str, str],
    language: str,
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    payload = {"fcm_token": fcm_token(), "platform": "web", "locale": "ko", **body}
    answer = await client.post(
        "/v1/me/devices", json=payload, headers={**bearer(tokens), "Accept-Language": language}
    )
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["type"] == PROBLEMS + "validation-error"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["detail"] == details[0 if language == "ko" else 1]
    count = await owner_conn.fetchval(
        "SELECT count(*) FROM devices WHERE person_id = $1", account.person_id
    )
    assert count == 0


async def test_devices_need_a_session(client: Client) -> None:
    for answer in (
        await client.get("/v1/me/devices"),
        await client.post("/v1/me/devices", json={}),
        await client.delete("/v1/me/devices/1"),
    ):
        assert answer.status_code == 401
        assert answer.json()["type"] == PROBLEMS + "unauthorized"


# --- Inbox ----------------------------------------------------------------------------------


async def test_the_inbox_lists_every_notice_newest_first_in_the_callers_language(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    person_id = account.person_id
    benefit = await insert_notice(owner_conn, person_id=person_id, state="delivered")
    stranger, _ = await citizen(owner_conn, settings)
    await insert_notice(owner_conn, person_id=stranger.person_id)
    status = await insert_notice(
        owner_conn,
        person_id=person_id,
        kind="application_status",
        programme_id="parental-leave-benefit",
        topic="approved",
        state="failed",
        legally_required=True,
    )
    opted_out = await insert_notice(
        owner_conn, person_id=person_id, programme_id="tomorrow-learning-card", state="inbox_only"
    )

    korean = await client.get("/v1/me/inbox", headers=bearer(tokens))
    assert korean.status_code == 200, korean.text
    page = korean.json()
    assert [n["id"] for n in page["notices"]] == [opted_out, status, benefit]
    assert page["unread"] == 3
    assert page["next_before"] is None
    newest, decided, offered = page["notices"]
    assert offered["title"] == "구직급여 신청 대상일 수 있어요"
    assert offered["kind"] == "benefit"
    assert offered["programme_id"] == "unemployment-benefit"
    assert offered["open"] == "apply/unemployment-benefit"
    assert offered["read_at"] is None
    assert decided["title"] == "육아휴직급여 신청이 승인됐어요"
    assert decided["legally_required"] is True
    assert newest["programme_id"] == "tomorrow-learning-card"
    assert set(offered) == {
        "id",
        "kind",
        "programme_id",
        "title",
        "body",
        "open",
        "legally_required",
        "created_at",
        "read_at",
    }

    english = await client.get("/v1/me/inbox", headers={**bearer(tokens), "Accept-Language": "en"})
    assert english.json()["notices"][1]["title"] == (
        "Your application for Parental leave benefit was approved"
    )
    assert english.json()["notices"][2]["body"] == (
        "We checked the records we hold. You can apply in one step in the app."
    )


async def test_inbox_pages(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    ids = [await insert_notice(owner_conn, person_id=account.person_id) for _ in range(5)]
    newest_first = ids[::-1]

    seen: list[int] = []
    before: int | None = None
    pages = 0
    while True:
        query = f"?limit=2&before={before}" if before else "?limit=2"
        page = (await client.get("/v1/me/inbox" + query, headers=bearer(tokens))).json()
        pages += 1
        seen += [n["id"] for n in page["notices"]]
        assert page["unread"] == 5
        before = page["next_before"]
        if before is None:
            break
    assert seen == newest_first
    assert pages == 3


async def test_mark_read_once_and_only_your_own(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    stranger, stranger_tokens = await citizen(owner_conn, settings)
    mine = await insert_notice(owner_conn, person_id=account.person_id)
    theirs = await insert_notice(owner_conn, person_id=stranger.person_id)

    first = await client.post(f"/v1/me/inbox/{mine}/read", headers=bearer(tokens))
    assert first.status_code == 200, first.text
    assert first.json()["id"] == mine
    again = await client.post(f"/v1/me/inbox/{mine}/read", headers=bearer(tokens))
    assert again.status_code == 200
    assert again.json()["read_at"] == first.json()["read_at"]
    inbox = (await client.get("/v1/me/inbox", headers=bearer(tokens))).json()
    assert inbox["unread"] == 0
    assert inbox["notices"][0]["read_at"] is not None

    for notice_id in (theirs, 2**62):
        refused = await client.post(
            f"/v1/me/inbox/{notice_id}/read", headers={**bearer(tokens), "Accept-Language": "en"}
        )
        assert refused.status_code == 404, refused.text
        assert refused.json()["title"] == "Not found"
    assert await owner_conn.fetchval("SELECT read_at FROM notices WHERE id = $1", theirs) is None
    theirs_page = (await client.get("/v1/me/inbox", headers=bearer(stranger_tokens))).json()
    assert [n["id"] for n in theirs_page["notices"]] == [theirs]


@pytest.mark.parametrize("query", ["?limit=0", "?limit=101", "?before=0", "?limit=1&before=-3"])
@pytest.mark.parametrize(
    ("language", "detail_start"), [("ko", "1에서"), ("en", "Enter a whole number from 1")]
)
async def test_bad_inbox_pages_are_refused(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    query: str,
    language: str,
    detail_start: str,
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    answer = await client.get(
        "/v1/me/inbox" + query, headers={**bearer(tokens), "Accept-Language": language}
    )
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["type"] == PROBLEMS + "validation-error"
    assert len(problem["errors"]) == 1
    assert problem["errors"][0]["field"].startswith("query.")
    assert problem["errors"][0]["detail"].startswith(detail_start)
