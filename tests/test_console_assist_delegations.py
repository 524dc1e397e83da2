"""The console's page of people acting for a person (`/console/people/{id}/delegations`):
set up at the counter for another person found by exact name and birth date, or for the
clerk during this visit, and ended there; only with the person's ID checked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from foundation.settings import Settings
from tests.support.console_assist import actions, count, fresh_state, one, today
from tests.support.console_pages import csrf_of, page
from tests.support.console_pages import post_form as post
from tests.support.factories import bearer, make_account, sign_in
from tests.support.identity_checks import verify
from tests.support.staff import signed_in

Client = AsyncTestClient[Litestar]
__all__ = ["fresh_state"]


async def test_delegate_view_benefits_to_another_person_and_end_it(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    principal = await make_account(owner_conn, settings, name="박순자")
    proxy = await make_account(owner_conn, settings, name="이도움", birth_date=date(1985, 4, 1))
    staff_id, _ = await signed_in(client, owner_conn)
    url = f"/console/people/{principal.person_id}/delegations"
    before = await page(client, url)
    assert "먼저 이분의 신분증을 확인해 주세요." in before and 'id="create"' not in before
    token = csrf_of(await page(client, "/console"))
    good = {
        "csrf_token": token,
        "proxy_kind": "person",
        "proxy_name": "이도움",
        "proxy_birth_date": "1985-04-01",
        "scope_view_benefits": "on",
        "until": str(today() + timedelta(days=90)),
    }
    unchecked = await post(client, url, good)
    assert unchecked.status_code == 409
    assert "먼저 신분증을 확인해 주세요" in unchecked.text and 'id="refusal"' in unchecked.text
    delegations = "delegations WHERE principal_person_id = $1"
    assert await count(owner_conn, delegations, principal.person_id) == 0

    assert (await verify(client, principal.person_id)).status_code == 201
    form = await page(client, url)
    assert 'id="create"' in form
    assert f'value="{today() + timedelta(days=90)}"' in form

    for wrong, field, message in (
        ({"scope_view_benefits": ""}, "scopes", "Choose at least one thing they may do."),
        ({"proxy_name": "없는사람"}, "proxy_name", "Nobody matches this name and birth date."),
        ({"proxy_name": "박순자", "proxy_birth_date": "1990-05-17"}, "proxy_name", "other than"),
        ({"until": str(today() + timedelta(days=400))}, "until", "365 days from today"),
        ({"until": "next week"}, "until", "Enter a date as YYYY-MM-DD."),
        ({"proxy_kind": "robot"}, "proxy_kind", "Choose one of the options."),
    ):
        refused = await post(client, url + "?lang=en", {**good, **wrong})
        assert refused.status_code == 400, (wrong, refused.text)
        assert message in refused.text, wrong
        assert f'<a href="#{field}">' in refused.text and f'id="{field}-error"' in refused.text
    assert await count(owner_conn, delegations, principal.person_id) == 0

    created = await post(client, url, good)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == f"{url}?done=created"
    made = await one(owner_conn, f"SELECT * FROM {delegations}", principal.person_id)
    assert made["proxy_account_id"] == proxy.id and made["proxy_staff_id"] is None
    assert made["scopes"] == ["view_benefits"] and made["created_via"] == "counter"
    assert made["created_by"] == f"staff:{staff_id}"
    assert (made["expires_at"] - datetime.now(UTC)) > timedelta(days=90)
    listed = await page(client, created.headers["location"])
    row = listed[listed.index(f'id="delegation-{made["id"]}"') :].split("</tr>")[0]
    assert "이도움" in row and "받을 수 있는 혜택 보기" in row and "알림 읽기" not in row
    assert str(today() + timedelta(days=90)) in row and "창구" in row

    proxy_tokens = await sign_in(owner_conn, settings, proxy)
    eligibility = f"/v1/people/{principal.person_id}/eligibility"
    assert (await client.get(eligibility, headers=bearer(proxy_tokens))).status_code == 200
    inbox = f"/v1/people/{principal.person_id}/inbox"
    assert (await client.get(inbox, headers=bearer(proxy_tokens))).status_code == 403
    activity = await page(client, url)
    assert "대신하는 사람이 혜택을 봄" in activity
    assert f"이도움 (account:{proxy.id})" in activity

    ended = await post(client, f"{url}/{made['id']}/revoke", {"csrf_token": token})
    assert ended.status_code == 303
    assert ended.headers["location"] == f"{url}?done=revoked"
    assert "끝냈어요." in await page(client, ended.headers["location"])
    revoked = await one(
        owner_conn, "SELECT revoked_at, revoked_by FROM delegations WHERE id = $1", made["id"]
    )
    assert revoked["revoked_at"] is not None and revoked["revoked_by"] == f"staff:{staff_id}"
    assert (await client.get(eligibility, headers=bearer(proxy_tokens))).status_code == 403
    audited = {a["action"]: a for a in await actions(owner_conn, principal.person_id)}
    assert audited["delegation.created"]["actor"] == f"staff:{staff_id}"
    assert audited["delegation.revoked"]["actor"] == f"staff:{staff_id}"
    assert audited["delegation.revoked"]["office"] == "busan"


async def test_me_for_this_visit(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    principal = await make_account(owner_conn, settings, name="정다운")
    staff_id, _ = await signed_in(client, owner_conn)
    assert (await verify(client, principal.person_id)).status_code == 201
    url = f"/console/people/{principal.person_id}/delegations"
    token = csrf_of(await page(client, url))
    created = await post(
        client,
        url,
        {
            "csrf_token": token,
            "proxy_kind": "me",
            "scope_apply": "on",
            "scope_view_benefits": "on",
            # Ignored for a visit: the visit length applies.
            "until": str(today() + timedelta(days=200)),
        },
    )
    assert created.status_code == 303, created.text
    made = await one(
        owner_conn, "SELECT * FROM delegations WHERE principal_person_id = $1", principal.person_id
    )
    assert made["proxy_staff_id"] == staff_id and made["proxy_account_id"] is None
    assert sorted(made["scopes"]) == ["apply", "view_benefits"]
    assert made["expires_at"] - made["created_at"] == timedelta(hours=8)
    shown = await page(client, url, lang="en")
    assert "You, for this visit" in shown and "Apply for benefits for them" in shown

    # Another clerk sees whose visit it is, and cannot end it once the ID check is old.
    await signed_in(client, owner_conn, name="오하늘")
    assert "김민수 (clerk), for this visit" in await page(client, url, lang="en")
    await owner_conn.execute(
        "UPDATE identity_verifications SET verified_at = verified_at - interval '9 hours' "
        "WHERE person_id = $1",
        principal.person_id,
    )
    other_token = csrf_of(await page(client, url))
    refused = await post(client, f"{url}/{made['id']}/revoke?lang=en", {"csrf_token": other_token})
    assert refused.status_code == 409
    assert "Check the person&#39;s ID first" in refused.text
    assert await owner_conn.fetchval(
        "SELECT revoked_at IS NULL FROM delegations WHERE id = $1", made["id"]
    )
