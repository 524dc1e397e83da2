"""A clerk acting for the person at the counter, for the visit: the person's ID is
checked, they let the clerk act (scopes they choose), and the clerk sees their benefits
and applies for them with their own bank account. Scopes hold, a revoked delegation stops
at once, and both people are on every record."""

from __future__ import annotations

import re
import uuid
from typing import Any

import asyncpg
import pytest

from foundation.settings import Settings
from tests.support.applying import Client, citizen, laid_off, payload, verified_account
from tests.support.console_pages import csrf_of, page, post_form
from tests.support.identity_checks import verify as check_id
from tests.support.problems import assert_problem
from tests.support.staff import clerk


async def staff_apply(client: Client, person_id: int, body: dict[str, Any], **headers: str) -> Any:
    headers.setdefault("Idempotency-Key", str(uuid.uuid4()))
    return await client.post(
        f"/console/api/people/{person_id}/applications", json=body, headers=headers
    )


async def test_clerk_applies_for_the_person_during_the_visit(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    principal, tokens = await citizen(owner_conn, settings, name="김순자")
    person_id = principal.person_id
    await laid_off(owner_conn, person_id)
    bank = await verified_account(client, owner_conn, tokens)
    staff_id = await clerk(settings, database_url, capsys, client)
    base = f"/console/api/people/{person_id}"

    # No delegation: the clerk sees nothing of the person's benefits and cannot apply.
    assert_problem(await client.get(f"{base}/eligibility"), 403, "delegation-needed")
    assert_problem(
        await staff_apply(client, person_id, payload(bank["id"])), 403, "delegation-needed"
    )

    assert (await check_id(client, person_id)).status_code == 201
    view_only = await client.post(f"{base}/delegations", json={"scopes": ["view_benefits"]})
    assert view_only.status_code == 201, view_only.text
    benefits = await client.get(f"{base}/eligibility", headers={"Accept-Language": "en"})
    assert benefits.status_code == 200, benefits.text
    unemployment = {p["programme_id"]: p for p in benefits.json()["programmes"]}
    assert unemployment["unemployment-benefit"]["status"] == "eligible"
    # `view_benefits` alone does not let the clerk apply, nor list the bank accounts.
    assert_problem(
        await staff_apply(client, person_id, payload(bank["id"])), 403, "delegation-needed"
    )
    assert_problem(await client.get(f"{base}/bank-accounts"), 403, "delegation-needed")

    both = await client.post(f"{base}/delegations", json={"scopes": ["view_benefits", "apply"]})
    assert both.status_code == 201, both.text
    accounts = await client.get(f"{base}/bank-accounts")
    assert [a["id"] for a in accounts.json()["bank_accounts"]] == [bank["id"]]

    bad_key = await staff_apply(client, person_id, payload(bank["id"]), **{"Idempotency-Key": "x"})
    assert_problem(bad_key, 400, "validation-error")
    other = await staff_apply(
        client, person_id, {**payload(bank["id"]), "on_behalf_of": person_id + 1}
    )
    assert_problem(other, 400, "validation-error")
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM applications WHERE person_id = $1", person_id
        )
        == 0
    )

    key = str(uuid.uuid4())
    applied = await staff_apply(client, person_id, payload(bank["id"]), **{"Idempotency-Key": key})
    assert applied.status_code == 201, applied.text
    retried = await staff_apply(client, person_id, payload(bank["id"]), **{"Idempotency-Key": key})
    assert retried.status_code == 201 and retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["id"] == applied.json()["id"]

    # The application is the person's, with the clerk named on its history and audit row.
    row = await owner_conn.fetchrow(
        "SELECT a.account_id, e.actor FROM applications a "
        "JOIN application_events e ON e.application_id = a.id WHERE a.person_id = $1",
        person_id,
    )
    assert row is not None
    assert row["account_id"] == principal.id and row["actor"] == f"staff:{staff_id}"
    audit = await owner_conn.fetchrow(
        "SELECT actor, office, channel FROM audit_log WHERE action = 'application.submitted' "
        "AND subject = $1",
        f"person:{person_id}",
    )
    assert audit is not None
    assert dict(audit) == {"actor": f"staff:{staff_id}", "office": "busan", "channel": "counter"}

    # The person sees what the clerk did, and ends the delegation: it stops at once.
    client.cookies.clear()
    activity = await client.get(
        "/v1/me/activity", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    assert activity.status_code == 200, activity.text
    done = [(a["actor"], a["action"], a["channel"]) for a in activity.json()["actions"]]
    assert (f"staff:{staff_id}", "delegation.application_submitted", "counter") in done
    assert (f"staff:{staff_id}", "delegation.eligibility_viewed", "counter") in done
    mine = await client.get(
        "/v1/me/delegations", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    for delegation in mine.json()["proxies"]:
        revoked = await client.delete(
            f"/v1/me/delegations/{delegation['id']}",
            headers={"Authorization": f"Bearer {tokens.access_token}"},
        )
        assert revoked.status_code == 204, revoked.text
    await clerk(settings, database_url, capsys, client)
    # A fresh clerk session, and another clerk: neither may act any more.
    assert_problem(await client.get(f"{base}/eligibility"), 403, "delegation-needed")


async def test_clerk_applies_from_the_benefits_page(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    principal, tokens = await citizen(owner_conn, settings, name="박영수")
    person_id = principal.person_id
    await laid_off(owner_conn, person_id)
    bank = await verified_account(client, owner_conn, tokens)
    await clerk(settings, database_url, capsys, client)
    path = f"/console/people/{person_id}/benefits"

    nothing = await page(client, path)
    assert 'id="act-needed"' in nothing and "<select" not in nothing
    assert (await check_id(client, person_id)).status_code == 201
    base = f"/console/api/people/{person_id}"
    assert (
        await client.post(f"{base}/delegations", json={"scopes": ["view_benefits"]})
    ).status_code == 201
    viewing = await page(client, path, lang="en")
    assert "Unemployment benefit" in viewing and 'id="apply-needed"' in viewing
    scopes = {"scopes": ["view_benefits", "apply"]}
    assert (await client.post(f"{base}/delegations", json=scopes)).status_code == 201

    shown = await page(client, path)
    token = csrf_of(shown)
    key = re.search(r'name="key" value="([^"]+)"', shown)
    assert key and f'<option value="{bank["id"]}">' in shown
    form = {
        "csrf_token": token,
        "key": key[1],
        "programme_id": "unemployment-benefit",
        "bank_account_id": str(bank["id"]),
        "contact_preference": "letter",
    }
    assert (
        await post_form(client, f"/console/people/{person_id}/apply", {**form, "csrf_token": ""})
    ).status_code == 403
    unconfirmed = await post_form(client, f"/console/people/{person_id}/apply", form)
    assert unconfirmed.status_code == 400 and "확인란에 표시해 주세요" in unconfirmed.text
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM applications WHERE person_id = $1", person_id
        )
        == 0
    )

    done = await post_form(
        client, f"/console/people/{person_id}/apply", {**form, "confirmed": "yes"}
    )
    assert done.status_code == 303, done.text
    number = await owner_conn.fetchval(
        "SELECT id FROM applications WHERE person_id = $1", person_id
    )
    assert done.headers["location"] == f"{path}?applied={number}"
    assert f"신청 번호는 {number}번이에요." in await page(client, done.headers["location"])
    # The same form sent twice (a double click) is one application.
    twice = await post_form(
        client, f"/console/people/{person_id}/apply", {**form, "confirmed": "yes"}
    )
    assert twice.status_code == 303
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM applications WHERE person_id = $1", person_id
        )
        == 1
    )
