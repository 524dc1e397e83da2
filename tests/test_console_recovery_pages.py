"""The recovery pages of the staff console: a person's PIN, locks and authenticators with
the forms to help at the counter (`/console/people/{id}/recovery`), and the supervisors'
approvals (`/console/approvals`). Every form calls the core the JSON API calls: what the
pages do shows in the database and the audit log; what they refuse writes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from auth import AccessCard, Account, insert_card, new_token, record_wrong_pin, token_hash
from foundation.settings import Settings
from tests.support.console_pages import csrf_of, page, post_form
from tests.support.counter_recovery import authenticators, person_with_pin, ways_in
from tests.support.factories import make_account
from tests.support.identity_checks import verify
from tests.support.staff import enrolled_staff, staff_sign_in

Client = AsyncTestClient[Litestar]
COOKIE = "hanchang_staff"
REASON = "비밀번호를 잊음"


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


class Counter:
    """Named staff members signed in to the console; `as_` switches whose cookie is sent."""

    def __init__(self, settings: Settings, database_url: str, capsys: Any, client: Client) -> None:
        self.settings, self.database_url, self.capsys = settings, database_url, capsys
        self.client = client
        self.cookies: dict[int, str] = {}

    async def staff(self, name: str, role: str = "clerk", office: str = "busan") -> int:
        self.client.cookies.clear()
        staff_id, authenticator = await enrolled_staff(
            self.settings,
            self.database_url,
            self.capsys,
            self.client,
            name=name,
            office=office,
            role=role,
        )
        status, body = await staff_sign_in(self.client, authenticator)
        assert status == 200, body
        cookie = self.client.cookies.get(COOKIE)
        assert cookie
        self.cookies[staff_id] = cookie
        return staff_id

    def as_(self, staff_id: int) -> Client:
        self.client.cookies.clear()
        self.client.cookies.set(COOKIE, self.cookies[staff_id])
        return self.client


@pytest.fixture
def counter(
    settings: Settings, database_url: str, capsys: pytest.CaptureFixture[str], client: Client
) -> Counter:
    return Counter(settings, database_url, capsys, client)


async def audit(owner_conn: asyncpg.Connection, person_id: int, action: str) -> list[Any]:
    return await owner_conn.fetch(
        "SELECT actor, office, channel, reason, details FROM audit_log "
        "WHERE subject = $1 AND action = $2 ORDER BY id",
        f"person:{person_id}",
        action,
    )


async def has_pin(owner_conn: asyncpg.Connection, account: Account) -> bool:
    value: bool = await owner_conn.fetchval(
        "SELECT pin_hash IS NOT NULL FROM accounts WHERE id = $1", account.id
    )
    return value


def recovery(person_id: int, action: str = "") -> str:
    return f"/console/people/{person_id}/recovery" + (f"/{action}" if action else "")


async def test_a_clerk_resets_a_pin_from_the_page(
    settings: Settings, counter: Counter, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(owner_conn, settings, client, name="이잊음")
    clerk = await counter.staff("김창구")
    console = counter.as_(clerk)
    assert (await verify(console, account.person_id)).status_code == 201

    shown = await page(console, recovery(account.person_id))
    assert '<td id="person-name">이잊음</td>' in shown
    assert re.search(r'<td id="pin-state">\d{4}-\d\d-\d\d \d\d:\d\d에 정함</td>', shown)
    assert '<td id="lock-state">잠기지 않음 (비밀번호 연속 0번 틀림)</td>' in shown
    assert '<label for="reason-reset-pin">사유' in shown
    assert '<button type="submit" id="reset-pin">비밀번호 초기화</button>' in shown
    done = await post_form(
        console,
        recovery(account.person_id, "reset-pin"),
        {"csrf_token": csrf_of(shown), "reason": f"  {REASON} "},
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == recovery(account.person_id) + "?done=reset-pin"
    after = await page(console, done.headers["location"])
    assert '<p class="notice" role="status" id="done">비밀번호를 초기화했어요.' in after
    assert '<td id="pin-state">비밀번호 없음</td>' in after

    assert not await has_pin(owner_conn, account)
    [row] = await audit(owner_conn, account.person_id, "counter.pin_reset")
    assert (row["actor"], row["office"], row["channel"], row["reason"]) == (
        f"staff:{clerk}",
        "busan",
        "counter",
        REASON,
    )
    assert json.loads(row["details"])["had_pin"] is True
    # Each page view is one audit row: it shows how to get into someone's account.
    views = await audit(owner_conn, account.person_id, "counter.sign_in_summary_viewed")
    assert [v["actor"] for v in views] == [f"staff:{clerk}"] * 2


async def test_posts_without_the_form_token_write_nothing(
    settings: Settings, counter: Counter, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(owner_conn, settings, client, name="하토큰")
    clerk = await counter.staff("김창구")
    console = counter.as_(clerk)
    assert (await verify(console, account.person_id)).status_code == 201
    audited = await owner_conn.fetchval("SELECT count(*) FROM audit_log")
    requests = "SELECT count(*) FROM recovery_requests WHERE person_id = $1"
    form = {"reason": REASON, "action": "revoke_all_authenticators", "item": "totp:1"}
    paths = [
        recovery(account.person_id, action)
        for action in ("reset-pin", "unlock", "unlock-card", "revoke", "request")
    ] + ["/console/approvals/1/approve", "/console/approvals/1/refuse"]
    for path in paths:
        for sent in (form, {**form, "csrf_token": "made-up"}):
            refused = await console.post(
                path, data=sent, headers={"Accept-Language": "en"}, follow_redirects=False
            )
            assert refused.status_code == 403, path
            assert refused.headers["content-type"].startswith("text/html")
            assert "This form has expired" in refused.text
    assert await has_pin(owner_conn, account)
    assert await owner_conn.fetchval(requests, account.person_id) == 0
    assert await owner_conn.fetchval("SELECT count(*) FROM audit_log") == audited


async def test_without_a_recent_id_check_no_forms_and_a_post_is_refused(
    settings: Settings, counter: Counter, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(owner_conn, settings, client, name="박늦음")
    clerk = await counter.staff("김창구")
    console = counter.as_(clerk)
    shown = await page(console, recovery(account.person_id))
    assert 'id="check-first"' in shown
    assert f'href="/console/people/{account.person_id}">신분증 확인하러 가기</a>' in shown
    assert "<form" not in shown.split("<main")[1]
    token = csrf_of(await page(console, "/console"))

    # A match 31 minutes ago is enough for the person page (8 hours), not for recovery.
    assert (await verify(console, account.person_id)).status_code == 201
    await owner_conn.execute(
        "UPDATE identity_verifications SET verified_at = now() - interval '31 minutes' "
        "WHERE person_id = $1",
        account.person_id,
    )
    assert 'id="reset-pin"' not in await page(console, recovery(account.person_id))
    for action, extra in (
        ("reset-pin", {}),
        ("unlock", {}),
        ("request", {"action": "revoke_all_authenticators"}),
    ):
        refused = await post_form(
            console,
            recovery(account.person_id, action),
            {"csrf_token": token, "reason": REASON, **extra},
        )
        assert refused.status_code == 409, action
        assert '<div class="problem" role="alert" id="refusal">' in refused.text
        assert "먼저 신분증을 다시 확인해 주세요" in refused.text
        assert 'id="check-first"' in refused.text
    assert await has_pin(owner_conn, account)
    asked_for = "SELECT count(*) FROM recovery_requests WHERE person_id = $1"
    assert await owner_conn.fetchval(asked_for, account.person_id) == 0
    for action in ("counter.pin_reset", "counter.recovery_requested"):
        assert await audit(owner_conn, account.person_id, action) == []
    unlocked = (
        "SELECT count(*) FROM audit_log WHERE action = 'auth.account.unlocked' AND subject = $1"
    )
    assert await owner_conn.fetchval(unlocked, f"account:{account.id}") == 0


async def card_of(person_id: int, clerk: int, owner_conn: asyncpg.Connection) -> AccessCard:
    """A card the person already holds (issued on an earlier visit)."""
    return await insert_card(
        owner_conn,
        person_id=person_id,
        token_hash=token_hash(new_token("hcc_")),
        issued_by=clerk,
        office_code="busan",
    )


async def test_unlocking_a_locked_card_and_the_sign_in_lock(
    settings: Settings, counter: Counter, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(owner_conn, settings, client, name="윤카드")
    clerk = await counter.staff("김창구")
    card = await card_of(account.person_id, clerk, owner_conn)
    await owner_conn.execute(
        "UPDATE access_cards SET pin_failures = 5, locked_at = now() WHERE id = $1", card.id
    )
    await owner_conn.execute(
        "UPDATE accounts SET consecutive_failures = 99 WHERE id = $1", account.id
    )
    await record_wrong_pin(
        owner_conn, account.id, credential="app", channel="app", address="192.0.2.1"
    )
    console = counter.as_(clerk)
    assert (await verify(console, account.person_id)).status_code == 201

    shown = await page(console, recovery(account.person_id), lang="en")
    assert '<td id="card-state">Locked after 5 wrong PINs</td>' in shown
    assert "after 100 wrong PINs in a row" in shown
    token = csrf_of(shown)
    # Another person's card is not this person's to unlock: a message, nothing changed.
    stranger = await make_account(owner_conn, settings, name="남의카드")
    theirs = await card_of(stranger.person_id, clerk, owner_conn)
    await owner_conn.execute(
        "UPDATE access_cards SET pin_failures = 5, locked_at = now() WHERE id = $1", theirs.id
    )
    refused = await post_form(
        console,
        recovery(account.person_id, "unlock-card") + "?lang=en",
        {"csrf_token": token, "reason": REASON, "card_id": str(theirs.id)},
    )
    assert refused.status_code == 404
    assert 'id="refusal"' in refused.text and "No such card" in refused.text
    assert await owner_conn.fetchval(
        "SELECT locked_at IS NOT NULL FROM access_cards WHERE id = $1", theirs.id
    )

    done = await post_form(
        console,
        recovery(account.person_id, "unlock-card"),
        {"csrf_token": token, "reason": "카드 비밀번호를 잊음", "card_id": str(card.id)},
    )
    assert done.status_code == 303, done.text
    after = await page(console, done.headers["location"])
    assert "이용 카드 잠금을 풀었어요." in after
    assert '<td id="card-state">잠기지 않음 (비밀번호 0번 틀림)</td>' in after
    row = await owner_conn.fetchrow(
        "SELECT pin_failures, locked_at FROM access_cards WHERE id = $1", card.id
    )
    assert row is not None and dict(row) == {"pin_failures": 0, "locked_at": None}
    [unlocked] = await audit(owner_conn, account.person_id, "auth.card.unlocked")
    assert (unlocked["actor"], unlocked["reason"]) == (f"staff:{clerk}", "카드 비밀번호를 잊음")
    details = json.loads(unlocked["details"])
    assert details["card"] == card.id and details["was_locked"] is True
    assert "verification" in details

    unlock = await post_form(
        console, recovery(account.person_id, "unlock"), {"csrf_token": token, "reason": REASON}
    )
    assert unlock.status_code == 303
    assert "로그인 잠금을 풀었어요." in await page(console, unlock.headers["location"])
    assert (
        await owner_conn.fetchval("SELECT hard_locked_at FROM accounts WHERE id = $1", account.id)
        is None
    )


async def test_revoking_a_passkey_from_the_page(
    settings: Settings, counter: Counter, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="최패스")
    clerk = await counter.staff("김창구")
    held = await authenticators(owner_conn, settings, account, clerk)
    console = counter.as_(clerk)
    assert (await verify(console, account.person_id)).status_code == 201
    shown = await page(console, recovery(account.person_id))
    item = f"passkey:{held['passkey']}"
    assert f'name="item" value="{item}"' in shown
    assert "패스키 휴대전화 없애기</button>" in shown
    assert f'value="totp:{account.id}"' in shown and f'value="card:{held["card"]}"' in shown
    token = csrf_of(shown)

    done = await post_form(
        console,
        recovery(account.person_id, "revoke"),
        {"csrf_token": token, "reason": REASON, "item": item},
    )
    assert done.status_code == 303, done.text
    after = await page(console, done.headers["location"])
    assert "없앴어요." in after and f'value="{item}"' not in after
    assert "패스키가 없어요." in after
    left = await ways_in(owner_conn, account)
    assert (left["passkeys"], left["totp"], left["cards"], left["phones"]) == (0, 1, 1, 1)
    [row] = await audit(owner_conn, account.person_id, "counter.authenticator_revoked")
    assert json.loads(row["details"])["kind"] == "passkey" and row["reason"] == REASON

    again = await post_form(
        console,
        recovery(account.person_id, "revoke"),
        {"csrf_token": token, "reason": REASON, "item": item},
    )
    assert again.status_code == 404
    assert 'id="refusal"' in again.text
    assert len(await audit(owner_conn, account.person_id, "counter.authenticator_revoked")) == 1
    made_up = await post_form(
        console,
        recovery(account.person_id, "revoke"),
        {"csrf_token": token, "reason": REASON, "item": "sim:1"},
    )
    assert made_up.status_code == 400
    assert made_up.headers["content-type"].startswith("text/html")


async def test_revoke_all_takes_a_second_person_from_the_approvals_page(
    settings: Settings, counter: Counter, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="정분실")
    clerk = await counter.staff("김창구")
    supervisor = await counter.staff("박감독", role="supervisor")
    elsewhere = await counter.staff("이대구", role="supervisor", office="daegu")
    held = await authenticators(owner_conn, settings, account, clerk)
    before = await ways_in(owner_conn, account)

    console = counter.as_(clerk)
    assert (await verify(console, account.person_id)).status_code == 201
    token = csrf_of(await page(console, recovery(account.person_id)))
    asked = await post_form(
        console,
        recovery(account.person_id, "request"),
        {"csrf_token": token, "action": "revoke_all_authenticators", "reason": "명의 도용 신고"},
    )
    assert asked.status_code == 303, asked.text
    shown = await page(console, asked.headers["location"])
    assert "요청했어요." in shown
    assert "<td>모든 인증 수단 없애기</td><td>명의 도용 신고</td><td>김창구</td>" in shown
    assert "승인 기다리는 중" in shown
    request_id = await owner_conn.fetchval(
        "SELECT id FROM recovery_requests WHERE person_id = $1", account.person_id
    )

    # The clerk who asked cannot approve: the page says so, and nothing changes.
    refused = await post_form(
        console, f"/console/approvals/{request_id}/approve", {"csrf_token": token}
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "이 요청을 결정할 수 없어요" in refused.text
    assert 'id="refusal"' in refused.text
    assert await ways_in(owner_conn, account) == before
    kept = await audit(owner_conn, account.person_id, "counter.recovery_decision_refused")
    assert [r["actor"] for r in kept] == [f"staff:{clerk}"]
    # Clerks do not open the approvals page, and their home does not link to it.
    assert "/console/approvals" not in await page(console, "/console")
    closed = await page(console, "/console/approvals", 403, lang="en")
    assert "Only a supervisor can do this" in closed

    # A supervisor of another office sees none of it.
    other = await page(counter.as_(elsewhere), "/console/approvals")
    assert 'id="none-pending"' in other and "정분실" not in other

    boss = counter.as_(supervisor)
    assert 'href="/console/approvals"' in await page(boss, "/console")
    queue = await page(boss, "/console/approvals")
    section = queue.split(f'<section id="request-{request_id}"')[1].split("</section>")[0]
    assert f'<a href="/console/people/{account.person_id}">정분실</a>' in section
    assert "명의 도용 신고" in section and "<td>김창구</td>" in section
    assert f'id="approve-{request_id}"' in section
    approved = await post_form(
        boss, f"/console/approvals/{request_id}/approve", {"csrf_token": csrf_of(queue)}
    )
    assert approved.status_code == 303, approved.text
    assert approved.headers["location"] == "/console/approvals?done=approve"
    after = await page(boss, approved.headers["location"])
    assert "승인했어요." in after and 'id="none-pending"' in after
    assert f'<tr id="decided-{request_id}">' in after and "<td>박감독</td>" in after

    assert await ways_in(owner_conn, account) == dict.fromkeys(before, 0)
    [done] = await audit(owner_conn, account.person_id, "counter.all_authenticators_revoked")
    assert done["actor"] == f"staff:{supervisor}"
    assert json.loads(done["details"])["passkeys"] == [held["passkey"]]


async def test_phone_change_refused_with_a_reason_and_own_requests_not_approved(
    settings: Settings, counter: Counter, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await make_account(owner_conn, settings, name="한번호", phone_e164="+821055550003")
    supervisor = await counter.staff("박감독", role="supervisor")
    admin = await counter.staff("최관리", role="admin")
    boss = counter.as_(supervisor)
    assert (await verify(boss, account.person_id)).status_code == 201
    token = csrf_of(await page(boss, recovery(account.person_id)))
    url = recovery(account.person_id, "request")
    form = {"csrf_token": token, "action": "change_phone_of_record", "reason": "번호 변경"}

    bad = await post_form(boss, url, {**form, "new_phone": "12"})
    assert bad.status_code == 400
    assert (
        '<p class="error" id="new-phone-error">010-1234-5678처럼 전화번호를 입력해 주세요.</p>'
        in bad.text
    )
    assert 'id="new-phone" name="new_phone" value="12"' in bad.text
    asked_for = "SELECT count(*) FROM recovery_requests WHERE person_id = $1"
    assert await owner_conn.fetchval(asked_for, account.person_id) == 0
    asked = await post_form(boss, url, {**form, "new_phone": "010-5555-0004"})
    assert asked.status_code == 303, asked.text
    request_id = await owner_conn.fetchval(
        "SELECT id FROM recovery_requests WHERE person_id = $1", account.person_id
    )

    # The supervisor sees their own request, and the core refuses their approval.
    queue = await page(boss, "/console/approvals", lang="en")
    assert "010-****-0004" in queue and "01055550004" not in queue
    own = await post_form(
        boss, f"/console/approvals/{request_id}/approve?lang=en", {"csrf_token": token}
    )
    assert own.status_code == 403
    assert "You cannot decide on this request" in own.text
    assert f'id="request-{request_id}"' in own.text  # the queue is still there
    phone = "SELECT phone_e164 FROM people WHERE id = $1"
    assert await owner_conn.fetchval(phone, account.person_id) == "+821055550003"

    chief = counter.as_(admin)
    chief_token = csrf_of(await page(chief, "/console/approvals"))
    refuse = f"/console/approvals/{request_id}/refuse"
    missing = await post_form(chief, refuse, {"csrf_token": chief_token, "reason": " "})
    assert missing.status_code == 400
    field = f"refuse-reason-{request_id}"
    assert f'<a href="#{field}">꼭 입력해야 하는 항목이에요.</a>' in missing.text
    assert f'id="{field}-error">꼭 입력해야 하는 항목이에요.</p>' in missing.text
    status = "SELECT status FROM recovery_requests WHERE id = $1"
    assert await owner_conn.fetchval(status, request_id) == "pending"

    done = await post_form(chief, refuse, {"csrf_token": chief_token, "reason": "본인 아님"})
    assert done.status_code == 303, done.text
    after = await page(chief, done.headers["location"])
    assert "거절했어요. 바뀐 것은 없어요." in after
    assert "<td>거절함</td><td>최관리</td>" in after and "<td>본인 아님</td>" in after
    assert await owner_conn.fetchval(status, request_id) == "refused"
    assert await owner_conn.fetchval(phone, account.person_id) == "+821055550003"
    [row] = await audit(owner_conn, account.person_id, "counter.recovery_refused")
    assert (row["actor"], row["reason"]) == (f"staff:{admin}", "본인 아님")
    again = await post_form(
        chief, f"/console/approvals/{request_id}/approve", {"csrf_token": chief_token}
    )
    assert again.status_code == 409
    assert "이미 결정된 요청이에요" in again.text

    # A request not decided in 8 hours shows as expired, without buttons.
    asked = await post_form(counter.as_(supervisor), url, {**form, "new_phone": "010-5555-0005"})
    assert asked.status_code == 303
    await owner_conn.execute(
        "UPDATE recovery_requests SET requested_at = now() - interval '9 hours' "
        "WHERE status = 'pending' AND person_id = $1",
        account.person_id,
    )
    stale = await page(counter.as_(admin), "/console/approvals")
    assert "기간이 지난 요청이에요." in stale and 'id="approve-' not in stale


async def test_a_missing_or_long_reason_is_a_field_error_in_the_readers_language(
    settings: Settings, counter: Counter, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(owner_conn, settings, client, name="오사유")
    clerk = await counter.staff("김창구")
    console = counter.as_(clerk)
    assert (await verify(console, account.person_id)).status_code == 201
    token = csrf_of(await page(console, recovery(account.person_id)))
    url = recovery(account.person_id, "reset-pin")
    cases = (
        ("", "", "꼭 입력해야 하는 항목이에요."),
        ("?lang=en", "\t ", "This field is required."),
        ("", "가" * 501, "사유를 500자 이내로 적어 주세요."),
        ("?lang=en", "x" * 501, "Write the reason, up to 500 characters."),
    )
    for query, reason, message in cases:
        bad = await post_form(console, url + query, {"csrf_token": token, "reason": reason})
        assert bad.status_code == 400, bad.text
        assert bad.headers["content-type"].startswith("text/html")
        assert f'<li><a href="#reason-reset-pin">{message}</a></li>' in bad.text
        assert f'<p class="error" id="reason-reset-pin-error">{message}</p>' in bad.text
        assert 'aria-invalid="true"' in bad.text
        assert 'aria-describedby="reason-reset-pin-hint reason-reset-pin-error"' in bad.text
        assert ('<html lang="en">' in bad.text) == (query == "?lang=en")
    assert await has_pin(owner_conn, account)
    assert await audit(owner_conn, account.person_id, "counter.pin_reset") == []
