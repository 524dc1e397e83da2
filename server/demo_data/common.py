"""Constants and the persona record shared by the demo-data modules."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import msgspec

REFERENCE_DATE = date(2026, 11, 25)
"""The "today" of every load, so that a seed always means the same data."""

MAX_PEOPLE = 10_000_000
# From this many people on, a load rebuilds the secondary indexes instead of
# maintaining them row by row (unless the tables hold over four times as many).
BULK_LOAD_THRESHOLD = 50_000
_CHUNK_PEOPLE = 5_000
_PERSONA_BLOCK = "999"

_PEOPLE_COLUMNS = (
    "id", "person_key", "person_key_version", "name", "birth_date", "phone_e164",
    "region_code", "preferred_language", "has_smartphone", "deceased_on",
)  # fmt: skip
_FACT_COLUMNS = (
    "id", "person_id", "kind", "valid_from", "valid_to", "employer_name", "employer_id",
    "separation_code", "paid_base_days", "amount_krw", "child_birth_date",
    "income_percentile", "reference_year", "source_system", "refreshed_at",
)  # fmt: skip
_SOURCES = {
    "employment_insurance": "ei", "wage": "ei", "child": "family",
    "household_income": "nhis", "job_seeker_registration": "worknet", "wage_arrears": "labor",
}  # fmt: skip
_N = "\\N"  # NULL in COPY text format
_NULLS_3, _NULLS_4, _NULLS_7, _NULLS_8, _NULLS_9 = (f"\t{_N}" * n for n in (3, 4, 7, 8, 9))

_T = TypeVar("_T")


class DemoPerson(msgspec.Struct, frozen=True, kw_only=True):
    """A persona as stored, and what to try with it."""

    name: str
    birth_date: date
    phone: str | None
    language: str
    has_smartphone: bool
    person_id: int
    region_code: str
    try_with: str
