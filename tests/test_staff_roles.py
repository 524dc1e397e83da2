"""Staff roles: clerks, supervisors and administrators serve at the counter; only
supervisors and administrators read audit trails and decide on recovery; only
administrators create and disable the staff of their own job centre."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth.staff import (
    ADMIN_ONLY,
    COUNTER_ROLES,
    ROLE_NOT_ALLOWED,
    SUPERVISOR_ONLY,
    StaffRole,
    StaffSession,
)
from auth.staff import require_role as check_role
from foundation.problems import Problem, ProblemKind
from foundation.settings import Settings
from tests.support.counter_recovery import REASON
from tests.support.factories import make_account
from tests.support.identity_checks import verify
from tests.support.passkeys import device
from tests.support.problems import EN, assert_problem
from tests.support.staff import Desk, enroll, staff_sign_in


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: AsyncTestClient[Litestar]) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


@pytest.fixture
def desk(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: AsyncTestClient[Litestar],
) -> Desk:
    return Desk(settings, database_url, capsys, client)


def session_of(role: Any) -> StaffSession:
    now = datetime.now(UTC)
    return StaffSession(
        id=uuid.uuid4(),
        staff_id=1,
        name="김민수",
        office_code="busan",
        role=role,
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )


def test_require_role_names_the_refusal() -> None:
    for role in COUNTER_ROLES:
        check_role(session_of(role), *COUNTER_ROLES)
    cases: list[tuple[StaffRole, tuple[StaffRole, ...], ProblemKind]] = [
        ("clerk", ("supervisor", "admin"), SUPERVISOR_ONLY),
        ("supervisor", ("admin",), ADMIN_ONLY),
        ("admin", ("clerk",), ROLE_NOT_ALLOWED),
    ]
    for staff_role, allowed, kind in cases:
        with pytest.raises(Problem) as refused:
            check_role(session_of(staff_role), *allowed)
        assert refused.value.kind == kind
        assert refused.value.extra == {"allowed_roles": list(allowed)}
    with pytest.raises(ValueError):
        check_role(session_of("admin"))


async def staff_count(owner_conn: asyncpg.Connection) -> int:
    count: int = await owner_conn.fetchval("SELECT count(*) FROM staff")
    return count


async def test_every_role_serves_at_the_counter(
    settings: Settings, desk: Desk, owner_conn: asyncpg.Connection
) -> None:
    for n, role in enumerate(("clerk", "supervisor", "admin")):
        account = await make_account(owner_conn, settings)
        console = desk.as_(await desk.staff(role))
        assert (await verify(console, account.person_id)).status_code == 201
        code = await console.post(
            f"/console/api/people/{account.person_id}/enrollment-codes", json={}
        )
        assert code.status_code == 201, code.text
        card = await console.post(f"/console/api/people/{account.person_id}/access-cards", json={})
        assert card.status_code == 201, card.text
        phone = await console.post(
            f"/console/api/people/{account.person_id}/phones",
            json={"number": f"02-2100-{4711 + n}"},
        )
        assert phone.status_code == 201, phone.text
        pin = await console.post(f"/console/api/people/{account.person_id}/pin-reset", json=REASON)
        assert pin.status_code == 200, pin.text


async def test_admin_creates_staff_of_their_office_with_an_enrollment_link(
    settings: Settings, desk: Desk, owner_conn: asyncpg.Connection
) -> None:
    admin = await desk.staff("admin", office="daegu")
    created = await desk.as_(admin).post(
        "/console/api/staff", json={"name": " 이서연 ", "role": "supervisor"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["staff"]["name"] == "이서연"
    assert body["staff"]["office"] == "daegu" and body["staff"]["role"] == "supervisor"
    link = body["enrollment_link"]
    assert link.startswith(f"{settings.http.public_url}/console/enroll?token=hce_"), link
    audited = await owner_conn.fetchrow(
        "SELECT actor, channel, office FROM audit_log WHERE action = 'staff.created' "
        "AND subject = $1",
        f"staff:{body['staff']['id']}",
    )
    assert audited is not None
    assert tuple(audited) == (f"staff:{admin}", "counter", "daegu")

    # The link works: the new supervisor enrolls and signs in.
    desk.client.cookies.clear()
    authenticator = device(settings)
    token = parse_qs(urlsplit(link).query)["token"][0]
    status, enrolled = await enroll(desk.client, authenticator, token)
    assert status == 201, enrolled
    status, signed = await staff_sign_in(desk.client, authenticator)
    assert status == 200, signed
    me = await desk.client.get("/console/api/me")
    assert me.json()["role"] == "supervisor" and me.json()["office"]["code"] == "daegu"


async def test_only_admins_create_staff(desk: Desk, owner_conn: asyncpg.Connection) -> None:
    clerk = await desk.staff("clerk")
    supervisor = await desk.staff("supervisor")
    before = await staff_count(owner_conn)
    new = {"name": "박새내", "role": "admin"}
    ko = assert_problem(
        await desk.as_(clerk).post("/console/api/staff", json=new), 403, "admin-only"
    )
    assert ko["title"] == "관리자만 할 수 있어요"
    en = assert_problem(
        await desk.as_(supervisor).post("/console/api/staff", json=new, headers=EN),
        403,
        "admin-only",
    )
    assert en["title"] == "Only an administrator can do this"
    assert en["allowed_roles"] == ["admin"]
    assert await staff_count(owner_conn) == before


async def test_bad_new_staff_input_writes_nothing(
    desk: Desk, owner_conn: asyncpg.Connection
) -> None:
    console = desk.as_(await desk.staff("admin"))
    before = await staff_count(owner_conn)
    # A control character is refused before the route reads the name (the request guard).
    for name, (korean, english) in (
        ("   ", ("이름", "name")),
        ("가" * 65, ("이름", "name")),
        ("김\u0007민수", ("제어 문자", "control characters")),
    ):
        for headers, words in (({}, korean), (EN, english)):
            refused = await console.post(
                "/console/api/staff", json={"name": name, "role": "clerk"}, headers=headers
            )
            problem = assert_problem(refused, 400, "validation-error")
            assert problem["errors"][0]["field"] == "body.name"
            assert words in problem["errors"][0]["detail"]
    for body in (
        {"name": "김민수", "role": "director"},
        {"name": "김민수"},
        {"name": "김민수", "role": "clerk", "office": "seoul"},
    ):
        assert_problem(await console.post("/console/api/staff", json=body), 400, "validation-error")
    assert await staff_count(owner_conn) == before


async def test_admin_disables_staff_of_their_office_only(
    desk: Desk, owner_conn: asyncpg.Connection
) -> None:
    admin = await desk.staff("admin")
    clerk = await desk.staff("clerk")
    supervisor = await desk.staff("supervisor")
    elsewhere = await desk.staff("clerk", office="daegu")

    # Not an administrator: refused, and the clerk still works.
    refused = await desk.as_(supervisor).post(
        f"/console/api/staff/{clerk}/disable", headers=EN, json={}
    )
    assert_problem(refused, 403, "admin-only")
    assert (await desk.as_(clerk).get("/console/api/me")).status_code == 200

    console = desk.as_(admin)
    for other in (elsewhere, 99999999):
        assert_problem(
            await console.post(f"/console/api/staff/{other}/disable", json={}), 404, "not-found"
        )
    assert_problem(
        await console.post(f"/console/api/staff/{2**63}/disable", json={}), 400, "validation-error"
    )
    mine = assert_problem(
        await console.post(f"/console/api/staff/{admin}/disable", json={}),
        409,
        "cannot-disable-yourself",
    )
    assert mine["detail"].endswith("요.")
    disabled = await console.post(f"/console/api/staff/{clerk}/disable", json={})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"] is not None
    again = await desk.as_(admin).post(f"/console/api/staff/{clerk}/disable", json={})
    assert again.json()["disabled_at"] == disabled.json()["disabled_at"]
    # The clerk's session ended at once; nobody else's did.
    assert_problem(await desk.as_(clerk).get("/console/api/me"), 401, "staff-sign-in-required")
    assert (await desk.as_(elsewhere).get("/console/api/me")).status_code == 200
    assert (await desk.as_(admin).get("/console/api/me")).status_code == 200
    rows = await owner_conn.fetch(
        "SELECT subject, actor, channel FROM audit_log WHERE action = 'staff.disabled' ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [(f"staff:{clerk}", f"staff:{admin}", "counter")]
    assert await owner_conn.fetchval(
        "SELECT disabled_at IS NULL FROM staff WHERE id = $1", elsewhere
    )
