"""Running the checks into a `DataQualityReport`, in a reader's language, cached for a while."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import asyncpg
import msgspec

from foundation.korea import KOREA
from i18n import translate
from onestop.data_quality.checks import (
    CHECKS,
    REFRESH_PERIODS,
    Category,
    DataQualityCheck,
    Severity,
    Unit,
)


class CheckFigure(msgspec.Struct, frozen=True, kw_only=True):
    """What one check found. `title` and `description` are English msgids until localised."""

    id: str
    category: Category
    severity: Severity
    unit: Unit
    title: str
    description: str
    affected: int
    # Up to five person ids, the smallest first: ids only, never names or numbers.
    sample_person_ids: list[int]
    seconds: float
    # Staleness checks: the refresh period of the source, in days.
    refresh_period_days: int | None = None


class DataQualityReport(msgspec.Struct, frozen=True, kw_only=True):
    computed_at: datetime
    # The day the checks took as today (in Korea).
    as_of: date
    # Time taken by every statement together.
    seconds: float
    people: int
    facts: int
    checks: list[CheckFigure]


class _Figures(msgspec.Struct, frozen=True):
    affected: int
    samples: list[int]


class _Totals(msgspec.Struct, frozen=True):
    people: int
    facts: int


async def count_people_and_facts(conn: asyncpg.Connection) -> _Totals:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM people) AS people, "
        "(SELECT count(*) FROM person_facts) AS facts"
    )
    assert row is not None
    return _Totals(people=row["people"], facts=row["facts"])


async def run_check(
    conn: asyncpg.Connection, check: DataQualityCheck, *, today: date, now: datetime
) -> _Figures:
    """Run one check's statement (see checks.py for the parameters each takes)."""
    args: tuple[object, ...]
    if check.source is not None:
        args = (now - REFRESH_PERIODS[check.source], check.source)
    elif check.takes_today:
        args = (today,)
    else:
        args = ()
    row = await conn.fetchrow(check.sql, *args)
    assert row is not None
    return _Figures(affected=row["affected"], samples=list(row["samples"]))


async def data_quality_report(
    conn: asyncpg.Connection,
    *,
    now: datetime | None = None,
    checks: tuple[DataQualityCheck, ...] = CHECKS,
) -> DataQualityReport:
    """Every check over the whole population, one statement after another on `conn`.

    Run it inside a transaction (REPEATABLE READ for figures from one snapshot): the
    checks then run without JIT compilation until it ends.
    """
    if conn.is_in_transaction():
        # Each statement is a few scans of well under a second; over a million people,
        # compiling them cost more than it saved (9.6 s without JIT, 12.7 s with it).
        await conn.execute("SET LOCAL jit = off")
    now = now or datetime.now(UTC)
    today = now.astimezone(KOREA).date()
    started = time.perf_counter()
    totals = await count_people_and_facts(conn)
    figures: list[CheckFigure] = []
    for check in checks:
        check_started = time.perf_counter()
        found = await run_check(conn, check, today=today, now=now)
        figures.append(
            CheckFigure(
                id=check.id,
                category=check.category,
                severity=check.severity,
                unit=check.unit,
                title=check.title,
                description=check.description,
                affected=found.affected,
                sample_person_ids=found.samples,
                seconds=round(time.perf_counter() - check_started, 3),
                refresh_period_days=(
                    REFRESH_PERIODS[check.source].days if check.source is not None else None
                ),
            )
        )
    return DataQualityReport(
        computed_at=now,
        as_of=today,
        seconds=round(time.perf_counter() - started, 3),
        people=totals.people,
        facts=totals.facts,
        checks=figures,
    )


def localized_report(report: DataQualityReport, locale: str) -> DataQualityReport:
    """The same figures with each title and description in `locale`."""
    return msgspec.structs.replace(
        report,
        checks=[
            msgspec.structs.replace(
                figure,
                title=translate(locale, figure.title),
                description=translate(locale, figure.description, days=figure.refresh_period_days),
            )
            for figure in report.checks
        ],
    )


class CachedReport:
    """The last report, reused for `max_age_s` so that repeated calls stay cheap.

    In-process: each API process computes its own. Callers that arrive while a report
    is being computed wait for that one instead of starting another.
    """

    def __init__(
        self, max_age_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = asyncio.Lock()
        self._report: DataQualityReport | None = None
        self._computed = 0.0

    def _fresh(self) -> DataQualityReport | None:
        if self._report is not None and self._clock() - self._computed < self.max_age_s:
            return self._report
        return None

    async def get(self, compute: Callable[[], Awaitable[DataQualityReport]]) -> DataQualityReport:
        if (report := self._fresh()) is not None:
            return report
        async with self._lock:
            if (report := self._fresh()) is not None:
                return report
            report = await compute()
            self._report, self._computed = report, self._clock()
            return report
