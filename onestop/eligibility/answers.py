"""An eligibility answer, the same whichever back end computed it."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

Status = Literal["eligible", "not_eligible", "unknown"]
CriterionStatus = Literal["met", "not_met", "unknown"]

# One letter per criterion, in rule order, as stored in `eligibility.criteria`.
LETTERS: dict[bool | None, str] = {True: "M", False: "N", None: "U"}
CRITERION_STATUS: dict[str, CriterionStatus] = {"M": "met", "N": "not_met", "U": "unknown"}


def status_of(criteria: str) -> Status:
    """Three-valued AND of the criteria: one unmet makes it no, else one unknown makes it unknown."""
    if "N" in criteria:
        return "not_eligible"
    if "U" in criteria:
        return "unknown"
    return "eligible"


class CriterionAnswer(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    status: CriterionStatus
    # The figure the test used (a date, a number of days, a share of the median income ...).
    figure: Any = None


class EligibilityAnswer(msgspec.Struct, frozen=True, kw_only=True):
    person_id: int
    programme_id: str
    rule_version: str
    status: Status
    criteria: str
    period_key: str | None
    explained: tuple[CriterionAnswer, ...] = ()
