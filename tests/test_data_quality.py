"""Data quality: each check finds exactly the facts or people built to trip it, and none of the
near misses beside them; the CLI prints the report; only operators read it over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from foundation.korea import KOREA
from foundation.settings import Settings
from onestop.data_quality import (
    CHECKS,
    CachedReport,
    DataQualityReport,
    data_quality_report,
)
from tests.support.data_quality_population import Population, build_population
from tests.support.environment import environment_for_tests
from tests.support.factories import bearer, make_account, sign_in

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
async def population(database_url: str, settings: Settings) -> dict[str, tuple[int, list[int]]]:
    """Build the people (committed, for the CLI and the API too); what each check must find."""
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            return await build_population(Population(conn, settings))
    finally:
        await conn.close()


def _figures(report: DataQualityReport) -> dict[str, tuple[int, list[int]]]:
    return {f.id: (f.affected, f.sample_person_ids) for f in report.checks}


async def test_each_check_finds_exactly_its_cases(
    population: dict[str, tuple[int, list[int]]], conn: asyncpg.Connection
) -> None:
    report = await data_quality_report(conn)
    assert [f.id for f in report.checks] == [c.id for c in CHECKS]
    assert _figures(report) == population
    assert report.people == await conn.fetchval("SELECT count(*) FROM people")
    assert report.facts == await conn.fetchval("SELECT count(*) FROM person_facts")
    assert report.as_of == datetime.now(KOREA).date()
    family = next(f for f in report.checks if f.id == "stale-family")
    assert family.refresh_period_days == 92 and family.unit == "facts"
    assert len(family.sample_person_ids) == 5


async def test_an_empty_database_has_nothing_to_report(
    population: dict[str, tuple[int, list[int]]], conn: asyncpg.Connection
) -> None:
    await conn.execute("DELETE FROM person_facts")  # rolled back after the test
    report = await data_quality_report(conn)
    figures = _figures(report)
    assert figures.pop("adult-without-household-income")[0] > 0  # now nobody has an income
    assert all(found == (0, []) for found in figures.values()), figures


def _cli(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **environment_for_tests(database_url, os.environ["REDIS_URL"], tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "data-quality", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


async def test_the_cli_prints_a_table_and_json(
    population: dict[str, tuple[int, list[int]]], database_url: str, tmp_path: Path
) -> None:
    table = await asyncio.to_thread(_cli, database_url, tmp_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["check", "severity", "affected"]
    for check_id, (affected, samples) in population.items():
        line = next(line for line in lines if line.startswith(check_id + " "))
        unit = next(c.unit for c in CHECKS if c.id == check_id)
        assert f" {affected:,} {unit} " in line, line
        assert " ".join(map(str, samples)) in line, line
    assert "갱신 주기가 지난 가족관계 정보(family)" in table.stdout  # Korean by default
    assert "people," in lines[-1] and "checked in" in lines[-1]

    as_json = await asyncio.to_thread(_cli, database_url, tmp_path, "--json", "--lang", "en")
    assert as_json.returncode == 0, as_json.stderr
    report = msgspec.json.decode(as_json.stdout, type=DataQualityReport)
    assert _figures(report) == population
    titles = {f.id: f.title for f in report.checks}
    assert (
        titles["stale-family"] == "Family register facts (family) older than their refresh period"
    )

    wrong = await asyncio.to_thread(_cli, database_url, tmp_path, "--lang", "fr")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr


async def _report_views(owner_conn: asyncpg.Connection) -> int:
    views: int = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'data_quality.report_viewed'"
    )
    return views


@pytest.mark.parametrize(
    ("language", "title"), [("ko", "운영자만 쓸 수 있어요"), ("en", "For operators only")]
)
async def test_the_report_is_for_operators_only(
    population: dict[str, tuple[int, list[int]]],
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
    language: str,
    title: str,
) -> None:
    views = await _report_views(owner_conn)
    account = await make_account(owner_conn, settings)
    # With the income every adult should have, so that the other figures stay as built.
    await Population(owner_conn, settings).fact(
        account.person_id, "household_income", source="nhis", income_percentile=70
    )
    citizen = await sign_in(owner_conn, settings, account)
    token = settings.operator.token
    for headers in (
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {token}x"},
        {"Authorization": f"Bearer {token[:-1]}"},
        {"Authorization": f"Basic {token}"},
        bearer(citizen),  # a citizen's session is not an operator
    ):
        answer = await client.get(
            "/v1/admin/data-quality", headers={**headers, "Accept-Language": language}
        )
        assert answer.status_code == 401, headers
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers["www-authenticate"].startswith('Bearer realm="hanchang-operator"')
        body = answer.json()
        assert body["type"].endswith("/operator-token-needed")
        assert body["title"] == title
        assert body["status"] == 401
        assert "checks" not in body
    assert await _report_views(owner_conn) == views  # refused calls leave no trace


async def test_operators_read_the_report_in_their_language(
    population: dict[str, tuple[int, list[int]]],
    client: AsyncTestClient[Litestar],
    owner_conn: asyncpg.Connection,
    settings: Settings,
) -> None:
    views = await _report_views(owner_conn)
    operator = {"Authorization": f"Bearer {settings.operator.token}"}
    korean = await client.get("/v1/admin/data-quality", headers=operator)
    assert korean.status_code == 200, korean.text
    assert korean.headers["cache-control"] == "no-store"
    report = msgspec.json.decode(korean.content, type=DataQualityReport)
    assert _figures(report) == population
    figures = {f.id: f for f in report.checks}
    assert figures["stale-family"].title == "갱신 주기가 지난 가족관계 정보(family)"
    assert "92일" in figures["stale-family"].description

    english = await client.get("/v1/admin/data-quality?lang=en", headers=operator)
    assert english.status_code == 200
    body = english.json()
    by_id = {c["id"]: c for c in body["checks"]}
    assert by_id["deceased-with-current-employment"]["title"] == (
        "Deceased person with a current employment"
    )
    assert "92 days" in by_id["stale-family"]["description"]
    # The second call reused the first report (60 s), and says so with `computed_at`.
    assert body["computed_at"] == korean.json()["computed_at"]
    assert json.loads(english.content)["checks"][0]["sample_person_ids"] == list(
        population["paid-base-days-over-period"][1]
    )
    assert await _report_views(owner_conn) == views + 2


async def test_the_cache_serves_one_report_per_minute() -> None:
    clock = [1000.0]
    computed: list[int] = []

    async def compute() -> DataQualityReport:
        computed.append(1)
        await asyncio.sleep(0.01)
        return DataQualityReport(
            computed_at=datetime.now(UTC),
            as_of=date(2026, 11, 25),
            seconds=0.01,
            people=len(computed),
            facts=0,
            checks=[],
        )

    cache = CachedReport(max_age_s=60, clock=lambda: clock[0])
    reports = await asyncio.gather(*(cache.get(compute) for _ in range(3)))
    assert len(computed) == 1 and {r.people for r in reports} == {1}
    clock[0] += 59.9
    assert (await cache.get(compute)).people == 1
    clock[0] += 0.2
    assert (await cache.get(compute)).people == 2
