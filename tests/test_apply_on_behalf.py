"""Applying for someone: a proxy with scope `apply` applies for the principal, with the
principal's own verified bank account; `view_benefits` alone is not enough; a revoked
delegation stops at once; a retry answers the first answer again."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from auth import Account, Tokens
from foundation.settings import Settings
from tests.support.applying import (
    Client,
    apply,
    citizen,
    korea_today,
    laid_off,
    payload,
    verified_account,
)
from tests.support.factories import bearer
from tests.support.problems import EN, assert_problem


class Household:
    """A laid-off principal with a verified bank account, and a proxy at aal 2."""

    def __init__(
        self,
        principal: Account,
        p_tokens: Tokens,
        proxy: Account,
        x_tokens: Tokens,
        bank_id: int,
    ) -> None:
        self.principal = principal
        self.p_tokens = p_tokens
        self.proxy = proxy
        self.x_tokens = x_tokens
        self.bank_id = bank_id

    def body(self, **changes: Any) -> dict[str, Any]:
        return {**payload(self.bank_id), "on_behalf_of": self.principal.person_id, **changes}


async def household(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> Household:
    principal, p_tokens = await citizen(owner_conn, settings, name="김순자")
    await laid_off(owner_conn, principal.person_id)
    bank = await verified_account(client, owner_conn, p_tokens)
    proxy, x_tokens = await citizen(owner_conn, settings, name="김도움")
    return Household(principal, p_tokens, proxy, x_tokens, bank["id"])


async def delegate(client: Client, home: Household, scopes: list[str]) -> int:
    created = await client.post(
        "/v1/me/delegations",
        json={
            "proxy_account_id": home.proxy.id,
            "scopes": scopes,
            "until": str(korea_today() + timedelta(days=30)),
        },
        headers=bearer(home.p_tokens),
    )
    assert created.status_code == 201, created.text
    delegation_id: int = created.json()["id"]
    return delegation_id


async def applications_of(owner_conn: asyncpg.Connection, person_id: int) -> list[asyncpg.Record]:
    return await owner_conn.fetch(
        "SELECT id, account_id FROM applications WHERE person_id = $1 ORDER BY id", person_id
    )


async def proxy_actions(owner_conn: asyncpg.Connection, person_id: int) -> list[asyncpg.Record]:
    return await owner_conn.fetch(
        "SELECT delegation_id, actor, action, subject FROM delegation_actions "
        "WHERE principal_person_id = $1 AND action = 'delegation.application_submitted'",
        person_id,
    )


async def test_proxy_with_apply_applies_for_the_principal(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    home = await household(client, owner_conn, settings)
    delegation_id = await delegate(client, home, ["apply"])
    key = str(uuid.uuid4())

    answer = await apply(client, home.x_tokens, home.body(), key)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["prefilled"]["applicant"]["name"] == "김순자"
    assert body["bank_account"]["id"] == home.bank_id
    rows = await applications_of(owner_conn, home.principal.person_id)
    assert [(r["id"], r["account_id"]) for r in rows] == [(body["id"], home.proxy.id)]
    assert await applications_of(owner_conn, home.proxy.person_id) == []
    actions = await proxy_actions(owner_conn, home.principal.person_id)
    assert [tuple(a) for a in actions] == [
        (
            delegation_id,
            f"account:{home.proxy.id}",
            "delegation.application_submitted",
            f"application:{body['id']}",
        )
    ]
    audited = await owner_conn.fetch(
        "SELECT action, actor FROM audit_log WHERE subject = $1 AND action IN "
        "('application.submitted', 'delegation.application_submitted') ORDER BY id",
        f"person:{home.principal.person_id}",
    )
    assert [tuple(a) for a in audited] == [
        ("application.submitted", f"account:{home.proxy.id}"),
        ("delegation.application_submitted", f"account:{home.proxy.id}"),
    ]

    # The principal follows it; the proxy's own list stays theirs.
    mine = await client.get("/v1/applications", headers=bearer(home.p_tokens))
    assert [a["id"] for a in mine.json()] == [body["id"]]
    theirs = await client.get("/v1/applications", headers=bearer(home.x_tokens))
    assert theirs.json() == []
    activity = await client.get("/v1/me/activity", headers=bearer(home.p_tokens))
    assert "delegation.application_submitted" in [a["action"] for a in activity.json()["actions"]]

    # A retry with the same key answers the first answer, and writes nothing new.
    again = await apply(client, home.x_tokens, home.body(), key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == body["id"]
    assert len(await applications_of(owner_conn, home.principal.person_id)) == 1
    assert len(await proxy_actions(owner_conn, home.principal.person_id)) == 1
    # The same key with another body is another request: 422.
    other = await apply(client, home.x_tokens, payload(home.bank_id), key)
    assert_problem(other, 422, "idempotency-key-reused")


async def test_proxy_with_view_benefits_cannot_apply(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    home = await household(client, owner_conn, settings)
    await delegate(client, home, ["view_benefits", "read_notifications"])
    ko = assert_problem(await apply(client, home.x_tokens, home.body()), 403, "delegation-needed")
    assert ko["title"] == "이분을 대신해서 할 수 없어요"
    en = assert_problem(
        await apply(client, home.x_tokens, home.body(), **EN), 403, "delegation-needed"
    )
    assert en["title"] == "You cannot do this for this person"
    assert await applications_of(owner_conn, home.principal.person_id) == []
    assert await proxy_actions(owner_conn, home.principal.person_id) == []
    # Nor can a stranger, nor anyone for a person who does not exist.
    missing = await apply(client, home.x_tokens, home.body(on_behalf_of=2**62))
    assert_problem(missing, 403, "delegation-needed")


async def test_revoked_delegation_stops_at_once(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    home = await household(client, owner_conn, settings)
    delegation_id = await delegate(client, home, ["apply"])
    key = str(uuid.uuid4())
    assert (await apply(client, home.x_tokens, home.body(), key)).status_code == 201
    ended = await client.delete(
        f"/v1/me/delegations/{delegation_id}", headers=bearer(home.p_tokens)
    )
    assert ended.status_code == 204, ended.text
    # Not even a retry of what was done answers once the permission is withdrawn.
    assert_problem(await apply(client, home.x_tokens, home.body(), key), 403, "delegation-needed")
    refused = await apply(client, home.x_tokens, home.body(programme_id="tomorrow-learning-card"))
    assert_problem(refused, 403, "delegation-needed")
    assert len(await applications_of(owner_conn, home.principal.person_id)) == 1


async def test_bank_account_must_be_the_principals_own(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    home = await household(client, owner_conn, settings)
    await delegate(client, home, ["apply"])
    own = await verified_account(client, owner_conn, home.x_tokens)
    for headers, words in (({}, "계좌"), (EN, "bank account")):
        refused = await apply(
            client, home.x_tokens, home.body(bank_account_id=own["id"]), **headers
        )
        problem = assert_problem(refused, 400, "validation-error")
        assert problem["errors"][0]["field"] == "body.bank_account_id"
        assert words in problem["errors"][0]["detail"]
    assert await applications_of(owner_conn, home.principal.person_id) == []
    assert await applications_of(owner_conn, home.proxy.person_id) == []
    assert await proxy_actions(owner_conn, home.principal.person_id) == []


async def test_bad_on_behalf_of_is_a_validation_error(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    home = await household(client, owner_conn, settings)
    for bad in (0, -3, 2**63, "someone"):
        refused = await apply(client, home.x_tokens, home.body(on_behalf_of=bad))
        assert_problem(refused, 400, "validation-error")
    # Naming yourself is applying for yourself (and needs your own bank account).
    own = await verified_account(client, owner_conn, home.x_tokens)
    await laid_off(owner_conn, home.proxy.person_id)
    mine = await apply(
        client,
        home.x_tokens,
        payload(own["id"], on_behalf_of=home.proxy.person_id),
    )
    assert mine.status_code == 201, mine.text
    assert len(await applications_of(owner_conn, home.proxy.person_id)) == 1
    assert await applications_of(owner_conn, home.principal.person_id) == []
