"""One person's eligibility for every programme today, explained: what the app shows the
person, a proxy acting for them, and a clerk acting for them at the counter."""

from __future__ import annotations

import asyncpg
import msgspec

from auth import ActingSession, record_delegated_action, require_scope
from onestop.eligibility.explain import (
    EligibilityExplained,
    explain,
    korean_today,
    without_history,
)
from onestop.eligibility.person import evaluate_person


class EligibilityList(msgspec.Struct, frozen=True, kw_only=True):
    as_of: str
    # True below aal 2: each programme comes without `period_key` and `criteria` (the
    # dates, reasons, days and amounts behind it); step up to aal 2 to see them.
    details_need_step_up: bool
    programmes: list[EligibilityExplained]


async def eligibility_of(
    conn: asyncpg.Connection, person_id: int, locale: str, *, history: bool
) -> EligibilityList:
    """Every programme for this person today, explained; with `history` false, without
    the details that tell the person's history."""
    as_of = korean_today()
    answers = await evaluate_person(conn, person_id, as_of)
    explained = [explain(answer, locale) for answer in answers]
    return EligibilityList(
        as_of=as_of.isoformat(),
        details_need_step_up=not history,
        programmes=explained if history else [without_history(e) for e in explained],
    )


async def eligibility_on_behalf(
    conn: asyncpg.Connection,
    acting: ActingSession,
    person_id: int,
    locale: str,
    *,
    history: bool,
) -> EligibilityList:
    """The person's eligibility for someone acting for them (a proxy, or a clerk at the
    counter): under a delegation in force with `view_benefits` (403 otherwise), and
    recorded in the person's activity and the audit log."""
    delegation = await require_scope(conn, acting, person_id, "view_benefits")
    await record_delegated_action(conn, delegation, acting, action="delegation.eligibility_viewed")
    return await eligibility_of(conn, person_id, locale, history=history)
