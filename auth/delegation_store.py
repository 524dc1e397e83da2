"""Queries for delegations and the record of what proxies did (auth/delegations.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

import asyncpg
import msgspec

Scope = Literal["view_benefits", "apply", "read_notifications"]
SCOPES: tuple[Scope, ...] = ("view_benefits", "apply", "read_notifications")
# As a request names them: the scopes given, and the proxy's account number.
Scopes = Annotated[list[Scope], msgspec.Meta(examples=[["view_benefits", "read_notifications"]])]
AccountId = Annotated[int, msgspec.Meta(examples=[1042])]
CreatedVia = Literal["principal", "counter"]


class Delegation(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    principal_person_id: int
    # Exactly one of these two: another person's account, or a clerk for one visit.
    proxy_account_id: int | None
    proxy_staff_id: int | None
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime
    created_via: CreatedVia
    created_by: str
    revoked_at: datetime | None


class DelegatedAction(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    delegation_id: int
    actor: str
    action: str
    subject: str | None
    channel: str
    occurred_at: datetime


_DELEGATION = (
    "id, principal_person_id, proxy_account_id, proxy_staff_id, scopes, created_at, "
    "expires_at, created_via, created_by, revoked_at"
)
_ACTIVE = "revoked_at IS NULL AND expires_at > now()"


def _delegation(row: asyncpg.Record) -> Delegation:
    return Delegation(**dict(row))


async def insert_delegation(
    conn: asyncpg.Connection,
    *,
    principal_person_id: int,
    proxy_account_id: int | None,
    proxy_staff_id: int | None,
    scopes: list[Scope],
    # None: `visit_length` from this transaction's now(), the row's created_at.
    expires_at: datetime | None,
    created_via: CreatedVia,
    created_by: str,
    verification_id: int | None,
    visit_length: timedelta,
) -> Delegation:
    row = await conn.fetchrow(
        f"""
        INSERT INTO delegations (principal_person_id, proxy_account_id, proxy_staff_id, scopes,
                                 expires_at, created_via, created_by, verification_id)
        VALUES ($1, $2, $3, $4, COALESCE($5, now() + $9::interval), $6, $7, $8)
        RETURNING {_DELEGATION}
        """,
        principal_person_id,
        proxy_account_id,
        proxy_staff_id,
        scopes,
        expires_at,
        created_via,
        created_by,
        verification_id,
        visit_length,
    )
    assert row is not None
    return _delegation(row)


async def select_active_given(conn: asyncpg.Connection, person_id: int) -> list[Delegation]:
    """The person's proxies still in force, newest first."""
    rows = await conn.fetch(
        f"SELECT {_DELEGATION} FROM delegations "
        f"WHERE principal_person_id = $1 AND {_ACTIVE} ORDER BY id DESC",
        person_id,
    )
    return [_delegation(row) for row in rows]


async def select_active_received(conn: asyncpg.Connection, account_id: int) -> list[Delegation]:
    """Whom the account may act for now, newest first."""
    rows = await conn.fetch(
        f"SELECT {_DELEGATION} FROM delegations "
        f"WHERE proxy_account_id = $1 AND {_ACTIVE} ORDER BY id DESC",
        account_id,
    )
    return [_delegation(row) for row in rows]


async def get_delegation_for_update(
    conn: asyncpg.Connection, delegation_id: int
) -> Delegation | None:
    row = await conn.fetchrow(
        f"SELECT {_DELEGATION} FROM delegations WHERE id = $1 FOR UPDATE", delegation_id
    )
    return _delegation(row) if row else None


async def mark_delegation_revoked(
    conn: asyncpg.Connection, delegation_id: int, *, revoked_by: str
) -> datetime:
    revoked_at: datetime = await conn.fetchval(
        "UPDATE delegations SET revoked_at = now(), revoked_by = $2 WHERE id = $1 "
        "RETURNING revoked_at",
        delegation_id,
        revoked_by,
    )
    return revoked_at


async def find_active_delegation(
    conn: asyncpg.Connection,
    *,
    principal_person_id: int,
    proxy_account_id: int | None,
    proxy_staff_id: int | None,
    scope: Scope,
) -> Delegation | None:
    """The proxy's newest delegation in force with `scope`.

    FOR SHARE: a revocation committing meanwhile makes this wait and re-check the
    row, so an action never goes ahead on a delegation already revoked.
    """
    row = await conn.fetchrow(
        f"""
        SELECT {_DELEGATION} FROM delegations
        WHERE principal_person_id = $1
          AND (proxy_account_id = $2 OR proxy_staff_id = $3)
          AND $4 = ANY (scopes) AND {_ACTIVE}
        ORDER BY id DESC
        LIMIT 1
        FOR SHARE
        """,
        principal_person_id,
        proxy_account_id,
        proxy_staff_id,
        scope,
    )
    return _delegation(row) if row else None


async def insert_delegated_action(
    conn: asyncpg.Connection,
    *,
    delegation_id: int,
    principal_person_id: int,
    actor: str,
    action: str,
    subject: str | None,
    channel: str,
) -> None:
    await conn.execute(
        """
        INSERT INTO delegation_actions (delegation_id, principal_person_id, actor, action,
                                        subject, channel)
        VALUES ($1, $2, $3, $4, $5, $6)
        """,
        delegation_id,
        principal_person_id,
        actor,
        action,
        subject,
        channel,
    )


async def select_delegated_actions(
    conn: asyncpg.Connection, principal_person_id: int, *, before: int | None, limit: int
) -> list[DelegatedAction]:
    """Newest first: ids grow with time, and `(principal_person_id, id)` is indexed."""
    rows = await conn.fetch(
        """
        SELECT id, delegation_id, actor, action, subject, channel, occurred_at
        FROM delegation_actions
        WHERE principal_person_id = $1 AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC
        LIMIT $3
        """,
        principal_person_id,
        before,
        limit,
    )
    return [DelegatedAction(**dict(row)) for row in rows]


class DelegationShown(msgspec.Struct, frozen=True, kw_only=True):
    """A delegation in force with the names a clerk reads out to the principal."""

    id: int
    proxy_account_id: int | None
    proxy_name: str | None
    proxy_staff_id: int | None
    proxy_staff_name: str | None
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime
    created_via: CreatedVia
    # The office of the clerk who set it up at a counter; None when set up in the app.
    created_office: str | None


async def select_active_given_shown(
    conn: asyncpg.Connection, person_id: int
) -> list[DelegationShown]:
    rows = await conn.fetch(
        """
        SELECT d.id, d.proxy_account_id, pp.name AS proxy_name, d.proxy_staff_id,
               ps.name AS proxy_staff_name, d.scopes, d.created_at, d.expires_at,
               d.created_via, cs.office_code AS created_office
        FROM delegations d
        LEFT JOIN accounts a ON a.id = d.proxy_account_id
        LEFT JOIN people pp ON pp.id = a.person_id
        LEFT JOIN staff ps ON ps.id = d.proxy_staff_id
        LEFT JOIN staff cs ON d.created_by = 'staff:' || cs.id
        WHERE d.principal_person_id = $1 AND d.revoked_at IS NULL AND d.expires_at > now()
        ORDER BY d.id DESC
        """,
        person_id,
    )
    return [DelegationShown(**dict(row)) for row in rows]
