"""Rules of the family and wage-arrears programmes: leave benefits, 대지급금, the living-cost loan."""

from __future__ import annotations

from datetime import date

from i18n import N_
from onestop import programme_ids as ids
from onestop.rules.common_criteria import (
    CHILD_TEXT,
    INSURED_NOW,
    child_up_to,
    paid_days,
    version,
)
from onestop.rules.expr import (
    AddDays,
    AddMonths,
    AsOf,
    Feat,
    NotLinked,
    all_of,
)
from onestop.rules.model import Criterion, Rule, RuleVersion
from onestop.rules.thresholds import negative, threshold

PARENTAL_LEAVE_BENEFIT = Rule(
    ids.PARENTAL_LEAVE_BENEFIT,
    (
        version(
            date(2024, 1, 1),
            (
                INSURED_NOW,
                paid_days(ids.PARENTAL_LEAVE_BENEFIT, "고용보험법 제70조 제1항 제1호"),
                Criterion(
                    "child-8",
                    N_(
                        "You have a child aged 8 or under, or in the 2nd grade of primary school or below."
                    ),
                    "남녀고용평등과 일·가정 양립 지원에 관한 법률 제19조 제1항",
                    child_up_to(ids.PARENTAL_LEAVE_BENEFIT),
                    Feat("youngest_child_born"),
                ),
            ),
            Feat("youngest_child_born"),
            CHILD_TEXT,
        ),
    ),
)


def _reduced_hours(start: date, until: date | None, age: int, text: str) -> RuleVersion:
    # The child's age and school year are the catalog's dated figures; a version per
    # change of law only for the text that states them.
    return version(
        start,
        (
            INSURED_NOW,
            paid_days(ids.REDUCED_HOURS_CHILDCARE_BENEFIT, "고용보험법 제73조의2 제1항"),
            Criterion(
                f"child-{age}",
                text,
                "남녀고용평등과 일·가정 양립 지원에 관한 법률 제19조의2 제1항",
                child_up_to(ids.REDUCED_HOURS_CHILDCARE_BENEFIT),
                Feat("youngest_child_born"),
            ),
        ),
        Feat("youngest_child_born"),
        CHILD_TEXT,
        until=until,
        change=""
        if until
        else "남녀고용평등법 개정 (2024-10-22 공포, 2025-02-23 시행): 만 12세·초6",
    )


_REDUCED_HOURS_FROM = date(2025, 2, 23)
REDUCED_HOURS_CHILDCARE_BENEFIT = Rule(
    ids.REDUCED_HOURS_CHILDCARE_BENEFIT,
    (
        _reduced_hours(
            date(2024, 1, 1),
            _REDUCED_HOURS_FROM,
            8,
            N_("You have a child aged 8 or under, or in the 2nd grade of primary school or below."),
        ),
        _reduced_hours(
            _REDUCED_HOURS_FROM,
            None,
            12,
            N_(
                "You have a child aged 12 or under, or in the 6th grade of primary school or below."
            ),
        ),
    ),
)

MATERNITY_LEAVE_BENEFIT = Rule(
    ids.MATERNITY_LEAVE_BENEFIT,
    (
        version(
            date(2024, 1, 1),
            (
                INSURED_NOW,
                paid_days(ids.MATERNITY_LEAVE_BENEFIT, "고용보험법 제75조 제1호"),
                Criterion(
                    "birth-12-months",
                    N_("A child was born to you in the last 12 months."),
                    "고용보험법 제75조 제2호",
                    all_of(
                        Feat("children") > 0,
                        Feat("youngest_child_born")
                        >= AddMonths(
                            AsOf(), negative(threshold(ids.MATERNITY_LEAVE_BENEFIT, "birth-within"))
                        ),
                    ),
                    Feat("youngest_child_born"),
                ),
                Criterion(
                    "gave-birth",
                    N_("You are the child's mother."),
                    "근로기준법 제74조 제1항",
                    NotLinked("birth_parent"),
                ),
            ),
            Feat("youngest_child_born"),
            CHILD_TEXT,
        ),
    ),
)


def _spouse_leave(start: date, until: date | None, days: int, text: str) -> RuleVersion:
    return version(
        start,
        (
            INSURED_NOW,
            Criterion(
                f"birth-{days}-days",
                text,
                "남녀고용평등과 일·가정 양립 지원에 관한 법률 제18조의2 제3항",
                all_of(
                    Feat("children") > 0,
                    Feat("youngest_child_born")
                    >= AddDays(
                        AsOf(),
                        negative(threshold(ids.SPOUSE_MATERNITY_LEAVE_BENEFIT, "use-within")),
                    ),
                ),
                Feat("youngest_child_born"),
            ),
            Criterion(
                "spouse-gave-birth",
                N_("Your spouse gave birth to the child."),
                "남녀고용평등과 일·가정 양립 지원에 관한 법률 제18조의2 제1항",
                NotLinked("birth_parent"),
            ),
        ),
        Feat("youngest_child_born"),
        CHILD_TEXT,
        until=until,
        change="" if until else "남녀고용평등법 개정 (2025-02-23 시행): 20일, 출산 후 120일 이내",
    )


_SPOUSE_LEAVE_FROM = date(2025, 2, 23)
SPOUSE_MATERNITY_LEAVE_BENEFIT = Rule(
    ids.SPOUSE_MATERNITY_LEAVE_BENEFIT,
    (
        _spouse_leave(
            date(2024, 1, 1),
            _SPOUSE_LEAVE_FROM,
            90,
            N_("A child was born to your family in the last 90 days."),
        ),
        _spouse_leave(
            _SPOUSE_LEAVE_FROM,
            None,
            120,
            N_("A child was born to your family in the last 120 days."),
        ),
    ),
)

_ARREARS_CONFIRMED = Criterion(
    "arrears-confirmed",
    N_("A labour inspector confirmed that wages are owed to you."),
    "임금채권보장법 제7조 제1항 제4호",
    Feat("arrears_krw") > 0,
    Feat("arrears_krw"),
    "krw",
)

WAGE_ARREARS_SUBSTITUTE = Rule(
    ids.WAGE_ARREARS_SUBSTITUTE,
    (
        version(
            date(2024, 1, 1),
            (
                _ARREARS_CONFIRMED,
                Criterion(
                    "confirmed-6-months",
                    N_("The unpaid wages were confirmed less than 6 months ago."),
                    "임금채권보장법 시행령 제9조 제2항",
                    Feat("arrears_confirmed_on")
                    >= AddMonths(
                        AsOf(), negative(threshold(ids.WAGE_ARREARS_SUBSTITUTE, "apply-within"))
                    ),
                    Feat("arrears_confirmed_on"),
                ),
            ),
            Feat("arrears_confirmed_on"),
            N_("The day the unpaid wages were confirmed"),
        ),
    ),
)

ARREARS_LIVING_COST_LOAN = Rule(
    ids.ARREARS_LIVING_COST_LOAN,
    (
        version(
            date(2024, 1, 1),
            (
                _ARREARS_CONFIRMED,
                Criterion(
                    "arrears-12-months",
                    N_("The unpaid wages were confirmed in the last 12 months."),
                    "근로복지기본법 제19조, 체불근로자 생계비 융자 사업 운영규정",
                    Feat("arrears_confirmed_on")
                    >= AddMonths(
                        AsOf(),
                        negative(threshold(ids.ARREARS_LIVING_COST_LOAN, "confirmed-within")),
                    ),
                    Feat("arrears_confirmed_on"),
                ),
                Criterion(
                    "earnings-limit",
                    N_("Your yearly earned income is within this year's limit for the loan."),
                    "근로복지기본법 제19조",
                    NotLinked("annual_earnings"),
                ),
            ),
            Feat("arrears_confirmed_on"),
            N_("The day the unpaid wages were confirmed"),
        ),
    ),
)
