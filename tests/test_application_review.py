"""The caseworker side and the citizen's answer to it: lifecycle, rejection reasons, appeals."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from foundation.problems import Problem
from foundation.settings import Settings
from onestop.applications import move_application
from server.caseworker_cli import run_caseworker_command
from tests.support.applying import Client, apply, citizen, payload, verified_account
from tests.support.factories import bearer
from tests.support.problems import EN, assert_problem


async def submitted(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    programme_id: str = "unemployment-benefit",
) -> tuple[Any, dict[str, Any]]:
    """A citizen with no linked facts: not eligible by the rules, yet allowed to apply."""
    _, tokens = await citizen(owner_conn, settings)
    bank = await verified_account(client, owner_conn, tokens)
    answer = await apply(client, tokens, payload(bank["id"], programme_id=programme_id))
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return tokens, body


def connector(database_url: str) -> Callable[[], Awaitable[asyncpg.Connection]]:
    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(database_url)

    return connect


async def caseworker(database_url: str, *words: str, caseworker: str = "kim.caseworker") -> int:
    """Run `hanchang caseworker move ...` through the CLI's own function."""
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    from server.caseworker_cli import add_caseworker_commands

    add_caseworker_commands(commands)
    argv = ["caseworker", *words]
    if words[0] == "move":
        argv += ["--caseworker", caseworker]
    return await run_caseworker_command(parser.parse_args(argv), connector(database_url))


async def decide(
    owner_conn: asyncpg.Connection, application_id: int, *steps: tuple[str, str | None]
) -> None:
    for status, reason in steps:
        async with owner_conn.transaction():
            await move_application(
                owner_conn,
                application_id,
                status,
                actor="staff:lee.caseworker",
                channel="cli",
                reason=reason,
            )


async def test_not_eligible_is_recorded_and_shown_not_refused(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, application = await submitted(client, owner_conn, settings)
    assert application["status"] == "submitted"
    assert application["eligibility"]["status"] == "not_eligible"
    assert "신청할 수 있어요" in application["eligibility"]["notice"]
    assert application["prefilled"]["employment"] == {
        "current_job": None,
        "last_job_left": None,
        "total_paid_base_days": 0,
    }


async def test_the_whole_life_through_the_caseworker_cli(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tokens, application = await submitted(client, owner_conn, settings, "tomorrow-learning-card")
    number = str(application["id"])
    assert await caseworker(database_url, "list", "--status", "submitted") == 0
    assert f"{number}\tsubmitted\ttomorrow-learning-card\teligible" in capsys.readouterr().out

    # Straight to paid, or to approved without a review, is refused and changes nothing.
    assert await caseworker(database_url, "move", number, "approved") == 1
    assert "application-transition-not-allowed" in capsys.readouterr().err
    for status in ("under_review", "approved", "paid"):
        assert await caseworker(database_url, "move", number, status) == 0
        assert f"is now {status}" in capsys.readouterr().out
    assert await caseworker(database_url, "move", number, "under_review") == 1

    seen = await client.get(f"/v1/applications/{number}", headers=bearer(tokens))
    body = seen.json()
    assert body["status"] == "paid"
    assert [(e["status"], e["by"]) for e in body["events"]] == [
        ("submitted", "applicant"),
        ("under_review", "caseworker"),
        ("approved", "caseworker"),
        ("paid", "caseworker"),
    ]
    assert body["decision"]["status"] == "approved" and body["decision"]["can_ask"] == []
    audited = await owner_conn.fetch(
        "SELECT actor, details->>'to' AS to FROM audit_log "
        "WHERE action = 'application.status_changed' AND details->>'application' = $1 ORDER BY id",
        number,
    )
    assert [(r["actor"], r["to"]) for r in audited] == [
        ("staff:kim.caseworker", "under_review"),
        ("staff:kim.caseworker", "approved"),
        ("staff:kim.caseworker", "paid"),
    ]
    events = await owner_conn.fetchval(
        "SELECT count(*) FROM application_events WHERE application_id = $1", application["id"]
    )
    assert events == 4
    assert await caseworker(database_url, "move", number, "paid", caseworker=" ") == 2


async def test_a_rejection_needs_a_reason_and_lists_the_unmet_criteria(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    tokens, application = await submitted(client, owner_conn, settings)
    await decide(owner_conn, application["id"], ("under_review", None))
    with pytest.raises(Problem) as refused:
        await decide(owner_conn, application["id"], ("rejected", "   "))
    assert refused.value.kind.slug == "decision-reason-required"
    with pytest.raises(Problem) as unknown:
        await decide(owner_conn, 999_999, ("rejected", "no"))
    assert unknown.value.kind.slug == "not-found"
    reason = "고용보험 가입 이력이 없어요."
    await decide(owner_conn, application["id"], ("rejected", reason))

    seen = await client.get(f"/v1/applications/{application['id']}", headers=bearer(tokens))
    decision = seen.json()["decision"]
    assert decision["status"] == "rejected" and decision["reason"] == reason
    unmet = {c["id"]: c for c in decision["unmet_criteria"]}
    assert "left-insured-job" in unmet and "alive" not in unmet
    assert unmet["paid-days-18-months"]["figure"] == 0
    assert unmet["paid-days-18-months"]["status"] == "not_met"
    assert unmet["left-insured-job"]["text"] == "고용보험에 가입된 일자리를 그만뒀어요."
    assert decision["can_ask"] == ["human_review", "appeal"]
    assert decision["appeal_until"]
    # Rejected: a new application for the same period is allowed again.
    listed = await client.get("/v1/applications", headers=bearer(tokens))
    assert [a["status"] for a in listed.json()] == ["rejected"]


async def test_an_appeal_within_90_days_and_not_after(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    tokens, application = await submitted(client, owner_conn, settings)
    url = f"/v1/applications/{application['id']}/appeal"
    early = await client.post(url, json={"kind": "appeal"}, headers=bearer(tokens))
    assert_problem(early, 409, "application-not-rejected")
    await decide(owner_conn, application["id"], ("under_review", None), ("rejected", "No."))
    await owner_conn.execute(
        "UPDATE applications SET decided_at = now() - interval '89 days' WHERE id = $1",
        application["id"],
    )
    for bad in ({"kind": "complaint"}, {"kind": "appeal", "statement": "x" * 2001}, {}):
        answer = await client.post(url, json=bad, headers=bearer(tokens))
        assert_problem(answer, 400, "validation-error")
    filed = await client.post(
        url, json={"kind": "appeal", "statement": "권고사직이었어요."}, headers=bearer(tokens)
    )
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["appeal"]["kind"] == "appeal" and body["decision"]["can_ask"] == []
    assert body["events"][-1]["kind"] == "appeal"
    twice = await client.post(url, json={"kind": "human_review"}, headers=bearer(tokens))
    assert_problem(twice, 409, "application-already-appealed")
    # After an appeal the caseworker may take the application back into review.
    await decide(owner_conn, application["id"], ("under_review", None))

    tokens, late = await submitted(client, owner_conn, settings)
    await decide(owner_conn, late["id"], ("under_review", None), ("rejected", "No."))
    await owner_conn.execute(
        "UPDATE applications SET decided_at = now() - interval '91 days' WHERE id = $1", late["id"]
    )
    late_url = f"/v1/applications/{late['id']}/appeal"
    for headers, word in (({}, "90일"), (EN, "90 days")):
        refused = await client.post(
            late_url, json={"kind": "appeal"}, headers={**bearer(tokens), **headers}
        )
        assert word in assert_problem(refused, 409, "appeal-period-over")["detail"]
    seen = await client.get(f"/v1/applications/{late['id']}", headers=bearer(tokens))
    assert seen.json()["decision"]["can_ask"] == ["human_review"]
    review = await client.post(late_url, json={"kind": "human_review"}, headers=bearer(tokens))
    assert review.status_code == 201
    # Without an appeal, a rejection cannot be reopened.
    tokens, plain = await submitted(client, owner_conn, settings)
    await decide(owner_conn, plain["id"], ("under_review", None), ("rejected", "No."))
    with pytest.raises(Problem) as reopened:
        await decide(owner_conn, plain["id"], ("under_review", None))
    assert reopened.value.kind.slug == "application-transition-not-allowed"


async def test_an_appeal_needs_a_recent_aal2_session(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    tokens, application = await submitted(client, owner_conn, settings)
    await decide(owner_conn, application["id"], ("under_review", None), ("rejected", "No."))
    await owner_conn.execute(
        "UPDATE sessions SET authenticated_at = now() - interval '13 hours' "
        "WHERE access_token_hash = sha256($1::text::bytea)",
        tokens.access_token,
    )
    answer = await client.post(
        f"/v1/applications/{application['id']}/appeal",
        json={"kind": "human_review"},
        headers=bearer(tokens),
    )
    assert_problem(answer, 401, "step-up-required")
