"""Finding 4 of issue 13: one administrator satisfied the two-person rule alone. They
asked for a new phone of record, created a supervisor account from the console, enrolled
its passkey from the link the answer carried, approved as that supervisor: 200, the
phone changed.

Now two persons means two persons: the approver is neither the requester nor anyone
the requester enrolled or promoted in the last 30 days, nor someone who enrolled the
requester, nor enrolled by the same person (each side's circle: themselves and whoever
brought them in within 30 days, all the way up). An office with no such supervisor has
its request offered to the other job centres of its region, and the clerk is told.
Creating staff is told to the office's other administrators on their console."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import Account
from foundation.settings import Settings
from tests.support.factories import make_account
from tests.support.identity_checks import verify
from tests.support.passkeys import device
from tests.support.problems import assert_problem
from tests.support.staff import enroll, enrolled_staff, staff_sign_in

Client = AsyncTestClient[Litestar]
COOKIE = "hanchang_staff"
EN = {"Accept-Language": "en"}
PHONE = "SELECT phone_e164 FROM people WHERE id = $1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


class Office:
    """Staff signed in to the console; `as_` switches whose cookie the client sends."""

    def __init__(self, settings: Settings, database_url: str, capsys: Any, client: Client) -> None:
        self.settings, self.database_url, self.capsys, self.client = (
            settings,
            database_url,
            capsys,
            client,
        )
        self.tokens: dict[int, str] = {}

    async def from_cli(self, role: str, office: str) -> int:
        """A staff member the operator created with `hanchang staff create`."""
        self.client.cookies.clear()
        staff_id, authenticator = await enrolled_staff(
            self.settings, self.database_url, self.capsys, self.client, office=office, role=role
        )
        return await self._signed_in(staff_id, authenticator)

    async def created_by(self, admin: int, role: str, name: str = "새직원") -> int:
        """A staff member an administrator created in the console, their passkey enrolled
        from the link in the answer: what the administrator holds in their hand."""
        made = await self.as_(admin).post("/console/api/staff", json={"name": name, "role": role})
        assert made.status_code == 201, made.text
        token = parse_qs(urlsplit(made.json()["enrollment_link"]).query)["token"][0]
        self.client.cookies.clear()
        authenticator = device(self.settings)
        status, body = await enroll(self.client, authenticator, token)
        assert status == 201, body
        return await self._signed_in(body["staff_id"], authenticator)

    async def _signed_in(self, staff_id: int, authenticator: Any) -> int:
        status, body = await staff_sign_in(self.client, authenticator)
        assert status == 200, body
        token = self.client.cookies.get(COOKIE)
        assert token
        self.tokens[staff_id] = token
        return staff_id

    def as_(self, staff_id: int) -> Client:
        self.client.cookies.clear()
        self.client.cookies.set(COOKIE, self.tokens[staff_id])
        return self.client


@pytest.fixture
def office(
    settings: Settings, database_url: str, capsys: pytest.CaptureFixture[str], client: Client
) -> Office:
    return Office(settings, database_url, capsys, client)


async def ask_new_phone(
    client: Client, account: Account, phone: str = "010-5555-7777"
) -> dict[str, Any]:
    assert (await verify(client, account.person_id)).status_code == 201
    asked = await client.post(
        f"/console/api/people/{account.person_id}/recovery-requests",
        json={"action": "change_phone_of_record", "reason": "번호 변경", "new_phone": phone},
    )
    assert asked.status_code == 201, asked.text
    body: dict[str, Any] = asked.json()
    return body


def approve(request: dict[str, Any]) -> str:
    return f"/console/api/recovery-requests/{request['id']}/approve"


async def test_an_administrator_cannot_approve_as_a_supervisor_they_just_created(
    settings: Settings, office: Office, owner_conn: asyncpg.Connection
) -> None:
    """The attack, end to end: ask, create a supervisor, enrol its passkey, approve."""
    account = await make_account(owner_conn, settings, name="전화탈취", phone_e164="+821055510001")
    admin = await office.from_cli("admin", "daegu")
    asked = await ask_new_phone(office.as_(admin), account)
    puppet = await office.created_by(admin, "supervisor", name="꼭두각시")
    refused = await office.as_(puppet).post(approve(asked), json={}, headers=EN)
    problem = assert_problem(refused, 403, "approval-not-independent")
    # The administrator was told when asking: nobody else in Daegu could approve, and
    # Daegu is the only job centre of its region.
    assert asked["offered_to_region"] is True
    assert asked["who_can_approve"] == "nobody"
    assert problem["title"] == "You cannot be the second person for this request"
    korean = await office.as_(puppet).post(approve(asked), json={})
    assert assert_problem(korean, 403, "approval-not-independent")["title"] == (
        "이 요청의 두 번째 승인자가 될 수 없어요"
    )
    assert await owner_conn.fetchval(PHONE, account.person_id) == "+821055510001"
    assert await owner_conn.fetchval(
        "SELECT status FROM recovery_requests WHERE id = $1", asked["id"]
    ) == ("pending")
    refusal = await owner_conn.fetchrow(
        "SELECT actor, details FROM audit_log WHERE action = 'counter.recovery_decision_refused' "
        "AND subject = $1",
        f"person:{account.person_id}",
    )
    assert refusal is not None and refusal["actor"] == f"staff:{puppet}"
    assert '"not_independent"' in refusal["details"]

    # The page says the same, and changes nothing either.
    page = await office.as_(puppet).get("/console/approvals")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token
    posted = await office.as_(puppet).post(
        f"/console/approvals/{asked['id']}/approve", data={"csrf_token": token.group(1)}
    )
    assert posted.status_code == 403, posted.text
    assert "두 번째 승인자가 될 수 없어요" in posted.text
    assert await owner_conn.fetchval(PHONE, account.person_id) == "+821055510001"

    # A supervisor the administrator did not bring in approves.
    independent = await office.from_cli("supervisor", "daegu")
    approved = await office.as_(independent).post(approve(asked), json={})
    assert approved.status_code == 200, approved.text
    assert await owner_conn.fetchval(PHONE, account.person_id) == "+821055557777"


async def test_nor_through_a_clerk_they_created_nor_a_chain_of_accounts(
    settings: Settings, office: Office, owner_conn: asyncpg.Connection
) -> None:
    admin = await office.from_cli("admin", "gwangju")
    account = await make_account(owner_conn, settings, name="순환승인", phone_e164="+821055520001")

    # The administrator's own clerk asks; the administrator approves.
    clerk = await office.created_by(admin, "clerk")
    asked = await ask_new_phone(office.as_(clerk), account)
    assert_problem(
        await office.as_(admin).post(approve(asked), json={}), 403, "approval-not-independent"
    )
    # The same clerk asks; a supervisor the same administrator created approves.
    supervisor = await office.created_by(admin, "supervisor")
    assert_problem(
        await office.as_(supervisor).post(approve(asked), json={}),
        403,
        "approval-not-independent",
    )
    # The administrator asks; a supervisor made by an administrator they made approves.
    deputy = await office.created_by(admin, "admin")
    far = await office.created_by(deputy, "supervisor")
    second = await ask_new_phone(office.as_(admin), account, "010-5555-8888")
    assert_problem(
        await office.as_(far).post(approve(second), json={}), 403, "approval-not-independent"
    )
    assert await owner_conn.fetchval(PHONE, account.person_id) == "+821055520001"

    # 30 days on, the accounts stand on their own.
    await owner_conn.execute(
        "UPDATE staff_role_grants SET granted_at = now() - interval '31 days' "
        "WHERE staff_id = ANY($1::bigint[])",
        [clerk, supervisor, deputy, far],
    )
    approved = await office.as_(far).post(approve(second), json={})
    assert approved.status_code == 200, approved.text
    assert await owner_conn.fetchval(PHONE, account.person_id) == "+821055558888"


async def test_without_a_second_person_in_the_office_the_region_is_asked(
    settings: Settings, office: Office, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="지역승인", phone_e164="+821055530001")
    clerk = await office.from_cli("clerk", "seoul-gangnam")
    seoul = await office.from_cli("supervisor", "seoul")
    busan = await office.from_cli("supervisor", "busan")

    asked = await ask_new_phone(office.as_(clerk), account)
    assert asked["offered_to_region"] is True
    assert asked["who_can_approve"] == "region"
    # The supervisor of the other Seoul job centre sees it and may decide; Busan may not.
    queue = await office.as_(seoul).get("/console/api/recovery-requests")
    assert [r["id"] for r in queue.json()["requests"]] == [asked["id"]]
    assert (await office.as_(busan).get("/console/api/recovery-requests")).json() == {
        "requests": []
    }
    assert_problem(
        await office.as_(busan).post(approve(asked), json={}), 403, "approval-not-allowed"
    )
    page = await office.as_(seoul).get("/console/approvals?lang=en")
    assert page.status_code == 200, page.text
    assert f'id="request-{asked["id"]}"' in page.text
    assert "nobody at Seoul Gangnam Employment Welfare Plus Center can be the second" in page.text
    approved = await office.as_(seoul).post(approve(asked), json={})
    assert approved.status_code == 200, approved.text
    assert await owner_conn.fetchval(PHONE, account.person_id) == "+821055557777"

    # Once Gangnam has its own supervisor, its requests stay at home.
    await office.from_cli("supervisor", "seoul-gangnam")
    home = await ask_new_phone(office.as_(clerk), account, "010-5555-9999")
    assert home["offered_to_region"] is False
    assert home["who_can_approve"] == "office"
    assert_problem(
        await office.as_(seoul).post(approve(home), json={}), 403, "approval-not-allowed"
    )

    # The clerk is told on the page too.
    page = await office.as_(clerk).get(f"/console/people/{account.person_id}/recovery")
    token = CSRF.search(page.text)
    assert token
    await owner_conn.execute(
        "UPDATE staff SET disabled_at = now() WHERE office_code = 'seoul-gangnam' "
        "AND role = 'supervisor'"
    )
    posted = await office.as_(clerk).post(
        f"/console/people/{account.person_id}/recovery/request",
        data={
            "csrf_token": token.group(1),
            "action": "change_phone_of_record",
            "new_phone": "010-5555-6666",
            "reason": "번호 변경",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].endswith("?done=request-region")
    told = await office.as_(clerk).get(posted.headers["location"])
    assert "같은 지역의 다른 고용센터" in told.text


async def test_other_administrators_are_told_when_staff_are_created(
    settings: Settings, office: Office, owner_conn: asyncpg.Connection
) -> None:
    creator = await office.from_cli("admin", "incheon")
    colleague = await office.from_cli("admin", "incheon")
    made = await office.created_by(creator, "supervisor", name="신규감독")

    notices = await office.as_(colleague).get("/console/api/notices")
    assert notices.status_code == 200, notices.text
    [notice] = notices.json()["notices"]
    assert notice["kind"] == "staff_created"
    assert notice["staff"] == {"id": made, "name": "신규감독", "role": "supervisor"}
    assert notice["by"] == {"id": creator, "name": "김민수"}
    home = await office.as_(colleague).get("/console")
    assert "신규감독" in home.text and 'id="notices"' in home.text
    # The creator is not told about what they did themselves, only (by the operator's
    # hand) about their colleague's account.
    [own] = (await office.as_(creator).get("/console/api/notices")).json()["notices"]
    assert (own["staff"]["id"], own["by"]) == (colleague, None)
    created = await owner_conn.fetchrow(
        "SELECT actor, office, details FROM audit_log WHERE action = 'staff.created' "
        "AND subject = $1",
        f"staff:{made}",
    )
    assert created is not None
    assert (created["actor"], created["office"]) == (f"staff:{creator}", "incheon")
    assert f'"told": [{colleague}]' in created["details"].replace(" ", "").replace(
        '"told":[', '"told": ['
    )

    seen = await office.as_(colleague).post(f"/console/api/notices/{notice['id']}/seen", json={})
    assert seen.status_code == 204, seen.text
    assert (await office.as_(colleague).get("/console/api/notices")).json() == {"notices": []}
    assert_problem(
        await office.as_(creator).post(f"/console/api/notices/{notice['id']}/seen", json={}),
        404,
        "not-found",
    )

    # An administrator alone in their job centre: the region's administrators are told.
    alone = await office.from_cli("admin", "seoul-gangnam")
    seoul = await office.from_cli("admin", "seoul")
    await office.created_by(alone, "clerk", name="강남신규")
    told = (await office.as_(seoul).get("/console/api/notices")).json()["notices"]
    assert [n["staff"]["name"] for n in told] == ["강남신규"]
