"""The console's JSON API for a person's registered phones and delegations, which the
console pages share their core functions with: list them, and end a delegation at the
counter with the person's ID checked."""

from __future__ import annotations

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import Account
from foundation.settings import Settings
from tests.support.console_assist import fresh_state
from tests.support.factories import make_account
from tests.support.identity_checks import verify
from tests.support.staff import signed_in

Client = AsyncTestClient[Litestar]
__all__ = ["fresh_state"]


async def test_console_api_lists_phones_and_delegations_and_ends_one(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    principal: Account = await make_account(owner_conn, settings, name="문지기")
    stranger = await make_account(owner_conn, settings, name="남남")
    await signed_in(client, owner_conn)
    base = f"/console/api/people/{principal.person_id}"
    assert (await verify(client, principal.person_id)).status_code == 201
    assert (await client.post(f"{base}/phones", json={"number": "02-321-4321"})).status_code == 201
    phones = (await client.get(f"{base}/phones")).json()
    assert [p["number_masked"] for p in phones] == ["+8223**4321"]
    assert phones[0]["locked_at"] is None and phones[0]["office"] == "busan"

    assert (await verify(client, principal.person_id)).status_code == 201
    assert (await verify(client, stranger.person_id)).status_code == 201
    mine = await client.post(f"{base}/delegations", json={"scopes": ["view_benefits"]})
    theirs = await client.post(
        f"/console/api/people/{stranger.person_id}/delegations", json={"scopes": ["apply"]}
    )
    assert mine.status_code == theirs.status_code == 201
    listed = (await client.get(f"{base}/delegations")).json()
    assert [d["id"] for d in listed] == [mine.json()["id"]]
    assert listed[0]["proxy_staff_name"] == "김민수" and listed[0]["created_office"] == "busan"

    other = await client.delete(f"{base}/delegations/{theirs.json()['id']}")
    assert other.status_code == 404
    assert (await client.delete(f"{base}/delegations/{mine.json()['id']}")).status_code == 204
    assert (await client.get(f"{base}/delegations")).json() == []
    assert (await client.delete(f"{base}/delegations/{mine.json()['id']}")).status_code == 204
    ended = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'delegation.revoked' AND subject = $1",
        f"person:{principal.person_id}",
    )
    assert ended == 1
