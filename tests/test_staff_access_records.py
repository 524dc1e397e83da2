"""Finding 8 of issue 13, for staff: the access record of someone who processes personal
data holds when, from where, whose data and what was done, is kept at least two
years, and supervisors review it monthly (개인정보의 안전성 확보조치 기준 제8조).

Every console read of a person's data and every console write leaves an audit row with
the client address; `hanchang staff access-report --month` and the console page
`/console/access-report` list, per staff member, how many people's records they opened
and what they did, with unusual patterns flagged."""

from __future__ import annotations

import argparse
import html
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.audit import PendingEntry, append_audit_rows
from foundation.settings import Settings
from server.staff_cli import add_staff_commands, run_staff_command
from tests.support.factories import make_account, make_person
from tests.support.identity_checks import verify
from tests.support.problems import assert_problem
from tests.support.staff import enrolled_staff, staff_sign_in

Client = AsyncTestClient[Litestar]
COOKIE = "hanchang_staff"
# What the tests' client reports as its address (Litestar's test client).
ADDRESS = "testclient"


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def signed_in(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    *,
    role: str = "clerk",
    office: str = "busan",
) -> tuple[int, str]:
    client.cookies.clear()
    staff_id, authenticator = await enrolled_staff(
        settings, database_url, capsys, client, role=role, office=office
    )
    status, body = await staff_sign_in(client, authenticator)
    assert status == 200, body
    cookie = client.cookies.get(COOKIE)
    assert cookie
    return staff_id, cookie


async def last_id(owner_conn: asyncpg.Connection) -> int:
    found: int = await owner_conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_log")
    return found


async def rows_since(owner_conn: asyncpg.Connection, after: int) -> list[asyncpg.Record]:
    return await owner_conn.fetch(
        "SELECT actor, action, subject, source_address, details::text AS details "
        "FROM audit_log WHERE id > $1 ORDER BY id",
        after,
    )


async def test_every_console_read_of_a_person_leaves_a_record_with_the_address(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    supervisor, _ = await signed_in(settings, database_url, capsys, client, role="supervisor")
    account = await make_account(owner_conn, settings, name="열람기록", birth_date=date(1970, 1, 2))
    person = account.person_id
    base = f"/console/api/people/{person}"
    assert (await verify(client, person)).status_code == 201
    made = await client.post(f"{base}/delegations", json={"scopes": ["view_benefits", "apply"]})
    assert made.status_code == 201, made.text

    reads = [
        "/console/api/people?name=열람기록&birth_date=1970-01-02",
        f"{base}/phones",
        f"{base}/delegations",
        f"{base}/eligibility",
        f"{base}/bank-accounts",
        f"{base}/audit",
        f"/console/people/{person}",
        f"/console/people/{person}/pin",
        f"/console/people/{person}/recovery",
        f"/console/people/{person}/phones",
        f"/console/people/{person}/delegations",
        f"/console/people/{person}/benefits",
        f"/console/people/{person}/audit",
        "/console/people?name=열람기록&birth_date=1970-01-02",
    ]
    unrecorded = []
    for path in reads:
        before = await last_id(owner_conn)
        read = await client.get(path)
        assert read.status_code == 200, (path, read.text)
        rows = await rows_since(owner_conn, before)
        about = [
            r
            for r in rows
            if r["actor"] == f"staff:{supervisor}"
            and (r["subject"] == f"person:{person}" or f'"person:{person}"' in r["details"])
        ]
        if not about or any(r["source_address"] != ADDRESS for r in about):
            unrecorded.append((path, [(r["action"], r["source_address"]) for r in rows]))
    assert not unrecorded, unrecorded


async def test_every_staff_row_says_from_where(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    """Writes too, sign-in included: no row a staff member wrote lacks the address."""
    await signed_in(settings, database_url, capsys, client, role="admin")
    made = await client.post("/console/api/staff", json={"name": "주소확인", "role": "clerk"})
    assert made.status_code == 201, made.text
    account = await make_account(owner_conn, settings, name="쓰기기록")
    assert (await verify(client, account.person_id)).status_code == 201
    code = await client.post(f"/console/api/people/{account.person_id}/enrollment-codes", json={})
    assert code.status_code == 201, code.text
    asked = await client.post(
        f"/console/api/people/{account.person_id}/recovery-requests",
        json={"action": "revoke_all_authenticators", "reason": "분실"},
    )
    assert asked.status_code == 201, asked.text
    assert (await client.post("/console/api/sign-out", json={})).status_code == 204

    rows = await owner_conn.fetch(
        "SELECT action, source_address FROM audit_log WHERE actor LIKE 'staff:%' ORDER BY id"
    )
    actions = {r["action"] for r in rows}
    assert {
        "staff.enrolled",
        "staff.signed_in",
        "staff.created",
        "counter.identity_verified",
        "counter.enrollment_code_issued",
        "counter.recovery_requested",
        "staff.signed_out",
    } <= actions, actions
    assert [r["action"] for r in rows if r["source_address"] != ADDRESS] == []
    # Rows not written for the console stay without one (a citizen, the operator).
    cli = await owner_conn.fetchval(
        "SELECT source_address FROM audit_log WHERE actor = 'operator:cli' LIMIT 1"
    )
    assert cli is None
    # The address is part of the hash chain: `hanchang audit verify` still holds.
    from foundation.audit import verify_audit_chain

    assert (await verify_audit_chain(owner_conn)).ok


async def test_staff_access_records_cannot_be_removed(owner_conn: asyncpg.Connection) -> None:
    """Kept at least two years: there is no purge, and the table refuses deletion."""
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await owner_conn.execute("DELETE FROM audit_log WHERE actor LIKE 'staff:%'")


KST_NOV = datetime(2025, 11, 3, 1, 0, tzinfo=UTC)  # Monday 10:00 in Korea


async def staff_rows(
    owner_conn: asyncpg.Connection, staff_id: int, people: list[int], at: datetime, action: str
) -> None:
    await append_audit_rows(
        owner_conn,
        [
            PendingEntry(
                occurred_at=at + timedelta(seconds=i),
                actor=f"staff:{staff_id}",
                action=action,
                subject=f"person:{p}",
                office=None,
                channel="counter",
                reason=None,
                details={},
                source_address="10.1.2.3",
            )
            for i, p in enumerate(people)
        ],
    )


async def report_cli(
    settings: Settings, database_url: str, capsys: pytest.CaptureFixture[str], *words: str
) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    add_staff_commands(parser.add_subparsers(dest="command"))

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(database_url)

    status = await run_staff_command(
        parser.parse_args(["staff", "access-report", *words]), settings, connect
    )
    captured = capsys.readouterr()
    return status, captured.out + captured.err


async def test_the_monthly_review_flags_unusual_access(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    clerk = await enrolled_staff(settings, database_url, capsys, client, office="daejeon")
    night = await enrolled_staff(settings, database_url, capsys, client, office="daejeon")
    far = await enrolled_staff(settings, database_url, capsys, client, office="daejeon")
    steady = await enrolled_staff(settings, database_url, capsys, client, office="daejeon")
    supervisor, _ = await signed_in(
        settings, database_url, capsys, client, role="supervisor", office="daejeon"
    )
    local = [
        (await make_person(owner_conn, settings, name=f"대전{i}", region_code="30")).id
        for i in range(45)
    ]
    seoul = [
        (await make_person(owner_conn, settings, name=f"서울{i}", region_code="11")).id
        for i in range(6)
    ]
    # 45 people in one day; 3 at 23:00 Korea time; 6 from another region; 4 in hours.
    await staff_rows(owner_conn, clerk[0], local, KST_NOV, "counter.person_opened")
    await staff_rows(
        owner_conn, night[0], local[:3], KST_NOV + timedelta(hours=13), "counter.person_opened"
    )
    await staff_rows(owner_conn, far[0], seoul, KST_NOV, "counter.person_opened")
    await staff_rows(owner_conn, steady[0], local[:4], KST_NOV, "counter.person_opened")
    await staff_rows(owner_conn, steady[0], local[:2], KST_NOV, "counter.pin_reset")
    # Another month and another office are not in the report.
    await staff_rows(
        owner_conn, steady[0], local, KST_NOV + timedelta(days=40), "counter.person_opened"
    )

    status, out = await report_cli(
        settings, database_url, capsys, "--month", "2025-11", "--office", "daejeon"
    )
    assert status == 0, out
    lines = {line.split()[0]: line for line in out.splitlines() if line[:1].isdigit()}
    assert "45 people" in lines[str(clerk[0])] and "many-people" in lines[str(clerk[0])]
    assert "after-hours" in lines[str(night[0])]
    assert "outside-region" in lines[str(far[0])]
    assert "4 people" in lines[str(steady[0])]
    assert "counter.pin_reset 2" in lines[str(steady[0])]
    assert not any(flag in lines[str(steady[0])] for flag in ("many-people", "after-hours"))
    assert "outside-region" not in lines[str(steady[0])]
    bad, said = await report_cli(settings, database_url, capsys, "--month", "2025-13")
    assert bad == 2 and "--month" in said

    # The console page, for supervisors of the office.
    page = await client.get("/console/access-report?month=2025-11")
    assert page.status_code == 200, page.text
    assert 'id="report"' in page.text
    assert "한 날 40명 넘게 열람" in page.text
    english = await client.get("/console/access-report?month=2025-11&lang=en")
    assert "Opened more than 40 people's records in one day" in html.unescape(english.text)
    assert "PIN reset at the counter" in english.text
    wrong = await client.get(
        "/console/access-report?month=2025-1x", headers={"Accept": "text/html"}
    )
    assert wrong.status_code == 400
    viewed = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'staff.access_report_viewed' AND actor = $1",
        f"staff:{supervisor}",
    )
    assert viewed == 2
    # JSON, the same report.
    answer = await client.get("/console/api/access-report?month=2025-11")
    assert answer.status_code == 200, answer.text
    by_id = {s["staff_id"]: s for s in answer.json()["staff"]}
    assert by_id[clerk[0]]["people"] == 45 and by_id[clerk[0]]["flags"] == ["many_people"]
    assert by_id[night[0]]["flags"] == ["after_hours"]
    assert by_id[far[0]]["flags"] == ["outside_region"]
    assert by_id[steady[0]]["actions"] == {"counter.person_opened": 4, "counter.pin_reset": 2}
    assert_problem(
        await client.get("/console/api/access-report?month=2025-11-01"), 400, "validation-error"
    )

    # Clerks do not review their colleagues.
    await signed_in(settings, database_url, capsys, client, office="daejeon")
    assert_problem(
        await client.get("/console/api/access-report?month=2025-11"), 403, "supervisor-only"
    )
    refused: Any = await client.get("/console/access-report?month=2025-11")
    assert refused.status_code == 403
