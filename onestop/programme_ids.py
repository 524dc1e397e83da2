"""The programmes of the benefit catalog, by stable id (used in URLs, rules and consents)."""

from __future__ import annotations

UNEMPLOYMENT_BENEFIT = "unemployment-benefit"  # 구직급여
EARLY_REEMPLOYMENT_ALLOWANCE = "early-reemployment-allowance"  # 조기재취업수당
NATIONAL_EMPLOYMENT_SUPPORT_1 = "national-employment-support-1"  # 국민취업지원제도 I유형
NATIONAL_EMPLOYMENT_SUPPORT_2 = "national-employment-support-2"  # 국민취업지원제도 II유형
TOMORROW_LEARNING_CARD = "tomorrow-learning-card"  # 국민내일배움카드
PARENTAL_LEAVE_BENEFIT = "parental-leave-benefit"  # 육아휴직급여
REDUCED_HOURS_CHILDCARE_BENEFIT = "reduced-hours-childcare-benefit"  # 육아기 근로시간 단축 급여
MATERNITY_LEAVE_BENEFIT = "maternity-leave-benefit"  # 출산전후휴가급여
SPOUSE_MATERNITY_LEAVE_BENEFIT = "spouse-maternity-leave-benefit"  # 배우자 출산휴가급여
WAGE_ARREARS_SUBSTITUTE = "wage-arrears-substitute"  # 대지급금
ARREARS_LIVING_COST_LOAN = "arrears-living-cost-loan"  # 체불근로자 생계비 융자

PROGRAMME_IDS: tuple[str, ...] = (
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
