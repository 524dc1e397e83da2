"""Features of a person that rules read, each an aggregate over their linked facts.

A feature is declared once (`Aggregate`) and computed either by SQL over the
whole population (`onestop/eligibility/population.py`) or in Python over one
person's facts (`onestop/eligibility/person.py`). Level-2 features may read
level-1 features (e.g. paid days in the 18 months before the last separation).

A person with no facts of a kind gets the feature's `empty` value: the source
registries are authoritative, so no employment-insurance record means "never
insured", not "unknown". Facts whose source was last refreshed more than
`STALE_AFTER_DAYS` before the evaluation date make the feature unknown instead:
stale data is never read as a silent "not eligible".
"""

from __future__ import annotations

from dataclasses import dataclass

from onestop.programme_ids import NATIONAL_EMPLOYMENT_SUPPORT_1, UNEMPLOYMENT_BENEFIT
from onestop.rules.expr import (
    AddMonths,
    Age,
    AsOf,
    Case,
    Coalesce,
    Col,
    DaysInclusive,
    Expr,
    Feat,
    Greatest,
    IsNull,
    Least,
    Lit,
    Person,
    all_of,
)
from onestop.rules.expr import Arith as _Arith
from onestop.rules.thresholds import negative, threshold

# Facts refreshed longer ago than this make what they feed unknown.
STALE_AFTER_DAYS = 90


@dataclass(frozen=True)
class DataItem:
    """A data item rules read, where it lives and what links it (for the data-needs report)."""

    id: str
    name: str
    holder: str
    refresh: str
    linkage: str
    legal_basis: str
    # What is missing before rules can read it (standardisation, a change of law); "" if none.
    missing: str = ""


_PERSON_KEY = "standard person key (HMAC of the resident registration number)"

DATA_ITEMS: dict[str, DataItem] = {
    item.id: item
    for item in (
        DataItem(
            id="resident_registration",
            name="Date of birth and death (주민등록 인적사항)",
            holder="Ministry of the Interior and Safety, resident registration (주민등록시스템)",
            refresh="daily",
            linkage=_PERSON_KEY,
            legal_basis="주민등록법 제30조; 고용보험법 제13조의2 (정보의 제공 요청)",
        ),
        DataItem(
            id="employment_insurance",
            name="Employment insurance history (고용보험 피보험자격 이력)",
            holder="Korea Workers' Compensation and Welfare Service, employment insurance DB",
            refresh="monthly",
            linkage=_PERSON_KEY,
            legal_basis="고용보험법 제13조; 고용보험법 제118조의2",
        ),
        DataItem(
            id="wage",
            name="Monthly pay (월별 보수)",
            holder="Korea Workers' Compensation and Welfare Service, employment insurance DB",
            refresh="monthly",
            linkage=_PERSON_KEY,
            legal_basis="고용보험 및 산업재해보상보험의 보험료징수 등에 관한 법률 제16조의10",
        ),
        DataItem(
            id="child",
            name="Children and their birth dates (가족관계 — 자녀)",
            holder="Supreme Court, family relations registry (가족관계등록시스템)",
            refresh="on change",
            linkage=_PERSON_KEY,
            legal_basis="가족관계의 등록 등에 관한 법률 제13조; 고용보험법 제13조의2",
        ),
        DataItem(
            id="household_income",
            name="Household income as a share of the standard median income (소득인정액)",
            holder="National Health Insurance Service (건강보험료 부과 자료)",
            refresh="yearly, with monthly corrections",
            linkage=_PERSON_KEY,
            legal_basis="구직자 취업촉진 및 생활안정지원에 관한 법률 제35조",
        ),
        DataItem(
            id="job_seeker_registration",
            name="Job-seeker registration (구직등록)",
            holder="Ministry of Employment and Labor, Work24 (고용24)",
            refresh="daily",
            linkage=_PERSON_KEY,
            legal_basis="직업안정법 제8조; 고용보험법 제42조",
        ),
        DataItem(
            id="wage_arrears",
            name="Unpaid wages confirmed by a labour inspector (체불임금 확인)",
            holder="Ministry of Employment and Labor, labour inspection (노동포털 체불 확인)",
            refresh="daily",
            linkage=_PERSON_KEY,
            legal_basis="임금채권보장법 제7조, 시행령 제7조",
        ),
        DataItem(
            id="unemployment_benefit_paid",
            name="Unemployment benefit paid and days left (구직급여 수급 이력)",
            holder="Korea Employment Information Service, employment insurance benefits",
            refresh="daily",
            linkage="not linked to the person facts yet",
            legal_basis="고용보험법 제64조",
            missing="Not in the linked facts: the benefit payment history must be added "
            "as a fact kind (no change of law needed, the same ministry holds it).",
        ),
        DataItem(
            id="household_assets",
            name="Household assets (가구 재산 합계액)",
            holder="Ministry of the Interior and Safety, local tax (재산세 과세자료)",
            refresh="yearly",
            linkage="not linked",
            legal_basis="구직자 취업촉진 및 생활안정지원에 관한 법률 제6조, 시행령 제3조",
            missing="No linkage yet: the property-tax base needs an agreement with local "
            "governments (지방세기본법 제86조 permits it for a statutory purpose).",
        ),
        DataItem(
            id="birth_parent",
            name="Which parent gave birth (가족관계 — 부/모 구분)",
            holder="Supreme Court, family relations registry (가족관계등록시스템)",
            refresh="on change",
            linkage="the child link has no parent role yet",
            legal_basis="가족관계의 등록 등에 관한 법률 제13조",
            missing="Standardisation: the child fact must carry whether the person is the "
            "mother or the father.",
        ),
        DataItem(
            id="annual_earnings",
            name="Annual earned income (연간 근로소득)",
            holder="National Tax Service (근로소득 지급명세서)",
            refresh="yearly",
            linkage="not linked",
            legal_basis="국세기본법 제81조의13",
            missing="Change of law needed: 국세기본법 제81조의13 lists the purposes tax data "
            "may be given for; the living-cost loan is not one of them.",
        ),
    )
}

# The data item behind each fact kind and person column.
FACT_KIND_ITEMS = {
    "employment_insurance": "employment_insurance",
    "wage": "wage",
    "child": "child",
    "household_income": "household_income",
    "job_seeker_registration": "job_seeker_registration",
    "wage_arrears": "wage_arrears",
}
PERSON_COLUMN_ITEMS = {
    "birth_date": "resident_registration",
    "deceased_on": "resident_registration",
}
PERSON_COLUMNS = tuple(PERSON_COLUMN_ITEMS)


@dataclass(frozen=True)
class Aggregate:
    """One feature: `function` of `value` over the person's facts of `kind` where `where`."""

    name: str
    function: str  # count, sum, max, min, bool_or
    kind: str
    value: Expr | None = None
    where: Expr | None = None
    # The value when the person has no facts of this kind.
    empty: object = None
    level: int = 1


def _paid_days_within(first: Expr, last: Expr) -> Expr:
    """Paid-base days of one insured period that fall between `first` and `last`,
    in proportion to the days of the period inside the window (truncated)."""
    period_end = Coalesce((Col("valid_to"), AsOf()))
    overlap = DaysInclusive(Greatest((Col("valid_from"), first)), Least((period_end, last)))
    period_days = DaysInclusive(Col("valid_from"), period_end)
    return Case(
        all_of(overlap > 0, period_days > 0),
        _Arith("/", _Arith("*", Col("paid_base_days"), overlap), period_days),
        Lit(0),
    )


EI = "employment_insurance"

FEATURES: tuple[Aggregate, ...] = (
    Aggregate("insured_records", "count", EI, empty=0),
    Aggregate("employed_now", "bool_or", EI, IsNull(Col("valid_to")), empty=False),
    Aggregate("current_employment_start", "max", EI, Col("valid_from"), IsNull(Col("valid_to"))),
    Aggregate("last_separation_date", "max", EI, Col("valid_to")),
    Aggregate("total_paid_days", "sum", EI, Col("paid_base_days"), empty=0),
    # 국민취업지원제도: work experience in the two years before (시행령 제3조).
    Aggregate(
        "paid_days_last_2_years",
        "sum",
        EI,
        _paid_days_within(
            AddMonths(
                AsOf(), negative(threshold(NATIONAL_EMPLOYMENT_SUPPORT_1, "work-days-window"))
            ),
            AsOf(),
        ),
        empty=0,
    ),
    Aggregate("children", "count", "child", empty=0),
    Aggregate("youngest_child_born", "max", "child", Col("child_birth_date")),
    Aggregate("income_year", "max", "household_income", Col("reference_year")),
    Aggregate("job_seeker_registrations", "count", "job_seeker_registration", empty=0),
    Aggregate("job_seeker_registered_on", "max", "job_seeker_registration", Col("valid_from")),
    Aggregate("arrears_confirmed_on", "max", "wage_arrears", Col("valid_from")),
    Aggregate("arrears_krw", "sum", "wage_arrears", Col("amount_krw"), empty=0),
    # Level 2: read level-1 features.
    Aggregate(
        "last_separation_code",
        "max",
        EI,
        Col("separation_code"),
        Col("valid_to").eq(Feat("last_separation_date")),
        level=2,
    ),
    # 고용보험법 제40조①1호: 이직일 이전 18개월간 피보험 단위기간 합산 180일 이상.
    Aggregate(
        "paid_days_18_months_before_separation",
        "sum",
        EI,
        _paid_days_within(
            AddMonths(
                Feat("last_separation_date"),
                negative(threshold(UNEMPLOYMENT_BENEFIT, "insured-window")),
            ),
            Feat("last_separation_date"),
        ),
        empty=0,
        level=2,
    ),
    # Two sources may report the same year: the higher figure, so as not to over-promise.
    Aggregate(
        "income_percentile",
        "max",
        "household_income",
        Col("income_percentile"),
        Col("reference_year").eq(Feat("income_year")),
        level=2,
    ),
)
FEATURES_BY_NAME = {feature.name: feature for feature in FEATURES}


@dataclass(frozen=True)
class Derived:
    """A feature computed from the person's registry row alone (once per person)."""

    name: str
    expr: Expr


# 만 나이 on the evaluation date; several rules read it.
PERSON_FEATURES: tuple[Derived, ...] = (Derived("age", Age(Person("birth_date"), AsOf())),)
PERSON_FEATURES_BY_NAME = {feature.name: feature for feature in PERSON_FEATURES}
