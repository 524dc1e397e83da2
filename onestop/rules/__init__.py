"""Eligibility rules as code: written once, evaluated for one person or for everyone."""

from onestop.rules.features import DATA_ITEMS, FEATURES, STALE_AFTER_DAYS, DataItem
from onestop.rules.model import Criterion, Rule, RuleVersion
from onestop.rules.programmes import RULES

__all__ = [
    "DATA_ITEMS",
    "FEATURES",
    "RULES",
    "STALE_AFTER_DAYS",
    "Criterion",
    "DataItem",
    "Rule",
    "RuleVersion",
]
