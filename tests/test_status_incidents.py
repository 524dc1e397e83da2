"""Incidents open after 5 failing minutes and close after 10 healthy ones; operators add notes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from server.app import TEMPLATE_CONFIG
from service_status import compute_snapshot, evaluate_incidents
from status_page.page import render_status_page
from tests.support.environment import environment_for_tests
from tests.support.status_traffic import acquire, record_readiness, record_traffic

T0 = datetime(2026, 4, 2, 1, 0, tzinfo=UTC)  # 10:00 in Korea
ROUTE = "/v1/auth/sms/verify"
ROOT = Path(__file__).resolve().parent.parent


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture(scope="module")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert created is not None
    yield created
    await created.close()


@pytest.fixture(scope="module")
async def traffic(pool: asyncpg.Pool) -> None:
    # Sign-in: six minutes with a quarter of 40 requests failing, then twenty good ones.
    for i in range(6):
        await record_traffic(pool, at(i), ROUTE, [(200, 30.0, 30), (500, 80.0, 10)])
    for i in range(6, 26):
        await record_traffic(pool, at(i), ROUTE, [(200, 30.0, 40)])
    # My account: a short blip (3 minutes) never opens an incident.
    for i in range(3):
        await record_traffic(pool, at(i), "/v1/me", [(500, 10.0, 30)], method="GET")
    async with acquire(pool) as conn:
        # Readiness: fine, then PostgreSQL away for 5 minutes with an unprobed minute in the
        # middle (the worker was away too), then fine again.
        await record_readiness(conn, at(0), 8)
        await record_readiness(conn, at(8), 2, postgresql=False)
        await record_readiness(conn, at(11), 3, postgresql=False)
        await record_readiness(conn, at(14), 12)


async def _incidents(conn: asyncpg.Connection) -> list[tuple[str, datetime, datetime | None]]:
    rows = await conn.fetch("SELECT menu, started_at, ended_at FROM status_incidents ORDER BY id")
    return [(r["menu"], r["started_at"], r["ended_at"]) for r in rows]


async def test_an_incident_opens_after_five_failing_minutes_and_closes_after_ten_good_ones(
    traffic: None, pool: asyncpg.Pool
) -> None:
    async with acquire(pool) as conn:
        # At 10:05:10 only 10:00-10:03 have settled: four failing minutes, no incident yet.
        changes = await evaluate_incidents(conn, at(5) + timedelta(seconds=10))
        assert changes.opened == [] and await _incidents(conn) == []

        # 10:05 has settled: five in a row. It started at the first of them.
        changes = await evaluate_incidents(conn, at(5) + timedelta(seconds=30))
        assert changes.opened == [("sign-in", at(0))]
        assert await _incidents(conn) == [("sign-in", at(0), None)]

        # Running again changes nothing.
        again = await evaluate_incidents(conn, at(5) + timedelta(seconds=45))
        assert again.opened == [] and again.closed == []

        # Nine good minutes (10:06-10:14) are not enough ...
        await evaluate_incidents(conn, at(15) + timedelta(seconds=20))
        assert ("sign-in", at(0), None) in await _incidents(conn)

        # ... the tenth closes it, at the end of the last failing minute.
        changes = await evaluate_incidents(conn, at(16) + timedelta(seconds=20))
        assert ("sign-in", at(6)) in changes.closed
        incidents = await _incidents(conn)
        assert ("sign-in", at(0), at(6)) in incidents
        # Readiness failed five probed minutes in a row (an unprobed one between does
        # not break the run) and then had ten probed good minutes.
        assert ("all", at(8), None) in incidents or ("all", at(8), at(14)) in incidents
        await evaluate_incidents(conn, at(26) + timedelta(seconds=20))
        incidents = await _incidents(conn)
        assert ("all", at(8), at(14)) in incidents
        assert not [i for i in incidents if i[0] == "my-account"]
        assert len(incidents) == 2


def _cli(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **environment_for_tests(database_url, os.environ["REDIS_URL"], tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "status", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


async def test_operators_add_notes_that_show_on_the_page(
    traffic: None, pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    async with acquire(pool) as conn:
        await evaluate_incidents(conn, at(26) + timedelta(seconds=20))
        incident_id = await conn.fetchval("SELECT id FROM status_incidents WHERE menu = 'sign-in'")

    listed = _cli(database_url, tmp_path, "incidents", "--days", "100000")
    assert listed.returncode == 0, listed.stderr
    assert f"{incident_id}\tsign-in\t" in listed.stdout

    added = _cli(
        database_url,
        tmp_path,
        "note",
        str(incident_id),
        "--ko",
        "문자 인증이 늦어졌어요. 지금은 복구됐어요.",
        "--en",
        "SMS codes were slow <b>and</b> some failed. It is fixed now.",
    )
    assert added.returncode == 0, added.stderr
    missing = _cli(database_url, tmp_path, "note", "999999", "--ko", "없는 장애")
    assert missing.returncode == 1 and "no incident 999999" in missing.stderr
    empty = _cli(database_url, tmp_path, "note", str(incident_id), "--ko", "  ")
    assert empty.returncode == 2

    async with acquire(pool) as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM audit_log WHERE action = 'status.incident_note'"
            )
            == 1
        )
        snapshot = await compute_snapshot(conn, at(40))
    incident = next(i for i in snapshot.incidents if i.menu == "sign-in")
    assert incident.duration_minutes == 6 and not incident.ongoing
    assert incident.notes[0].text["ko"].startswith("문자 인증이")

    english = render_status_page(
        TEMPLATE_CONFIG.engine_instance,
        snapshot,
        stale=False,
        now=at(40),
        window="24h",
        locale="en",
    )
    assert "SMS codes were slow &lt;b&gt;and&lt;/b&gt; some failed." in english
    assert "6 minutes" in english
    assert "All services" in english
    korean = render_status_page(
        TEMPLATE_CONFIG.engine_instance,
        snapshot,
        stale=False,
        now=at(40),
        window="24h",
        locale="ko",
    )
    assert "문자 인증이 늦어졌어요." in korean and "6분" in korean
