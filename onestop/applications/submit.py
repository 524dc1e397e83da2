"""Applying in one step: the eligibility answer of today, a prefilled form, the citizen's additions.

The rules do not decide (개인정보 보호법 제37조의2: no decision by automated
means alone without a person to turn to). Applying is allowed whatever the
answer; the answer is kept with the application, shown to the citizen and the
caseworker, and a caseworker decides.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import msgspec

from foundation.audit import record_audit
from foundation.korea import KOREA
from foundation.problems import BadInput, InvalidInput, Problem
from i18n import N_
from onestop.applications.banks import BankAccount, get_bank_account, korea_time
from onestop.applications.prefill import build_prefilled_form
from onestop.applications.problems import (
    APPLICATION_ALREADY_OPEN,
    BANK_ACCOUNT_COOLING_OFF,
    BANK_ACCOUNT_NOT_VERIFIED,
    PROGRAMME_NOT_OPEN,
)
from onestop.applications.records import (
    Application,
    NewApplication,
    find_blocking_application,
    insert_application,
    insert_event,
)
from onestop.eligibility import EligibilityAnswer, evaluate_inputs, load_person_inputs
from onestop.programme_ids import PROGRAMME_IDS
from onestop.rules import RULES, RuleVersion

UNKNOWN_PROGRAMME = N_("There is no benefit with this id. Choose one from the list of services.")
NOT_CONFIRMED = N_("Check the prefilled form and confirm that it is right.")
NOT_YOUR_BANK_ACCOUNT = N_("We could not find this bank account among yours.")


class Applicant(msgspec.Struct, frozen=True, kw_only=True):
    """Who applies, through which session (for the history and the audit log)."""

    person_id: int
    account_id: int
    channel: str
    # Who acted, when not the account's owner: a clerk applying at the counter
    # (`staff:<id>`) under a visit delegation, with their office.
    actor: str | None = None
    office: str | None = None


def korea_today() -> date:
    return datetime.now(KOREA).date()


def rule_version_today(programme_id: str, today: date) -> RuleVersion:
    if programme_id not in PROGRAMME_IDS:
        raise InvalidInput(BadInput("programme_id", UNKNOWN_PROGRAMME))
    version = RULES[programme_id].version_on(today)
    if version is None:
        raise Problem(PROGRAMME_NOT_OPEN)
    return version


async def usable_bank_account(
    conn: asyncpg.Connection, person_id: int, bank_account_id: int
) -> BankAccount:
    account = await get_bank_account(conn, bank_account_id, person_id=person_id)
    if account is None:
        raise InvalidInput(BadInput("bank_account_id", NOT_YOUR_BANK_ACCOUNT))
    if account.status != "verified" or account.effective_from is None:
        raise Problem(BANK_ACCOUNT_NOT_VERIFIED)
    if not account.usable(datetime.now(UTC)):
        raise Problem(
            BANK_ACCOUNT_COOLING_OFF,
            effective_from=korea_time(account.effective_from),
            extra={"effective_from": account.effective_from.isoformat()},
        )
    return account


async def evaluate_programme(
    conn: asyncpg.Connection, person_id: int, programme_id: str, today: date
) -> EligibilityAnswer:
    inputs = await load_person_inputs(conn, person_id)
    assert inputs is not None
    answers = evaluate_inputs(person_id, inputs, today, [RULES[programme_id]])
    assert len(answers) == 1
    return answers[0]


def explained_snapshot(version: RuleVersion, answer: EligibilityAnswer) -> list[dict[str, Any]]:
    """Each criterion with the words and the article behind it, as they stood today."""
    criteria = {criterion.id: criterion for criterion in version.criteria}
    return [
        {
            "id": item.id,
            "status": item.status,
            "figure": msgspec.to_builtins(item.figure),
            "text": criteria[item.id].text,
            "reference": criteria[item.id].reference,
            "figure_format": criteria[item.id].figure_format,
        }
        for item in answer.explained
    ]


async def submit_application(
    conn: asyncpg.Connection,
    applicant: Applicant,
    *,
    programme_id: str,
    confirmed: bool,
    bank_account_id: int,
    contact_preference: str,
) -> Application:
    """Record an application with today's eligibility answer and the prefilled form."""
    today = korea_today()
    version = rule_version_today(programme_id, today)
    if not confirmed:
        raise InvalidInput(BadInput("confirmed", NOT_CONFIRMED))
    await usable_bank_account(conn, applicant.person_id, bank_account_id)
    answer = await evaluate_programme(conn, applicant.person_id, programme_id, today)
    blocking = await find_blocking_application(
        conn, applicant.person_id, programme_id, answer.period_key
    )
    if blocking is not None:
        raise Problem(APPLICATION_ALREADY_OPEN, application_id=blocking)
    new = NewApplication(
        person_id=applicant.person_id,
        account_id=applicant.account_id,
        programme_id=programme_id,
        eligibility_status=answer.status,
        rule_version=answer.rule_version,
        criteria=answer.criteria,
        period_key=answer.period_key,
        evaluated_on=today,
        explained=explained_snapshot(version, answer),
        prefilled=await build_prefilled_form(conn, applicant.person_id, version),
        bank_account_id=bank_account_id,
        contact_preference=contact_preference,
    )
    try:
        application = await insert_application(conn, new)
    except asyncpg.UniqueViolationError:
        # Another submit for the same period committed between the check and the insert.
        raise Problem(APPLICATION_ALREADY_OPEN, application_id="-") from None
    actor = applicant.actor or f"account:{applicant.account_id}"
    await insert_event(conn, application.id, kind="status", status="submitted", actor=actor)
    await record_audit(
        conn,
        actor=actor,
        action="application.submitted",
        subject=f"person:{applicant.person_id}",
        office=applicant.office,
        channel=applicant.channel,
        details={
            "application": application.id,
            "programme": programme_id,
            "eligibility": answer.status,
            "rule_version": answer.rule_version,
            "bank_account": bank_account_id,
        },
    )
    return application
