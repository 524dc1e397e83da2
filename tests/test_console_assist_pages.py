"""The console's pages for one person's registered phones, the people acting for them and
their audit trail: each form calls the core function the JSON API calls, answers a wrong
entry next to its field in the reader's language, and writes nothing when refused. The
phone line's sign-in is the core's, as its webhooks will call it."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
from babel.dates import format_datetime
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import PHONE_PIN_LOCKED, PIN_WRONG, SIGN_IN_FAILED
from foundation.audit import record_audit
from foundation.korea import KOREA
from foundation.settings import Settings
from tests.support.console_assist import actions, count, fresh_state, one, today
from tests.support.console_pages import csrf_of, page
from tests.support.console_pages import post_form as post
from tests.support.factories import make_account, make_person
from tests.support.identity_checks import verify
from tests.support.registered_phones import (
    GOOD_PIN,
    WRONG_PIN,
    answer_callback,
    ask_for_callback,
    call_token_from_outbox,
    person_with_pin,
    phone_sign_in,
    refused,
)
from tests.support.staff import as_, signed_in

Client = AsyncTestClient[Litestar]
__all__ = ["fresh_state"]


# --- Registered phones ------------------------------------------------------------


async def test_register_a_landline_and_bad_numbers_write_nothing(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    staff_id, _ = await signed_in(client, owner_conn)
    person = await make_person(owner_conn, settings, name="최정숙")
    url = f"/console/people/{person.id}/phones"
    shown = await page(client, url)
    assert "등록한 번호가 없어요." in shown
    token = csrf_of(shown)

    for lang, message in (
        ("", "02-1234-5678처럼 전화번호를 입력해 주세요."),
        ("?lang=en", "Enter a phone number like 02-1234-5678."),
    ):
        bad = await post(client, url + lang, {"csrf_token": token, "number": "02-12"})
        assert bad.status_code == 400, bad.text
        assert bad.headers["content-type"].startswith("text/html")
        assert message in bad.text
        assert '<a href="#number">' in bad.text and 'id="number-error"' in bad.text
        assert 'aria-invalid="true"' in bad.text and 'value="02-12"' in bad.text
    assert await count(owner_conn, "registered_phones WHERE person_id = $1", person.id) == 0
    assert "auth.phone.registered" not in [
        a["action"] for a in await actions(owner_conn, person.id)
    ]

    # A number to sign in with goes only to someone whose ID was just checked.
    early = await post(client, url, {"csrf_token": token, "number": "02-3456-7890"})
    assert early.status_code == 409 and 'id="refusal"' in early.text
    assert "먼저 신분증을 확인해 주세요" in early.text and 'value="02-3456-7890"' in early.text
    assert await count(owner_conn, "registered_phones WHERE person_id = $1", person.id) == 0
    assert (await verify(client, person.id)).status_code == 201

    done = await post(client, url, {"csrf_token": token, "number": "02-3456-7890"})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{url}?done=registered"
    row = await one(
        owner_conn,
        "SELECT phone_e164, registered_by, office_code, removed_at FROM registered_phones "
        "WHERE person_id = $1",
        person.id,
    )
    assert dict(row) == {
        "phone_e164": "+82234567890",
        "registered_by": staff_id,
        "office_code": "busan",
        "removed_at": None,
    }
    audited = [a for a in await actions(owner_conn, person.id) if a["action"].startswith("auth.")]
    assert [(a["actor"], a["action"], a["office"], a["channel"]) for a in audited] == [
        (f"staff:{staff_id}", "auth.phone.registered", "busan", "counter")
    ]
    listed = await page(client, done.headers["location"])
    assert "번호를 등록했어요." in listed
    assert "02-****-7890" in listed and "34567890" not in listed
    assert "사용 중" in listed

    again = await post(client, url, {"csrf_token": token, "number": "+82234567890"})
    assert again.status_code == 400
    assert "이 전화번호는 이분에게 이미 등록되어 있어요." in again.text
    assert await count(owner_conn, "registered_phones WHERE person_id = $1", person.id) == 1


async def test_unlock_a_locked_phone_then_remove_it(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection, db_pool: asyncpg.Pool
) -> None:
    account = await person_with_pin(client, owner_conn, settings, "윤말순")
    staff_id, _ = await signed_in(client, owner_conn)
    url = f"/console/people/{account.person_id}/phones"
    token = csrf_of(await page(client, url))
    assert (await verify(client, account.person_id)).status_code == 201
    assert (
        await post(client, url, {"csrf_token": token, "number": "051-714-2233"})
    ).status_code == 303
    phone_id = await owner_conn.fetchval(
        "SELECT id FROM registered_phones WHERE person_id = $1", account.person_id
    )
    # Five wrong PINs on our call back to the number (the phone line, in the core).
    tokens = await phone_sign_in(db_pool, settings, "+82517142233", GOOD_PIN)
    callback = await ask_for_callback(db_pool, settings, tokens)
    call_token = await call_token_from_outbox(owner_conn, callback.id)
    for _ in range(4):
        await refused(
            answer_callback(db_pool, settings, callback.id, WRONG_PIN, call_token), PIN_WRONG
        )
    await refused(
        answer_callback(db_pool, settings, callback.id, WRONG_PIN, call_token), PHONE_PIN_LOCKED
    )
    await refused(phone_sign_in(db_pool, settings, "+82517142233", GOOD_PIN), PHONE_PIN_LOCKED)

    shown = await page(client, url, lang="en")
    assert "Locked after 5 wrong PINs" in shown and f'id="unlock-{phone_id}"' in shown
    # Another person's page cannot unlock this phone.
    other = await make_person(owner_conn, settings)
    elsewhere = await post(
        client, f"/console/people/{other.id}/phones/{phone_id}/unlock", {"csrf_token": token}
    )
    assert elsewhere.status_code == 404
    assert elsewhere.headers["content-type"].startswith("text/html")
    assert await owner_conn.fetchval(
        "SELECT locked_at IS NOT NULL FROM registered_phones WHERE id = $1", phone_id
    )

    unlocked = await post(client, f"{url}/{phone_id}/unlock?lang=en", {"csrf_token": token})
    assert unlocked.status_code == 303
    assert unlocked.headers["location"] == f"{url}?done=unlocked&lang=en"
    assert "The number is unlocked." in await page(client, unlocked.headers["location"])
    state = await one(
        owner_conn, "SELECT pin_failures, locked_at FROM registered_phones WHERE id = $1", phone_id
    )
    assert dict(state) == {"pin_failures": 0, "locked_at": None}
    assert (await phone_sign_in(db_pool, settings, "+82517142233", GOOD_PIN)).aal == 1

    removed = await post(client, f"{url}/{phone_id}/remove", {"csrf_token": token})
    assert removed.status_code == 303
    assert removed.headers["location"] == f"{url}?done=removed"
    after = await page(client, removed.headers["location"])
    assert "번호를 삭제했어요." in after and "등록한 번호가 없어요." in after
    assert await owner_conn.fetchval(
        "SELECT removed_by FROM registered_phones WHERE id = $1", phone_id
    ) == (staff_id)
    await refused(phone_sign_in(db_pool, settings, "+82517142233", GOOD_PIN), SIGN_IN_FAILED)
    done = [a["action"] for a in await actions(owner_conn, account.person_id)]
    assert done.index("auth.phone.registered") < done.index("auth.phone.unlocked")
    assert done.index("auth.phone.unlocked") < done.index("auth.phone.removed")


# --- No token, nothing written ------------------------------------------------------------


async def test_posts_without_the_token_write_nothing(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    account = await person_with_pin(client, owner_conn, settings, "한결같")
    await signed_in(client, owner_conn)
    person_id = account.person_id
    assert (await verify(client, person_id)).status_code == 201
    phone = await client.post(
        f"/console/api/people/{person_id}/phones", json={"number": "02-555-0101"}
    )
    assert phone.status_code == 201, phone.text
    await owner_conn.execute(
        "UPDATE registered_phones SET locked_at = now(), pin_failures = 5 WHERE id = $1",
        phone.json()["id"],
    )
    visit = await client.post(
        f"/console/api/people/{person_id}/delegations", json={"scopes": ["apply"]}
    )
    assert visit.status_code == 201, visit.text
    phone_id, delegation_id = phone.json()["id"], visit.json()["id"]
    audit_rows = await count(owner_conn, "audit_log")
    base = f"/console/people/{person_id}"
    sent = {"number": "02-555-0102", "proxy_kind": "me", "scope_apply": "on"}
    for path in (
        f"{base}/phones",
        f"{base}/phones/{phone_id}/unlock",
        f"{base}/phones/{phone_id}/remove",
        f"{base}/delegations",
        f"{base}/delegations/{delegation_id}/revoke",
    ):
        for form in (sent, {**sent, "csrf_token": "made-up"}):
            refused = await client.post(
                path, data=form, headers={"Accept-Language": "en"}, follow_redirects=False
            )
            assert refused.status_code == 403, path
            assert refused.headers["content-type"].startswith("text/html")
            assert "This form has expired" in refused.text
    live = await one(
        owner_conn,
        "SELECT count(*) AS n, bool_and(locked_at IS NOT NULL) AS locked FROM registered_phones "
        "WHERE person_id = $1 AND removed_at IS NULL",
        person_id,
    )
    assert dict(live) == {"n": 1, "locked": True}
    assert (
        await count(
            owner_conn,
            "delegations WHERE principal_person_id = $1 AND revoked_at IS NULL",
            person_id,
        )
        == 1
    )
    assert await count(owner_conn, "audit_log") == audit_rows


# --- The audit trail ------------------------------------------------------------------


async def test_clerk_is_refused_the_audit_trail_and_a_supervisor_reads_it(
    settings: Settings, client: Client, owner_conn: asyncpg.Connection
) -> None:
    principal = await make_account(owner_conn, settings, name="강기록")
    await make_account(owner_conn, settings, name="도우미", birth_date=date(1979, 9, 9))
    clerk_id, clerk_token = await signed_in(client, owner_conn)
    person_id = principal.person_id
    assert (await verify(client, person_id)).status_code == 201
    token = csrf_of(await page(client, f"/console/people/{person_id}/phones"))
    registered = await post(
        client,
        f"/console/people/{person_id}/phones",
        {"csrf_token": token, "number": "02-777-8888"},
    )
    assert registered.status_code == 303
    created = await post(
        client,
        f"/console/people/{person_id}/delegations",
        {
            "csrf_token": token,
            "proxy_kind": "person",
            "proxy_name": "도우미",
            "proxy_birth_date": "1979-09-09",
            "scope_read_notifications": "on",
            "until": str(today() + timedelta(days=30)),
        },
    )
    assert created.status_code == 303, created.text
    await record_audit(
        owner_conn, actor="system", action="test.unheard_of", subject=f"person:{person_id}"
    )

    url = f"/console/people/{person_id}/audit"
    person_page = await page(client, f"/console/people/{person_id}")
    assert url not in person_page
    refused = await page(client, url, 403)
    assert "감독자나 관리자만 볼 수 있어요." in refused and 'id="refusal"' in refused
    assert "<header>" in refused and "강기록" not in refused
    viewed = "audit_log WHERE action = 'counter.audit_trail_viewed'"
    assert await count(owner_conn, viewed) == 0

    supervisor_id, _ = await signed_in(client, owner_conn, role="supervisor", name="서감독")
    trail = await page(client, url)
    assert "강기록" in trail
    table = trail[trail.index('<table id="audit">') :]
    assert "전화번호 등록" in table and "대신 일 보기 설정" in table and "신분증 확인" in table
    assert "test.unheard_of" in table
    assert f"김민수 (staff:{clerk_id})" in table and "창구" in table
    phone_at = await owner_conn.fetchval(
        "SELECT occurred_at FROM audit_log WHERE action = 'auth.phone.registered' AND subject = $1",
        f"person:{person_id}",
    )
    assert format_datetime(phone_at, "yyyy-MM-dd HH:mm", tzinfo=KOREA, locale="ko") in table
    english = await page(client, url, lang="en")
    assert "Phone registered" in english and "Acting for the person set up" in english
    assert await owner_conn.fetchval(f"SELECT array_agg(actor) FROM {viewed}") == [
        f"staff:{supervisor_id}",
        f"staff:{supervisor_id}",
    ]
    as_(client, clerk_token)
    assert "감독자" in await page(client, url, 403)
