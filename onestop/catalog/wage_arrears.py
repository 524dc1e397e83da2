"""For workers whose wages went unpaid: 대지급금 and 체불근로자 생계비 융자."""

from __future__ import annotations

from datetime import date

from i18n import N_
from onestop.catalog.laws import COMWEL, WAGE_CLAIM_GUARANTEE_ACT, WORKERS_WELFARE_ACT, article
from onestop.catalog.model import Figure, Programme, Source
from onestop.programme_ids import ARREARS_LIVING_COST_LOAN, WAGE_ARREARS_SUBSTITUTE

WELFARE_NET = "https://welfare.comwel.or.kr"

_SUBSTITUTE_GUIDE = Source(
    title=N_("Substitute payment guide (Korea Workers' Compensation and Welfare Service)"),
    url=COMWEL.url,
)
_LOAN_GUIDE = Source(
    title=N_("Living-cost loan guide (Workers' Welfare Net)"),
    url=WELFARE_NET,
)
# 2021-10-14: the amended Wage Claim Guarantee Act renamed 체당금 to 대지급금 and
# opened the simple substitute payment to workers still in their job.
_SUBSTITUTE_REFORM = date(2021, 10, 14)

SUBSTITUTE_PAYMENT = Programme(
    id=WAGE_ARREARS_SUBSTITUTE,
    name=N_("Wage-arrears substitute payment"),
    summary=N_(
        "The state pays wages and severance pay your employer did not pay, and recovers them "
        "from the employer."
    ),
    who=(
        N_("Your employer did not pay your wages or severance pay."),
        N_(
            "Your employer went bankrupt, or a court or the labour office confirmed the "
            "unpaid wages."
        ),
        N_("The business was covered by industrial accident insurance for at least six months."),
        N_("Workers still in the job can apply too when their pay is low."),
    ),
    pays=(
        N_("Your last three months of unpaid wages and up to three years of severance pay."),
        N_("Up to the limits below."),
    ),
    legal_basis=(
        article(WAGE_CLAIM_GUARANTEE_ACT, 7),
        article(WAGE_CLAIM_GUARANTEE_ACT, 7, 2),
    ),
    documents=("wage-arrears-confirmation", "employment-insurance-history", "wage-statement"),
    steps=(
        N_("Report the unpaid wages to your regional labour office."),
        N_("Ask the office for a confirmation of the unpaid wages and the employer."),
        N_("Apply to the Korea Workers' Compensation and Welfare Service with the confirmation."),
        N_("The payment goes into your bank account once your application is checked."),
    ),
    agency=COMWEL,
    link=COMWEL.url,
    figures=(
        Figure(
            id="simple-cap-former-worker",
            label=N_("Most paid to a worker who has left the job"),
            value=10_000_000,
            unit="krw",
            source=_SUBSTITUTE_GUIDE,
            holds_from=_SUBSTITUTE_REFORM,
        ),
        Figure(
            id="simple-cap-current-worker",
            label=N_("Most paid to a worker still in the job"),
            value=7_000_000,
            unit="krw",
            source=_SUBSTITUTE_GUIDE,
            holds_from=_SUBSTITUTE_REFORM,
        ),
        Figure(
            id="apply-within",
            label=N_("Time to apply after the confirmation is issued"),
            value=6,
            unit="months",
            source=_SUBSTITUTE_GUIDE,
            holds_from=_SUBSTITUTE_REFORM,
        ),
    ),
)

LIVING_COST_LOAN = Programme(
    id=ARREARS_LIVING_COST_LOAN,
    name=N_("Living-cost loan for workers with unpaid wages"),
    summary=N_("A low-interest loan for living costs while your wages are unpaid."),
    who=(
        N_("At least one month of your wages went unpaid in the year before you apply."),
        N_("You still work there, or you left the job no more than six months ago."),
        N_("The labour office has confirmed the unpaid wages."),
    ),
    pays=(
        N_("A loan for living costs, up to your unpaid wages and the limit below."),
        N_("You repay it in instalments after a grace period."),
    ),
    legal_basis=(article(WORKERS_WELFARE_ACT, 19),),
    documents=("wage-arrears-confirmation", "wage-statement", "employment-insurance-history"),
    steps=(
        N_("Report the unpaid wages to your regional labour office and get a confirmation."),
        N_(
            "Apply on the Workers' Welfare Net or at a Korea Workers' Compensation and Welfare Service office."
        ),
        N_("If the loan is approved, it is paid into your bank account."),
    ),
    agency=COMWEL,
    link=WELFARE_NET,
    figures=(
        Figure(
            id="loan-limit",
            label=N_("Most you can borrow"),
            value=10_000_000,
            unit="krw",
            source=_LOAN_GUIDE,
            holds_from=date(2023, 2, 21),
        ),
        Figure(
            id="interest-rate",
            label=N_("Interest a year"),
            value=1.5,
            unit="percent_per_year",
            source=_LOAN_GUIDE,
            holds_from=date(2025, 10, 15),
        ),
        Figure(
            id="arrears-required",
            label=N_("Unpaid wages needed in the year before you apply"),
            value=1,
            unit="months",
            source=_LOAN_GUIDE,
            holds_from=date(2023, 2, 21),
        ),
        Figure(
            id="confirmed-within",
            label=N_("Time after the unpaid wages were confirmed in which you can apply"),
            value=12,
            unit="months",
            source=_LOAN_GUIDE,
            holds_from=date(2023, 2, 21),
        ),
    ),
)
