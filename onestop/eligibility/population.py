"""Eligibility for the whole population, as set-based SQL compiled from the rules.

One statement builds a temporary table of every person's features (one pass
over `people` merge-joined to their facts, with a window giving level-2
features the level-1 values they read); then one statement per rule writes the
`eligibility` rows:
only people who are eligible or unknown, or whose answer changed. The SQL is
generated from the same definitions `person.py` evaluates, and every constant
is a parameter.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import asyncpg
import msgspec

from onestop.eligibility.answers import EligibilityAnswer
from onestop.rules.expr import Col, Expr, Feat, Person, walk
from onestop.rules.expr_sql import SqlCompiler
from onestop.rules.features import (
    FEATURES,
    FEATURES_BY_NAME,
    PERSON_COLUMNS,
    PERSON_FEATURES,
    PERSON_FEATURES_BY_NAME,
    STALE_AFTER_DAYS,
    Aggregate,
)
from onestop.rules.model import Rule, RuleVersion
from onestop.rules.programmes import RULES

_FEATURES = "eligibility_features"
# The fact columns that features read.
_FACT_COLUMNS = sorted(
    {"kind"}
    | {
        node.name
        for feature in FEATURES
        for part in (feature.value, feature.where)
        if part is not None
        for node in walk(part)
        if isinstance(node, Col)
    }
)


def _feature_columns(node: Expr) -> str:
    """Rules read the features table: features and person columns are its columns."""
    match node:
        case Feat(name) | Person(name):
            return f'ef."{name}"'
    raise ValueError(f"{node!r} cannot be read here")


def _value_sql(compiler: SqlCompiler, feature: Aggregate, over: str = "") -> str:
    """The aggregate over the person's facts of the feature's kind (and `where`)."""
    where = f"f.kind = {compiler.param(feature.kind)}"
    if feature.where is not None:
        where += f" AND {compiler.sql(feature.where)}"
    if feature.function == "count":
        return f"count(*) FILTER (WHERE {where}){over}"
    assert feature.value is not None and feature.function in {"sum", "max", "min", "bool_or"}
    return f"{feature.function}({compiler.sql(feature.value)}) FILTER (WHERE {where}){over}"


def _feature_sql(compiler: SqlCompiler, feature: Aggregate, value: str, kind: str = "") -> str:
    """The feature's value: `empty` without facts of its kind, unknown if they are stale.

    `kind` names the columns holding the count and the last refresh of the person's facts
    of the feature's kind (those of a window); without it they are aggregated here.
    """
    where = f"WHERE f.kind = {compiler.param(feature.kind)}"
    count, refreshed = (
        (f"f.{kind}_facts", f"f.{kind}_refreshed_on")
        if kind
        else (f"count(*) FILTER ({where})", f"max(f.refreshed_on) FILTER ({where})")
    )
    empty = "NULL" if feature.empty is None else compiler.param(feature.empty)
    return (
        f"CASE WHEN {count} = 0 THEN {empty} "
        f"WHEN {refreshed} < $1::date - {STALE_AFTER_DAYS} THEN NULL ELSE {value} END"
    )


def _names(compiler: Callable[[], SqlCompiler]) -> Callable[[Expr], str]:
    def name(node: Expr) -> str:
        match node:
            case Col(column) | Person(column):
                return f"f.{column}"
            case Feat(feature) if feature in PERSON_FEATURES_BY_NAME:
                return compiler().sql(PERSON_FEATURES_BY_NAME[feature].expr)
            case Feat(feature) if FEATURES_BY_NAME[feature].level == 1:
                return f'f."{feature}"'
        raise ValueError(f"{node!r} cannot be read here")

    return name


def feature_statements(
    as_of: date, person_ids: Sequence[int] | None
) -> list[tuple[str, list[Any]]]:
    """The statement that fills the temporary features table, with its parameters.

    One pass over `people` joined to their facts, in person order: a window over each
    person's facts gives the level-1 features that level-2 features read, and one
    grouping computes every feature (each aggregate filtered to its fact kind).
    """
    params: list[Any] = [as_of]
    where = ""
    if person_ids is not None:
        params.append(list(person_ids))
        where = "WHERE p.id = ANY($2::bigint[])"
    compiler = SqlCompiler(params, _names(lambda: compiler))
    level_2 = [feature for feature in FEATURES if feature.level == 2]
    all_kinds = sorted({feature.kind for feature in FEATURES})
    read_by_level_2 = {
        node.name
        for feature in level_2
        for part in (feature.value, feature.where)
        if part is not None
        for node in walk(part)
        if isinstance(node, Feat) and node.name in FEATURES_BY_NAME
    }
    windowed = [FEATURES_BY_NAME[name] for name in sorted(read_by_level_2)]
    kinds = dict.fromkeys(feature.kind for feature in windowed)
    window = [
        f"count(*) FILTER (WHERE f.kind = {compiler.param(kind)}) OVER person AS {kind}_facts, "
        f"max(f.refreshed_on) FILTER (WHERE f.kind = {compiler.param(kind)}) OVER person "
        f"AS {kind}_refreshed_on"
        for kind in kinds
    ] + [
        f'{_value_sql(compiler, feature, " OVER person")} AS "{feature.name}_window"'
        for feature in windowed
    ]
    level_1 = [
        _feature_sql(compiler, feature, f'f."{feature.name}_window"', feature.kind)
        + f' AS "{feature.name}"'
        for feature in windowed
    ]
    aggregates = [f"min(f.{column}) AS {column}" for column in PERSON_COLUMNS] + [
        f'{_feature_sql(compiler, feature, _value_sql(compiler, feature))} AS "{feature.name}"'
        for feature in FEATURES
    ]
    derived = [f'{compiler.sql(d.expr)} AS "{d.name}"' for d in PERSON_FEATURES]
    people = ", ".join(f"p.{column}" for column in PERSON_COLUMNS)
    facts = ", ".join(f"f.{column}" for column in _FACT_COLUMNS)
    features = f"""
        CREATE TEMPORARY TABLE {_FEATURES} ON COMMIT DROP AS
        SELECT f.*, {", ".join(derived)}
        FROM (
            SELECT f.person_id, {", ".join(aggregates)}
            FROM (
                SELECT f.*, {", ".join(level_1)}
                FROM (
                    SELECT f.*, {", ".join(window)}
                    FROM (
                        SELECT p.id AS person_id, {people}, {facts},
                               (f.refreshed_at AT TIME ZONE 'Asia/Seoul')::date AS refreshed_on
                        FROM people p
                        LEFT JOIN person_facts f
                            ON f.person_id = p.id AND f.kind = ANY({compiler.param(all_kinds)})
                        {where}
                    ) f
                    WINDOW person AS (PARTITION BY f.person_id)
                ) f
            ) f
            GROUP BY f.person_id
        ) f
    """
    return [(features, params)]


def answers_query(rule: Rule, version: RuleVersion, as_of: date) -> tuple[str, list[Any]]:
    """SELECT person_id, criteria, status, period_key for everyone in the features table.

    `$1` is the evaluation date, `$2` the programme id and `$3` the rule version.
    """
    params: list[Any] = [as_of, rule.programme_id, rule.version_id(version)]
    compiler = SqlCompiler(params, _feature_columns)
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


def write_query(rule: Rule, version: RuleVersion, as_of: date) -> tuple[str, list[Any]]:
    """The statement writing one rule's changed answers; it returns the rows written.

    Only the answers that changed are written (a new answer that is not "no", or one that
    differs from the row kept): an UPDATE of the known rows and an INSERT of the new ones;
    unchanged rows are not touched, and the runs are serialised by a lock. `passed` (the
    criteria joined by AND) is the status: false when a criterion is false, unknown when
    none is false but one is unknown. AND stops at the first false criterion, so the
    letters and the period are computed only for the people who can be written: those not
    refused, and those whose kept answer was not "no".
    """
    params: list[Any] = [as_of, rule.programme_id, rule.version_id(version)]
    compiler = SqlCompiler(params, _feature_columns)
    tests = [f"({compiler.sql(criterion.test)})" for criterion in version.criteria]
    letters = " || ".join(
        f"(CASE {test} WHEN TRUE THEN 'M' WHEN FALSE THEN 'N' ELSE 'U' END)" for test in tests
    )
    period = compiler.sql(version.period)
    # OFFSET 0 keeps each subquery's columns computed once per person (PostgreSQL would
    # otherwise inline the expressions wherever they are read).
    answers = f"""
        SELECT ef.person_id, $3::text AS rule_version, {letters} AS criteria,
               ({period})::text AS period_key,
               CASE ef.passed WHEN TRUE THEN 'eligible' WHEN FALSE THEN 'not_eligible'
                    ELSE 'unknown' END AS status,
               old.person_id IS NOT NULL AS known, old.status AS old_status,
               old.criteria AS old_criteria, old.period_key AS old_period_key,
               old.rule_version AS old_rule_version
        FROM (SELECT ef.*, {" AND ".join(tests)} AS passed FROM {_FEATURES} ef OFFSET 0) ef
        LEFT JOIN eligibility old
            ON old.programme_id = $2::text AND old.person_id = ef.person_id
        WHERE ef.passed IS NOT FALSE OR old.status <> 'not_eligible'
        OFFSET 0
    """
    return _WRITE.format(answers=answers), params


_WRITE = """
WITH changed AS MATERIALIZED (
    SELECT c.person_id, c.rule_version, c.criteria, c.period_key, c.status, c.known
    FROM ({answers}) c
    WHERE NOT c.known
       OR (c.old_status, c.old_criteria, c.old_period_key, c.old_rule_version)
          IS DISTINCT FROM (c.status, c.criteria, c.period_key, c.rule_version)
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
            sql, params = write_query(rule, version, as_of)
            written[rule.programme_id] = await conn.fetchval(sql, *params)
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
