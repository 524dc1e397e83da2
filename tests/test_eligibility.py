"""Eligibility explained to a person, for supplied facts, and written for the population."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import get_account
from foundation.settings import Settings
from onestop.eligibility import evaluate_person, evaluate_population
from onestop.eligibility.explain import korean_today
from server.demo_data import demo_people, load_demo_data
from tests.support.factories import bearer, make_account, make_fact, sign_in

Client = AsyncTestClient[Litestar]
TODAY = korean_today()


async def _laid_off(conn: asyncpg.Connection, settings: Settings, **person: Any) -> int:
    """A person laid off (code 23) 40 days ago after three years, registered as a job seeker."""
    account = await make_account(conn, settings, birth_date=date(1984, 2, 3), **person)
    left = TODAY - timedelta(days=40)
    await make_fact(
        conn, person_id=account.person_id, kind="employment_insurance", source_system="ei",
        valid_from=left - timedelta(days=1_095), valid_to=left, employer_id="1234567890",
        separation_code="23", paid_base_days=780,
    )  # fmt: skip
    await make_fact(
        conn, person_id=account.person_id, kind="job_seeker_registration",
        source_system="worknet", valid_from=left + timedelta(days=3),
    )  # fmt: skip
    return account.id


def _programme(body: dict[str, Any], programme_id: str) -> dict[str, Any]:
    return next(p for p in body["programmes"] if p["programme_id"] == programme_id)


async def test_a_laid_off_person_is_told_why_in_their_language(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account_id = await _laid_off(owner_conn, settings)
    found = await get_account(owner_conn, account_id)
    assert found is not None
    # The reasons per criterion tell the person's history: aal 2 (tests/test_assurance.py).
    tokens = await sign_in(owner_conn, settings, found, aal=2, method="passkey")

    response = await client.get("/v1/me/eligibility", headers=bearer(tokens))
    assert response.status_code == 200, response.text
    benefit = _programme(response.json(), "unemployment-benefit")
    assert benefit["status"] == "eligible"
    assert benefit["summary"] == "받을 수 있어요."
    assert benefit["name"] == "구직급여"
    assert benefit["period_key"] == (TODAY - timedelta(days=40)).isoformat()
    paid = next(c for c in benefit["criteria"] if c["id"] == "paid-days-18-months")
    assert paid["status"] == "met"
    assert paid["legal_reference"] == "고용보험법 제40조 제1항 제1호"
    # 780 paid days over 1,096 days, of which the last 18 months count in proportion.
    assert paid["figure"].endswith("일")
    reason = next(c for c in benefit["criteria"] if c["id"] == "reason-for-leaving")
    assert reason["figure"] == "회사 사정으로 해고되거나 권고사직했어요"

    english = await client.get("/v1/me/eligibility?lang=en", headers=bearer(tokens))
    benefit = _programme(english.json(), "unemployment-benefit")
    assert benefit["summary"] == "You can get this."
    # A parent's benefit: no child, so not met (the family registry is authoritative).
    parental = _programme(english.json(), "parental-leave-benefit")
    assert parental["status"] == "not_eligible"
    # Data no system links yet: unknown, never a silent no.
    assets = next(
        c
        for c in _programme(english.json(), "national-employment-support-1")["criteria"]
        if c["id"] == "assets"
    )
    assert assets["status"] == "unknown"
    assert assets["note"].startswith("We cannot check this with the data we hold")


async def test_stale_data_makes_the_answer_unknown(
    owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account_id = await _laid_off(owner_conn, settings)
    person_id = await owner_conn.fetchval(
        "SELECT person_id FROM accounts WHERE id = $1", account_id
    )
    await owner_conn.execute(
        "UPDATE person_facts SET refreshed_at = $2 WHERE person_id = $1 AND kind = 'employment_insurance'",
        person_id,
        datetime.now(UTC) - timedelta(days=200),
    )
    answers = {a.programme_id: a for a in await evaluate_person(owner_conn, person_id, TODAY)}
    assert answers["unemployment-benefit"].status == "unknown"
    assert "N" not in answers["unemployment-benefit"].criteria


async def test_supplied_facts_are_checked_without_signing_in(client: Client) -> None:
    response = await client.post(
        "/v1/eligibility/check?lang=en",
        json={
            "birth_date": "1992-04-01",
            "as_of": "2026-06-01",
            "facts": [
                {
                    "kind": "employment_insurance",
                    "valid_from": "2019-01-02",
                    "paid_base_days": 1500,
                },
                {"kind": "child", "child_birth_date": "2019-09-09"},
            ],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert _programme(body, "parental-leave-benefit")["status"] == "eligible"
    # A child aged 6: under 8 for parental leave and under 12 for shorter hours (2025 rule).
    reduced = _programme(body, "reduced-hours-childcare-benefit")
    assert reduced["rule_version"] == "reduced-hours-childcare-benefit@2025-02-23"
    assert reduced["status"] == "eligible"


async def test_the_rule_version_in_force_decides(client: Client) -> None:
    facts = {
        "birth_date": "1985-04-01",
        "facts": [
            {"kind": "employment_insurance", "valid_from": "2012-01-02", "paid_base_days": 3000},
            {"kind": "child", "child_birth_date": "2014-05-05"},
        ],
    }
    before = await client.post("/v1/eligibility/check", json={**facts, "as_of": "2025-02-22"})
    after = await client.post("/v1/eligibility/check", json={**facts, "as_of": "2025-02-23"})
    # A child aged 10 (4th grade): too old before the 2025 change of law, covered after it.
    assert _programme(before.json(), "reduced-hours-childcare-benefit")["status"] == "not_eligible"
    assert _programme(after.json(), "reduced-hours-childcare-benefit")["status"] == "eligible"


@pytest.mark.parametrize(
    ("lang", "detail"),
    [
        ("ko", "끝난 일자리에는 그만둔 사유가 있어야 해요. 지금 다니는 일자리에는 사유가 없어요."),
        ("en", "A finished job needs the reason for leaving; a current job has none."),
    ],
)
async def test_bad_supplied_facts_get_a_problem_naming_each_field(
    client: Client, lang: str, detail: str
) -> None:
    response = await client.post(
        f"/v1/eligibility/check?lang={lang}",
        json={
            "birth_date": "2090-01-01",
            "as_of": "2026-06-01",
            "facts": [
                {"kind": "employment_insurance", "valid_from": "2019-01-02",
                 "valid_to": "2020-01-01", "paid_base_days": 200},
                {"kind": "household_income", "income_percentile": 40},
            ],
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e["detail"] for e in response.json()["errors"]}
    assert set(errors) == {
        "body.birth_date",
        "body.facts[0].separation_code",
        "body.facts[1].reference_year",
    }
    assert errors["body.facts[0].separation_code"] == detail
    unknown_kind = await client.post(
        "/v1/eligibility/check", json={"birth_date": "1990-01-01", "facts": [{"kind": "x"}]}
    )
    assert unknown_kind.status_code == 400


async def test_the_population_run_writes_only_what_matters(
    owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    # Real people: the personas and a few hundred generated ones, with their facts.
    await load_demo_data(owner_conn, people=300, seed=23, settings=settings, today=TODAY)
    await owner_conn.execute("SET ROLE hanchang_app")
    first = await evaluate_population(owner_conn, TODAY)
    people = await owner_conn.fetchval("SELECT count(*) FROM people")
    assert people >= 300
    assert first.people == people
    rows = await owner_conn.fetch("SELECT status, count(*) FROM eligibility GROUP BY status")
    written = {row["status"]: row["count"] for row in rows}
    # Some are eligible, some may be; a first "no" is not written (nothing to take back).
    assert written.get("eligible", 0) > 0
    assert written.get("unknown", 0) > 0
    assert "not_eligible" not in written
    assert sum(first.written.values()) == sum(written.values())
    # Exactly the answers that are not "no", person by person (the personas, with the
    # Python back end as the reference): none left out, none more.
    personas = [persona.person_id for persona in await demo_people(owner_conn)]
    noes = 0
    for person_id in personas:
        answers = await evaluate_person(owner_conn, person_id, TODAY)
        expected = {a.programme_id: a.status for a in answers if a.status != "not_eligible"}
        noes += len(answers) - len(expected)
        stored = await owner_conn.fetch(
            "SELECT programme_id, status FROM eligibility WHERE person_id = $1", person_id
        )
        assert {row["programme_id"]: row["status"] for row in stored} == expected
    assert noes > 0, "the personas include answers that are no"

    # Nothing changed: nothing written.
    again = await evaluate_population(owner_conn, TODAY)
    assert sum(again.written.values()) == 0

    # A laid-off person appears; then finds a job: the row turns not_eligible and stays.
    account_id = await _laid_off(owner_conn, settings)
    person_id = await owner_conn.fetchval(
        "SELECT person_id FROM accounts WHERE id = $1", account_id
    )
    run = await evaluate_population(owner_conn, TODAY, [person_id])
    assert run.people == 1
    row = await owner_conn.fetchrow(
        "SELECT * FROM eligibility WHERE person_id = $1 AND programme_id = 'unemployment-benefit'",
        person_id,
    )
    assert row is not None
    assert (row["status"], row["rule_version"]) == ("eligible", "unemployment-benefit@2024-01-01")
    await make_fact(
        owner_conn, person_id=person_id, kind="employment_insurance", source_system="ei",
        valid_from=TODAY - timedelta(days=5), employer_id="9876543210", paid_base_days=4,
    )  # fmt: skip
    await evaluate_population(owner_conn, TODAY, [person_id])
    row = await owner_conn.fetchrow(
        "SELECT * FROM eligibility WHERE person_id = $1 AND programme_id = 'unemployment-benefit'",
        person_id,
    )
    assert row is not None
    assert row["status"] == "not_eligible"
    assert (
        await owner_conn.fetchval("SELECT count(*) FROM eligibility_runs WHERE scope = 'people'")
        == 2
    )


async def test_the_worker_job_evaluates_the_given_people(
    owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    from arq import create_pool
    from arq.connections import RedisSettings

    from tests.support.factories import run_jobs

    account_id = await _laid_off(owner_conn, settings)
    person_id = await owner_conn.fetchval(
        "SELECT person_id FROM accounts WHERE id = $1", account_id
    )
    queue = await create_pool(RedisSettings.from_dsn(settings.redis.url))
    try:
        await queue.enqueue_job("evaluate_eligibility", [person_id])
    finally:
        await queue.aclose()
    await run_jobs(settings)
    status = await owner_conn.fetchval(
        "SELECT status FROM eligibility WHERE person_id = $1 AND programme_id = $2",
        person_id,
        "unemployment-benefit",
    )
    assert status == "eligible"
