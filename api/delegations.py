"""Acting for someone: set up and end delegations, see what proxies did, and act within
the scopes given (a principal's eligibility and inbox). The rules are in auth/delegations.py;
the counter's delegations are the console's (assisted_channel/console/)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.openapi import SIGNED_IN
from api.paging import PageBefore, PageLimit
from auth import (
    AccountId,
    CurrentSession,
    DelegatedAction,
    Delegation,
    DelegationsOverview,
    Scopes,
    create_delegation,
    list_activity,
    list_delegations,
    may_see_history,
    record_delegated_action,
    require_scope,
    revoke_delegation,
)
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import problem_responses
from notifications.inbox_pages import InboxPage, check_page, inbox_page
from onestop.eligibility import EligibilityList, eligibility_on_behalf


class DelegationRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # The proxy's account number, which they read in their app (not a phone number:
    # numbers are recycled, and a look-up by number would tell who has an account).
    proxy_account_id: AccountId
    scopes: Scopes
    # The last day it holds (Korean time), from today to 365 days ahead.
    until: date


class ActivityItem(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    delegation_id: int
    # account:<id> or staff:<id>: who acted for you.
    actor: str
    action: Annotated[str, msgspec.Meta(examples=["delegation.eligibility_viewed"])]
    subject: str | None
    channel: str
    occurred_at: datetime


class ActivityPage(msgspec.Struct, frozen=True, kw_only=True):
    actions: list[ActivityItem]
    next_before: int | None


def _item(action: DelegatedAction) -> ActivityItem:
    return ActivityItem(**msgspec.structs.asdict(action))


@post(
    "/v1/me/delegations",
    status_code=201,
    tags=["delegation"],
    summary="Let another account act for you, within scopes, until a date (recent aal 2)",
    security=SIGNED_IN,
    responses=problem_responses(400, 401),
    description=(
        "`scopes` is one or more of `view_benefits`, `apply`, `read_notifications`; `until` "
        "the last day (Korean time), today to 365 days ahead. `proxy_account_id` is the "
        "other person's account number (not yours). Needs a recent aal 2 sign-in "
        "(otherwise 401 `step-up-required`)."
    ),
)
async def post_delegation(
    data: JSONBody[DelegationRequest],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> Delegation:
    return await create_delegation(
        tx.conn,
        session,
        proxy_account_id=data.proxy_account_id,
        scopes=data.scopes,
        until=data.until,
    )


@get(
    "/v1/me/delegations",
    tags=["delegation"],
    summary="Who may act for you, and whom you may act for (those in force)",
    security=SIGNED_IN,
    responses=problem_responses(401),
)
async def get_delegations(
    session: NamedDependency[CurrentSession], tx: NamedDependency[Transaction]
) -> DelegationsOverview:
    return await list_delegations(tx.conn, session)


@delete(
    "/v1/me/delegations/{delegation_id:int}",
    status_code=204,
    tags=["delegation"],
    summary="End a delegation at once (the principal or the proxy)",
    security=SIGNED_IN,
    responses=problem_responses(401, 404),
    description="Someone else's delegation is 404; ending one already ended changes nothing.",
)
async def delete_delegation(
    delegation_id: FromPath[int],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> Response[None]:
    await revoke_delegation(tx.conn, session, delegation_id)
    return Response(None, status_code=204)


@get(
    "/v1/me/activity",
    tags=["delegation"],
    summary="What your proxies did for you, newest first",
    security=SIGNED_IN,
    responses=problem_responses(400, 401),
    description="Pages of `limit` (1 to 100, default 20); pass `next_before` as `before`.",
)
async def my_activity(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    limit: PageLimit = 20,
    before: PageBefore = None,
) -> ActivityPage:
    check_page(limit, before, request_locale(request))
    actions = await list_activity(tx.conn, session.person_id, before=before, limit=limit + 1)
    page = actions[:limit]
    return ActivityPage(
        actions=[_item(a) for a in page],
        next_before=page[-1].id if len(actions) > limit else None,
    )


@get(
    "/v1/people/{principal_id:int}/eligibility",
    tags=["delegation"],
    summary="A person you act for: every programme evaluated today (scope view_benefits)",
    security=SIGNED_IN,
    responses=problem_responses(401, 403),
    description="Without a delegation in force with `view_benefits`: 403 `delegation-needed`.",
)
async def principal_eligibility(
    principal_id: FromPath[int],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> EligibilityList:
    return await eligibility_on_behalf(
        tx.conn, session, principal_id, request_locale(request), history=may_see_history(session)
    )


@get(
    "/v1/people/{principal_id:int}/inbox",
    tags=["delegation"],
    summary="A person you act for: their notices (scope read_notifications)",
    security=SIGNED_IN,
    responses=problem_responses(400, 401, 403),
    description=(
        "As `GET /v1/me/inbox`, for the principal. Without a delegation in force with "
        "`read_notifications`: 403 `delegation-needed`."
    ),
)
async def principal_inbox(
    principal_id: FromPath[int],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    limit: PageLimit = 20,
    before: PageBefore = None,
) -> InboxPage:
    locale = request_locale(request)
    check_page(limit, before, locale)
    delegation = await require_scope(tx.conn, session, principal_id, "read_notifications")
    await record_delegated_action(tx.conn, delegation, session, action="delegation.inbox_read")
    return await inbox_page(tx.conn, principal_id, limit=limit, before=before, locale=locale)


ROUTES = [
    post_delegation,
    get_delegations,
    delete_delegation,
    my_activity,
    principal_eligibility,
    principal_inbox,
]
