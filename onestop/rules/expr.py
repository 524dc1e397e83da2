"""A small expression language for eligibility rules, with two back ends.

A rule is written once, as a tree of these nodes. `SqlCompiler` turns the tree
into a PostgreSQL expression (for the whole population, set-based) and
`evaluate` computes the same tree in Python for one person (to explain each
criterion). Both follow SQL's three-valued logic: an unknown value (NULL,
`None`) makes a comparison unknown, `AND` is false if any side is false and
unknown if any is unknown, and so on. `SqlCompiler` lives in `expr_sql.py`;
`tests/test_eligibility_parity.py` checks that the two back ends agree on
synthetic people.

Only the constructs both back ends implement identically are offered; date
arithmetic clamps to the end of the month as PostgreSQL does.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from onestop.catalog.model import Figure

Value = Any


class Expr:
    """A node. Operators build comparisons: `Feat("age") >= 15`."""

    def _cmp(self, op: str, other: object) -> Cmp:
        return Cmp(op, self, other if isinstance(other, Expr) else Lit(other))

    def __ge__(self, other: object) -> Cmp:
        return self._cmp(">=", other)

    def __gt__(self, other: object) -> Cmp:
        return self._cmp(">", other)

    def __le__(self, other: object) -> Cmp:
        return self._cmp("<=", other)

    def __lt__(self, other: object) -> Cmp:
        return self._cmp("<", other)

    def eq(self, other: object) -> Cmp:
        return self._cmp("=", other)

    def ne(self, other: object) -> Cmp:
        return self._cmp("<>", other)


@dataclass(frozen=True, eq=False)
class Lit(Expr):
    value: Value


@dataclass(frozen=True, eq=False)
class AsOf(Expr):
    """The date the rules are evaluated for."""


@dataclass(frozen=True, eq=False)
class Threshold(Expr):
    """A figure of the catalog as in force on the evaluation date (unknown before it held).

    Rules read every figure the law sets through this node (onestop/rules/thresholds.py),
    so the catalog is the one place a figure is written and dated.
    """

    programme_id: str
    figure: Figure


@dataclass(frozen=True, eq=False)
class Col(Expr):
    """A column of the person fact being aggregated."""

    name: str


@dataclass(frozen=True, eq=False)
class Person(Expr):
    """A column of the person's row in the master registry."""

    name: str


@dataclass(frozen=True, eq=False)
class Feat(Expr):
    """A feature of the person (see features.py)."""

    name: str


@dataclass(frozen=True, eq=False)
class NotLinked(Expr):
    """Data a criterion needs that no linked system provides yet: always unknown."""

    item: str


@dataclass(frozen=True, eq=False)
class Cmp(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class In(Expr):
    operand: Expr
    values: tuple[Value, ...]


@dataclass(frozen=True, eq=False)
class And(Expr):
    parts: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Or(Expr):
    parts: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True, eq=False)
class IsNull(Expr):
    operand: Expr


@dataclass(frozen=True, eq=False)
class Coalesce(Expr):
    parts: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class AddMonths(Expr):
    """A date plus whole months (negative: minus), clamped to the month's end."""

    operand: Expr
    months: int | Expr


@dataclass(frozen=True, eq=False)
class AddDays(Expr):
    operand: Expr
    days: int | Expr


@dataclass(frozen=True, eq=False)
class DaysInclusive(Expr):
    """Days from `first` to `last`, both counted."""

    first: Expr
    last: Expr


@dataclass(frozen=True, eq=False)
class Least(Expr):
    """The smallest known value (unknown values are skipped, as SQL's LEAST does)."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Greatest(Expr):
    parts: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Arith(Expr):
    """Integer arithmetic on non-negative values; `/` truncates."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Case(Expr):
    """`then` when `condition` is true, else `otherwise` (also when unknown)."""

    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, eq=False)
class YearOf(Expr):
    operand: Expr


@dataclass(frozen=True, eq=False)
class StartOfYear(Expr):
    """1 January of the year given as an integer expression."""

    year: Expr


def all_of(*parts: Expr) -> And:
    return And(parts)


def any_of(*parts: Expr) -> Or:
    return Or(parts)


def age_on(day: Expr) -> Expr:
    """Age in full years on `day` (만 나이): birthdays passed, counted as PostgreSQL's `age()`."""
    return Age(Person("birth_date"), day)


@dataclass(frozen=True, eq=False)
class Age(Expr):
    born: Expr
    on: Expr


# --- Python --------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


COMPARISONS: dict[str, Callable[[Value, Value], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Scope:
    """What names mean while evaluating in Python."""

    as_of: date
    person: Mapping[str, Value]
    features: Mapping[str, Value]
    fact: Mapping[str, Value] | None = None


def evaluate(node: Expr, scope: Scope) -> Value:
    match node:
        case Lit(value):
            return value
        case AsOf():
            return scope.as_of
        case Threshold(figure=figure):
            return figure.value_on(scope.as_of)
        case Col(name):
            assert scope.fact is not None, "a fact column outside an aggregate"
            return scope.fact[name]
        case Person(name):
            return scope.person[name]
        case Feat(name):
            return scope.features[name]
        case NotLinked():
            return None
        case Cmp(op, left, right):
            a, b = evaluate(left, scope), evaluate(right, scope)
            return None if a is None or b is None else COMPARISONS[op](a, b)
        case In(operand, values):
            value = evaluate(operand, scope)
            return None if value is None else value in values
        case And(parts):
            results = [evaluate(part, scope) for part in parts]
            if any(result is False for result in results):
                return False
            return None if any(result is None for result in results) else True
        case Or(parts):
            results = [evaluate(part, scope) for part in parts]
            if any(result is True for result in results):
                return True
            return None if any(result is None for result in results) else False
        case Not(operand):
            value = evaluate(operand, scope)
            return None if value is None else not value
        case IsNull(operand):
            return evaluate(operand, scope) is None
        case Coalesce(parts):
            for part in parts:
                value = evaluate(part, scope)
                if value is not None:
                    return value
            return None
        case AddMonths(operand, months):
            value = evaluate(operand, scope)
            count = evaluate(months, scope) if isinstance(months, Expr) else months
            return None if value is None or count is None else add_months(value, count)
        case AddDays(operand, days):
            value = evaluate(operand, scope)
            count = evaluate(days, scope) if isinstance(days, Expr) else days
            return None if value is None or count is None else value + timedelta(days=count)
        case DaysInclusive(first, last):
            a, b = evaluate(first, scope), evaluate(last, scope)
            return None if a is None or b is None else (b - a).days + 1
        case Least(parts) | Greatest(parts):
            known = [v for v in (evaluate(part, scope) for part in parts) if v is not None]
            if not known:
                return None
            return min(known) if isinstance(node, Least) else max(known)
        case Arith(op, left, right):
            a, b = evaluate(left, scope), evaluate(right, scope)
            if a is None or b is None:
                return None
            if op == "/":
                if b == 0:
                    return None
                quotient = abs(a) // abs(b)  # truncated toward zero, as integer `/` in SQL
                return quotient if (a >= 0) == (b >= 0) else -quotient
            return {"+": a + b, "-": a - b, "*": a * b}[op]
        case Case(condition, then, otherwise):
            chosen = then if evaluate(condition, scope) is True else otherwise
            return evaluate(chosen, scope)
        case YearOf(operand):
            value = evaluate(operand, scope)
            return None if value is None else value.year
        case StartOfYear(year):
            value = evaluate(year, scope)
            return None if value is None else date(value, 1, 1)
        case Age(born, on):
            a, b = evaluate(born, scope), evaluate(on, scope)
            return None if a is None or b is None else _age(a, b)
    raise TypeError(f"no evaluation for {node!r}")


def walk(node: Expr) -> list[Expr]:
    """The node and everything under it."""
    found = [node]
    for value in vars(node).values():
        children = value if isinstance(value, tuple) else (value,)
        for child in children:
            if isinstance(child, Expr):
                found.extend(walk(child))
    return found
