"""Eligibility for the whole population, as set-based SQL compiled from the rules.

Two statements build a temporary table of every person's features (one pass
over `people` and `person_facts`, then one over the facts that level-2
features read); then one statement per rule writes the `eligibility` rows:
only people who are eligible or unknown, or whose answer changed. The SQL is
generated from the same definitions `person.py` evaluates, and every constant
is a parameter.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
import msgspec

from onestop.eligibility.answers import EligibilityAnswer
from onestop.rules.expr import Col, Expr, Feat, Person, SqlCompiler
from onestop.rules.features import FEATURES, PERSON_COLUMNS, STALE_AFTER_DAYS, Aggregate
from onestop.rules.model import Rule, RuleVersion
from onestop.rules.programmes import RULES

_LEVEL_1 = "eligibility_features_1"
_FEATURES = "eligibility_features"


def _aggregate_sql(compiler: SqlCompiler, feature: Aggregate) -> str:
    kind = compiler.param(feature.kind)
    of_kind = f"f.kind = {kind}"
    selected = of_kind if feature.where is None else f"{of_kind} AND {compiler.sql(feature.where)}"
    if feature.function == "count":
        value = f"count(*) FILTER (WHERE {selected})"
    else:
        assert feature.value is not None and feature.function in {"sum", "max", "min", "bool_or"}
        value = f"{feature.function}({compiler.sql(feature.value)}) FILTER (WHERE {selected})"
    empty = "NULL" if feature.empty is None else compiler.param(feature.empty)
    refreshed = "(f.refreshed_at AT TIME ZONE 'Asia/Seoul')::date"
    return (
        f"CASE WHEN count(*) FILTER (WHERE {of_kind}) = 0 THEN {empty} "
        f"WHEN max({refreshed}) FILTER (WHERE {of_kind}) < $1::date - {STALE_AFTER_DAYS} "
        f"THEN NULL ELSE {value} END"
    )


def _names(facts: str, features: str | None, person: str) -> Any:
    def name(node: Expr) -> str:
        match node:
            case Col(column):
                return f"{facts}.{column}"
            case Feat(feature) if features is not None:
                return f'{features}."{feature}"'
            case Person(column):
                return f"{person}.{column}"
        raise ValueError(f"{node!r} cannot be read here")

    return name


def feature_statements(
    as_of: date, person_ids: Sequence[int] | None
) -> list[tuple[str, list[Any]]]:
    """The statements that fill the temporary features table, with their parameters."""
    statements: list[tuple[str, list[Any]]] = []
    params: list[Any] = [as_of]
    where = ""
    if person_ids is not None:
        params.append(list(person_ids))
        where = "WHERE p.id = ANY($2::bigint[])"
    compiler = SqlCompiler(params, _names("f", None, "p"))
    columns = ",\n       ".join(
        f'{_aggregate_sql(compiler, feature)} AS "{feature.name}"'
        for feature in FEATURES
        if feature.level == 1
    )
    person_columns = ", ".join(f"p.{column}" for column in PERSON_COLUMNS)
    statements.append(
        (
            f"""
            CREATE TEMPORARY TABLE {_LEVEL_1} ON COMMIT DROP AS
            SELECT p.id AS person_id, {person_columns},
                   {columns}
            FROM people p LEFT JOIN person_facts f ON f.person_id = p.id
            {where}
            GROUP BY p.id
            """,
            params,
        )
    )
    statements.append((f"ALTER TABLE {_LEVEL_1} ADD PRIMARY KEY (person_id)", []))
    level_2 = [feature for feature in FEATURES if feature.level == 2]
    params_2: list[Any] = [as_of]
    compiler = SqlCompiler(params_2, _names("f", "b", "b"))
    columns = ",\n       ".join(
        f'{_aggregate_sql(compiler, feature)} AS "{feature.name}"' for feature in level_2
    )
    kinds = compiler.param(sorted({feature.kind for feature in level_2}))
    statements.append(
        (
            f"""
            CREATE TEMPORARY TABLE {_FEATURES} ON COMMIT DROP AS
            SELECT b.*,
                   {columns}
            FROM {_LEVEL_1} b
            LEFT JOIN person_facts f ON f.person_id = b.person_id AND f.kind = ANY({kinds})
            GROUP BY b.person_id
            """,
            params_2,
        )
    )
    return statements


def answers_query(rule: Rule, version: RuleVersion, as_of: date) -> tuple[str, list[Any]]:
    """SELECT person_id, criteria, status, period_key for everyone in the features table.

    `$1` is the evaluation date, `$2` the programme id and `$3` the rule version.
    """
    params: list[Any] = [as_of, rule.programme_id, rule.version_id(version)]
    compiler = SqlCompiler(params, _names("ef", "ef", "ef"))
    letters = " || ".join(
        f"(CASE {compiler.sql(criterion.test)} WHEN TRUE THEN 'M' WHEN FALSE THEN 'N' ELSE 'U' END)"
        for criterion in version.criteria
    )
    period = compiler.sql(version.period)
    return (
        f"""
        SELECT person_id, $2::text AS programme_id, $3::text AS rule_version,
               criteria, period_key,
               CASE WHEN strpos(criteria, 'N') > 0 THEN 'not_eligible'
                    WHEN strpos(criteria, 'U') > 0 THEN 'unknown'
                    ELSE 'eligible' END AS status
        FROM (
            SELECT ef.person_id, {letters} AS criteria, ({period})::text AS period_key
            FROM {_FEATURES} ef
        ) computed
        """,
        params,
    )


_WRITE = """
INSERT INTO eligibility AS e
    (person_id, programme_id, rule_version, status, criteria, period_key, decided_on)
SELECT a.person_id, $2::text, $3::text, a.status, a.criteria, a.period_key, $1::date
FROM ({answers}) a
LEFT JOIN eligibility old ON old.person_id = a.person_id AND old.programme_id = $2::text
-- Only new answers worth keeping, and changed ones: an unchanged row is not touched.
WHERE (a.status <> 'not_eligible' OR old.status <> 'not_eligible')
  AND (old.person_id IS NULL
       OR (old.status, old.criteria, old.period_key, old.rule_version)
          IS DISTINCT FROM (a.status, a.criteria, a.period_key, $3::text))
ON CONFLICT (person_id, programme_id) DO UPDATE SET
    rule_version = excluded.rule_version,
    status = excluded.status,
    criteria = excluded.criteria,
    period_key = excluded.period_key,
    decided_on = excluded.decided_on,
    changed_at = now()
"""


class PopulationRun(msgspec.Struct, frozen=True, kw_only=True):
    as_of: date
    people: int
    # Rows written per programme (new or changed answers).
    written: dict[str, int]
    seconds: float


async def _build_features(
    conn: asyncpg.Connection, as_of: date, person_ids: Sequence[int] | None
) -> int:
    await conn.execute("SET LOCAL work_mem = '256MB'")
    for sql, params in feature_statements(as_of, person_ids):
        await conn.execute(sql, *params)
    people: int = await conn.fetchval(f"SELECT count(*) FROM {_FEATURES}")
    await conn.execute(f"ANALYZE {_FEATURES}")
    return people


async def population_answers(
    conn: asyncpg.Connection, as_of: date, person_ids: Sequence[int]
) -> list[EligibilityAnswer]:
    """The SQL back end's answers for the given people, without writing anything."""
    answers: list[EligibilityAnswer] = []
    async with conn.transaction():
        await _build_features(conn, as_of, person_ids)
        for rule in RULES.values():
            version = rule.version_on(as_of)
            if version is None:
                continue
            sql, params = answers_query(rule, version, as_of)
            for row in await conn.fetch(sql, *params):
                answers.append(
                    EligibilityAnswer(
                        person_id=row["person_id"],
                        programme_id=rule.programme_id,
                        rule_version=rule.version_id(version),
                        status=row["status"],
                        criteria=row["criteria"],
                        period_key=row["period_key"],
                    )
                )
    return answers


async def evaluate_population(
    conn: asyncpg.Connection, as_of: date, person_ids: Sequence[int] | None = None
) -> PopulationRun:
    """Evaluate every rule for everyone (or the given people) and write what changed.

    Runs in one transaction: a run either writes all its answers or none.
    """
    started = time.perf_counter()
    written: dict[str, int] = {}
    async with conn.transaction():
        people = await _build_features(conn, as_of, person_ids)
        for rule in RULES.values():
            version = rule.version_on(as_of)
            if version is None:
                continue
            sql, params = answers_query(rule, version, as_of)
            status = await conn.execute(_WRITE.format(answers=sql), *params)
            written[rule.programme_id] = int(status.rsplit(" ", 1)[-1])
        seconds = time.perf_counter() - started
        await conn.execute(
            """
            INSERT INTO eligibility_runs (as_of, people, written, seconds, scope)
            VALUES ($1, $2, $3, $4, $5)
            """,
            as_of,
            people,
            msgspec.json.encode(written).decode(),
            seconds,
            "everyone" if person_ids is None else "people",
        )
    return PopulationRun(as_of=as_of, people=people, written=written, seconds=seconds)
