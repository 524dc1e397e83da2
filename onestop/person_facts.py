"""Person facts: the linked administrative data (migration 0003), read and written one row at a time.

Rules over the population read `person_facts` with set-based SQL; this module
is for one person (a document, a feed's single update, a test's facts).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import asyncpg
import msgspec

FACT_KINDS: tuple[str, ...] = (
    "employment_insurance",
    "wage",
    "child",
    "household_income",
    "job_seeker_registration",
)
SOURCE_SYSTEMS: tuple[str, ...] = ("ei", "nts", "family", "nhis", "worknet")


class PersonFact(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    kind: str
    valid_from: date | None
    valid_to: date | None
    employer_name: str | None
    employer_id: str | None
    separation_code: str | None
    paid_base_days: int | None
    amount_krw: int | None
    child_birth_date: date | None
    income_percentile: Decimal | None
    reference_year: int | None
    source_system: str
    refreshed_at: datetime


_COLUMNS = (
    "id, person_id, kind, valid_from, valid_to, employer_name, employer_id, separation_code, "
    "paid_base_days, amount_krw, child_birth_date, income_percentile, reference_year, "
    "source_system, refreshed_at"
)


async def list_person_facts(
    conn: asyncpg.Connection, person_id: int, kinds: tuple[str, ...]
) -> list[PersonFact]:
    """The person's facts of `kinds`, oldest period first."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM person_facts "
        "WHERE person_id = $1 AND kind = ANY($2::text[]) "
        "ORDER BY valid_from NULLS FIRST, reference_year NULLS FIRST, "
        "child_birth_date NULLS FIRST, id",
        person_id,
        list(kinds),
    )
    return [PersonFact(**dict(row)) for row in rows]


async def insert_person_fact(
    conn: asyncpg.Connection,
    *,
    person_id: int,
    kind: str,
    source_system: str,
    refreshed_at: datetime,
    valid_from: date | None = None,
    valid_to: date | None = None,
    employer_name: str | None = None,
    employer_id: str | None = None,
    separation_code: str | None = None,
    paid_base_days: int | None = None,
    amount_krw: int | None = None,
    child_birth_date: date | None = None,
    income_percentile: Decimal | None = None,
    reference_year: int | None = None,
) -> PersonFact:
    """One fact as a source system reported it (the table's checks enforce its shape)."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO person_facts (person_id, kind, valid_from, valid_to, employer_name,
                                  employer_id, separation_code, paid_base_days, amount_krw,
                                  child_birth_date, income_percentile, reference_year,
                                  source_system, refreshed_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        RETURNING {_COLUMNS}
        """,
        person_id,
        kind,
        valid_from,
        valid_to,
        employer_name,
        employer_id,
        separation_code,
        paid_base_days,
        amount_krw,
        child_birth_date,
        income_percentile,
        reference_year,
        source_system,
        refreshed_at,
    )
    assert row is not None
    return PersonFact(**dict(row))
