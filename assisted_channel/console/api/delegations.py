"""Delegations recorded at the counter with the person present, as JSON
(`/console/api/people/{id}/delegations`): to another person's account, or to the clerk
for this visit; who may act for the person now; ending one. The rules are in
auth/delegations.py and auth/counter/assist.py."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from auth import (
    AccountId,
    Delegation,
    DelegationShown,
    Scopes,
    create_counter_delegation,
    revoke_delegation_at_counter,
)
from auth.counter import delegations_at_counter
from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.problems import problem_responses


class CounterDelegationRequest(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    # None: the clerk acts for the person during this visit (8 hours at most).
    proxy_account_id: AccountId | None = None
    scopes: Scopes
    # Required with a proxy account; ignored for a visit.
    until: date | None = None


@post(
    "/api/people/{person_id:int}/delegations",
    status_code=201,
    tags=["staff"],
    summary="Record a delegation with the person present: to an account, or to you for the visit",
    responses=problem_responses(400, 401, 404, 409),
    description=(
        "Only after a `match` check of the person in the last 8 hours (otherwise 409 "
        "`principal-identity-check-needed`). Without `proxy_account_id` the clerk may act "
        "for the person for 8 hours; with one, `until` is required as in the app."
    ),
)
async def post_counter_delegation(
    data: JSONBody[CounterDelegationRequest],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> Delegation:
    return await create_counter_delegation(
        tx.conn,
        staff,
        principal_person_id=person_id,
        proxy_account_id=data.proxy_account_id,
        scopes=data.scopes,
        until=data.until,
    )


@get(
    "/api/people/{person_id:int}/delegations",
    tags=["staff"],
    summary="Who may act for the person now, with the proxies' names (newest first)",
    responses=problem_responses(401, 404),
)
async def get_counter_delegations(
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> list[DelegationShown]:
    return await delegations_at_counter(tx.conn, staff, person_id=person_id)


@delete(
    "/api/people/{person_id:int}/delegations/{delegation_id:int}",
    status_code=204,
    tags=["staff"],
    summary="End one of the person's delegations at the counter, the person present",
    responses=problem_responses(401, 404, 409),
    description=(
        "Only after a `match` check of the person in the last 8 hours (otherwise 409 "
        "`principal-identity-check-needed`). Another person's delegation is 404; ending one "
        "already ended changes nothing."
    ),
)
async def delete_counter_delegation(
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
    delegation_id: FromPath[int],
) -> Response[None]:
    await revoke_delegation_at_counter(
        tx.conn, staff, principal_person_id=person_id, delegation_id=delegation_id
    )
    return Response(None, status_code=204)


ROUTES = [post_counter_delegation, get_counter_delegations, delete_counter_delegation]
