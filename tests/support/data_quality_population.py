"""People and facts built to trip each data-quality check, with near misses beside them.

`build_population` returns, per check id, what the check must find: the count and the
sample person ids (the smallest five).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from foundation.korea import KOREA
from foundation.settings import Settings
from onestop.data_quality import REFRESH_PERIODS
from tests.support.factories import make_person

PARENT_BORN = date(1990, 5, 17)


def _years_before(day: date, years: int) -> date:
    """As PostgreSQL's `day - interval 'N years'`: 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class Population:
    """People and facts for the checks, built relative to today (in Korea)."""

    def __init__(self, conn: asyncpg.Connection, settings: Settings) -> None:
        self.conn, self.settings = conn, settings
        self.now = datetime.now(UTC)
        self.today = self.now.astimezone(KOREA).date()
        this_month = self.today.replace(day=1)
        self.last_month = (this_month - timedelta(days=1)).replace(day=1)
        self.wage_months = [self._months_back(this_month, n) for n in (3, 2, 1)]
        self.ids: list[int] = []

    @staticmethod
    def _months_back(first: date, months: int) -> date:
        index = first.year * 12 + first.month - 1 - months
        return date(index // 12, index % 12 + 1, 1)

    def days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    async def person(
        self, *, born: date = PARENT_BORN, income: bool = True, deceased: date | None = None
    ) -> int:
        person = await make_person(self.conn, self.settings, birth_date=born)
        if deceased is not None:
            await self.conn.execute(
                "UPDATE people SET deceased_on = $2 WHERE id = $1", person.id, deceased
            )
        if income:
            await self.fact(person.id, "household_income", income_percentile=80, source="nhis")
        self.ids.append(person.id)
        return person.id

    async def fact(
        self,
        person_id: int,
        kind: str,
        *,
        source: str = "ei",
        refreshed_ago: timedelta = timedelta(days=1),
        valid_from: date | None = None,
        valid_to: date | None = None,
        employer_id: str | None = None,
        separation_code: str | None = None,
        paid_base_days: int | None = None,
        amount_krw: int | None = None,
        child_birth_date: date | None = None,
        income_percentile: float | None = None,
    ) -> None:
        # Facts arrive by linkage loads (COPY in the demo data): there is no insert function.
        await self.conn.execute(
            """
            INSERT INTO person_facts (person_id, kind, source_system, refreshed_at, valid_from,
                valid_to, employer_id, separation_code, paid_base_days, amount_krw,
                child_birth_date, income_percentile, reference_year)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::float8::numeric,
                    CASE WHEN $2 = 'household_income' THEN $13::smallint END)
            """,
            person_id,
            kind,
            source,
            self.now - refreshed_ago,
            valid_from,
            valid_to,
            employer_id,
            separation_code,
            paid_base_days,
            amount_krw,
            child_birth_date,
            income_percentile,
            self.today.year,
        )

    async def employment(
        self,
        person_id: int,
        employer: str,
        start: date,
        end: date | None = None,
        *,
        paid: int | None = None,
        wages: bool = True,
        **fact: Any,
    ) -> None:
        days = ((end or self.today) - start).days + 1
        await self.fact(
            person_id,
            "employment_insurance",
            valid_from=start,
            valid_to=end,
            employer_id=employer,
            separation_code=None if end is None else "26",
            paid_base_days=days * 5 // 7 if paid is None else paid,
            **fact,
        )
        if wages and end is None:
            await self.wages(person_id, employer, self.wage_months)

    async def wages(
        self, person_id: int, employer: str, months: list[date], amount: int = 3_000_000
    ) -> None:
        for month in months:
            end = self._months_back(month, -1) - timedelta(days=1)
            await self.fact(
                person_id,
                "wage",
                valid_from=month,
                valid_to=end,
                employer_id=employer,
                amount_krw=amount,
            )


async def build_population(p: Population) -> dict[str, tuple[int, list[int]]]:
    found: dict[str, tuple[int, list[int]]] = {}
    t = p.days_ago

    # Clean: a current job with wages, an earlier one, a child, a past job-seeker spell.
    clean = await p.person()
    await p.employment(clean, "E-PAST", t(900), t(500))
    await p.fact(
        clean, "job_seeker_registration", source="worknet", valid_from=t(499), valid_to=t(401)
    )
    await p.employment(clean, "E-NOW", t(400))
    await p.fact(clean, "child", source="family", child_birth_date=date(2020, 3, 1))

    # Near misses of every range, and facts just inside their refresh period.
    edge = await p.person()
    await p.employment(edge, "E-TEN", t(100), t(91), paid=10)
    await p.wages(edge, "E-TEN", [p.wage_months[0]], amount=1)
    await p.wages(edge, "E-TEN", [p.wage_months[1]], amount=1_000_000_000)
    await p.fact(edge, "household_income", source="nts", income_percentile=1000)
    await p.fact(edge, "child", source="family", child_birth_date=date(2002, 5, 17))
    await p.fact(edge, "child", source="family", child_birth_date=p.today)
    await p.employment(edge, "E-TEEN", date(2005, 5, 17), date(2005, 8, 31))
    await p.fact(edge, "job_seeker_registration", source="worknet", valid_from=p.today)
    for source, period in REFRESH_PERIODS.items():
        await p.fact(
            edge, "household_income", source=source, income_percentile=50,
            refreshed_ago=period - timedelta(hours=1),
        )  # fmt: skip

    # Ranges.
    paid = await p.person()
    await p.employment(paid, "E-PAID", t(100), t(91), paid=11)
    found["paid-base-days-over-period"] = (1, [paid])
    wage = await p.person()
    await p.wages(wage, "E-WAGE", [p.wage_months[0]], amount=0)
    await p.wages(wage, "E-WAGE", [p.wage_months[1]], amount=1_000_000_001)
    found["wage-implausible"] = (2, [wage])
    income = await p.person(income=False)
    await p.fact(income, "household_income", source="nhis", income_percentile=1000.1)
    found["income-percentile-over-1000"] = (1, [income])
    young = await p.person()
    await p.fact(young, "child", source="family", child_birth_date=date(2002, 5, 16))
    found["child-born-before-parent-was-12"] = (1, [young])
    unborn = await p.person()
    await p.fact(unborn, "child", source="family", child_birth_date=t(-1))
    found["child-born-in-the-future"] = (1, [unborn])
    early = await p.person()
    await p.employment(early, "E-EARLY", date(2005, 5, 16), date(2005, 8, 31))
    found["employment-before-age-15"] = (1, [early])
    ahead = await p.person()
    await p.fact(ahead, "job_seeker_registration", source="worknet", valid_from=t(-1))
    found["valid-from-in-the-future"] = (1, [ahead])

    # Missing facts. A job begun after the 1st of last month has no full month of wages yet.
    no_wage = await p.person()
    await p.employment(no_wage, "E-NOWAGE", p.last_month, wages=False)
    other_wage = await p.person()
    await p.employment(other_wage, "E-MINE", t(400), wages=False)
    await p.wages(other_wage, "E-OTHER", p.wage_months)
    old_wage = await p.person()
    await p.employment(old_wage, "E-OLD", t(400), wages=False)
    await p.wages(old_wage, "E-OLD", [p._months_back(p.wage_months[0], 1)])
    new_job = await p.person()
    await p.employment(new_job, "E-NEW", p.last_month + timedelta(days=1), wages=False)
    found["current-employment-without-recent-wage"] = (3, [no_wage, other_wage, old_wage])
    no_income = await p.person(income=False)
    nineteen = await p.person(born=_years_before(p.today, 19), income=False)
    await p.person(born=_years_before(p.today, 19) + timedelta(days=1), income=False)
    await p.person(income=False, deceased=t(30))
    found["adult-without-household-income"] = (2, [no_income, nineteen])

    # Stale facts, per source (six families, to show that samples stop at five).
    stale: dict[str, list[int]] = {}
    for source, kind, count in (
        ("ei", "employment_insurance", 1),
        ("nts", "household_income", 1),
        ("family", "child", 6),
        ("nhis", "household_income", 1),
        ("worknet", "job_seeker_registration", 1),
    ):
        stale[source] = [await p.person() for _ in range(count)]
        ago = REFRESH_PERIODS[source] + timedelta(days=1)
        for person_id in stale[source]:
            if kind == "employment_insurance":
                await p.employment(person_id, "E-STALE", t(300), t(200), refreshed_ago=ago)
            elif kind == "household_income":
                await p.fact(
                    person_id, kind, source=source, income_percentile=60, refreshed_ago=ago
                )
            elif kind == "child":
                await p.fact(person_id, kind, source=source, child_birth_date=date(2019, 1, 1),
                             refreshed_ago=ago)  # fmt: skip
            else:
                await p.fact(person_id, kind, source=source, valid_from=t(300), valid_to=t(250),
                             refreshed_ago=ago)  # fmt: skip
        found[f"stale-{source}"] = (count, stale[source][:5])

    # Sources that disagree, and the lawful cases next to them.
    dead_working = await p.person(deceased=t(10))
    await p.employment(dead_working, "E-DEAD", t(400))
    dead_retired = await p.person(deceased=t(10))
    await p.employment(dead_retired, "E-RETIRED", t(400), t(20))
    found["deceased-with-current-employment"] = (1, [dead_working])
    seeker_31 = await p.person()
    await p.employment(seeker_31, "E-S31", t(400))
    await p.fact(seeker_31, "job_seeker_registration", source="worknet", valid_from=t(30))
    seeker_30 = await p.person()
    await p.employment(seeker_30, "E-S30", t(400))
    await p.fact(seeker_30, "job_seeker_registration", source="worknet", valid_from=t(29))
    found["job-seeking-while-employed"] = (1, [seeker_31])
    overlap = await p.person()
    await p.employment(overlap, "E-TWICE", t(900), t(500))
    await p.employment(overlap, "E-TWICE", t(600))
    adjacent = await p.person()
    await p.employment(adjacent, "E-AGAIN", t(900), t(501))
    await p.employment(adjacent, "E-AGAIN", t(500))
    two_jobs = await p.person()
    await p.employment(two_jobs, "E-DAY", t(600))
    await p.employment(two_jobs, "E-NIGHT", t(300))
    found["overlapping-employments-same-employer"] = (1, [overlap])
    return found
