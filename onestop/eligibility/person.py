"""Eligibility for one person, evaluated in Python from the same rule definitions.

This is the back end that explains: it keeps the figure each criterion used.
`population.py` computes the same answers in SQL for everyone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import asyncpg
import msgspec

from onestop.eligibility.answers import LETTERS, CriterionAnswer, EligibilityAnswer, status_of
from onestop.rules.expr import Scope, evaluate
from onestop.rules.features import (
    FEATURES,
    PERSON_COLUMNS,
    PERSON_FEATURES,
    STALE_AFTER_DAYS,
    Aggregate,
)
from onestop.rules.model import Rule
from onestop.rules.programmes import RULES

_FACT_COLUMNS = (
    "kind", "valid_from", "valid_to", "employer_id", "separation_code", "paid_base_days",
    "amount_krw", "child_birth_date", "income_percentile", "reference_year",
)  # fmt: skip


class PersonInputs(msgspec.Struct, frozen=True, kw_only=True):
    """What the rules read about one person: their registry row and their facts."""

    person: dict[str, Any]
    facts: tuple[dict[str, Any], ...]


async def load_person_inputs(conn: asyncpg.Connection, person_id: int) -> PersonInputs | None:
    person = await conn.fetchrow(
        f"SELECT {', '.join(PERSON_COLUMNS)} FROM people WHERE id = $1",
        person_id,
    )
    if person is None:
        return None
    facts = await conn.fetch(
        f"""
        SELECT {", ".join(_FACT_COLUMNS)},
               (refreshed_at AT TIME ZONE 'Asia/Seoul')::date AS refreshed_on
        FROM person_facts WHERE person_id = $1
        """,
        person_id,
    )
    return PersonInputs(person=dict(person), facts=tuple(dict(fact) for fact in facts))


def _aggregate(feature: Aggregate, scope: Scope, facts: list[Mapping[str, Any]]) -> Any:
    if not facts:
        return feature.empty
    if max(fact["refreshed_on"] for fact in facts) < scope.as_of - timedelta(days=STALE_AFTER_DAYS):
        return None
    selected = [
        fact
        for fact in facts
        if feature.where is None
        or evaluate(feature.where, Scope(scope.as_of, scope.person, scope.features, fact)) is True
    ]
    if feature.function == "count":
        return len(selected)
    assert feature.value is not None
    values = [
        value
        for value in (
            evaluate(feature.value, Scope(scope.as_of, scope.person, scope.features, fact))
            for fact in selected
        )
        if value is not None
    ]
    if not values:
        return None
    match feature.function:
        case "sum":
            return sum(values)
        case "max":
            return max(values)
        case "min":
            return min(values)
        case "bool_or":
            return any(values)
    raise ValueError(feature.function)


def compute_features(as_of: date, inputs: PersonInputs) -> dict[str, Any]:
    by_kind: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for fact in inputs.facts:
        by_kind[fact["kind"]].append(fact)
    features: dict[str, Any] = {}
    scope = Scope(as_of, inputs.person, features)
    for derived in PERSON_FEATURES:
        features[derived.name] = evaluate(derived.expr, scope)
    for level in (1, 2):
        for feature in FEATURES:
            if feature.level == level:
                features[feature.name] = _aggregate(feature, scope, by_kind[feature.kind])
    return features


def evaluate_rule(
    rule: Rule, as_of: date, person_id: int, inputs: PersonInputs, features: dict[str, Any]
) -> EligibilityAnswer | None:
    """The answer of the rule version in force on `as_of`, or None if none is."""
    version = rule.version_on(as_of)
    if version is None:
        return None
    scope = Scope(as_of, inputs.person, features)
    explained: list[CriterionAnswer] = []
    letters = []
    for criterion in version.criteria:
        result = evaluate(criterion.test, scope)
        letter = LETTERS[None if result is None else bool(result)]
        letters.append(letter)
        figure = None if criterion.figure is None else evaluate(criterion.figure, scope)
        explained.append(
            CriterionAnswer(
                id=criterion.id,
                status="met" if letter == "M" else "not_met" if letter == "N" else "unknown",
                figure=figure,
            )
        )
    criteria = "".join(letters)
    period = evaluate(version.period, scope)
    return EligibilityAnswer(
        person_id=person_id,
        programme_id=rule.programme_id,
        rule_version=rule.version_id(version),
        status=status_of(criteria),
        criteria=criteria,
        period_key=None if period is None else str(period),
        explained=tuple(explained),
    )


def evaluate_inputs(
    person_id: int, inputs: PersonInputs, as_of: date, rules: Iterable[Rule] | None = None
) -> list[EligibilityAnswer]:
    features = compute_features(as_of, inputs)
    answers = []
    for rule in rules if rules is not None else RULES.values():
        answer = evaluate_rule(rule, as_of, person_id, inputs, features)
        if answer is not None:
            answers.append(answer)
    return answers


async def evaluate_person(
    conn: asyncpg.Connection, person_id: int, as_of: date
) -> list[EligibilityAnswer]:
    """Every programme's answer for one person on `as_of`, with the figures used."""
    inputs = await load_person_inputs(conn, person_id)
    if inputs is None:
        return []
    return evaluate_inputs(person_id, inputs, as_of)
