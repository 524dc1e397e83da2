"""Rules of the employment programmes: unemployment benefit, early re-employment, 국민취업지원제도, 내일배움카드."""

from __future__ import annotations

from datetime import date

from i18n import N_
from onestop import programme_ids as ids
from onestop.rules.common_criteria import (
    AGE,
    NOT_EMPLOYED,
    QUALIFYING_SEPARATIONS,
    YEAR,
    YEAR_TEXT,
    version,
)
from onestop.rules.expr import (
    AddMonths,
    AsOf,
    Expr,
    Feat,
    In,
    Not,
    NotLinked,
    all_of,
    any_of,
)
from onestop.rules.model import Criterion, Rule
from onestop.rules.thresholds import negative, threshold

UNEMPLOYMENT_BENEFIT = Rule(
    ids.UNEMPLOYMENT_BENEFIT,
    (
        version(
            date(2024, 1, 1),
            (
                Criterion(
                    "left-insured-job",
                    N_("You left a job covered by employment insurance."),
                    "고용보험법 제40조 제1항",
                    all_of(
                        Not(Feat("employed_now")),
                        Feat("insured_records") > 0,
                        Feat("last_separation_date") <= AsOf(),
                    ),
                    Feat("last_separation_date"),
                ),
                Criterion(
                    "reason-for-leaving",
                    N_(
                        "You did not leave by your own choice, or you left for a reason "
                        "the law accepts (such as unpaid wages or a move of the workplace)."
                    ),
                    "고용보험법 제58조, 시행규칙 별표 2",
                    In(Feat("last_separation_code"), QUALIFYING_SEPARATIONS),
                    Feat("last_separation_code"),
                    "separation_code",
                ),
                Criterion(
                    "paid-days-18-months",
                    N_("At least 180 paid-base days in the 18 months before you left."),
                    "고용보험법 제40조 제1항 제1호",
                    Feat("paid_days_18_months_before_separation")
                    >= threshold(ids.UNEMPLOYMENT_BENEFIT, "insured-days-required"),
                    Feat("paid_days_18_months_before_separation"),
                    "days",
                ),
                Criterion(
                    "within-12-months",
                    N_("Less than 12 months have passed since you left."),
                    "고용보험법 제48조 제1항",
                    AsOf()
                    <= AddMonths(
                        Feat("last_separation_date"),
                        threshold(ids.UNEMPLOYMENT_BENEFIT, "claim-period"),
                    ),
                    Feat("last_separation_date"),
                ),
                Criterion(
                    "job-seeker",
                    N_("You registered as a job seeker after you left."),
                    "고용보험법 제40조 제1항 제2호, 제42조",
                    all_of(
                        Feat("job_seeker_registrations") > 0,
                        Feat("job_seeker_registered_on") >= Feat("last_separation_date"),
                    ),
                    Feat("job_seeker_registered_on"),
                ),
            ),
            Feat("last_separation_date"),
            N_("The day you left your job"),
        ),
    ),
)

EARLY_REEMPLOYMENT_ALLOWANCE = Rule(
    ids.EARLY_REEMPLOYMENT_ALLOWANCE,
    (
        version(
            date(2024, 1, 1),
            (
                Criterion(
                    "benefit-days-left",
                    N_(
                        "You were paid unemployment benefit and had at least half of "
                        "your benefit days left when you started work."
                    ),
                    "고용보험법 제64조 제1항, 시행령 제84조",
                    NotLinked("unemployment_benefit_paid"),
                ),
                Criterion(
                    "reemployed",
                    N_("You started a new job covered by employment insurance."),
                    "고용보험법 제64조 제1항",
                    all_of(
                        Feat("employed_now"),
                        Feat("current_employment_start") > Feat("last_separation_date"),
                    ),
                    Feat("current_employment_start"),
                ),
                Criterion(
                    "reemployed-recently",
                    N_("You started the new job less than 2 years ago."),
                    "고용보험법 시행규칙 제113조",
                    Feat("current_employment_start")
                    >= AddMonths(
                        AsOf(),
                        negative(threshold(ids.EARLY_REEMPLOYMENT_ALLOWANCE, "apply-within")),
                    ),
                    Feat("current_employment_start"),
                ),
                Criterion(
                    "twelve-months-in-job",
                    N_("You have stayed in the new job for 12 months."),
                    "고용보험법 시행령 제84조 제1항",
                    AsOf()
                    >= AddMonths(
                        Feat("current_employment_start"),
                        threshold(ids.EARLY_REEMPLOYMENT_ALLOWANCE, "employment-required"),
                    ),
                    Feat("current_employment_start"),
                ),
            ),
            Feat("current_employment_start"),
            N_("The day you started the new job"),
        ),
    ),
)


def _ages(programme_id: str, low: str = "age-min", high: str = "age-max") -> Expr:
    age = Feat(AGE.name)
    return all_of(age >= threshold(programme_id, low), age <= threshold(programme_id, high))


_NES_1 = ids.NATIONAL_EMPLOYMENT_SUPPORT_1
_NES_2 = ids.NATIONAL_EMPLOYMENT_SUPPORT_2

NATIONAL_EMPLOYMENT_SUPPORT_1 = Rule(
    ids.NATIONAL_EMPLOYMENT_SUPPORT_1,
    (
        version(
            date(2024, 1, 1),
            (
                Criterion(
                    "age-15-69",
                    N_("You are aged 15 to 69."),
                    "구직자 취업촉진 및 생활안정지원에 관한 법률 제6조 제1항",
                    _ages(_NES_1),
                    AGE,
                    "age",
                ),
                NOT_EMPLOYED,
                Criterion(
                    "income-60",
                    N_(
                        "Your household income is at most 60 percent of the standard median income."
                    ),
                    "구직자 취업촉진 및 생활안정지원에 관한 법률 제6조 제1항 제2호, 시행령 제3조",
                    Feat("income_percentile") <= threshold(_NES_1, "income-limit"),
                    Feat("income_percentile"),
                    "percent",
                ),
                Criterion(
                    "assets",
                    N_(
                        "Your household assets are 400 million won or less "
                        "(500 million won if you are aged 18 to 34)."
                    ),
                    "구직자 취업촉진 및 생활안정지원에 관한 법률 시행령 제3조 제1항",
                    NotLinked("household_assets"),
                ),
                Criterion(
                    "work-experience",
                    N_(
                        "At least 100 days of work in the last 2 years "
                        "(not needed if you are aged 18 to 34)."
                    ),
                    "구직자 취업촉진 및 생활안정지원에 관한 법률 시행령 제3조 제1항",
                    any_of(
                        _ages(_NES_1, "youth-age-min", "youth-age-max"),
                        Feat("paid_days_last_2_years") >= threshold(_NES_1, "work-days-required"),
                    ),
                    Feat("paid_days_last_2_years"),
                    "days",
                ),
            ),
            YEAR,
            YEAR_TEXT,
        ),
    ),
)

NATIONAL_EMPLOYMENT_SUPPORT_2 = Rule(
    ids.NATIONAL_EMPLOYMENT_SUPPORT_2,
    (
        version(
            date(2024, 1, 1),
            (
                Criterion(
                    "age-18-69",
                    N_("You are aged 18 to 69."),
                    "구직자 취업촉진 및 생활안정지원에 관한 법률 제6조, 시행령 제4조",
                    _ages(_NES_2),
                    AGE,
                    "age",
                ),
                NOT_EMPLOYED,
                Criterion(
                    "income-100",
                    N_(
                        "You are aged 18 to 34, or your household income is at most "
                        "100 percent of the standard median income."
                    ),
                    "구직자 취업촉진 및 생활안정지원에 관한 법률 시행령 제4조",
                    any_of(
                        Feat(AGE.name) <= threshold(_NES_2, "youth-age-max"),
                        Feat("income_percentile") <= threshold(_NES_2, "income-limit"),
                    ),
                    Feat("income_percentile"),
                    "percent",
                ),
            ),
            YEAR,
            YEAR_TEXT,
        ),
    ),
)

TOMORROW_LEARNING_CARD = Rule(
    ids.TOMORROW_LEARNING_CARD,
    (
        version(
            date(2024, 1, 1),
            (
                Criterion(
                    "age-15-74",
                    N_("You are aged 15 to 74."),
                    "국민 평생 직업능력 개발법 제17조, 국민내일배움카드 운영규정 제4조",
                    _ages(ids.TOMORROW_LEARNING_CARD),
                    AGE,
                    "age",
                ),
            ),
            YEAR,
            YEAR_TEXT,
        ),
    ),
)
