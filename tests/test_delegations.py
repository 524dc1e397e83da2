"""Acting for someone: a principal at aal 2 (or a clerk, the principal present) lets a proxy
see their benefits or read their notices; revoked or expired delegations stop at once; the
principal sees what proxies did; a clerk's visit ends after 8 hours."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account, Tokens, require_scope
from auth.staff import StaffSession
from foundation.korea import KOREA
from foundation.problems import Problem
from foundation.settings import Settings
from tests.support.factories import bearer, make_account, sign_in
from tests.support.identity_checks import verify
from tests.support.notifying import insert_notice
from tests.support.problems import assert_problem
from tests.support.staff import clerk

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


def today() -> date:
    return datetime.now(KOREA).date()


async def pair(
    owner_conn: asyncpg.Connection, settings: Settings
) -> tuple[Account, Tokens, Account, Tokens]:
    """A principal signed in at aal 2 and a proxy signed in at aal 1."""
    principal = await make_account(owner_conn, settings)
    proxy = await make_account(owner_conn, settings, name="이도움")
    return (
        principal,
        await sign_in(owner_conn, settings, principal, aal=2, method="passkey"),
        proxy,
        await sign_in(owner_conn, settings, proxy),
    )


async def delegate(
    client: Client, tokens: Tokens, proxy: Account, give: list[str], **overrides: Any
) -> Any:
    headers = overrides.pop("headers", {})
    body = {"proxy_account_id": proxy.id, "scopes": give, "until": str(today() + timedelta(30))}
    body.update(overrides)
    return await client.post("/v1/me/delegations", json=body, headers={**bearer(tokens), **headers})


async def test_creating_needs_recent_aal2(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    principal, _, proxy, _ = await pair(owner_conn, settings)
    aal1 = await sign_in(owner_conn, settings, principal)
    refused = await delegate(client, aal1, proxy, ["view_benefits"])
    assert_problem(refused, 401, "step-up-required")
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM delegations WHERE principal_person_id = $1", principal.person_id
        )
        == 0
    )


async def test_view_benefits_scope_opens_eligibility_only(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    principal, p_tokens, proxy, x_tokens = await pair(owner_conn, settings)
    url = f"/v1/people/{principal.person_id}/eligibility"
    before = await client.get(url, headers=bearer(x_tokens))
    assert_problem(before, 403, "delegation-needed")

    created = await delegate(client, p_tokens, proxy, ["view_benefits"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["proxy_account_id"] == proxy.id and body["scopes"] == ["view_benefits"]
    assert body["created_via"] == "principal"

    seen = await client.get(url, headers=bearer(x_tokens))
    assert seen.status_code == 200, seen.text
    mine = await client.get("/v1/me/eligibility", headers=bearer(p_tokens))
    # The proxy's aal-1 session sees the benefits, not the principal's history behind them.
    assert seen.json()["details_need_step_up"] is True
    assert all(p["criteria"] == [] for p in seen.json()["programmes"])
    assert [(p["programme_id"], p["status"]) for p in seen.json()["programmes"]] == [
        (p["programme_id"], p["status"]) for p in mine.json()["programmes"]
    ]
    x_aal2 = await sign_in(owner_conn, settings, proxy, aal=2, method="passkey")
    seen = await client.get(url, headers=bearer(x_aal2))
    assert seen.json()["programmes"] == mine.json()["programmes"]
    # The scope given is not read_notifications.
    inbox = await client.get(f"/v1/people/{principal.person_id}/inbox", headers=bearer(x_tokens))
    assert_problem(inbox, 403, "delegation-needed")
    # A third account has nothing.
    stranger = await make_account(owner_conn, settings)
    other = await client.get(url, headers=bearer(await sign_in(owner_conn, settings, stranger)))
    assert_problem(other, 403, "delegation-needed")

    listed = (await client.get("/v1/me/delegations", headers=bearer(p_tokens))).json()
    assert [d["id"] for d in listed["proxies"]] == [body["id"]] and listed["acting_for"] == []
    theirs = (await client.get("/v1/me/delegations", headers=bearer(x_tokens))).json()
    assert [d["id"] for d in theirs["acting_for"]] == [body["id"]] and theirs["proxies"] == []


async def test_read_notifications_scope_opens_the_inbox(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    principal, p_tokens, proxy, x_tokens = await pair(owner_conn, settings)
    notice = await insert_notice(owner_conn, person_id=principal.person_id)
    await insert_notice(owner_conn, person_id=proxy.person_id)
    url = f"/v1/people/{principal.person_id}/inbox"
    assert_problem(await client.get(url, headers=bearer(x_tokens)), 403, "delegation-needed")
    created = await delegate(client, p_tokens, proxy, ["read_notifications"])
    assert created.status_code == 201, created.text
    page = await client.get(url, headers=bearer(x_tokens))
    assert page.status_code == 200, page.text
    assert [n["id"] for n in page.json()["notices"]] == [notice]
    eligibility = f"/v1/people/{principal.person_id}/eligibility"
    assert_problem(
        await client.get(eligibility, headers=bearer(x_tokens)), 403, "delegation-needed"
    )
    bad_page = await client.get(url, params={"limit": 0}, headers={**bearer(x_tokens), **EN})
    assert_problem(bad_page, 400, "validation-error")


async def test_revoked_stops_at_once_by_either_side(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    principal, p_tokens, proxy, x_tokens = await pair(owner_conn, settings)
    url = f"/v1/people/{principal.person_id}/eligibility"
    for revoker in (p_tokens, x_tokens):
        created = await delegate(client, p_tokens, proxy, ["view_benefits"])
        assert (await client.get(url, headers=bearer(x_tokens))).status_code == 200
        ended = await client.delete(
            f"/v1/me/delegations/{created.json()['id']}", headers=bearer(revoker)
        )
        assert ended.status_code == 204, ended.text
        assert_problem(await client.get(url, headers=bearer(x_tokens)), 403, "delegation-needed")
    # Someone else's delegation cannot be ended, nor even seen.
    created = await delegate(client, p_tokens, proxy, ["view_benefits"])
    stranger = await sign_in(owner_conn, settings, await make_account(owner_conn, settings))
    refused = await client.delete(
        f"/v1/me/delegations/{created.json()['id']}", headers=bearer(stranger)
    )
    assert_problem(refused, 404, "not-found")
    assert (await client.get(url, headers=bearer(x_tokens))).status_code == 200
    revoked = await owner_conn.fetch(
        "SELECT revoked_by FROM delegations WHERE principal_person_id = $1 AND revoked_at "
        "IS NOT NULL ORDER BY id",
        principal.person_id,
    )
    assert [r["revoked_by"] for r in revoked] == [f"account:{principal.id}", f"account:{proxy.id}"]


async def test_expired_stops_working(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    principal, p_tokens, proxy, x_tokens = await pair(owner_conn, settings)
    created = await delegate(client, p_tokens, proxy, ["view_benefits"], until=str(today()))
    assert created.status_code == 201, created.text
    url = f"/v1/people/{principal.person_id}/eligibility"
    assert (await client.get(url, headers=bearer(x_tokens))).status_code == 200
    await owner_conn.execute(
        "UPDATE delegations SET created_at = created_at - interval '2 days', "
        "expires_at = now() - interval '1 second' WHERE id = $1",
        created.json()["id"],
    )
    assert_problem(await client.get(url, headers=bearer(x_tokens)), 403, "delegation-needed")
    listed = (await client.get("/v1/me/delegations", headers=bearer(p_tokens))).json()
    assert listed["proxies"] == []


async def test_principal_sees_what_proxies_did(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    principal, p_tokens, proxy, x_tokens = await pair(owner_conn, settings)
    created = await delegate(client, p_tokens, proxy, ["view_benefits", "read_notifications"])
    base = f"/v1/people/{principal.person_id}"
    assert (await client.get(base + "/eligibility", headers=bearer(x_tokens))).status_code == 200
    assert (await client.get(base + "/inbox", headers=bearer(x_tokens))).status_code == 200
    # A refused attempt records nothing.
    await client.get(f"/v1/people/{proxy.person_id}/inbox", headers=bearer(p_tokens))

    activity = await client.get("/v1/me/activity", headers=bearer(p_tokens))
    assert activity.status_code == 200, activity.text
    actions = activity.json()["actions"]
    assert [a["action"] for a in actions] == [
        "delegation.inbox_read",
        "delegation.eligibility_viewed",
    ]
    assert {a["actor"] for a in actions} == {f"account:{proxy.id}"}
    assert {a["delegation_id"] for a in actions} == {created.json()["id"]}
    first = await client.get("/v1/me/activity", params={"limit": 1}, headers=bearer(p_tokens))
    assert first.json()["next_before"] == actions[0]["id"]
    proxy_side = await client.get("/v1/me/activity", headers=bearer(x_tokens))
    assert proxy_side.json()["actions"] == []
    audit = await owner_conn.fetch(
        "SELECT actor, details FROM audit_log WHERE action = 'delegation.inbox_read' "
        "AND subject = $1",
        f"person:{principal.person_id}",
    )
    assert [r["actor"] for r in audit] == [f"account:{proxy.id}"]


@pytest.mark.parametrize(
    ("overrides", "field", "ko", "en"),
    [
        ({"scopes": []}, "body.scopes", "view_benefits", "each once"),
        ({"scopes": ["apply", "apply"]}, "body.scopes", "view_benefits", "each once"),
        ({"until": "2020-01-01"}, "body.until", "365", "365 days"),
        ({"until_days": 366}, "body.until", "365", "365 days"),
        ({"proxy_account_id": 0}, "body.proxy_account_id", "계정 번호", "account number"),
        ({"proxy_account_id": "self"}, "body.proxy_account_id", "계정 번호", "account number"),
    ],
)
async def test_bad_input_problems_in_korean_and_english(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    overrides: dict[str, Any],
    field: str,
    ko: str,
    en: str,
) -> None:
    principal, p_tokens, proxy, _ = await pair(owner_conn, settings)
    overrides = dict(overrides)
    if "until_days" in overrides:
        overrides["until"] = str(today() + timedelta(days=overrides.pop("until_days")))
    if overrides.get("proxy_account_id") == "self":
        overrides["proxy_account_id"] = principal.id
    for headers, word in (({}, ko), (EN, en)):
        answer = await delegate(
            client, p_tokens, proxy, ["view_benefits"], headers=headers, **overrides
        )
        body = assert_problem(answer, 400, "validation-error")
        assert [e["field"] for e in body["errors"]] == [field]
        assert word in body["errors"][0]["detail"], body
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM delegations WHERE principal_person_id = $1", principal.person_id
        )
        == 0
    )
    unknown_scope = await delegate(client, p_tokens, proxy, ["everything"], headers=EN)
    assert_problem(unknown_scope, 400, "validation-error")


async def test_clerk_visit_needs_id_check_and_ends_after_8_hours(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    principal = await make_account(owner_conn, settings, name="박순자")
    staff_id = await clerk(settings, database_url, capsys, client)
    url = f"/console/api/people/{principal.person_id}/delegations"
    unchecked = await client.post(url, json={"scopes": ["view_benefits"]}, headers=EN)
    body = assert_problem(unchecked, 409, "principal-identity-check-needed")
    assert "8 hours" in body["detail"]
    assert (await verify(client, principal.person_id)).status_code == 201
    visit = await client.post(url, json={"scopes": ["view_benefits", "apply"]})
    assert visit.status_code == 201, visit.text
    made = visit.json()
    assert made["proxy_staff_id"] == staff_id and made["proxy_account_id"] is None
    assert made["created_via"] == "counter"
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(hours=7, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=8)

    session = StaffSession(
        id=uuid.uuid4(),
        staff_id=staff_id,
        name="김민수",
        office_code="busan",
        role="clerk",
        created_at=datetime.now(UTC),
        expires_at=datetime.now(UTC) + timedelta(hours=8),
    )
    found = await require_scope(owner_conn, session, principal.person_id, "apply")
    assert found.id == made["id"]
    with pytest.raises(Problem) as refused:
        await require_scope(owner_conn, session, principal.person_id, "read_notifications")
    assert refused.value.kind.slug == "delegation-needed"
    await owner_conn.execute(
        "UPDATE delegations SET created_at = created_at - interval '8 hours 1 second', "
        "expires_at = expires_at - interval '8 hours 1 second' WHERE id = $1",
        made["id"],
    )
    with pytest.raises(Problem) as ended:
        await require_scope(owner_conn, session, principal.person_id, "apply")
    assert ended.value.kind.slug == "delegation-needed"
    # No visit delegation lasts longer than 8 hours, whoever writes the row.
    with pytest.raises(asyncpg.CheckViolationError):
        await owner_conn.execute(
            "UPDATE delegations SET expires_at = created_at + interval '9 hours' WHERE id = $1",
            made["id"],
        )

    # With the person present, a clerk may also record a proxy account until a date.
    proxy = await make_account(owner_conn, settings)
    no_until = await client.post(
        url, json={"scopes": ["view_benefits"], "proxy_account_id": proxy.id}, headers=EN
    )
    assert_problem(no_until, 400, "validation-error")
    to_account = await client.post(
        url,
        json={
            "scopes": ["view_benefits"],
            "proxy_account_id": proxy.id,
            "until": str(today() + timedelta(days=10)),
        },
    )
    assert to_account.status_code == 201, to_account.text
    proxy_tokens = await sign_in(owner_conn, settings, proxy)
    seen = await client.get(
        f"/v1/people/{principal.person_id}/eligibility", headers=bearer(proxy_tokens)
    )
    assert seen.status_code == 200, seen.text
