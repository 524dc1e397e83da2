"""The SQL back end of the rule language (see expr.py for the nodes and the Python one).

Every constant becomes a typed `$n` parameter; only column names (from our own
rule definitions, never from input) are written into the text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from onestop.rules.expr import (
    COMPARISONS,
    AddDays,
    AddMonths,
    Age,
    And,
    Arith,
    AsOf,
    Case,
    Cmp,
    Coalesce,
    Col,
    DaysInclusive,
    Expr,
    Feat,
    Greatest,
    In,
    IsNull,
    Least,
    Lit,
    Not,
    NotLinked,
    Or,
    Person,
    StartOfYear,
    Threshold,
    Value,
    YearOf,
)


def _sql_type(value: Value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, date):
        return "date"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list) and value:
        return _sql_type(value[0]) + "[]"
    raise TypeError(f"no SQL type for {value!r}")


class SqlCompiler:
    """Compiles nodes to SQL text; every constant becomes a typed `$n` parameter.

    `names` maps `Col`, `Person` and `Feat` to the SQL that reads them in the
    statement being built. Parameter `$1` is always the evaluation date.
    """

    def __init__(self, params: list[Value], names: Callable[[Expr], str]) -> None:
        self.params = params
        self.names = names
        # One parameter per distinct constant: PostgreSQL then sees identical
        # aggregate calls (the per-kind counts of every feature) and computes each once.
        self._numbers: dict[tuple[str, Any], str] = {}

    def param(self, value: Value) -> str:
        key = (type(value).__name__, tuple(value) if isinstance(value, list) else value)
        if key not in self._numbers:
            self.params.append(value)
            self._numbers[key] = f"${len(self.params)}::{_sql_type(value)}"
        return self._numbers[key]

    def _count(self, count: int | Expr) -> str:
        """A whole number of months or days: written in, or an integer expression."""
        return f"({self.sql(count)})::int" if isinstance(count, Expr) else str(int(count))

    def many(self, parts: Sequence[Expr], separator: str) -> str:
        return "(" + separator.join(self.sql(part) for part in parts) + ")"

    def sql(self, node: Expr) -> str:
        match node:
            case Lit(value):
                return "NULL" if value is None else self.param(value)
            case AsOf():
                return "$1::date"
            case Threshold(figure=figure):
                # Statements are built for one evaluation date ($1): the figure in force then.
                value = figure.value_on(self.params[0])
                return "NULL::bigint" if value is None else self.param(value)
            case Col() | Person() | Feat():
                return self.names(node)
            case NotLinked():
                return "NULL::boolean"
            case Cmp(op, left, right):
                assert op in COMPARISONS
                return f"({self.sql(left)} {op} {self.sql(right)})"
            case In(operand, values):
                listed = ", ".join(self.param(value) for value in values)
                return f"({self.sql(operand)} IN ({listed}))"
            case And(parts):
                return self.many(parts, " AND ")
            case Or(parts):
                return self.many(parts, " OR ")
            case Not(operand):
                return f"(NOT {self.sql(operand)})"
            case IsNull(operand):
                return f"({self.sql(operand)} IS NULL)"
            case Coalesce(parts):
                return "COALESCE" + self.many(parts, ", ")
            case AddMonths(operand, months):
                count = self._count(months)
                return f"(({self.sql(operand)} + make_interval(months => {count}))::date)"
            case AddDays(operand, days):
                return f"({self.sql(operand)} + {self._count(days)})"
            case DaysInclusive(first, last):
                return f"({self.sql(last)} - {self.sql(first)} + 1)"
            case Least(parts):
                return "LEAST" + self.many(parts, ", ")
            case Greatest(parts):
                return "GREATEST" + self.many(parts, ", ")
            case Arith(op, left, right):
                assert op in "+-*/"
                if op == "/":
                    return f"({self.sql(left)} / NULLIF({self.sql(right)}, 0))"
                return f"({self.sql(left)} {op} {self.sql(right)})"
            case Case(condition, then, otherwise):
                return (
                    f"(CASE WHEN {self.sql(condition)} THEN {self.sql(then)} "
                    f"ELSE {self.sql(otherwise)} END)"
                )
            case YearOf(operand):
                return f"(extract(year FROM {self.sql(operand)})::int)"
            case StartOfYear(year):
                return f"make_date(({self.sql(year)})::int, 1, 1)"
            case Age(born, on):
                return f"(extract(year FROM age({self.sql(on)}, {self.sql(born)}))::int)"
        raise TypeError(f"no SQL for {node!r}")
