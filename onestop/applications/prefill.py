"""The application form, prefilled from the data the government already holds.

Only the sections the programme's criteria read are filled (a parental-leave
form shows the child and the current job, an unemployment-benefit form the
job left and the job-seeker registration), so the citizen confirms what the
decision rests on and nothing more is copied into the application.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import asyncpg

from onestop.rules import RuleVersion

# Data items (see onestop/rules/features.py) whose facts a form section shows.
_SECTION_KINDS = (
    "employment_insurance",
    "child",
    "household_income",
    "job_seeker_registration",
    "wage_arrears",
)


def form_sections(version: RuleVersion) -> list[str]:
    """The linked-data sections the rule version's criteria read, in a stable order."""
    items = {item.id for criterion in version.criteria for item in criterion.data_items()}
    return [kind for kind in _SECTION_KINDS if kind in items]


async def get_applicant(conn: asyncpg.Connection, person_id: int) -> dict[str, Any]:
    row = await conn.fetchrow("SELECT name, birth_date FROM people WHERE id = $1", person_id)
    assert row is not None
    return {"name": row["name"], "birth_date": row["birth_date"]}


async def list_facts_of_kinds(
    conn: asyncpg.Connection, person_id: int, kinds: list[str]
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """
        SELECT kind, valid_from, valid_to, employer_name, employer_id, separation_code,
               paid_base_days, amount_krw, child_birth_date, income_percentile, reference_year
        FROM person_facts WHERE person_id = $1 AND kind = ANY($2::text[])
        ORDER BY id
        """,
        person_id,
        kinds,
    )
    return [dict(row) for row in rows]


def _employment(facts: list[Mapping[str, Any]]) -> dict[str, Any]:
    def job(fact: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "employer_name": fact["employer_name"],
            "employer_id": fact["employer_id"],
            "started_on": fact["valid_from"],
            "left_on": fact["valid_to"],
            "separation_code": fact["separation_code"],
            "paid_base_days": fact["paid_base_days"],
        }

    current = [f for f in facts if f["valid_to"] is None]
    left = [f for f in facts if f["valid_to"] is not None]
    return {
        "current_job": job(max(current, key=lambda f: f["valid_from"])) if current else None,
        "last_job_left": job(max(left, key=lambda f: f["valid_to"])) if left else None,
        "total_paid_base_days": sum(f["paid_base_days"] for f in facts),
    }


def _children(facts: list[Mapping[str, Any]]) -> dict[str, Any]:
    births = sorted(f["child_birth_date"] for f in facts)
    return {"children": len(births), "youngest_child_born": births[-1] if births else None}


def _household_income(facts: list[Mapping[str, Any]]) -> dict[str, Any]:
    if not facts:
        return {"reference_year": None, "income_percentile": None}
    year = max(f["reference_year"] for f in facts)
    # Two sources may report the same year: the higher figure, as the rules read it.
    share: Decimal = max(f["income_percentile"] for f in facts if f["reference_year"] == year)
    return {"reference_year": year, "income_percentile": float(share)}


def _job_seeker(facts: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {"registered_on": max((f["valid_from"] for f in facts), default=None)}


def _wage_arrears(facts: list[Mapping[str, Any]]) -> dict[str, Any]:
    latest = max(facts, key=lambda f: f["valid_from"]) if facts else None
    return {
        "confirmed_on": latest["valid_from"] if latest else None,
        "employer_name": latest["employer_name"] if latest else None,
        "employer_id": latest["employer_id"] if latest else None,
        "amount_krw": sum(f["amount_krw"] for f in facts),
    }


_BUILDERS = {
    "employment_insurance": ("employment", _employment),
    "child": ("children", _children),
    "household_income": ("household_income", _household_income),
    "job_seeker_registration": ("job_seeker_registration", _job_seeker),
    "wage_arrears": ("wage_arrears", _wage_arrears),
}


async def build_prefilled_form(
    conn: asyncpg.Connection, person_id: int, version: RuleVersion
) -> dict[str, Any]:
    """`applicant` always; then one section per kind of linked data the criteria read."""
    sections = form_sections(version)
    facts = await list_facts_of_kinds(conn, person_id, sections) if sections else []
    form: dict[str, Any] = {"applicant": await get_applicant(conn, person_id)}
    for kind in sections:
        name, build = _BUILDERS[kind]
        form[name] = build([fact for fact in facts if fact["kind"] == kind])
    return form
