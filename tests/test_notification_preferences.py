"""Notification preferences (defaults, validation, audit) and the operators' counts."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from foundation.audit import list_audit_for_subject
from foundation.settings import Settings
from tests.support.factories import bearer
from tests.support.notifying import Client, citizen, fcm_token, insert_delivery, insert_notice
from tests.support.notifying import register_device as register

PROBLEMS = "https://hanchang.moel.go.kr/problems/"

# --- Preferences ----------------------------------------------------------------------------

PREFERENCES = "/v1/me/notification-preferences"


def preferences(**changes: Any) -> dict[str, Any]:
    return {
        "quiet_from": 22,
        "quiet_until": 7,
        "opted_out_programmes": ["tomorrow-learning-card", "unemployment-benefit"],
        "opted_out_of_offers": False,
        "preferred_channel": "sms",
        **changes,
    }


async def test_preferences_default_then_saved_and_audited(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    defaults = await client.get(PREFERENCES, headers=bearer(tokens))
    assert defaults.status_code == 200
    assert defaults.json() == {
        "quiet_from": 21,
        "quiet_until": 8,
        "opted_out_programmes": [],
        "opted_out_of_offers": False,
        "preferred_channel": None,
        "updated_at": None,
    }

    wanted = preferences(
        opted_out_programmes=[
            "tomorrow-learning-card",
            "unemployment-benefit",
            "unemployment-benefit",
        ]
    )
    saved = await client.put(PREFERENCES, json=wanted, headers=bearer(tokens))
    assert saved.status_code == 200, saved.text
    body = saved.json()
    # Each programme once, in catalog order.
    assert body["opted_out_programmes"] == ["unemployment-benefit", "tomorrow-learning-card"]
    assert (body["quiet_from"], body["quiet_until"], body["preferred_channel"]) == (22, 7, "sms")
    assert body["updated_at"] is not None
    assert (await client.get(PREFERENCES, headers=bearer(tokens))).json() == body

    cleared = await client.put(
        PREFERENCES,
        json=preferences(preferred_channel=None, opted_out_of_offers=True),
        headers=bearer(tokens),
    )
    assert cleared.json()["preferred_channel"] is None
    assert cleared.json()["opted_out_of_offers"] is True
    # Saving the same again is not a change.
    await client.put(
        PREFERENCES,
        json=preferences(preferred_channel=None, opted_out_of_offers=True),
        headers=bearer(tokens),
    )
    audit = await list_audit_for_subject(owner_conn, f"person:{account.person_id}")
    assert [e.action for e in audit] == ["notification_preferences.changed"] * 2
    assert audit[0].details == {"opted_out_of_offers": True, "preferred_channel": None}
    assert audit[1].details["quiet_from"] == 22


@pytest.mark.parametrize(
    ("language", "hours", "programme", "channel"),
    [
        ("ko", "0에서 23 사이", "모르는 지원 사업이에요.", "push, sms, voice, letter"),
        (
            "en",
            "Enter a whole number from 0 to 23.",
            "This is not a programme we know.",
            "Choose one of push, sms, voice, letter, or leave it empty (null).",
        ),
    ],
)
async def test_bad_preferences_name_every_field_and_change_nothing(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    language: str,
    hours: str,
    programme: str,
    channel: str,
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    headers = {**bearer(tokens), "Accept-Language": language}
    before = (await client.put(PREFERENCES, json=preferences(), headers=headers)).json()

    bad = preferences(
        quiet_from=24,
        quiet_until=-1,
        opted_out_programmes=["unemployment-benefit", "free-money"],
        preferred_channel="fax",
    )
    answer = await client.put(PREFERENCES, json=bad, headers=headers)
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["type"] == PROBLEMS + "validation-error"
    errors = {e["field"]: e["detail"] for e in problem["errors"]}
    assert set(errors) == {
        "body.quiet_from",
        "body.quiet_until",
        "body.opted_out_programmes[1]",
        "body.preferred_channel",
    }
    assert hours in errors["body.quiet_from"]
    assert errors["body.opted_out_programmes[1]"] == programme
    assert channel in errors["body.preferred_channel"]
    assert (await client.get(PREFERENCES, headers=headers)).json() == before
    audit = await list_audit_for_subject(owner_conn, f"person:{account.person_id}")
    assert len(audit) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {k: v for k, v in preferences().items() if k != "preferred_channel"},
            "body.preferred_channel",
        ),
        (preferences(quiet_from="nine"), "body.quiet_from"),
        (preferences(opted_out_of_offers="yes"), "body.opted_out_of_offers"),
        (preferences(opted_out_programmes="unemployment-benefit"), "body.opted_out_programmes"),
    ],
)
async def test_badly_shaped_preferences_are_refused(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    body: dict[str, Any],
    field: str,
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    answer = await client.put(PREFERENCES, json=body, headers=bearer(tokens))
    assert answer.status_code == 400, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert answer.json()["title"] == "확인이 필요한 항목이 있어요"
    saved = await owner_conn.fetchval(
        "SELECT count(*) FROM notification_preferences WHERE person_id = $1", account.person_id
    )
    assert saved == 0


async def test_the_schema_says_legally_required_notices_still_reach_the_inbox(
    client: Client,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    put = document["paths"][PREFERENCES]["put"]
    assert "legally required" in put["description"]
    assert "inbox" in put["description"]


# --- Operators ------------------------------------------------------------------------------


async def test_operators_count_notices_deliveries_and_devices(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    operator = {"Authorization": f"Bearer {settings.operator.token}"}
    before = (await client.get("/v1/admin/notifications", headers=operator)).json()
    account, tokens = await citizen(owner_conn, settings)
    person_id = account.person_id
    programme = "wage-arrears-substitute"
    delivered = await insert_notice(
        owner_conn, person_id=person_id, programme_id=programme, state="delivered"
    )
    await insert_delivery(owner_conn, notice_id=delivered, channel="push", state="sent")
    await insert_delivery(owner_conn, notice_id=delivered, channel="sms", state="delivered")
    failed = await insert_notice(
        owner_conn, person_id=person_id, programme_id=programme, state="delivered"
    )
    await insert_delivery(owner_conn, notice_id=failed, channel="sms", state="permanent_failure")
    await insert_notice(owner_conn, person_id=person_id, programme_id=programme, state="inbox_only")
    removed = (await register(client, tokens, fcm_token())).json()
    await client.delete(f"/v1/me/devices/{removed['id']}", headers=bearer(tokens))
    await register(client, tokens, fcm_token())

    answer = await client.get("/v1/admin/notifications", headers=operator)
    assert answer.status_code == 200, answer.text
    counts = answer.json()
    notices = {
        (c["kind"], c["state"]): c["count"]
        for c in counts["notices"]
        if c["programme_id"] == programme
    }
    assert notices == {("benefit", "delivered"): 2, ("benefit", "inbox_only"): 1}
    deliveries = {
        (c["channel"], c["state"]): c["count"]
        for c in counts["deliveries"]
        if c["programme_id"] == programme
    }
    assert deliveries == {
        ("push", "sent"): 1,
        ("sms", "delivered"): 1,
        ("sms", "permanent_failure"): 1,
    }

    def devices(answer: dict[str, Any]) -> dict[str, int]:
        return {c["state"]: c["count"] for c in answer["devices"]}

    assert devices(counts).get("live", 0) == devices(before).get("live", 0) + 1
    assert devices(counts).get("removed", 0) == devices(before).get("removed", 0) + 1
    assert sum(c["count"] for c in counts["devices"]) == await owner_conn.fetchval(
        "SELECT count(*) FROM devices"
    )


@pytest.mark.parametrize(
    ("language", "title"), [("ko", "운영자만 쓸 수 있어요"), ("en", "For operators only")]
)
async def test_the_counts_are_for_operators_only(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, language: str, title: str
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    for headers in ({}, bearer(tokens), {"Authorization": "Bearer " + "x" * 40}):
        answer = await client.get(
            "/v1/admin/notifications", headers={**headers, "Accept-Language": language}
        )
        assert answer.status_code == 401, answer.text
        assert answer.json()["type"] == PROBLEMS + "operator-token-needed"
        assert answer.json()["title"] == title
        assert "notices" not in answer.json()
