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
from onestop.rules.expr import Col, Expr, Feat, Person
from onestop.rules.expr_sql import SqlCompiler
from onestop.rules.features import (
    FEATURES,
    PERSON_COLUMNS,
    PERSON_FEATURES,
    STALE_AFTER_DAYS,
    Aggregate,
)
from onestop.rules.model import Rule, RuleVersion
from onestop.rules.programmes import RULES

_LEVEL_1 = "eligibility_features_1"
_FEATURES = "eligibility_features"


def _value_sql(compiler: SqlCompiler, feature: Aggregate) -> str:
    """The aggregate over one kind's facts (the subquery already holds only that kind)."""
    where = "" if feature.where is None else f" FILTER (WHERE {compiler.sql(feature.where)})"
    if feature.function == "count":
        return f"count(*){where}"
    assert feature.value is not None and feature.function in {"sum", "max", "min", "bool_or"}
    return f"{feature.function}({compiler.sql(feature.value)}){where}"


def _empty(compiler: SqlCompiler, feature: Aggregate) -> str:
    return "NULL" if feature.empty is None else compiler.param(feature.empty)


def _kind_alias(kind: str) -> str:
    assert kind.replace("_", "").isalpha(), kind
    return f"k_{kind}"


def _per_kind(
    compiler: SqlCompiler, features: list[Aggregate], join: str, only: str = ""
) -> tuple[list[str], list[str]]:
    """One aggregate subquery per fact kind, and the columns that read it.

    Each kind's facts are read once, by their own index range, and only the
    aggregates of that kind run over them (wage facts, which no rule reads, are
    never touched). A person with no facts of the kind gets `empty`; one whose
    facts of the kind are stale gets unknown.
    """
    joins: list[str] = []
    columns: list[str] = []
    for kind in dict.fromkeys(feature.kind for feature in features):
        alias = _kind_alias(kind)
        of_kind = [feature for feature in features if feature.kind == kind]
        values = ", ".join(
            f'{_value_sql(compiler, feature)} AS "{feature.name}"' for feature in of_kind
        )
        joins.append(
            f"""LEFT JOIN (
                SELECT f.person_id,
                       (max(f.refreshed_at) AT TIME ZONE 'Asia/Seoul')::date AS refreshed_on,
                       {values}
                FROM person_facts f {join}
                WHERE f.kind = {compiler.param(kind)} {only}
                GROUP BY f.person_id
            ) {alias} ON {alias}.person_id = p.person_id"""
        )
        for feature in of_kind:
            columns.append(
                f"CASE WHEN {alias}.person_id IS NULL THEN {_empty(compiler, feature)} "
                f"WHEN {alias}.refreshed_on < $1::date - {STALE_AFTER_DAYS} THEN NULL "
                f'ELSE {alias}."{feature.name}" END AS "{feature.name}"'
            )
    return joins, columns


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
    params: list[Any] = [as_of]
    where = ""
    if person_ids is not None:
        params.append(list(person_ids))
        where = "WHERE p.person_id = ANY($2::bigint[])"
    compiler = SqlCompiler(params, _names("f", None, "p"))
    derived = [f'{compiler.sql(d.expr)} AS "{d.name}"' for d in PERSON_FEATURES]
    joins, columns = _per_kind(
        compiler,
        [f for f in FEATURES if f.level == 1],
        "",
        "AND f.person_id = ANY($2::bigint[])" if person_ids is not None else "",
    )
    person_columns = ", ".join(f"{column}" for column in PERSON_COLUMNS)
    level_1 = f"""
        CREATE TEMPORARY TABLE {_LEVEL_1} ON COMMIT DROP AS
        SELECT p.person_id, {", ".join(f"p.{c}" for c in PERSON_COLUMNS)},
               {", ".join(derived + columns)}
        FROM (SELECT id AS person_id, {person_columns} FROM people) p
        {" ".join(joins)}
        {where}
    """
    # Level 2 reads level-1 features (`b`): the facts are joined to them, kind by kind.
    params_2: list[Any] = [as_of]
    compiler = SqlCompiler(params_2, _names("f", "b", "b"))
    joins, columns = _per_kind(
        compiler,
        [f for f in FEATURES if f.level == 2],
        f"JOIN {_LEVEL_1} b ON b.person_id = f.person_id",
    )
    level_2 = f"""
        CREATE TEMPORARY TABLE {_FEATURES} ON COMMIT DROP AS
        SELECT p.*, {", ".join(columns)}
        FROM {_LEVEL_1} p
        {" ".join(joins)}
    """
    return [(level_1, params), (f"ANALYZE {_LEVEL_1}", []), (level_2, params_2)]


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
    # OFFSET 0 keeps the criteria computed once per person (PostgreSQL would otherwise
    # inline the expression wherever `criteria` is read).
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
            OFFSET 0
        ) computed
        """,
        params,
    )


# One statement per rule: only the answers that changed (a new answer that is not "no",
# or one that differs from the row kept), then an UPDATE of the known rows and an INSERT
# of the new ones. Unchanged rows are not touched; the runs are serialised by a lock.
_WRITE = """
WITH changed AS MATERIALIZED (
    SELECT computed.*, old.person_id IS NOT NULL AS known
    FROM ({answers}) computed
    LEFT JOIN eligibility old
        ON old.programme_id = $2::text AND old.person_id = computed.person_id
    WHERE (computed.status <> 'not_eligible' OR old.status <> 'not_eligible')
      AND (old.person_id IS NULL
           OR (old.status, old.criteria, old.period_key, old.rule_version)
              IS DISTINCT FROM
              (computed.status, computed.criteria, computed.period_key, computed.rule_version))
),
updated AS (
    UPDATE eligibility e SET
        rule_version = c.rule_version, status = c.status, criteria = c.criteria,
        period_key = c.period_key, decided_on = $1::date, changed_at = now()
    FROM changed c
    WHERE c.known AND e.programme_id = $2::text AND e.person_id = c.person_id
    RETURNING 1
),
inserted AS (
    INSERT INTO eligibility
        (person_id, programme_id, rule_version, status, criteria, period_key, decided_on)
    SELECT c.person_id, $2::text, c.rule_version, c.status, c.criteria, c.period_key, $1::date
    FROM changed c
    WHERE NOT c.known
    RETURNING 1
)
SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted)
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
    # A population run is a batch job: the API's per-statement limit is not for it.
    await conn.execute("SET LOCAL statement_timeout = '30min'")
    # One run at a time (the nightly run and a run for one person's new facts).
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('eligibility-run'))")
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
            written[rule.programme_id] = await conn.fetchval(_WRITE.format(answers=sql), *params)
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
