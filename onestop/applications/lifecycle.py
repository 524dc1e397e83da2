"""An application's life: submitted → under_review → approved / rejected → paid; appeals.

Every change is one row in `application_events` (status, time, actor, reason),
which is also the outbox the notifications job reads, and one audit row. Every
channel (the caseworker CLI today, the staff console later) moves applications
through `move_application`, so the allowed transitions are checked in one place.
"""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg

from foundation.audit import record_audit
from foundation.korea import KOREA
from foundation.problems import NOT_FOUND, Problem
from onestop.applications.problems import (
    ALREADY_APPEALED,
    APPEAL_PERIOD_OVER,
    ILLEGAL_TRANSITION,
    NOT_REJECTED,
    REASON_REQUIRED,
)
from onestop.applications.records import (
    STATUSES,
    Appeal,
    Application,
    get_appeal,
    get_application,
    insert_appeal,
    insert_event,
    update_application_status,
)

# 고용보험법 제87조 제2항: 심사청구 within 90 days of learning of the decision.
APPEAL_DAYS = 90
MAX_REASON = 2000

TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"under_review"}),
    "under_review": frozenset({"approved", "rejected"}),
    "approved": frozenset({"paid"}),
    # Back to review only when the person asked for it (재검토 or 심사청구).
    "rejected": frozenset({"under_review"}),
    "paid": frozenset(),
}


def appeal_deadline(application: Application) -> date | None:
    """The last day (Korea time) a 심사청구 may be filed against a rejection."""
    if application.status != "rejected" or application.decided_at is None:
        return None
    return application.decided_at.astimezone(KOREA).date() + timedelta(days=APPEAL_DAYS)


def _clean_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    text = reason.strip()
    return text[:MAX_REASON] if text else None


async def move_application(
    conn: asyncpg.Connection,
    application_id: int,
    to_status: str,
    *,
    actor: str,
    channel: str,
    reason: str | None = None,
) -> Application:
    """Move an application one step, if the step is allowed; a rejection needs a reason."""
    application = await get_application(conn, application_id, lock=True)
    if application is None:
        raise Problem(NOT_FOUND)
    from_status = application.status
    allowed = TRANSITIONS.get(from_status, frozenset())
    if to_status not in STATUSES or to_status not in allowed:
        raise Problem(ILLEGAL_TRANSITION, extra={"from": from_status, "to": to_status})
    if from_status == "rejected" and await get_appeal(conn, application.id) is None:
        raise Problem(ILLEGAL_TRANSITION, extra={"from": from_status, "to": to_status})
    text = _clean_reason(reason)
    if to_status == "rejected" and text is None:
        raise Problem(REASON_REQUIRED)
    moved = await update_application_status(conn, application.id, to_status, text)
    await insert_event(
        conn, application.id, kind="status", status=to_status, actor=actor, reason=text
    )
    await record_audit(
        conn,
        actor=actor,
        action="application.status_changed",
        subject=f"person:{application.person_id}",
        channel=channel,
        reason=text,
        details={"application": application.id, "from": from_status, "to": to_status},
    )
    return moved


async def file_appeal(
    conn: asyncpg.Connection,
    *,
    person_id: int,
    application_id: int,
    kind: str,
    statement: str | None,
    actor: str,
    channel: str,
    today: date,
) -> Appeal:
    """Ask for 재검토 (a caseworker looks again) or file 심사청구, in one step, once."""
    application = await get_application(conn, application_id, person_id=person_id, lock=True)
    if application is None:
        raise Problem(NOT_FOUND)
    if application.status != "rejected":
        raise Problem(NOT_REJECTED)
    existing = await get_appeal(conn, application.id)
    if existing is not None:
        raise Problem(
            ALREADY_APPEALED, filed_on=existing.filed_at.astimezone(KOREA).date().isoformat()
        )
    deadline = appeal_deadline(application)
    if kind == "appeal" and deadline is not None and today > deadline:
        raise Problem(
            APPEAL_PERIOD_OVER,
            deadline=deadline.isoformat(),
            extra={"deadline": deadline.isoformat()},
        )
    text = _clean_reason(statement)
    appeal = await insert_appeal(conn, application.id, kind=kind, statement=text, actor=actor)
    await insert_event(conn, application.id, kind=kind, status="rejected", actor=actor, reason=text)
    await record_audit(
        conn,
        actor=actor,
        action=f"application.{kind}_filed",
        subject=f"person:{person_id}",
        channel=channel,
        details={"application": application.id},
    )
    return appeal
