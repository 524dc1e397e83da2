"""Criteria and helpers that several programmes' rules share."""

from __future__ import annotations

from datetime import date

from i18n import N_
from onestop.rules.expr import (
    AddMonths,
    Arith,
    AsOf,
    Expr,
    Feat,
    IsNull,
    Lit,
    Not,
    Person,
    StartOfYear,
    YearOf,
    all_of,
    any_of,
)
from onestop.rules.model import Criterion, RuleVersion
from onestop.rules.thresholds import threshold

AGE = Feat("age")

# 고용보험법 제58조: leaving by one's own choice or for serious fault bars the benefit,
# except for the lawful reasons of 시행규칙 별표 2 (code 12). Codes of 상실사유:
# 12 정당한 사유의 자진퇴사, 22 폐업·도산, 23 경영상 필요·권고사직, 31 정년, 32 계약만료.
QUALIFYING_SEPARATIONS = ("12", "22", "23", "31", "32")

INSURED_NOW = Criterion(
    "insured-now",
    N_("You work in a job covered by employment insurance now."),
    "고용보험법 제70조 제1항",
    Feat("employed_now"),
    Feat("current_employment_start"),
)


def paid_days(programme_id: str, reference: str) -> Criterion:
    return Criterion(
        "paid-days",
        N_("At least 180 paid-base days of employment insurance in total."),
        reference,
        Feat("total_paid_days") >= threshold(programme_id, "insured-days-required"),
        Feat("total_paid_days"),
        "days",
    )


NOT_EMPLOYED = Criterion(
    "not-employed",
    N_("You have no job covered by employment insurance now."),
    "구직자 취업촉진 및 생활안정지원에 관한 법률 제6조",
    Not(Feat("employed_now")),
    Feat("last_separation_date"),
)
YEAR: Expr = YearOf(AsOf())
YEAR_TEXT = N_("The calendar year")
CHILD_TEXT = N_("The youngest child (by birth date)")


def child_up_to(programme_id: str) -> Expr:
    """A child aged up to the programme's `child-age-max` (만 나이), or in its
    `child-grade-max` of primary school or below.

    Children born in year Y start primary school in March of Y + 7; the school
    year runs from March, so on 1 February the school year is the previous one.
    """
    age = threshold(programme_id, "child-age-max")
    grade = threshold(programme_id, "child-grade-max")
    school_year = YearOf(AddMonths(AsOf(), -2))
    oldest_birth_year = Arith("-", school_year, Arith("+", Lit(6), grade))
    months_since_too_old = Arith("*", Lit(-12), Arith("+", age, Lit(1)))
    return all_of(
        Feat("children") > 0,
        any_of(
            Feat("youngest_child_born") > AddMonths(AsOf(), months_since_too_old),
            Feat("youngest_child_born") >= StartOfYear(oldest_birth_year),
        ),
    )


def alive() -> Criterion:
    return Criterion(
        "alive",
        N_("The person is alive on the day we checked."),
        "주민등록법 제16조",
        IsNull(Person("deceased_on")),
        Person("deceased_on"),
    )


def version(
    start: date,
    criteria: tuple[Criterion, ...],
    period: Expr,
    period_text: str,
    *,
    until: date | None = None,
    change: str = "",
) -> RuleVersion:
    return RuleVersion(start, (alive(), *criteria), period, period_text, until, change)
