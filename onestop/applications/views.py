"""What a citizen reads about their applications, in their language; the same for every channel."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import asyncpg
import msgspec

from foundation.problems import NOT_FOUND, Problem
from i18n import N_, translate
from onestop.applications.banks import BankAccount, bank_name, get_bank_account
from onestop.applications.lifecycle import appeal_deadline
from onestop.applications.records import (
    Application,
    ApplicationEvent,
    get_appeal,
    get_application,
    list_events,
    list_person_applications,
)

NOTICES = {
    "eligible": N_(
        "Our check found that you meet every condition. A caseworker reviews your "
        "application and decides."
    ),
    "not_eligible": N_(
        "Our check found a condition you may not meet. You can still apply: a caseworker "
        "reviews your application and decides."
    ),
    "unknown": N_(
        "Some data we need is missing, so our check could not decide. A caseworker reviews "
        "your application and decides."
    ),
}


class BankAccountItem(msgspec.Struct, frozen=True, kw_only=True):
    """A payment account as the app and the counter show it."""

    id: int
    bank_code: Annotated[str, msgspec.Meta(examples=["088"])]
    bank_name: Annotated[str, msgspec.Meta(examples=["신한은행"])]
    # Only the last 4 digits are ever shown.
    last4: Annotated[str, msgspec.Meta(examples=["5678"])]
    status: Annotated[str, msgspec.Meta(examples=["pending", "verified", "void"])]
    verified_at: datetime | None
    # When payments may go here (a day after verification when it replaces another account).
    effective_from: datetime | None


def bank_account_item(account: BankAccount, locale: str) -> BankAccountItem:
    return BankAccountItem(
        id=account.id,
        bank_code=account.bank_code,
        bank_name=bank_name(locale, account.bank_code),
        last4=account.number_last4,
        status=account.status,
        verified_at=account.verified_at,
        effective_from=account.effective_from,
    )


class CriterionView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    status: Literal["met", "not_met", "unknown"]
    # The figure the check used (a date, a number of days, a share of the median income ...).
    figure: Any
    figure_format: str
    text: str
    reference: str


class EligibilityView(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["eligible", "not_eligible", "unknown"]
    rule_version: str
    criteria: str
    period_key: str | None
    evaluated_on: date
    notice: str
    explained: list[CriterionView]


class BankAccountRef(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    bank_code: str
    bank_name: str
    last4: str


class EventView(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["status", "human_review", "appeal"]
    status: str
    occurred_at: datetime
    by: Literal["applicant", "caseworker", "system"]
    reason: str | None


class DecisionView(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["approved", "rejected"]
    decided_at: datetime
    # The caseworker's words.
    reason: str | None
    # For a rejection: the conditions not met (or not known) on the day of applying.
    unmet_criteria: list[CriterionView]
    # The last day to file 심사청구 (고용보험법 제87조), for a rejection.
    appeal_until: date | None
    # What the person can ask for now, in one step.
    can_ask: list[Literal["human_review", "appeal"]]


class AppealView(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["human_review", "appeal"]
    filed_at: datetime
    statement: str | None


class ApplicationView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    programme_id: str
    status: str
    submitted_at: datetime
    updated_at: datetime
    eligibility: EligibilityView
    prefilled: dict[str, Any]
    bank_account: BankAccountRef
    contact_preference: str
    decision: DecisionView | None
    appeal: AppealView | None
    events: list[EventView]


class ApplicationSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    programme_id: str
    status: str
    eligibility_status: str
    submitted_at: datetime
    updated_at: datetime


def criterion_views(application: Application, locale: str) -> list[CriterionView]:
    return [
        CriterionView(
            id=item["id"],
            status=item["status"],
            figure=item["figure"],
            figure_format=item["figure_format"],
            text=translate(locale, item["text"]),
            reference=item["reference"],
        )
        for item in application.explained
    ]


def eligibility_view(application: Application, locale: str) -> EligibilityView:
    return EligibilityView(
        status=application.eligibility_status,  # type: ignore[arg-type]
        rule_version=application.rule_version,
        criteria=application.criteria,
        period_key=application.period_key,
        evaluated_on=application.evaluated_on,
        notice=translate(locale, NOTICES[application.eligibility_status]),
        explained=criterion_views(application, locale),
    )


def bank_account_ref(account: BankAccount, locale: str) -> BankAccountRef:
    return BankAccountRef(
        id=account.id,
        bank_code=account.bank_code,
        bank_name=bank_name(locale, account.bank_code),
        last4=account.number_last4,
    )


def _by(actor: str) -> Literal["applicant", "caseworker", "system"]:
    if actor.startswith("account:"):
        return "applicant"
    if actor.startswith("staff:"):
        return "caseworker"
    return "system"


def event_view(event: ApplicationEvent) -> EventView:
    return EventView(
        kind=event.kind,  # type: ignore[arg-type]
        status=event.status,
        occurred_at=event.occurred_at,
        by=_by(event.actor),
        reason=event.reason,
    )


def decision_view(
    application: Application, locale: str, *, appealed: bool, today: date
) -> DecisionView | None:
    if application.decided_at is None or application.status not in ("approved", "rejected", "paid"):
        return None
    rejected = application.status == "rejected"
    deadline = appeal_deadline(application)
    can_ask: list[Literal["human_review", "appeal"]] = []
    if rejected and not appealed:
        can_ask.append("human_review")
        if deadline is not None and today <= deadline:
            can_ask.append("appeal")
    return DecisionView(
        status="rejected" if rejected else "approved",
        decided_at=application.decided_at,
        reason=application.decision_reason,
        unmet_criteria=[c for c in criterion_views(application, locale) if c.status != "met"]
        if rejected
        else [],
        appeal_until=deadline,
        can_ask=can_ask,
    )


async def application_view(
    conn: asyncpg.Connection, application: Application, locale: str, today: date
) -> ApplicationView:
    account = await get_bank_account(
        conn, application.bank_account_id, person_id=application.person_id
    )
    assert account is not None
    appeal = await get_appeal(conn, application.id)
    return ApplicationView(
        id=application.id,
        programme_id=application.programme_id,
        status=application.status,
        submitted_at=application.submitted_at,
        updated_at=application.updated_at,
        eligibility=eligibility_view(application, locale),
        prefilled=application.prefilled,
        bank_account=bank_account_ref(account, locale),
        contact_preference=application.contact_preference,
        decision=decision_view(application, locale, appealed=appeal is not None, today=today),
        appeal=None
        if appeal is None
        else AppealView(
            kind=appeal.kind,  # type: ignore[arg-type]
            filed_at=appeal.filed_at,
            statement=appeal.statement,
        ),
        events=[event_view(event) for event in await list_events(conn, application.id)],
    )


async def my_application(
    conn: asyncpg.Connection, person_id: int, application_id: int, locale: str, today: date
) -> ApplicationView:
    """One of the person's applications; someone else's is simply not found."""
    application = await get_application(conn, application_id, person_id=person_id)
    if application is None:
        raise Problem(NOT_FOUND)
    return await application_view(conn, application, locale, today)


async def my_applications(conn: asyncpg.Connection, person_id: int) -> list[ApplicationSummary]:
    return [
        ApplicationSummary(
            id=a.id,
            programme_id=a.programme_id,
            status=a.status,
            eligibility_status=a.eligibility_status,
            submitted_at=a.submitted_at,
            updated_at=a.updated_at,
        )
        for a in await list_person_applications(conn, person_id)
    ]
