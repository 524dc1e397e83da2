"""Application rows, their events and appeals: the queries, one per statement."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import asyncpg
import msgspec

ApplicationStatus = Literal["submitted", "under_review", "approved", "rejected", "paid"]
STATUSES: tuple[str, ...] = ("submitted", "under_review", "approved", "rejected", "paid")
AppealKind = Literal["human_review", "appeal"]
ContactPreference = Literal["push", "sms", "voice", "letter"]


class Application(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    account_id: int
    programme_id: str
    status: str
    eligibility_status: str
    rule_version: str
    criteria: str
    period_key: str | None
    evaluated_on: date
    # Each criterion as evaluated: id, status, figure, text (message id), reference.
    explained: list[dict[str, Any]]
    prefilled: dict[str, Any]
    bank_account_id: int
    contact_preference: str
    submitted_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    decision_reason: str | None


class ApplicationEvent(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    application_id: int
    kind: str
    status: str
    occurred_at: datetime
    actor: str
    reason: str | None


class Appeal(msgspec.Struct, frozen=True, kw_only=True):
    application_id: int
    kind: str
    statement: str | None
    filed_at: datetime
    actor: str


class NewApplication(msgspec.Struct, frozen=True, kw_only=True):
    person_id: int
    account_id: int
    programme_id: str
    eligibility_status: str
    rule_version: str
    criteria: str
    period_key: str | None
    evaluated_on: date
    explained: list[dict[str, Any]]
    prefilled: dict[str, Any]
    bank_account_id: int
    contact_preference: str


_COLUMNS = """
    id, person_id, account_id, programme_id, status, eligibility_status, rule_version, criteria,
    period_key, evaluated_on, explained::text AS explained, prefilled::text AS prefilled,
    bank_account_id, contact_preference, submitted_at, updated_at, decided_at, decision_reason
"""


def _application(row: asyncpg.Record) -> Application:
    values = dict(row)
    values["explained"] = msgspec.json.decode(values["explained"])
    values["prefilled"] = msgspec.json.decode(values["prefilled"])
    return Application(**values)


async def insert_application(conn: asyncpg.Connection, new: NewApplication) -> Application:
    row = await conn.fetchrow(
        f"""
        INSERT INTO applications (person_id, account_id, programme_id, eligibility_status,
            rule_version, criteria, period_key, evaluated_on, explained, prefilled,
            bank_account_id, contact_preference)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12)
        RETURNING {_COLUMNS}
        """,
        new.person_id,
        new.account_id,
        new.programme_id,
        new.eligibility_status,
        new.rule_version,
        new.criteria,
        new.period_key,
        new.evaluated_on,
        msgspec.json.encode(new.explained).decode(),
        msgspec.json.encode(new.prefilled).decode(),
        new.bank_account_id,
        new.contact_preference,
    )
    assert row is not None
    return _application(row)


async def get_application(
    conn: asyncpg.Connection,
    application_id: int,
    *,
    person_id: int | None = None,
    lock: bool = False,
) -> Application | None:
    """An application by id; with `person_id`, only if it is that person's."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM applications WHERE id = $1 "
        "AND ($2::bigint IS NULL OR person_id = $2)" + (" FOR UPDATE" if lock else ""),
        application_id,
        person_id,
    )
    return None if row is None else _application(row)


async def find_blocking_application(
    conn: asyncpg.Connection, person_id: int, programme_id: str, period_key: str | None
) -> int | None:
    """The application that keeps another for the same period out (any but a rejected one)."""
    found: int | None = await conn.fetchval(
        """
        SELECT id FROM applications
        WHERE person_id = $1 AND programme_id = $2 AND coalesce(period_key, '') = coalesce($3, '')
          AND status <> 'rejected'
        """,
        person_id,
        programme_id,
        period_key,
    )
    return found


async def list_person_applications(
    conn: asyncpg.Connection, person_id: int, *, limit: int = 100
) -> list[Application]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM applications WHERE person_id = $1 "
        "ORDER BY submitted_at DESC, id DESC LIMIT $2",
        person_id,
        limit,
    )
    return [_application(row) for row in rows]


async def list_applications_by_status(
    conn: asyncpg.Connection, status: str | None, *, limit: int = 200
) -> list[Application]:
    """The caseworker's queue: oldest first, so nobody waits behind newer arrivals."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM applications WHERE ($1::text IS NULL OR status = $1) "
        "ORDER BY submitted_at, id LIMIT $2",
        status,
        limit,
    )
    return [_application(row) for row in rows]


async def update_application_status(
    conn: asyncpg.Connection, application_id: int, status: str, reason: str | None
) -> Application:
    """Set the status; a decision (approved, rejected) keeps its time and reason."""
    row = await conn.fetchrow(
        f"""
        UPDATE applications SET status = $2, updated_at = now(),
            decided_at = CASE WHEN $2 IN ('approved', 'rejected') THEN now()
                              WHEN $2 = 'under_review' THEN NULL ELSE decided_at END,
            decision_reason = CASE WHEN $2 IN ('approved', 'rejected') THEN $3
                                   WHEN $2 = 'under_review' THEN NULL ELSE decision_reason END
        WHERE id = $1 RETURNING {_COLUMNS}
        """,
        application_id,
        status,
        reason,
    )
    assert row is not None
    return _application(row)


async def insert_event(
    conn: asyncpg.Connection,
    application_id: int,
    *,
    kind: str,
    status: str,
    actor: str,
    reason: str | None = None,
) -> ApplicationEvent:
    row = await conn.fetchrow(
        """
        INSERT INTO application_events (application_id, kind, status, actor, reason)
        VALUES ($1, $2, $3, $4, $5)
        RETURNING id, application_id, kind, status, occurred_at, actor, reason
        """,
        application_id,
        kind,
        status,
        actor,
        reason,
    )
    assert row is not None
    return ApplicationEvent(**dict(row))


async def list_events(conn: asyncpg.Connection, application_id: int) -> list[ApplicationEvent]:
    rows = await conn.fetch(
        "SELECT id, application_id, kind, status, occurred_at, actor, reason "
        "FROM application_events WHERE application_id = $1 ORDER BY id",
        application_id,
    )
    return [ApplicationEvent(**dict(row)) for row in rows]


async def get_appeal(conn: asyncpg.Connection, application_id: int) -> Appeal | None:
    row = await conn.fetchrow(
        "SELECT application_id, kind, statement, filed_at, actor FROM application_appeals "
        "WHERE application_id = $1",
        application_id,
    )
    return None if row is None else Appeal(**dict(row))


async def insert_appeal(
    conn: asyncpg.Connection,
    application_id: int,
    *,
    kind: str,
    statement: str | None,
    actor: str,
) -> Appeal:
    row = await conn.fetchrow(
        """
        INSERT INTO application_appeals (application_id, kind, statement, actor)
        VALUES ($1, $2, $3, $4)
        RETURNING application_id, kind, statement, filed_at, actor
        """,
        application_id,
        kind,
        statement,
        actor,
    )
    assert row is not None
    return Appeal(**dict(row))
