"""Benefits for parents: 육아휴직급여, 육아기 근로시간 단축 급여, 출산전후휴가급여, 배우자 출산휴가급여."""

from __future__ import annotations

from datetime import date

from i18n import N_
from onestop.catalog.laws import (
    EMPLOYMENT_CENTER,
    EMPLOYMENT_INSURANCE_ACT,
    EMPLOYMENT_INSURANCE_DECREE,
    EQUAL_EMPLOYMENT_ACT,
    LABOR_STANDARDS_ACT,
    WORK24,
    article,
    cites,
)
from onestop.catalog.model import EarlierValue, Figure, Programme, Source
from onestop.programme_ids import (
    MATERNITY_LEAVE_BENEFIT,
    PARENTAL_LEAVE_BENEFIT,
    REDUCED_HOURS_CHILDCARE_BENEFIT,
    SPOUSE_MATERNITY_LEAVE_BENEFIT,
)

# 2025-01-01: the decree raised parental-leave and reduced-hours pay; 2025-02-23:
# the amended Equal Employment Act lengthened leave and widened the child's age.
_PAY_REFORM_2025 = date(2025, 1, 1)
_LEAVE_REFORM_2025 = date(2025, 2, 23)
# A date these long-standing conditions certainly hold from (the 2019 Act amendments).
_SINCE_2019 = date(2019, 10, 1)
_LEAVE_PAY_NOTICE = Source(
    title=N_("Upper limit of maternity leave pay (Ministry of Employment and Labor notice)"),
    url=WORK24,
)


_CHILD_AGE_MAX = N_("Oldest age of the child")
_CHILD_GRADE_MAX = N_("Highest school year of the child")


def _child_limit(
    figure_id: str, value: int, source: Source, holds_from: date, *earlier: EarlierValue
) -> Figure:
    """The child's age (만 나이) or primary-school year up to which a programme applies."""
    return Figure(
        id=figure_id,
        label=_CHILD_AGE_MAX if figure_id == "child-age-max" else _CHILD_GRADE_MAX,
        value=value,
        unit="years" if figure_id == "child-age-max" else "school_grade",
        source=source,
        holds_from=holds_from,
        earlier=earlier,
    )


def _insured_days(law_article: int, law_branch: int | None = None) -> Figure:
    return Figure(
        id="insured-days-required",
        label=N_("Paid days of insurance needed before the leave"),
        value=180,
        unit="days",
        source=cites(EMPLOYMENT_INSURANCE_ACT, law_article, law_branch),
        holds_from=_SINCE_2019,
    )


PARENTAL_LEAVE = Programme(
    id=PARENTAL_LEAVE_BENEFIT,
    name=N_("Parental leave benefit"),
    summary=N_("A monthly benefit while you are on parental leave to care for your child."),
    who=(
        N_(
            "You take parental leave of at least 30 days for a child aged 8 or under, or in the "
            "second grade of primary school or below."
        ),
        N_("You were insured for at least 180 paid days before the leave began."),
        N_("You do not work for another employer during the leave."),
    ),
    pays=(
        N_("Months 1 to 6: 100 percent of your ordinary monthly wage, within the caps below."),
        N_("From month 7: 80 percent of your ordinary monthly wage, within a lower cap."),
        N_("Never less than the monthly floor below."),
        N_("Up to 12 months a child, or 18 when both parents each take at least three months."),
    ),
    legal_basis=(
        article(EQUAL_EMPLOYMENT_ACT, 19),
        article(EMPLOYMENT_INSURANCE_ACT, 70),
        article(EMPLOYMENT_INSURANCE_DECREE, 95),
    ),
    documents=("employment-insurance-history", "wage-statement", "family-relation"),
    steps=(
        N_("Agree the dates of your leave with your employer."),
        N_("Your employer sends a confirmation of your leave to the job centre."),
        N_("Apply on Work24 from one month after your leave starts."),
        N_("Apply no later than 12 months after your leave ends."),
        N_("The benefit is paid into your bank account every month."),
    ),
    agency=EMPLOYMENT_CENTER,
    link=WORK24,
    figures=(
        Figure(
            id="rate-months-1-6",
            label=N_("Share of the ordinary wage paid, months 1 to 6"),
            value=100,
            unit="percent",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 95),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="cap-months-1-3",
            label=N_("Most paid a month, months 1 to 3"),
            value=2_500_000,
            unit="krw_per_month",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 95),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="cap-months-4-6",
            label=N_("Most paid a month, months 4 to 6"),
            value=2_000_000,
            unit="krw_per_month",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 95),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="rate-from-month-7",
            label=N_("Share of the ordinary wage paid, from month 7"),
            value=80,
            unit="percent",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 95),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="cap-from-month-7",
            label=N_("Most paid a month, from month 7"),
            value=1_600_000,
            unit="krw_per_month",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 95),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="monthly-floor",
            label=N_("Least paid a month"),
            value=700_000,
            unit="krw_per_month",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 95),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="leave-months",
            label=N_("Most months of leave for one child"),
            value=12,
            unit="months",
            source=cites(EQUAL_EMPLOYMENT_ACT, 19),
            holds_from=_LEAVE_REFORM_2025,
        ),
        Figure(
            id="leave-months-both-parents",
            label=N_("Most months of leave when both parents take three months or more"),
            value=18,
            unit="months",
            source=cites(EQUAL_EMPLOYMENT_ACT, 19),
            holds_from=_LEAVE_REFORM_2025,
        ),
        _insured_days(70),
        _child_limit("child-age-max", 8, cites(EQUAL_EMPLOYMENT_ACT, 19), _SINCE_2019),
        _child_limit("child-grade-max", 2, cites(EQUAL_EMPLOYMENT_ACT, 19), _SINCE_2019),
    ),
)

REDUCED_HOURS = Programme(
    id=REDUCED_HOURS_CHILDCARE_BENEFIT,
    name=N_("Benefit for reduced working hours during childcare"),
    summary=N_(
        "A monthly benefit for the wage you give up when you cut your working hours to care "
        "for your child."
    ),
    who=(
        N_(
            "You cut your working week to between 15 and 35 hours to care for a child aged 12 "
            "or under, or in the sixth grade of primary school or below."
        ),
        N_("You were insured for at least 180 paid days before the reduced hours began."),
        N_("The reduced hours last at least one month."),
    ),
    pays=(
        N_(
            "For the first 10 hours a week you cut: 100 percent of your ordinary wage for those "
            "hours, counted on a monthly wage within the cap below."
        ),
        N_("For the other hours you cut: 80 percent, counted on a lower cap."),
        N_("Your employer pays for the hours you still work."),
    ),
    legal_basis=(
        article(EQUAL_EMPLOYMENT_ACT, 19, 2),
        article(EMPLOYMENT_INSURANCE_ACT, 73, 2),
        article(EMPLOYMENT_INSURANCE_DECREE, 104, 2),
    ),
    documents=("employment-insurance-history", "wage-statement", "family-relation"),
    steps=(
        N_("Agree your reduced hours with your employer."),
        N_("Your employer sends a confirmation of your reduced hours to the job centre."),
        N_("Apply on Work24 from one month after your reduced hours start."),
        N_("Apply no later than 12 months after your reduced hours end."),
        N_("The benefit is paid into your bank account every month."),
    ),
    agency=EMPLOYMENT_CENTER,
    link=WORK24,
    figures=(
        Figure(
            id="rate-first-10-hours",
            label=N_("Share of the ordinary wage paid for the first 10 hours cut a week"),
            value=100,
            unit="percent",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 104, 2),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="wage-cap-first-10-hours",
            label=N_("Monthly wage cap for the first 10 hours cut a week"),
            value=2_200_000,
            unit="krw_per_month",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 104, 2),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="rate-other-hours",
            label=N_("Share of the ordinary wage paid for the other hours cut"),
            value=80,
            unit="percent",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 104, 2),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="wage-cap-other-hours",
            label=N_("Monthly wage cap for the other hours cut"),
            value=1_500_000,
            unit="krw_per_month",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 104, 2),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="wage-floor",
            label=N_("Least monthly wage the benefit is counted on"),
            value=500_000,
            unit="krw_per_month",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 104, 2),
            holds_from=_PAY_REFORM_2025,
        ),
        Figure(
            id="weekly-hours-min",
            label=N_("Fewest hours a week you may work"),
            value=15,
            unit="hours_per_week",
            source=cites(EQUAL_EMPLOYMENT_ACT, 19, 2),
            holds_from=_SINCE_2019,
        ),
        Figure(
            id="weekly-hours-max",
            label=N_("Most hours a week you may work"),
            value=35,
            unit="hours_per_week",
            source=cites(EQUAL_EMPLOYMENT_ACT, 19, 2),
            holds_from=_SINCE_2019,
        ),
        Figure(
            id="reduced-hours-months",
            label=N_("Most months of reduced hours for one child"),
            value=36,
            unit="months",
            source=cites(EQUAL_EMPLOYMENT_ACT, 19, 2),
            holds_from=_LEAVE_REFORM_2025,
        ),
        _insured_days(73, 2),
        # 남녀고용평등법 개정 (2025-02-23 시행): 만 8세·초2 → 만 12세·초6.
        _child_limit(
            "child-age-max",
            12,
            cites(EQUAL_EMPLOYMENT_ACT, 19, 2),
            _LEAVE_REFORM_2025,
            EarlierValue(value=8, holds_from=_SINCE_2019),
        ),
        _child_limit(
            "child-grade-max",
            6,
            cites(EQUAL_EMPLOYMENT_ACT, 19, 2),
            _LEAVE_REFORM_2025,
            EarlierValue(value=2, holds_from=_SINCE_2019),
        ),
    ),
)

MATERNITY_LEAVE = Programme(
    id=MATERNITY_LEAVE_BENEFIT,
    name=N_("Maternity leave benefit"),
    summary=N_("Your pay during maternity leave before and after giving birth."),
    who=(
        N_("You take maternity leave of 90 days, or 120 days for twins or more."),
        N_("You were insured for at least 180 paid days before the leave ended."),
        N_(
            "In a small or medium firm the benefit covers the whole leave. In a large firm "
            "your employer pays the first 60 days and the benefit covers the rest."
        ),
    ),
    pays=(
        N_("Your ordinary wage for the days of leave, within the monthly cap below."),
        N_("Never less than the minimum wage."),
    ),
    legal_basis=(
        article(LABOR_STANDARDS_ACT, 74),
        article(EMPLOYMENT_INSURANCE_ACT, 75),
        article(EMPLOYMENT_INSURANCE_ACT, 76),
    ),
    documents=("employment-insurance-history", "wage-statement", "family-relation"),
    steps=(
        N_("Take your leave so that at least 45 days of it fall after the birth."),
        N_("Your employer sends a confirmation of your leave to the job centre."),
        N_("Apply on Work24 from one month after your leave starts."),
        N_("Apply no later than 12 months after your leave ends."),
        N_("The benefit is paid into your bank account."),
    ),
    agency=EMPLOYMENT_CENTER,
    link=WORK24,
    figures=(
        Figure(
            id="leave-days",
            label=N_("Days of maternity leave"),
            value=90,
            unit="days",
            source=cites(LABOR_STANDARDS_ACT, 74),
            holds_from=date(2014, 7, 1),
        ),
        Figure(
            id="leave-days-multiple-birth",
            label=N_("Days of maternity leave for twins or more"),
            value=120,
            unit="days",
            source=cites(LABOR_STANDARDS_ACT, 74),
            holds_from=date(2014, 7, 1),
        ),
        Figure(
            id="monthly-cap",
            label=N_("Most paid for 30 days of leave"),
            value=2_200_000,
            unit="krw_per_month",
            source=_LEAVE_PAY_NOTICE,
            holds_from=date(2026, 1, 1),
        ),
        _insured_days(75),
        Figure(
            id="birth-within",
            label=N_("Time after the birth in which you can apply"),
            value=12,
            unit="months",
            source=cites(EMPLOYMENT_INSURANCE_ACT, 75),
            holds_from=_SINCE_2019,
        ),
    ),
)

SPOUSE_LEAVE = Programme(
    id=SPOUSE_MATERNITY_LEAVE_BENEFIT,
    name=N_("Paternity leave benefit"),
    summary=N_("Your pay during the leave you take when your spouse gives birth."),
    who=(
        N_("Your spouse has given birth and you take paternity leave within 120 days."),
        N_("You work for a small or medium firm (a priority support firm)."),
        N_("You were insured for at least 180 paid days before the leave ended."),
    ),
    pays=(
        N_("Your ordinary wage for the 20 days of leave, within the cap below."),
        N_("Never less than the minimum wage."),
    ),
    legal_basis=(article(EQUAL_EMPLOYMENT_ACT, 18, 2), article(EMPLOYMENT_INSURANCE_ACT, 75)),
    documents=("employment-insurance-history", "wage-statement", "family-relation"),
    steps=(
        N_(
            "Tell your employer and take the leave within 120 days of the birth, in up to four parts."
        ),
        N_("Your employer sends a confirmation of your leave to the job centre."),
        N_("Apply on Work24 after the leave, no later than 12 months after it ends."),
        N_("The benefit is paid into your bank account."),
    ),
    agency=EMPLOYMENT_CENTER,
    link=WORK24,
    figures=(
        Figure(
            id="leave-days",
            label=N_("Days of paid paternity leave"),
            value=20,
            unit="days",
            source=cites(EQUAL_EMPLOYMENT_ACT, 18, 2),
            holds_from=_LEAVE_REFORM_2025,
        ),
        Figure(
            id="use-within",
            label=N_("Days after the birth within which the leave is taken"),
            value=120,
            unit="days",
            source=cites(EQUAL_EMPLOYMENT_ACT, 18, 2),
            holds_from=_LEAVE_REFORM_2025,
            # 90 days until the amendment of 2025-02-23.
            earlier=(EarlierValue(value=90, holds_from=_SINCE_2019),),
        ),
        Figure(
            id="cap",
            label=N_("Most paid for the whole leave"),
            # The maternity cap per hour (2,200,000 won ÷ 209 hours) × 8 hours × 20 days.
            value=1_684_210,
            unit="krw",
            source=_LEAVE_PAY_NOTICE,
            holds_from=date(2026, 1, 1),
        ),
        _insured_days(75),
    ),
)
