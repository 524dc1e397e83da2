"""The eligibility rule of every programme, written once.

Each criterion carries the article it comes from. A change of law adds a
`RuleVersion` with its effective date; past versions stay as they were, so a
decision can always be explained by the rule that made it. Figures that the
law sets (days, ages, shares of the median income, claim periods) are not
written here: criteria read them from the catalog's dated figures
(`onestop/rules/thresholds.py`), so a change of law to a figure is one edit
in `onestop/catalog/` with the date it holds from, and an answer for an earlier
day uses the figure in force that day. A criterion's text states its figures;
`tests/test_legal_thresholds.py` fails when a text and its figure disagree.
"""

from __future__ import annotations

from onestop import programme_ids as ids
from onestop.rules.employment_rules import (
    EARLY_REEMPLOYMENT_ALLOWANCE,
    NATIONAL_EMPLOYMENT_SUPPORT_1,
    NATIONAL_EMPLOYMENT_SUPPORT_2,
    TOMORROW_LEARNING_CARD,
    UNEMPLOYMENT_BENEFIT,
)
from onestop.rules.family_rules import (
    ARREARS_LIVING_COST_LOAN,
    MATERNITY_LEAVE_BENEFIT,
    PARENTAL_LEAVE_BENEFIT,
    REDUCED_HOURS_CHILDCARE_BENEFIT,
    SPOUSE_MATERNITY_LEAVE_BENEFIT,
    WAGE_ARREARS_SUBSTITUTE,
)
from onestop.rules.model import Rule

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
