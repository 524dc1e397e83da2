"""구직급여 and 조기재취업수당: the unemployment benefits of employment insurance."""

from __future__ import annotations

from datetime import date

from i18n import N_
from onestop.catalog.laws import (
    EMPLOYMENT_CENTER,
    EMPLOYMENT_INSURANCE_ACT,
    EMPLOYMENT_INSURANCE_DECREE,
    EMPLOYMENT_INSURANCE_RULES,
    WORK24,
    article,
    cites,
)
from onestop.catalog.model import Figure, Programme, Source
from onestop.programme_ids import EARLY_REEMPLOYMENT_ALLOWANCE, UNEMPLOYMENT_BENEFIT

# 2019-10-01: the amended Act raised the rate from 50 to 60 percent and the
# benefit days from 90–240 to 120–270 (고용보험법 제46조, 제50조 별표 1).
_REFORM_2019 = date(2019, 10, 1)

UNEMPLOYMENT = Programme(
    id=UNEMPLOYMENT_BENEFIT,
    name=N_("Unemployment benefit (job-seeking benefit)"),
    summary=N_(
        "A daily allowance while you look for work after losing a job insured by "
        "employment insurance."
    ),
    who=(
        N_(
            "You were insured for at least 180 paid days in the 18 months before you left your job."
        ),
        N_(
            "You left your job for a reason that was not your own choice, such as dismissal, "
            "a contract ending or a business closing."
        ),
        N_("You can work and are actively looking for a job."),
        N_("You have registered as a job seeker."),
    ),
    pays=(
        N_("60 percent of your average daily wage for each day of unemployment."),
        N_("Each day is paid within the daily floor and cap shown below."),
        N_(
            "You are paid for 120 to 270 days, depending on your age and how long you were insured."
        ),
    ),
    legal_basis=(
        article(EMPLOYMENT_INSURANCE_ACT, 40),
        article(EMPLOYMENT_INSURANCE_ACT, 46),
        article(EMPLOYMENT_INSURANCE_ACT, 50),
    ),
    documents=("employment-insurance-history", "wage-statement", "job-seeker-registration"),
    steps=(
        N_("Register as a job seeker on Work24."),
        N_("Watch the online course for benefit applicants."),
        N_("Apply at your job centre within 12 months of leaving your job."),
        N_("Report your job search on your recognition days, every one to four weeks."),
        N_("The benefit is paid into your bank account after each recognition."),
    ),
    agency=EMPLOYMENT_CENTER,
    link=WORK24,
    figures=(
        Figure(
            id="benefit-rate",
            label=N_("Share of the average daily wage paid"),
            value=60,
            unit="percent",
            source=cites(EMPLOYMENT_INSURANCE_ACT, 46),
            holds_from=_REFORM_2019,
        ),
        Figure(
            id="daily-cap",
            label=N_("Most paid a day"),
            value=68_100,
            unit="krw_per_day",
            # The decree caps the base daily wage at 113,500 won; 60 percent of it.
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 68),
            holds_from=date(2026, 1, 1),
        ),
        Figure(
            id="daily-floor",
            label=N_("Least paid a day"),
            # 80 percent of the 2026 minimum wage (10,320 won) for 8 hours (고용보험법 제46조 제2항).
            value=66_048,
            unit="krw_per_day",
            source=Source(
                title=N_(
                    "Minimum wage for 2026 (Ministry of Employment and Labor notice) and "
                    "Employment Insurance Act, Article 46"
                ),
                url="https://www.minimumwage.go.kr",
            ),
            holds_from=date(2026, 1, 1),
        ),
        Figure(
            id="insured-days-required",
            label=N_("Paid days of insurance needed in the last 18 months"),
            value=180,
            unit="days",
            source=cites(EMPLOYMENT_INSURANCE_ACT, 40),
            holds_from=_REFORM_2019,
        ),
        Figure(
            id="insured-window",
            label=N_("Period before leaving in which the paid days are counted"),
            value=18,
            unit="months",
            source=cites(EMPLOYMENT_INSURANCE_ACT, 40),
            holds_from=_REFORM_2019,
        ),
        Figure(
            id="benefit-days-min",
            label=N_("Fewest days paid"),
            value=120,
            unit="days",
            source=cites(EMPLOYMENT_INSURANCE_ACT, 50),
            holds_from=_REFORM_2019,
        ),
        Figure(
            id="benefit-days-max",
            label=N_("Most days paid"),
            value=270,
            unit="days",
            source=cites(EMPLOYMENT_INSURANCE_ACT, 50),
            holds_from=_REFORM_2019,
        ),
        Figure(
            id="claim-period",
            label=N_("Time after leaving your job in which the benefit can be paid"),
            value=12,
            unit="months",
            source=cites(EMPLOYMENT_INSURANCE_ACT, 48),
            holds_from=_REFORM_2019,
        ),
    ),
)

EARLY_REEMPLOYMENT = Programme(
    id=EARLY_REEMPLOYMENT_ALLOWANCE,
    name=N_("Early re-employment allowance"),
    summary=N_(
        "A lump sum when you find a stable job while at least half of your unemployment "
        "benefit days are left."
    ),
    who=(
        N_("You are receiving the unemployment benefit."),
        N_("You found a job, or started a business, with at least half of your benefit days left."),
        N_("You have stayed in that job, or run that business, for 12 months."),
        N_("The new employer is not the one you left, nor one linked to it."),
    ),
    pays=(N_("Half of the unemployment benefit you have not yet received, in one payment."),),
    legal_basis=(article(EMPLOYMENT_INSURANCE_ACT, 64), article(EMPLOYMENT_INSURANCE_DECREE, 84)),
    documents=("employment-insurance-history", "wage-statement"),
    steps=(
        N_("Tell your job centre that you have a new job."),
        N_("Keep the job for 12 months."),
        N_("Apply on Work24 or at your job centre once the 12 months have passed."),
        N_("The allowance is paid into your bank account once the job centre has checked it."),
    ),
    agency=EMPLOYMENT_CENTER,
    link=WORK24,
    figures=(
        Figure(
            id="share-of-remaining-benefit",
            label=N_("Share of the unpaid unemployment benefit paid"),
            value=50,
            unit="percent",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 84),
            holds_from=date(2014, 1, 1),
        ),
        Figure(
            id="remaining-days-required",
            label=N_("Share of benefit days that must be left when you start work"),
            value=50,
            unit="percent",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 84),
            holds_from=date(2014, 1, 1),
        ),
        Figure(
            id="employment-required",
            label=N_("Time you must stay in the new job"),
            value=12,
            unit="months",
            source=cites(EMPLOYMENT_INSURANCE_DECREE, 84),
            holds_from=date(2014, 1, 1),
        ),
        Figure(
            id="apply-within",
            label=N_("Time after starting the new job in which you can apply"),
            value=24,
            unit="months",
            source=cites(EMPLOYMENT_INSURANCE_RULES, 113),
            holds_from=date(2014, 1, 1),
        ),
    ),
)
