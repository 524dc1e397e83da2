"""Laws, agencies and figures that more than one programme of the catalog cites."""

from __future__ import annotations

from datetime import date

from i18n import N_
from onestop.catalog.model import Agency, Figure, Law, LegalReference, Source

EMPLOYMENT_INSURANCE_ACT = Law(name=N_("Employment Insurance Act"), korean_title="고용보험법")
EMPLOYMENT_INSURANCE_DECREE = Law(
    name=N_("Enforcement Decree of the Employment Insurance Act"),
    korean_title="고용보험법 시행령",
)
EMPLOYMENT_INSURANCE_RULES = Law(
    name=N_("Enforcement Rules of the Employment Insurance Act"),
    korean_title="고용보험법 시행규칙",
)
JOB_SEEKERS_ACT = Law(
    name=N_("Act on the Promotion of Employment and Livelihood Stability of Job Seekers"),
    korean_title="구직자 취업촉진 및 생활안정지원에 관한 법률",
)
EQUAL_EMPLOYMENT_ACT = Law(
    name=N_("Equal Employment Opportunity and Work-Family Balance Assistance Act"),
    korean_title="남녀고용평등과 일ㆍ가정 양립 지원에 관한 법률",
)
LABOR_STANDARDS_ACT = Law(name=N_("Labor Standards Act"), korean_title="근로기준법")
WAGE_CLAIM_GUARANTEE_ACT = Law(name=N_("Wage Claim Guarantee Act"), korean_title="임금채권보장법")
WORKERS_WELFARE_ACT = Law(
    name=N_("Framework Act on Workers' Welfare"), korean_title="근로복지기본법"
)


def article(law: Law, number: int, branch: int | None = None) -> LegalReference:
    return LegalReference(law=law, article=number, branch=branch)


def cites(law: Law, number: int, branch: int | None = None) -> Source:
    """A figure that an article of a law states."""
    return Source(law=article(law, number, branch))


EMPLOYMENT_CENTER = Agency(
    id="employment-center", name=N_("Job centre"), url="https://www.work24.go.kr"
)
COMWEL = Agency(
    id="comwel",
    name=N_("Korea Workers' Compensation and Welfare Service"),
    url="https://www.comwel.or.kr",
)

WORK24 = "https://www.work24.go.kr"

# 2026년 기준 중위소득 (보건복지부 고시, 중앙생활보장위원회 의결 2025-07-31).
MEDIAN_INCOME_NOTICE = Source(
    title=N_("Standard median income for 2026 (Ministry of Health and Welfare notice)"),
    url="https://www.mohw.go.kr",
)
MEDIAN_INCOME_1_PERSON = Figure(
    id="median-income-1-person",
    label=N_("Standard median income, one-person household"),
    value=2_564_238,
    unit="krw_per_month",
    source=MEDIAN_INCOME_NOTICE,
    holds_from=date(2026, 1, 1),
)
MEDIAN_INCOME_4_PERSONS = Figure(
    id="median-income-4-persons",
    label=N_("Standard median income, four-person household"),
    value=6_494_738,
    unit="krw_per_month",
    source=MEDIAN_INCOME_NOTICE,
    holds_from=date(2026, 1, 1),
)
