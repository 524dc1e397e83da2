"""Eligibility for facts a caller supplies (anonymous; for the Open API later).

The facts are checked against the same shape rules as `person_facts` (each
kind has the fields it must have), then evaluated by the same Python back end
as a signed-in person. Supplied facts count as fresh on the evaluation date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from foundation.problems import BadInput, InvalidInput
from i18n import N_
from onestop.eligibility.answers import EligibilityAnswer
from onestop.eligibility.person import PersonInputs, evaluate_inputs

MAX_FACTS = 200
FactKind = Literal[
    "employment_insurance",
    "wage",
    "child",
    "household_income",
    "job_seeker_registration",
    "wage_arrears",
]
_REQUIRED: dict[str, tuple[str, ...]] = {
    "employment_insurance": ("valid_from", "paid_base_days"),
    "wage": ("valid_from", "amount_krw"),
    "child": ("child_birth_date",),
    "household_income": ("income_percentile", "reference_year"),
    "job_seeker_registration": ("valid_from",),
    "wage_arrears": ("valid_from", "amount_krw"),
}
_SEPARATION_CODES = ("11", "12", "22", "23", "26", "31", "32", "41", "42")
UNKNOWN_SEPARATION_CODE = N_("This reason code does not exist.")


class SuppliedFact(msgspec.Struct, frozen=True, kw_only=True):
    kind: FactKind
    valid_from: date | None = None
    valid_to: date | None = None
    separation_code: (
        Annotated[
            str,
            msgspec.Meta(
                pattern="^(?:" + "|".join(_SEPARATION_CODES) + ")$",
                extra={"invalid": UNKNOWN_SEPARATION_CODE},
            ),
        ]
        | None
    ) = None
    paid_base_days: Annotated[int, msgspec.Meta(ge=0, le=20_000)] | None = None
    amount_krw: Annotated[int, msgspec.Meta(ge=0, le=10_000_000_000)] | None = None
    child_birth_date: date | None = None
    income_percentile: Annotated[float, msgspec.Meta(ge=0, le=1_000)] | None = None
    reference_year: Annotated[int, msgspec.Meta(ge=1990, le=2100)] | None = None


class EligibilityCheckRequest(msgspec.Struct, frozen=True, kw_only=True):
    birth_date: date
    facts: Annotated[list[SuppliedFact], msgspec.Meta(max_length=MAX_FACTS)] = []
    # The day to evaluate for; today in Korea if absent.
    as_of: date | None = None


def _wrong(request: EligibilityCheckRequest, as_of: date) -> list[BadInput]:
    wrong: list[BadInput] = []

    def bad(name: str, message: str, **params: object) -> None:
        wrong.append(BadInput(name, message, params))

    if request.birth_date > as_of:
        bad("birth_date", N_("The birth date cannot be after the day we check for."))
    for index, fact in enumerate(request.facts):
        for name in _REQUIRED[fact.kind]:
            if getattr(fact, name) is None:
                bad(f"facts[{index}].{name}", N_("This kind of record needs this field."))
        if fact.valid_from and fact.valid_to and fact.valid_to < fact.valid_from:
            bad(f"facts[{index}].valid_to", N_("The end date cannot be before the start date."))
        if fact.kind == "employment_insurance":
            ended = fact.valid_to is not None
            if ended != (fact.separation_code is not None):
                bad(
                    f"facts[{index}].separation_code",
                    N_("A finished job needs the reason for leaving; a current job has none."),
                )
            elif fact.separation_code is not None and fact.separation_code not in _SEPARATION_CODES:
                bad(f"facts[{index}].separation_code", UNKNOWN_SEPARATION_CODE)
    return wrong


def check_supplied_facts(request: EligibilityCheckRequest, as_of: date) -> list[EligibilityAnswer]:
    """Every programme's answer for the supplied facts, or InvalidInput naming each wrong
    input."""
    wrong = _wrong(request, as_of)
    if wrong:
        raise InvalidInput(*wrong)
    facts: list[dict[str, Any]] = []
    for fact in request.facts:
        row = msgspec.structs.asdict(fact)
        if row["income_percentile"] is not None:
            row["income_percentile"] = Decimal(str(row["income_percentile"]))
        facts.append({**row, "employer_id": None, "refreshed_on": as_of})
    inputs = PersonInputs(
        person={"birth_date": request.birth_date, "deceased_on": None}, facts=tuple(facts)
    )
    return evaluate_inputs(0, inputs, as_of)
