"""What a rule is: criteria with legal references, versions by effective date, a period."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from onestop.rules.expr import Expr, Feat, NotLinked, Person, walk
from onestop.rules.features import (
    DATA_ITEMS,
    FACT_KIND_ITEMS,
    FEATURES_BY_NAME,
    PERSON_COLUMN_ITEMS,
    PERSON_FEATURES_BY_NAME,
    DataItem,
)

# How a criterion's figure is shown to the person (see onestop/eligibility/explain.py).
FIGURE_FORMATS = ("date", "days", "age", "percent", "krw", "separation_code", "count")


@dataclass(frozen=True)
class Criterion:
    id: str
    # English message id: what the criterion requires, in words a citizen understands.
    text: str
    # The law and article it comes from (고용보험법 제40조 제1항 제1호).
    reference: str
    test: Expr
    # The figure the test used, shown beside the answer.
    figure: Expr | None = None
    figure_format: str = "date"

    def __post_init__(self) -> None:
        assert self.figure_format in FIGURE_FORMATS, self.figure_format

    def data_items(self) -> list[DataItem]:
        """The data items the test reads, directly or through features."""
        found: dict[str, DataItem] = {}
        pending = walk(self.test)
        seen_features: set[str] = set()
        while pending:
            node = pending.pop()
            if isinstance(node, Feat) and node.name in PERSON_FEATURES_BY_NAME:
                pending.extend(walk(PERSON_FEATURES_BY_NAME[node.name].expr))
            elif isinstance(node, Feat) and node.name not in seen_features:
                seen_features.add(node.name)
                feature = FEATURES_BY_NAME[node.name]
                item = DATA_ITEMS[FACT_KIND_ITEMS[feature.kind]]
                found[item.id] = item
                for part in (feature.value, feature.where):
                    if part is not None:
                        pending.extend(walk(part))
            elif isinstance(node, Person):
                item = DATA_ITEMS[PERSON_COLUMN_ITEMS[node.name]]
                found[item.id] = item
            elif isinstance(node, NotLinked):
                found[node.item] = DATA_ITEMS[node.item]
        return sorted(found.values(), key=lambda item: item.id)

    def needs_unlinked_data(self) -> bool:
        return any(isinstance(node, NotLinked) for node in walk(self.test))


@dataclass(frozen=True)
class RuleVersion:
    """A rule as the law stood from `effective_from` until `effective_to` (exclusive)."""

    effective_from: date
    criteria: tuple[Criterion, ...]
    # The eligibility period: the key that decides whether a person was already told.
    period: Expr
    period_text: str
    effective_to: date | None = None
    # Why this version exists (the change of law it follows).
    change: str = ""

    def applies_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


@dataclass(frozen=True)
class Rule:
    programme_id: str
    versions: tuple[RuleVersion, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        ordered = sorted(self.versions, key=lambda v: v.effective_from)
        for earlier, later in itertools.pairwise(ordered):
            assert earlier.effective_to == later.effective_from, (
                f"{self.programme_id}: versions must meet without gap or overlap"
            )

    def version_on(self, day: date) -> RuleVersion | None:
        for version in self.versions:
            if version.applies_on(day):
                return version
        return None

    def version_id(self, version: RuleVersion) -> str:
        return f"{self.programme_id}@{version.effective_from.isoformat()}"
