"""Answers explained in the person's language: each criterion, met or not or unknown,
with the figure it used and the law it comes from."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from foundation.korea import KOREA
from i18n import N_, translate, translate_plural
from i18n.formatting import format_number, format_won
from onestop.catalog import PROGRAMMES
from onestop.eligibility.answers import CriterionStatus, EligibilityAnswer, Status
from onestop.rules.model import Criterion
from onestop.rules.programmes import RULES

# 고용보험 상실사유 코드, in words.
SEPARATION_REASONS: dict[str, str] = {
    "11": N_("You left by your own choice, for personal reasons"),
    "12": N_("You left by your own choice, for a reason the law accepts"),
    "22": N_("The business closed or went bankrupt"),
    "23": N_("You were dismissed or asked to leave for business reasons"),
    "26": N_("You were dismissed for a serious fault"),
    "31": N_("You reached the retirement age"),
    "32": N_("Your contract or the project ended"),
}
STATUS_TEXT: dict[Status, str] = {
    "eligible": N_("You can get this."),
    "not_eligible": N_("You cannot get this now."),
    "unknown": N_("You may be able to get this. We need to check a few things."),
}
UNLINKED = N_("We cannot check this with the data we hold. We will ask you when you apply.")
MISSING = N_(
    "The data we hold for this is missing or out of date. We will check it when you apply."
)


def korean_today() -> date:
    return datetime.now(KOREA).date()


def format_figure(value: Any, kind: str, locale: str) -> str | None:
    if value is None:
        return None
    match kind:
        case "days":
            days = int(value)
            return translate_plural(
                locale, "{count} day", "{count} days", days, count=format_number(locale, days)
            )
        case "age":
            return translate(locale, "{years} years old", years=value)
        case "percent":
            shown = Decimal(value).normalize()
            return translate(locale, "{value} percent of the standard median income", value=shown)
        case "krw":
            return format_won(locale, int(value))
        case "separation_code":
            reason = SEPARATION_REASONS.get(str(value))
            return translate(locale, reason) if reason else str(value)
        case "count":
            return str(value)
    return value.isoformat() if isinstance(value, date) else str(value)


class CriterionExplained(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    status: CriterionStatus
    # What the criterion requires, in words.
    requirement: str
    # The figure we used, in words; None if we had none.
    figure: str | None
    # Why the answer is unknown; None otherwise.
    note: str | None
    legal_reference: str


class EligibilityExplained(msgspec.Struct, frozen=True, kw_only=True):
    programme_id: str
    name: str
    status: Status
    summary: str
    rule_version: str
    # What the eligibility period is, and its value (e.g. the day you left your job).
    period: str
    period_key: str | None
    criteria: list[CriterionExplained]


def _criteria_of(answer: EligibilityAnswer) -> tuple[Criterion, ...]:
    rule = RULES[answer.programme_id]
    for version in rule.versions:
        if rule.version_id(version) == answer.rule_version:
            return version.criteria
    raise LookupError(answer.rule_version)


def explain(answer: EligibilityAnswer, locale: str) -> EligibilityExplained:
    rule = RULES[answer.programme_id]
    version = next(v for v in rule.versions if rule.version_id(v) == answer.rule_version)
    explained = []
    for criterion, result in zip(_criteria_of(answer), answer.explained, strict=True):
        # A met "alive" criterion says nothing to the person reading it.
        if criterion.id == "alive" and result.status == "met":
            continue
        note = None
        if result.status == "unknown":
            note = translate(locale, UNLINKED if criterion.needs_unlinked_data() else MISSING)
        explained.append(
            CriterionExplained(
                id=criterion.id,
                status=result.status,
                requirement=translate(locale, criterion.text),
                figure=format_figure(result.figure, criterion.figure_format, locale),
                note=note,
                legal_reference=criterion.reference,
            )
        )
    return EligibilityExplained(
        programme_id=answer.programme_id,
        name=translate(locale, PROGRAMMES[answer.programme_id].name),
        status=answer.status,
        summary=translate(locale, STATUS_TEXT[answer.status]),
        rule_version=answer.rule_version,
        period=translate(locale, version.period_text),
        period_key=answer.period_key,
        criteria=explained,
    )


def without_history(explained: EligibilityExplained) -> EligibilityExplained:
    """Whether the person may get it, without what tells their history: the period's key
    (the day they left their job) and the criteria with their figures (reasons for
    leaving, insured days, amounts). For a session below aal 2 (auth/assurance.py)."""
    return msgspec.structs.replace(explained, period_key=None, criteria=[])
