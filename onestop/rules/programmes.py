"""The eligibility rule of every programme, written once.

Each criterion carries the article it comes from. A change of law adds a
`RuleVersion` with its effective date; past versions stay as they were, so a
decision can always be explained by the rule that made it. Figures that the
law sets (days, ages, shares of the median income) are written where the
criterion uses them, with their source in the comment or the reference.
"""

from __future__ import annotations

from datetime import date

from i18n import N_
from onestop import programme_ids as ids
from onestop.rules.expr import (
    AddDays,
    AddMonths,
    Arith,
    AsOf,
    Expr,
    Feat,
    In,
    IsNull,
    Lit,
    Not,
    NotLinked,
    Person,
    StartOfYear,
    YearOf,
    all_of,
    any_of,
)
from onestop.rules.model import Criterion, Rule, RuleVersion

_AGE = Feat("age")

# 고용보험법 제58조: leaving by one's own choice or for serious fault bars the benefit,
# except for the lawful reasons of 시행규칙 별표 2 (code 12). Codes of 상실사유:
# 12 정당한 사유의 자진퇴사, 22 폐업·도산, 23 경영상 필요·권고사직, 31 정년, 32 계약만료.
_QUALIFYING_SEPARATIONS = ("12", "22", "23", "31", "32")

_INSURED_NOW = Criterion(
    "insured-now",
    N_("You work in a job covered by employment insurance now."),
    "고용보험법 제70조 제1항",
    Feat("employed_now"),
    Feat("current_employment_start"),
)
_PAID_DAYS_180 = Criterion(
    "paid-days",
    N_("At least 180 paid-base days of employment insurance in total."),
    "고용보험법 제70조 제1항 제1호",
    Feat("total_paid_days") >= 180,
    Feat("total_paid_days"),
    "days",
)
_NOT_EMPLOYED = Criterion(
    "not-employed",
    N_("You have no job covered by employment insurance now."),
    "구직자 취업촉진 및 생활안정지원에 관한 법률 제6조",
    Not(Feat("employed_now")),
    Feat("last_separation_date"),
)
_YEAR: Expr = YearOf(AsOf())
_YEAR_TEXT = N_("The calendar year")
_CHILD_TEXT = N_("The youngest child (by birth date)")


def _child_up_to(age: int, grade: int) -> Expr:
    """A child aged `age` or under, or in `grade` of primary school or below.

    Children born in year Y start primary school in March of Y + 7; the school
    year runs from March, so on 1 February the school year is the previous one.
    """
    school_year = YearOf(AddMonths(AsOf(), -2))
    oldest_birth_year = Arith("-", school_year, Lit(6 + grade))
    return all_of(
        Feat("children") > 0,
        any_of(
            Feat("youngest_child_born") > AddMonths(AsOf(), -12 * (age + 1)),
            Feat("youngest_child_born") >= StartOfYear(oldest_birth_year),
        ),
    )


def _alive() -> Criterion:
    return Criterion(
        "alive",
        N_("The person is alive on the day we checked."),
        "주민등록법 제16조",
        IsNull(Person("deceased_on")),
        Person("deceased_on"),
    )


def _version(
    start: date,
    criteria: tuple[Criterion, ...],
    period: Expr,
    period_text: str,
    *,
    until: date | None = None,
    change: str = "",
) -> RuleVersion:
    return RuleVersion(start, (_alive(), *criteria), period, period_text, until, change)


UNEMPLOYMENT_BENEFIT = Rule(
    ids.UNEMPLOYMENT_BENEFIT,
    (
        _version(
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
                    In(Feat("last_separation_code"), _QUALIFYING_SEPARATIONS),
                    Feat("last_separation_code"),
                    "separation_code",
                ),
                Criterion(
                    "paid-days-18-months",
                    N_("At least 180 paid-base days in the 18 months before you left."),
                    "고용보험법 제40조 제1항 제1호",
                    Feat("paid_days_18_months_before_separation") >= 180,
                    Feat("paid_days_18_months_before_separation"),
                    "days",
                ),
                Criterion(
                    "within-12-months",
                    N_("Less than 12 months have passed since you left."),
                    "고용보험법 제48조 제1항",
                    AsOf() <= AddMonths(Feat("last_separation_date"), 12),
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
        _version(
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
                    Feat("current_employment_start") >= AddMonths(AsOf(), -24),
                    Feat("current_employment_start"),
                ),
                Criterion(
                    "twelve-months-in-job",
                    N_("You have stayed in the new job for 12 months."),
                    "고용보험법 시행령 제84조 제1항",
                    AsOf() >= AddMonths(Feat("current_employment_start"), 12),
                    Feat("current_employment_start"),
                ),
            ),
            Feat("current_employment_start"),
            N_("The day you started the new job"),
        ),
    ),
)

_AGE_15_TO_69 = Criterion(
    "age-15-69",
    N_("You are aged 15 to 69."),
    "구직자 취업촉진 및 생활안정지원에 관한 법률 제6조 제1항",
    all_of(_AGE >= 15, _AGE <= 69),
    _AGE,
    "age",
)

NATIONAL_EMPLOYMENT_SUPPORT_1 = Rule(
    ids.NATIONAL_EMPLOYMENT_SUPPORT_1,
    (
        _version(
            date(2024, 1, 1),
            (
                _AGE_15_TO_69,
                _NOT_EMPLOYED,
                Criterion(
                    "income-60",
                    N_(
                        "Your household income is at most 60 percent of the standard median income."
                    ),
                    "구직자 취업촉진 및 생활안정지원에 관한 법률 제6조 제1항 제2호, 시행령 제3조",
                    Feat("income_percentile") <= 60,
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
                    any_of(all_of(_AGE >= 18, _AGE <= 34), Feat("paid_days_last_2_years") >= 100),
                    Feat("paid_days_last_2_years"),
                    "days",
                ),
            ),
            _YEAR,
            _YEAR_TEXT,
        ),
    ),
)

NATIONAL_EMPLOYMENT_SUPPORT_2 = Rule(
    ids.NATIONAL_EMPLOYMENT_SUPPORT_2,
    (
        _version(
            date(2024, 1, 1),
            (
                Criterion(
                    "age-18-69",
                    N_("You are aged 18 to 69."),
                    "구직자 취업촉진 및 생활안정지원에 관한 법률 제6조, 시행령 제4조",
                    all_of(_AGE >= 18, _AGE <= 69),
                    _AGE,
                    "age",
                ),
                _NOT_EMPLOYED,
                Criterion(
                    "income-100",
                    N_(
                        "You are aged 18 to 34, or your household income is at most "
                        "100 percent of the standard median income."
                    ),
                    "구직자 취업촉진 및 생활안정지원에 관한 법률 시행령 제4조",
                    any_of(_AGE <= 34, Feat("income_percentile") <= 100),
                    Feat("income_percentile"),
                    "percent",
                ),
            ),
            _YEAR,
            _YEAR_TEXT,
        ),
    ),
)

TOMORROW_LEARNING_CARD = Rule(
    ids.TOMORROW_LEARNING_CARD,
    (
        _version(
            date(2024, 1, 1),
            (
                Criterion(
                    "age-15-74",
                    N_("You are aged 15 to 74."),
                    "국민 평생 직업능력 개발법 제17조, 국민내일배움카드 운영규정 제4조",
                    all_of(_AGE >= 15, _AGE <= 74),
                    _AGE,
                    "age",
                ),
            ),
            _YEAR,
            _YEAR_TEXT,
        ),
    ),
)

PARENTAL_LEAVE_BENEFIT = Rule(
    ids.PARENTAL_LEAVE_BENEFIT,
    (
        _version(
            date(2024, 1, 1),
            (
                _INSURED_NOW,
                _PAID_DAYS_180,
                Criterion(
                    "child-8",
                    N_(
                        "You have a child aged 8 or under, or in the 2nd grade of primary school or below."
                    ),
                    "남녀고용평등과 일·가정 양립 지원에 관한 법률 제19조 제1항",
                    _child_up_to(8, 2),
                    Feat("youngest_child_born"),
                ),
            ),
            Feat("youngest_child_born"),
            _CHILD_TEXT,
        ),
    ),
)


def _reduced_hours(start: date, until: date | None, age: int, grade: int, text: str) -> RuleVersion:
    return _version(
        start,
        (
            _INSURED_NOW,
            Criterion(
                "paid-days",
                N_("At least 180 paid-base days of employment insurance in total."),
                "고용보험법 제73조의2 제1항",
                Feat("total_paid_days") >= 180,
                Feat("total_paid_days"),
                "days",
            ),
            Criterion(
                f"child-{age}",
                text,
                "남녀고용평등과 일·가정 양립 지원에 관한 법률 제19조의2 제1항",
                _child_up_to(age, grade),
                Feat("youngest_child_born"),
            ),
        ),
        Feat("youngest_child_born"),
        _CHILD_TEXT,
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
            2,
            N_("You have a child aged 8 or under, or in the 2nd grade of primary school or below."),
        ),
        _reduced_hours(
            _REDUCED_HOURS_FROM,
            None,
            12,
            6,
            N_(
                "You have a child aged 12 or under, or in the 6th grade of primary school or below."
            ),
        ),
    ),
)

MATERNITY_LEAVE_BENEFIT = Rule(
    ids.MATERNITY_LEAVE_BENEFIT,
    (
        _version(
            date(2024, 1, 1),
            (
                _INSURED_NOW,
                Criterion(
                    "paid-days",
                    N_("At least 180 paid-base days of employment insurance in total."),
                    "고용보험법 제75조 제1호",
                    Feat("total_paid_days") >= 180,
                    Feat("total_paid_days"),
                    "days",
                ),
                Criterion(
                    "birth-12-months",
                    N_("A child was born to you in the last 12 months."),
                    "고용보험법 제75조 제2호",
                    all_of(
                        Feat("children") > 0,
                        Feat("youngest_child_born") >= AddMonths(AsOf(), -12),
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
            _CHILD_TEXT,
        ),
    ),
)


def _spouse_leave(start: date, until: date | None, days: int, text: str) -> RuleVersion:
    return _version(
        start,
        (
            _INSURED_NOW,
            Criterion(
                f"birth-{days}-days",
                text,
                "남녀고용평등과 일·가정 양립 지원에 관한 법률 제18조의2 제3항",
                all_of(Feat("children") > 0, Feat("youngest_child_born") >= AddDays(AsOf(), -days)),
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
        _CHILD_TEXT,
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
        _version(
            date(2024, 1, 1),
            (
                _ARREARS_CONFIRMED,
                Criterion(
                    "confirmed-6-months",
                    N_("The unpaid wages were confirmed less than 6 months ago."),
                    "임금채권보장법 시행령 제9조 제2항",
                    Feat("arrears_confirmed_on") >= AddMonths(AsOf(), -6),
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
        _version(
            date(2024, 1, 1),
            (
                _ARREARS_CONFIRMED,
                Criterion(
                    "arrears-12-months",
                    N_("The unpaid wages were confirmed in the last 12 months."),
                    "근로복지기본법 제19조, 체불근로자 생계비 융자 사업 운영규정",
                    Feat("arrears_confirmed_on") >= AddMonths(AsOf(), -12),
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

RULES: dict[str, Rule] = {
    rule.programme_id: rule
    for rule in (
        UNEMPLOYMENT_BENEFIT,
        EARLY_REEMPLOYMENT_ALLOWANCE,
        NATIONAL_EMPLOYMENT_SUPPORT_1,
        NATIONAL_EMPLOYMENT_SUPPORT_2,
        TOMORROW_LEARNING_CARD,
        PARENTAL_LEAVE_BENEFIT,
        REDUCED_HOURS_CHILDCARE_BENEFIT,
        MATERNITY_LEAVE_BENEFIT,
        SPOUSE_MATERNITY_LEAVE_BENEFIT,
        WAGE_ARREARS_SUBSTITUTE,
        ARREARS_LIVING_COST_LOAN,
    )
}
assert tuple(RULES) == ids.PROGRAMME_IDS
