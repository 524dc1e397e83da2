"""국민취업지원제도 I·II유형 and 국민내일배움카드: help into work for those outside insurance."""

from __future__ import annotations

from datetime import date

from i18n import N_
from onestop.catalog.laws import (
    EMPLOYMENT_CENTER,
    EMPLOYMENT_INSURANCE_ACT,
    JOB_SEEKERS_ACT,
    MEDIAN_INCOME_1_PERSON,
    MEDIAN_INCOME_4_PERSONS,
    WORK24,
    article,
    cites,
)
from onestop.catalog.model import Figure, Programme, Source
from onestop.programme_ids import (
    NATIONAL_EMPLOYMENT_SUPPORT_1,
    NATIONAL_EMPLOYMENT_SUPPORT_2,
    TOMORROW_LEARNING_CARD,
)

_SUPPORT_GUIDE = Source(
    title=N_("National Employment Support Programme guide (Work24)"), url=WORK24
)
_CARD_GUIDE = Source(title=N_("National Tomorrow Learning Card guide (Work24)"), url=WORK24)
# The Act came into force on 2021-01-01.
_SUPPORT_STARTED = date(2021, 1, 1)


def _age(figure_id: str, label: str, value: int, source: Source, holds_from: date) -> Figure:
    return Figure(
        id=figure_id, label=label, value=value, unit="years", source=source, holds_from=holds_from
    )


_AGE_MIN = N_("Lowest age you can apply at")
_AGE_MAX = N_("Highest age you can apply at")
_YOUTH_MIN = N_("Young people: lowest age")
_YOUTH_MAX = N_("Young people: highest age")

SUPPORT_TYPE_1 = Programme(
    id=NATIONAL_EMPLOYMENT_SUPPORT_1,
    name=N_("National Employment Support Programme, Type I"),
    summary=N_(
        "A monthly job-seeking allowance and help into work for job seekers on a low income."
    ),
    who=(
        N_("You are 15 to 69 years old and looking for work."),
        N_(
            "Your household income is at most 60 percent of the standard median income and "
            "your household assets are within the limit."
        ),
        N_("You have worked at least 100 days or 800 hours in the last two years."),
        N_("Young people aged 18 to 34 may be selected without the work condition."),
        N_("You are not receiving the unemployment benefit."),
    ),
    pays=(
        N_("A job-seeking allowance every month for up to six months."),
        N_("An extra amount each month for each dependant you support."),
        N_("Counselling, job training and job placement."),
    ),
    legal_basis=(article(JOB_SEEKERS_ACT, 6),),
    documents=(
        "income-percentile",
        "family-relation",
        "employment-insurance-history",
        "job-seeker-registration",
    ),
    steps=(
        N_("Apply on Work24 or at your job centre."),
        N_("The job centre checks your income and assets and tells you its decision."),
        N_("Make a job-search plan with your counsellor."),
        N_("Carry out the plan and report your job search every month."),
        N_("The allowance is paid into your bank account every month."),
    ),
    agency=EMPLOYMENT_CENTER,
    link=WORK24,
    figures=(
        Figure(
            id="job-seeking-allowance",
            label=N_("Job-seeking allowance a month"),
            value=600_000,
            unit="krw_per_month",
            source=_SUPPORT_GUIDE,
            holds_from=date(2026, 1, 1),
        ),
        Figure(
            id="allowance-months",
            label=N_("Most months the allowance is paid"),
            value=6,
            unit="months",
            source=_SUPPORT_GUIDE,
            holds_from=_SUPPORT_STARTED,
        ),
        Figure(
            id="dependant-addition",
            label=N_("Extra a month for each dependant"),
            value=100_000,
            unit="krw_per_month",
            source=_SUPPORT_GUIDE,
            holds_from=date(2024, 1, 1),
        ),
        Figure(
            id="dependant-addition-max",
            label=N_("Most extra a month for dependants"),
            value=400_000,
            unit="krw_per_month",
            source=_SUPPORT_GUIDE,
            holds_from=date(2024, 1, 1),
        ),
        Figure(
            id="income-limit",
            label=N_("Household income limit, as a share of the standard median income"),
            value=60,
            unit="percent",
            source=_SUPPORT_GUIDE,
            holds_from=date(2024, 1, 1),
        ),
        _age("age-min", _AGE_MIN, 15, cites(JOB_SEEKERS_ACT, 6), _SUPPORT_STARTED),
        _age("age-max", _AGE_MAX, 69, cites(JOB_SEEKERS_ACT, 6), _SUPPORT_STARTED),
        _age("youth-age-min", _YOUTH_MIN, 18, _SUPPORT_GUIDE, _SUPPORT_STARTED),
        _age("youth-age-max", _YOUTH_MAX, 34, _SUPPORT_GUIDE, _SUPPORT_STARTED),
        Figure(
            id="work-days-required",
            label=N_("Days of work needed, unless you are young"),
            value=100,
            unit="days",
            source=_SUPPORT_GUIDE,
            holds_from=_SUPPORT_STARTED,
        ),
        Figure(
            id="work-days-window",
            label=N_("Period in which the days of work are counted"),
            value=24,
            unit="months",
            source=_SUPPORT_GUIDE,
            holds_from=_SUPPORT_STARTED,
        ),
        MEDIAN_INCOME_1_PERSON,
        MEDIAN_INCOME_4_PERSONS,
    ),
)

SUPPORT_TYPE_2 = Programme(
    id=NATIONAL_EMPLOYMENT_SUPPORT_2,
    name=N_("National Employment Support Programme, Type II"),
    summary=N_(
        "Counselling, job training and job placement, with allowances for taking part, for "
        "job seekers who do not qualify for Type I."
    ),
    who=(
        N_("You are looking for work and do not meet the conditions of Type I."),
        N_("Young people aged 18 to 34 can take part whatever their income."),
        N_(
            "People aged 35 to 69 can take part when their household income is at most the "
            "standard median income."
        ),
        N_(
            "Some groups, such as North Korean defectors and marriage migrants, can take part "
            "whatever their income."
        ),
    ),
    pays=(
        N_("Counselling, job training and job placement for up to one year."),
        N_("An allowance for taking part in the first counselling phase."),
        N_("A training allowance every month while you are in job training."),
    ),
    legal_basis=(article(JOB_SEEKERS_ACT, 6),),
    documents=("income-percentile", "family-relation", "job-seeker-registration"),
    steps=(
        N_("Apply on Work24 or at your job centre."),
        N_("Make a job-search plan with your counsellor."),
        N_("Take part in counselling, training and job search as planned."),
        N_("Allowances are paid into your bank account as you complete each part."),
    ),
    agency=EMPLOYMENT_CENTER,
    link=WORK24,
    figures=(
        Figure(
            id="income-limit",
            label=N_("Household income limit for ages 35 to 69, as a share of the median"),
            value=100,
            unit="percent",
            source=_SUPPORT_GUIDE,
            holds_from=_SUPPORT_STARTED,
        ),
        _age("age-min", _AGE_MIN, 18, cites(JOB_SEEKERS_ACT, 6), _SUPPORT_STARTED),
        _age("age-max", _AGE_MAX, 69, cites(JOB_SEEKERS_ACT, 6), _SUPPORT_STARTED),
        _age("youth-age-max", _YOUTH_MAX, 34, _SUPPORT_GUIDE, _SUPPORT_STARTED),
        Figure(
            id="training-allowance",
            label=N_("Most training allowance a month"),
            value=284_000,
            unit="krw_per_month",
            source=_SUPPORT_GUIDE,
            holds_from=_SUPPORT_STARTED,
        ),
        Figure(
            id="training-allowance-months",
            label=N_("Most months the training allowance is paid"),
            value=6,
            unit="months",
            source=_SUPPORT_GUIDE,
            holds_from=_SUPPORT_STARTED,
        ),
        MEDIAN_INCOME_1_PERSON,
        MEDIAN_INCOME_4_PERSONS,
    ),
)

LEARNING_CARD = Programme(
    id=TOMORROW_LEARNING_CARD,
    name=N_("National Tomorrow Learning Card"),
    summary=N_("A card that pays for approved job training courses over five years."),
    who=(
        N_("Job seekers, workers, the self-employed and platform workers who want job training."),
        N_(
            "Not for public servants, private school teachers, people aged 75 or over, or "
            "students with more than two years of study left."
        ),
        N_("Workers with a high wage and businesses with high sales cannot get the card."),
    ),
    pays=(
        N_("Training fees for approved courses, up to the limit below over five years."),
        N_("For some courses you pay a share of the fee yourself."),
        N_("A training allowance for long courses when you attend most of the days."),
    ),
    legal_basis=(article(EMPLOYMENT_INSURANCE_ACT, 29),),
    documents=("employment-insurance-history", "job-seeker-registration"),
    steps=(
        N_("Apply for the card on Work24."),
        N_("If the job centre asks, talk with a counsellor there."),
        N_("Your card arrives from the card company."),
        N_("Choose an approved course on Work24 and pay for it with the card."),
    ),
    agency=EMPLOYMENT_CENTER,
    link=WORK24,
    figures=(
        Figure(
            id="training-limit",
            label=N_("Training fees paid over the life of the card"),
            value=3_000_000,
            unit="krw",
            source=_CARD_GUIDE,
            holds_from=date(2020, 1, 1),
        ),
        Figure(
            id="card-validity",
            label=N_("How long the card can be used"),
            value=60,
            unit="months",
            source=_CARD_GUIDE,
            holds_from=date(2020, 1, 1),
        ),
        _age("age-min", _AGE_MIN, 15, _CARD_GUIDE, date(2020, 1, 1)),
        _age("age-max", _AGE_MAX, 74, _CARD_GUIDE, date(2020, 1, 1)),
    ),
)
