"""One rule for what a session may do at aal 1 (issue 13, finding 7), on every route."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.enums import HttpMethod
from litestar.routes import HTTPRoute

from api.assurance import ROUTE_ACTIONS
from auth import AAL1_ACTIONS, BINDING_ACTIONS
from foundation.settings import Settings
from tests.support.applying import Client, korea_today, laid_off
from tests.support.factories import bearer, make_account, sign_in
from tests.support.problems import EN, assert_problem


def person_routes(app: Litestar) -> dict[tuple[str, str], bool]:
    """Every (method, path) of the app, and whether its handler takes the person's session."""
    found: dict[tuple[str, str], bool] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                name = method.value if isinstance(method, HttpMethod) else method
                found[(name, route.path)] = "session" in handler.parsed_fn_signature.parameters
    return found


def test_every_v1_route_says_what_it_needs(app: Litestar) -> None:
    routes = person_routes(app)
    v1 = {key for key in routes if key[1].startswith("/v1/")}
    unclassified = sorted(v1 - ROUTE_ACTIONS.keys())
    assert not unclassified, f"classify these in api/assurance.py: {unclassified}"
    assert not ROUTE_ACTIONS.keys() - v1, "api/assurance.py names routes that do not exist"
    for key, takes_session in routes.items():
        if takes_session:
            # The guard runs where the session is read: a route that reads it is classified.
            assert ROUTE_ACTIONS.get(key) is not None, key
        elif key in ROUTE_ACTIONS:
            assert ROUTE_ACTIONS[key] is None, f"{key} names an action but reads no session"


def sample_path(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        kind = match[2]
        return str(uuid.uuid4()) if kind == "uuid" else "999999" if kind == "int" else "x"

    return re.sub(r"\{(\w+):(\w+)\}", value, path)


async def test_every_other_route_answers_step_up_required_at_aal1(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings)
    headers = bearer(await sign_in(owner_conn, settings, account))
    aal2_only = [
        key
        for key, action in ROUTE_ACTIONS.items()
        if action is not None and action not in AAL1_ACTIONS | BINDING_ACTIONS
    ]
    assert ("GET", "/v1/applications/{application_id:int}") in aal2_only
    assert ("GET", "/v1/me/bank-accounts") in aal2_only
    for method, path in aal2_only:
        answer = await client.request(
            method, sample_path(path), json={}, headers={**headers, "Idempotency-Key": "k" * 16}
        )
        assert_problem(answer, 401, "step-up-required")
    english = await client.get("/v1/me/bank-accounts", headers={**headers, **EN})
    assert assert_problem(english, 401, "step-up-required")["title"] == "Please confirm it is you"


async def test_what_aal1_may_do(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings)
    headers = bearer(await sign_in(owner_conn, settings, account))
    for path in (
        "/v1/me",
        "/v1/me/sessions",
        "/v1/me/passkeys",
        "/v1/me/eligibility",
        "/v1/applications",
        "/v1/me/inbox",
        "/v1/me/consents",
        "/v1/me/data-access",
        "/v1/me/activity",
        "/v1/me/delegations",
        "/v1/me/devices",
        "/v1/me/notification-preferences",
    ):
        answer = await client.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
    prefs = await client.put(
        "/v1/me/notification-preferences",
        json={
            "quiet_from": 22,
            "quiet_until": 7,
            "opted_out_programmes": [],
            "opted_out_of_offers": False,
            "preferred_channel": None,
        },
        headers=headers,
    )
    assert prefs.status_code == 200, prefs.text


async def test_eligibility_at_aal1_answers_the_benefits_without_the_history(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account = await make_account(owner_conn, settings)
    await laid_off(owner_conn, account.person_id)
    left = (korea_today() - timedelta(days=40)).isoformat()

    aal1 = await client.get(
        "/v1/me/eligibility", headers={**bearer(await sign_in(owner_conn, settings, account)), **EN}
    )
    assert aal1.status_code == 200, aal1.text
    body: dict[str, Any] = aal1.json()
    assert body["details_need_step_up"] is True
    benefit = next(p for p in body["programmes"] if p["programme_id"] == "unemployment-benefit")
    assert benefit["status"] == "eligible" and benefit["summary"]
    assert benefit["period_key"] is None and benefit["criteria"] == []
    for secret in (left, "dismissed", "480"):
        assert secret not in aal1.text, secret

    aal2 = await client.get(
        "/v1/me/eligibility",
        headers={
            **bearer(await sign_in(owner_conn, settings, account, aal=2, method="passkey")),
            **EN,
        },
    )
    full: dict[str, Any] = aal2.json()
    assert full["details_need_step_up"] is False
    benefit = next(p for p in full["programmes"] if p["programme_id"] == "unemployment-benefit")
    assert benefit["period_key"] == left and benefit["criteria"]
    assert "dismissed" in aal2.text
