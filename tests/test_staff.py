"""Staff accounts: `hanchang staff create`, the enrollment link, passkey sign-in to the
console, and console sessions (idle 15 minutes, 8 hours at most, disabled at once)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from foundation.settings import Settings
from tests.support.factories import bearer, last_audit_details, make_account, sign_in
from tests.support.passkeys import device
from tests.support.problems import assert_problem
from tests.support.staff import create_staff, enroll, enrolled_staff, staff_cli, staff_sign_in

PROBLEMS = "https://hanchang.moel.go.kr/problems/"
Client = AsyncTestClient[Litestar]


@pytest.fixture(autouse=True)
async def fresh_state(settings: Settings, client: Client) -> AsyncIterator[None]:
    """No rate-limit windows and no cookie left over from the previous test."""
    redis = Redis.from_url(settings.redis.url)
    for key in await redis.keys("limit:*"):
        await redis.delete(key)
    await redis.aclose()
    client.cookies.clear()
    yield


async def audit_actions(owner_conn: asyncpg.Connection, staff_id: int) -> list[str]:
    rows = await owner_conn.fetch(
        "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"staff:{staff_id}"
    )
    return [row["action"] for row in rows]


async def test_create_enroll_sign_in_me_sign_out(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    staff_id, token = await create_staff(settings, database_url, capsys, role="supervisor")
    stored = await owner_conn.fetchval(
        "SELECT count(*) FROM staff_enrollments WHERE staff_id = $1 AND token_hash = sha256($2)",
        staff_id,
        token.encode(),
    )
    assert stored == 1  # only the hash is kept
    authenticator = device(settings)
    status, body = await enroll(client, authenticator, token)
    assert status == 201, body
    assert body == {"staff_id": staff_id}

    status, me = await staff_sign_in(client, authenticator)
    assert status == 200, me
    assert me == {
        "id": staff_id,
        "name": "김민수",
        "office": {"code": "busan", "name": "부산고용센터"},
        "role": "supervisor",
    }
    cookie = client.cookies.get("hanchang_staff")
    assert cookie and cookie.startswith("hcs_")

    english = await client.get("/console/api/me", headers={"Accept-Language": "en"})
    assert english.status_code == 200, english.text
    assert english.json()["office"]["name"] == "Busan Employment Center"

    signed_out = await client.post("/console/api/sign-out", json={})
    assert signed_out.status_code == 204
    assert "hanchang_staff" not in client.cookies
    # The old cookie is dead on the server too, not only forgotten by the browser.
    client.cookies.set("hanchang_staff", cookie, path="/console")
    assert_problem(await client.get("/console/api/me"), 401, "staff-sign-in-required")
    assert await audit_actions(owner_conn, staff_id) == [
        "staff.created",
        "staff.enrolled",
        "staff.signed_in",
        "staff.signed_out",
    ]
    office = await owner_conn.fetchval(
        "SELECT office FROM audit_log WHERE action = 'staff.signed_in' AND actor = $1",
        f"staff:{staff_id}",
    )
    assert office == "busan"
    signed_in = await last_audit_details(owner_conn, "staff.signed_in", f"staff:{staff_id}")
    assert signed_in["address"] == "testclient"
    session_id = await owner_conn.fetchval(
        "SELECT id FROM staff_sessions WHERE staff_id = $1", staff_id
    )
    assert signed_in["session"] == str(session_id)


async def test_sign_in_cookie_is_http_only_and_strict(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
) -> None:
    _, authenticator = await enrolled_staff(settings, database_url, capsys, client)
    started = (await client.post("/console/api/sign-in/options", json={})).json()
    credential = authenticator.get(started["options"])
    answer = await client.post(
        "/console/api/sign-in/verify",
        json={"challenge_id": started["challenge_id"], "credential": credential},
    )
    assert answer.status_code == 200, answer.text
    set_cookie = answer.headers["set-cookie"].lower()
    assert set_cookie.startswith("hanchang_staff=hcs_")
    assert "httponly" in set_cookie
    assert "samesite=strict" in set_cookie
    assert "path=/console" in set_cookie
    assert "max-age=28800" in set_cookie
    # The tests' public URL is http: a Secure cookie would never come back.
    assert "secure" not in set_cookie


async def test_enrollment_link_is_single_use(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    staff_id, token = await create_staff(settings, database_url, capsys)
    status, body = await enroll(client, device(settings), token)
    assert status == 201, body
    again = await client.post("/console/api/enroll/options", json={"token": token})
    assert_problem(again, 400, "enrollment-link-invalid")
    passkeys = await owner_conn.fetchval(
        "SELECT count(*) FROM staff_passkeys WHERE staff_id = $1", staff_id
    )
    assert passkeys == 1


async def test_enrollment_link_used_between_options_and_verify(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    """Two devices open the same link: only the first answer registers a passkey."""
    staff_id, token = await create_staff(settings, database_url, capsys)
    first, second = device(settings), device(settings)
    options_1 = (await client.post("/console/api/enroll/options", json={"token": token})).json()
    options_2 = (await client.post("/console/api/enroll/options", json={"token": token})).json()
    done = await client.post(
        "/console/api/enroll/verify",
        json={
            "token": token,
            "challenge_id": options_1["challenge_id"],
            "credential": first.create(options_1["options"]),
        },
    )
    assert done.status_code == 201, done.text
    late = await client.post(
        "/console/api/enroll/verify",
        json={
            "token": token,
            "challenge_id": options_2["challenge_id"],
            "credential": second.create(options_2["options"]),
        },
    )
    assert_problem(late, 400, "enrollment-link-invalid")
    count = await owner_conn.fetchval(
        "SELECT count(*) FROM staff_passkeys WHERE staff_id = $1", staff_id
    )
    assert count == 1


async def test_enrollment_link_expires_after_24_hours(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    staff_id, token = await create_staff(settings, database_url, capsys)
    hours = await owner_conn.fetchval(
        "SELECT extract(epoch FROM expires_at - created_at) / 3600 FROM staff_enrollments "
        "WHERE staff_id = $1",
        staff_id,
    )
    assert round(hours) == 24
    await owner_conn.execute(
        "UPDATE staff_enrollments SET expires_at = now() - interval '1 second' WHERE staff_id = $1",
        staff_id,
    )
    refused = await client.post(
        "/console/api/enroll/options", json={"token": token}, headers={"Accept-Language": "en"}
    )
    body = assert_problem(refused, 400, "enrollment-link-invalid")
    assert body["title"] == "This enrollment link cannot be used"


async def test_failed_enrollment_leaves_the_link_usable(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    staff_id, token = await create_staff(settings, database_url, capsys)
    authenticator = device(settings)
    started = (await client.post("/console/api/enroll/options", json={"token": token})).json()
    forged = authenticator.create(started["options"], origin="https://evil.example")
    refused = await client.post(
        "/console/api/enroll/verify",
        json={"token": token, "challenge_id": started["challenge_id"], "credential": forged},
    )
    assert_problem(refused, 400, "passkey-not-added")
    assert (
        await owner_conn.fetchval(
            "SELECT used_at FROM staff_enrollments WHERE staff_id = $1", staff_id
        )
        is None
    )
    status, body = await enroll(client, device(settings), token)
    assert status == 201, body


async def test_idle_15_minutes_ends_the_session(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    staff_id, authenticator = await enrolled_staff(settings, database_url, capsys, client)
    status, _ = await staff_sign_in(client, authenticator)
    assert status == 200
    await owner_conn.execute(
        "UPDATE staff_sessions SET last_seen_at = now() - interval '14 minutes' "
        "WHERE staff_id = $1",
        staff_id,
    )
    assert (await client.get("/console/api/me")).status_code == 200
    # That request counted as activity: 14 minutes of idleness start again from it.
    seen = await owner_conn.fetchval(
        "SELECT now() - last_seen_at < interval '1 minute' FROM staff_sessions WHERE staff_id = $1",
        staff_id,
    )
    assert seen is True
    await owner_conn.execute(
        "UPDATE staff_sessions SET last_seen_at = now() - interval '15 minutes 1 second' "
        "WHERE staff_id = $1",
        staff_id,
    )
    assert_problem(await client.get("/console/api/me"), 401, "staff-sign-in-required")


async def test_8_hours_end_the_session_however_active(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    staff_id, authenticator = await enrolled_staff(settings, database_url, capsys, client)
    status, _ = await staff_sign_in(client, authenticator)
    assert status == 200
    hours = await owner_conn.fetchval(
        "SELECT extract(epoch FROM expires_at - created_at) / 3600 FROM staff_sessions "
        "WHERE staff_id = $1",
        staff_id,
    )
    assert hours == 8
    await owner_conn.execute(
        "UPDATE staff_sessions SET created_at = created_at - interval '8 hours', "
        "expires_at = expires_at - interval '8 hours' WHERE staff_id = $1",
        staff_id,
    )
    # Active a moment ago, but the shift is over.
    assert_problem(await client.get("/console/api/me"), 401, "staff-sign-in-required")


async def test_disabled_staff_are_refused_at_once(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    staff_id, authenticator = await enrolled_staff(settings, database_url, capsys, client)
    status, _ = await staff_sign_in(client, authenticator)
    assert status == 200
    assert (await client.get("/console/api/me")).status_code == 200
    assert await staff_cli(settings, database_url, "disable", str(staff_id)) == 0
    assert_problem(await client.get("/console/api/me"), 401, "staff-sign-in-required")
    status, body = await staff_sign_in(client, authenticator)
    assert status == 401, body
    assert body["type"] == PROBLEMS + "sign-in-failed"
    revoked = await owner_conn.fetchval(
        "SELECT revoked_reason FROM staff_sessions WHERE staff_id = $1", staff_id
    )
    assert revoked == "disabled"
    actions = await audit_actions(owner_conn, staff_id)
    assert actions[-2:] == ["staff.disabled", "staff.sign_in_refused"]
    refused = await last_audit_details(owner_conn, "staff.sign_in_refused", f"staff:{staff_id}")
    assert refused["address"] == "testclient"


async def test_disabled_staff_cannot_enroll(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
) -> None:
    staff_id, token = await create_staff(settings, database_url, capsys)
    assert await staff_cli(settings, database_url, "disable", str(staff_id)) == 0
    refused = await client.post("/console/api/enroll/options", json={"token": token})
    assert_problem(refused, 400, "enrollment-link-invalid")


async def test_citizen_credentials_do_not_open_the_console(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    account = await make_account(owner_conn, settings)
    headers = bearer(await sign_in(owner_conn, settings, account, aal=2, method="passkey"))
    assert_problem(
        await client.get("/console/api/me", headers=headers), 401, "staff-sign-in-required"
    )
    # A citizen's access token in the staff cookie is no better.
    client.cookies.set("hanchang_staff", headers["Authorization"][7:], path="/console")
    assert_problem(await client.get("/console/api/me"), 401, "staff-sign-in-required")
    client.cookies.clear()

    # A citizen's passkey (registered through /v1) does not sign in to the console.
    citizen_device = device(settings)
    started = (await client.post("/v1/auth/passkeys/registration/options", headers=headers)).json()
    added = await client.post(
        "/v1/auth/passkeys/registration/verify",
        json={
            "challenge_id": started["challenge_id"],
            "credential": citizen_device.create(started["options"]),
        },
        headers=headers,
    )
    assert added.status_code == 201, added.text
    status, body = await staff_sign_in(client, citizen_device)
    assert status == 401, body
    assert body["type"] == PROBLEMS + "sign-in-failed"
    assert "hanchang_staff" not in client.cookies


async def test_a_citizen_sign_in_challenge_cannot_sign_in_staff(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
) -> None:
    _, authenticator = await enrolled_staff(settings, database_url, capsys, client)
    started = (await client.post("/v1/auth/passkeys/authentication/options")).json()
    answer = await client.post(
        "/console/api/sign-in/verify",
        json={
            "challenge_id": started["challenge_id"],
            "credential": authenticator.get(started["options"]),
        },
    )
    assert_problem(answer, 401, "sign-in-failed")


async def test_replayed_sign_in_answer_is_refused(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
) -> None:
    _, authenticator = await enrolled_staff(settings, database_url, capsys, client)
    started = (await client.post("/console/api/sign-in/options", json={})).json()
    payload = {
        "challenge_id": started["challenge_id"],
        "credential": authenticator.get(started["options"]),
    }
    assert (await client.post("/console/api/sign-in/verify", json=payload)).status_code == 200
    client.cookies.clear()
    replay = await client.post("/console/api/sign-in/verify", json=payload)
    assert_problem(replay, 401, "sign-in-failed")
    assert "hanchang_staff" not in client.cookies


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/console/api/enroll/options", {}),
        ("/console/api/enroll/options", {"token": ""}),
        ("/console/api/enroll/options", {"token": "not a token!"}),
        ("/console/api/enroll/verify", {"token": "hce_x", "challenge_id": "nope"}),
        ("/console/api/sign-in/verify", {"challenge_id": str(uuid.uuid4())}),
        ("/console/api/sign-in/verify", {"challenge_id": str(uuid.uuid4()), "credential": {}}),
    ],
)
@pytest.mark.parametrize("language", ["ko", "en"])
async def test_bad_input_is_a_problem_in_the_callers_language(
    client: Client, path: str, payload: dict[str, Any], language: str
) -> None:
    answer = await client.post(path, json=payload, headers={"Accept-Language": language})
    body = assert_problem(answer, 400, "validation-error")
    assert answer.headers["content-language"] == language
    assert body["errors"], body


@pytest.mark.parametrize("language", ["ko", "en"])
async def test_not_signed_in_is_a_problem_in_the_callers_language(
    client: Client, language: str
) -> None:
    answer = await client.get("/console/api/me", headers={"Accept-Language": language})
    body = assert_problem(answer, 401, "staff-sign-in-required")
    expected = {"ko": "콘솔에 로그인해 주세요", "en": "Please sign in to the console"}
    assert body["title"] == expected[language]
    signed_out = await client.post(
        "/console/api/sign-out", headers={"Accept-Language": language}, json={}
    )
    assert_problem(signed_out, 401, "staff-sign-in-required")


async def test_unknown_enrollment_token(client: Client) -> None:
    answer = await client.post("/console/api/enroll/options", json={"token": "hce_unknown"})
    body = assert_problem(answer, 400, "enrollment-link-invalid")
    assert body["title"] == "이 등록 링크는 쓸 수 없어요"


async def test_cli_refuses_unknown_office_and_writes_nothing(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    owner_conn: asyncpg.Connection,
) -> None:
    before = await owner_conn.fetchval("SELECT count(*) FROM staff")
    status = await staff_cli(
        settings, database_url, "create", "--name", "이수진", "--office", "mars", "--role", "admin"
    )
    assert status == 2
    assert "busan" in capsys.readouterr().err
    blank = await staff_cli(
        settings, database_url, "create", "--name", "  ", "--office", "seoul", "--role", "admin"
    )
    assert blank == 2
    assert await owner_conn.fetchval("SELECT count(*) FROM staff") == before
    assert await staff_cli(settings, database_url, "disable", "999999") == 1


async def test_a_disabled_row_alone_ends_live_sessions(
    settings: Settings,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    client: Client,
    owner_conn: asyncpg.Connection,
) -> None:
    """Every request checks the staff row: disabling by any route ends the session at once."""
    staff_id, authenticator = await enrolled_staff(settings, database_url, capsys, client)
    status, _ = await staff_sign_in(client, authenticator)
    assert status == 200
    await owner_conn.execute("UPDATE staff SET disabled_at = now() WHERE id = $1", staff_id)
    assert_problem(await client.get("/console/api/me"), 401, "staff-sign-in-required")
