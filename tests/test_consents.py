"""Documents by consent: granting (aal 2), viewing inside a live consent only, the race for a
single-use consent, revocation, the person's own view, data access, bad input, other people."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import Account, Tokens
from foundation.audit import list_audit_for_subject
from foundation.problems import Problem
from foundation.settings import Settings
from onestop.consents import korean_today, one_year_after, view_document
from onestop.documents import EmploymentInsuranceHistory
from tests.support.environment import environment_for_tests
from tests.support.factories import bearer, make_account, make_fact, sign_in
from tests.support.problems import comparable

ROOT = Path(__file__).resolve().parent.parent
Client = AsyncTestClient[Litestar]


@asynccontextmanager
async def app_connection(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection acting as the application role, as the review of an application would."""
    conn = await asyncpg.connect(database_url)
    await conn.execute('SET ROLE "hanchang_app"')
    try:
        yield conn
    finally:
        await conn.close()


async def agency_view(database_url: str, consent_id: int, **overrides: str) -> Any:
    """A caseworker's view in its own committed transaction; the Problem if refused."""
    arguments = {
        "viewer": "caseworker:17",
        "purpose": "구직급여 수급자격 심사",
        "channel": "counter",
        **overrides,
    }
    async with app_connection(database_url) as conn:
        try:
            async with conn.transaction():
                return await view_document(conn, consent_id=consent_id, **arguments)
        except Problem as problem:
            return problem


async def citizen(
    owner_conn: asyncpg.Connection, settings: Settings, *, aal: int = 2, **person: Any
) -> tuple[Account, Tokens]:
    account = await make_account(owner_conn, settings, **person)
    tokens = await sign_in(
        owner_conn, settings, account, aal=aal, method="passkey" if aal == 2 else "sms"
    )
    return account, tokens


async def with_employment_history(owner_conn: asyncpg.Connection, person_id: int) -> datetime:
    """Two employments from the 고용보험 DB; returns the older refresh time."""
    older = datetime(2026, 1, 3, 2, 0, tzinfo=UTC)
    await make_fact(
        owner_conn,
        person_id=person_id,
        kind="employment_insurance",
        source_system="ei",
        refreshed_at=older,
        valid_from=date(2021, 3, 2),
        valid_to=date(2024, 6, 30),
        employer_name="한빛물산",
        employer_id="12345678901",
        separation_code="23",
        paid_base_days=610,
    )
    await make_fact(
        owner_conn,
        person_id=person_id,
        kind="employment_insurance",
        source_system="ei",
        refreshed_at=older + timedelta(days=20),
        valid_from=date(2024, 9, 1),
        employer_name="새벽식품",
        employer_id="22345678901",
        paid_base_days=300,
    )
    return older


async def grant(client: Client, tokens: Tokens, *, lang: str = "ko", **body: Any) -> dict[str, Any]:
    payload = {
        "document_type": "employment-insurance-history",
        "grantee": "unemployment-benefit",
        "purpose": "구직급여 신청 심사",
        "expires_on": (korean_today() + timedelta(days=30)).isoformat(),
        **body,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    response = await client.post(
        "/v1/me/consents", json=payload, headers={**bearer(tokens), "Accept-Language": lang}
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def consent_count(owner_conn: asyncpg.Connection, person_id: int) -> int:
    count: int = await owner_conn.fetchval(
        "SELECT count(*) FROM document_consents WHERE person_id = $1", person_id
    )
    return count


async def test_granting_needs_recent_aal2(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings, aal=1)
    for lang, title in (("ko", "본인인지 한 번 더 확인할게요"), ("en", "Please confirm it is you")):
        response = await client.post(
            "/v1/me/consents",
            json={
                "document_type": "wage-statement",
                "grantee": "unemployment-benefit",
                "purpose": "심사",
                "single_use": True,
            },
            headers={**bearer(tokens), "Accept-Language": lang},
        )
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/step-up-required")
        assert response.json()["title"] == title
        assert "insufficient_user_authentication" in response.headers["www-authenticate"]
    assert await consent_count(owner_conn, account.person_id) == 0
    unsigned = await client.get("/v1/me/consents")
    assert unsigned.status_code == 401


async def test_a_view_inside_a_live_consent_is_logged_and_shown(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, database_url: str
) -> None:
    account, tokens = await citizen(owner_conn, settings, name="박서준")
    older = await with_employment_history(owner_conn, account.person_id)
    granted = await grant(client, tokens, lang="en")
    assert granted["status"] == "live" and granted["status_label"] == "In effect"
    assert granted["document_title"] == "Employment insurance history"
    assert granted["single_use"] is False and granted["used_at"] is None
    # The consent lasts to the end of its day in Korea.
    expires = datetime.fromisoformat(granted["expires_at"])
    assert expires == datetime.combine(
        korean_today() + timedelta(days=31), datetime.min.time(), tzinfo=UTC
    ) - timedelta(hours=9)

    document = await agency_view(database_url, granted["id"])
    assert not isinstance(document, Problem), document
    assert document.person_id == account.person_id
    assert document.subject_name == "박서준"
    assert document.source_systems == ["ei"]
    assert document.refreshed_at == older
    assert isinstance(document.content, EmploymentInsuranceHistory)
    first, current = document.content.employments
    assert (first.employer_name, first.separation_code, first.paid_base_days) == (
        "한빛물산",
        "23",
        610,
    )
    assert (current.insured_to, current.separation_code) == (None, None)
    # A consent with an end date may be used again while it lasts.
    again = await agency_view(database_url, granted["id"], viewer="caseworker:18")
    assert not isinstance(again, Problem), again

    access = await client.get("/v1/me/data-access", headers=bearer(tokens))
    assert access.status_code == 200, access.text
    views = access.json()["views"]
    assert [v["viewer"] for v in views] == ["caseworker:18", "caseworker:17"]
    newest = views[0]
    assert newest["own_view"] is False
    assert newest["grantee"] == "unemployment-benefit"
    assert newest["consent_id"] == granted["id"]
    assert newest["purpose"] == "구직급여 수급자격 심사"
    assert newest["channel"] == "counter"
    assert newest["document_title"] == "고용보험 피보험자격 이력"
    assert access.json()["next_before"] is None

    listed = (await client.get("/v1/me/consents", headers=bearer(tokens))).json()["consents"]
    assert [(c["id"], c["status"]) for c in listed] == [(granted["id"], "live")]
    assert listed[0]["used_at"] is not None

    audit = await list_audit_for_subject(owner_conn, f"person:{account.person_id}")
    actions = [(e.actor, e.action) for e in audit]
    assert actions == [
        ("caseworker:18", "document.viewed"),
        ("caseworker:17", "document.viewed"),
        (f"account:{account.id}", "consent.granted"),
    ]
    assert audit[0].reason == "구직급여 수급자격 심사"
    assert audit[0].details["consent_id"] == granted["id"]
    assert audit[2].details["grantee"] == "unemployment-benefit"


async def test_revoked_expired_and_spent_consents_refuse_at_once(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, database_url: str
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    revoked = await grant(client, tokens)
    withdrawn = await client.delete(f"/v1/me/consents/{revoked['id']}", headers=bearer(tokens))
    assert withdrawn.status_code == 204
    refused = await agency_view(database_url, revoked["id"])
    assert isinstance(refused, Problem) and refused.kind.slug == "consent-ended"
    assert refused.extra == {"reason": "revoked"}
    assert refused.body("en")["title"] == "The consent is no longer valid"
    # Withdrawing again changes nothing and is no error.
    again = await client.delete(f"/v1/me/consents/{revoked['id']}", headers=bearer(tokens))
    assert again.status_code == 204

    expired = await grant(client, tokens)
    await owner_conn.execute(
        "UPDATE document_consents SET granted_at = now() - interval '2 days', "
        "expires_at = now() - interval '1 second' WHERE id = $1",
        expired["id"],
    )
    refused = await agency_view(database_url, expired["id"])
    assert isinstance(refused, Problem) and refused.extra == {"reason": "expired"}

    single = await grant(client, tokens, single_use=True, expires_on=None)
    assert single["single_use"] is True
    assert datetime.fromisoformat(single["expires_at"]) > datetime.now(UTC) + timedelta(days=89)
    assert not isinstance(await agency_view(database_url, single["id"]), Problem)
    refused = await agency_view(database_url, single["id"])
    assert isinstance(refused, Problem) and refused.extra == {"reason": "used"}

    missing = await agency_view(database_url, 987654321)
    assert isinstance(missing, Problem) and missing.kind.slug == "not-found"

    statuses = {
        c["id"]: (c["status"], c["status_label"])
        for c in (
            await client.get("/v1/me/consents", headers={**bearer(tokens), "Accept-Language": "en"})
        ).json()["consents"]
    }
    assert statuses == {
        revoked["id"]: ("revoked", "Withdrawn"),
        expired["id"]: ("expired", "Expired"),
        single["id"]: ("used", "Used"),
    }
    # Only the one view that happened is logged; refusals show nothing viewed.
    views = await owner_conn.fetch(
        "SELECT consent_id FROM document_views WHERE person_id = $1", account.person_id
    )
    assert [v["consent_id"] for v in views] == [single["id"]]
    revocations = await owner_conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'consent.revoked' AND subject = $1",
        f"person:{account.person_id}",
    )
    assert revocations == 1


async def test_two_views_racing_for_a_single_use_consent_get_one_document(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, database_url: str
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    single = await grant(client, tokens, single_use=True)
    started = asyncio.Event()
    ready = 0

    async def view(viewer: str) -> Any:
        nonlocal ready
        async with app_connection(database_url) as conn:
            try:
                async with conn.transaction():
                    ready += 1
                    if ready == 2:
                        started.set()
                    await started.wait()
                    document = await view_document(
                        conn,
                        consent_id=single["id"],
                        viewer=viewer,
                        purpose="심사",
                        channel="counter",
                    )
                    # Hold the transaction open: the other view runs while this one is uncommitted.
                    await asyncio.sleep(0.3)
                    return document
            except Problem as problem:
                return problem

    results = await asyncio.gather(view("caseworker:1"), view("caseworker:2"))
    documents = [r for r in results if not isinstance(r, Problem)]
    refusals = [r for r in results if isinstance(r, Problem)]
    assert len(documents) == 1 and len(refusals) == 1
    assert refusals[0].extra == {"reason": "used"}
    logged = await owner_conn.fetchval(
        "SELECT count(*) FROM document_views WHERE consent_id = $1", single["id"]
    )
    assert logged == 1


async def test_own_document_needs_aal2_is_logged_and_unknown_types_are_404(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    account, tokens = await citizen(owner_conn, settings, name="이하은")
    await make_fact(
        owner_conn,
        person_id=account.person_id,
        kind="wage",
        source_system="ei",
        valid_from=date(2026, 1, 1),
        employer_name="새벽식품",
        employer_id="22345678901",
        amount_krw=3_100_000,
    )
    response = await client.get(
        "/v1/me/documents/wage-statement", headers={**bearer(tokens), "Accept-Language": "en"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Wage statement"
    assert body["subject_name"] == "이하은"
    assert body["sources"] == [{"code": "ei", "name": "Employment insurance system"}]
    assert body["content"] == {
        "document_type": "wage-statement",
        "months": [
            {
                "month": "2026-01-01",
                "employer_name": "새벽식품",
                "employer_id": "22345678901",
                "amount_krw": 3_100_000,
            }
        ],
    }
    korean = (await client.get("/v1/me/documents/income-percentile", headers=bearer(tokens))).json()
    assert korean["holder"] == "국민건강보험공단"
    assert korean["content"] == {"document_type": "income-percentile", "assessments": []}
    assert korean["refreshed_at"] is None  # no record: an empty document, not an error

    access = (
        await client.get("/v1/me/data-access", headers={**bearer(tokens), "Accept-Language": "en"})
    ).json()["views"]
    assert [(v["document_type"], v["own_view"], v["consent_id"]) for v in access] == [
        ("income-percentile", True, None),
        ("wage-statement", True, None),
    ]
    assert access[0]["purpose"] == "You looked at your own document"
    assert access[0]["viewer"] == f"person:{account.person_id}"

    for lang, title in (("ko", "없는 서류예요"), ("en", "No such document")):
        unknown = await client.get(
            "/v1/me/documents/bank-statement", headers={**bearer(tokens), "Accept-Language": lang}
        )
        assert unknown.status_code == 404
        assert unknown.json()["type"].endswith("/document-type-unknown")
        assert unknown.json()["title"] == title

    _, weak = await citizen(owner_conn, settings, aal=1)
    stepped = await client.get("/v1/me/documents/wage-statement", headers=bearer(weak))
    assert stepped.status_code == 401
    assert stepped.json()["type"].endswith("/step-up-required")


BAD_GRANTS: list[tuple[str, dict[str, Any], str, str, str]] = [
    (
        "unknown type",
        {"document_type": "bank-statement"},
        "body.document_type",
        "We do not hold this kind of document.",
        "저희가 가진 서류 종류가 아니에요.",
    ),
    (
        "unknown programme",
        {"grantee": "free-money"},
        "body.grantee",
        "This is not a programme we know.",
        "모르는 지원 사업이에요.",
    ),
    (
        "more than a year",
        {"expires_on": "far"},
        "body.expires_on",
        "Choose an end date no more than one year from today.",
        "종료일은 오늘부터 1년 안으로 골라 주세요.",
    ),
    (
        "in the past",
        {"expires_on": "yesterday"},
        "body.expires_on",
        "The end date cannot be in the past.",
        "지난 날짜는 고를 수 없어요.",
    ),
    (
        "neither single use nor a date",
        {"expires_on": None},
        "body.expires_on",
        "Choose single use or an end date.",
        "한 번만 쓰기나 종료일 중 하나를 골라 주세요.",
    ),
    (
        "blank purpose",
        {"purpose": "   "},
        "body.purpose",
        "Say why the agency may look at the document.",
        "기관이 서류를 보는 목적을 적어 주세요.",
    ),
    (
        "empty purpose",
        {"purpose": ""},
        "body.purpose",
        "Enter at least 1 characters.",
        "1자 이상 입력해 주세요.",
    ),
    (
        "long purpose",
        {"purpose": "가" * 201},
        "body.purpose",
        "Enter at most 200 characters.",
        "200자 이하로 입력해 주세요.",
    ),
    (
        "not a date",
        {"expires_on": "next week"},
        "body.expires_on",
        "Enter a date as YYYY-MM-DD.",
        "날짜를 YYYY-MM-DD 형식으로 입력해 주세요.",
    ),
]


@pytest.mark.parametrize(
    ("change", "field", "english", "korean"),
    [case[1:] for case in BAD_GRANTS],
    ids=[case[0] for case in BAD_GRANTS],
)
async def test_bad_grants_get_a_problem_in_the_callers_language_and_write_nothing(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    change: dict[str, Any],
    field: str,
    english: str,
    korean: str,
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    dates = {
        "far": (one_year_after(korean_today()) + timedelta(days=1)).isoformat(),
        "yesterday": (korean_today() - timedelta(days=1)).isoformat(),
    }
    body: dict[str, Any] = {
        "document_type": "employment-insurance-history",
        "grantee": "unemployment-benefit",
        "purpose": "구직급여 신청 심사",
        "expires_on": (korean_today() + timedelta(days=30)).isoformat(),
    }
    for key, value in change.items():
        body[key] = dates.get(value, value) if isinstance(value, str) else value
    body = {k: v for k, v in body.items() if v is not None}
    for lang, detail in (("en", english), ("ko", korean)):
        response = await client.post(
            "/v1/me/consents", json=body, headers={**bearer(tokens), "Accept-Language": lang}
        )
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["type"].endswith("/validation-error")
        assert {"field": field, "detail": detail} in problem["errors"], problem
    assert await consent_count(owner_conn, account.person_id) == 0
    assert await list_audit_for_subject(owner_conn, f"person:{account.person_id}") == []


async def test_the_edges_of_the_end_date_are_allowed(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    today = await grant(client, tokens, expires_on=korean_today().isoformat())
    assert today["status"] == "live"
    year = await grant(client, tokens, expires_on=one_year_after(korean_today()).isoformat())
    assert year["status"] == "live"
    both = await grant(client, tokens, single_use=True, expires_on=korean_today().isoformat())
    assert both["expires_at"] == today["expires_at"]


async def test_agency_views_need_a_viewer_and_a_purpose(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, database_url: str
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    single = await grant(client, tokens, single_use=True)
    for overrides, field in (({"viewer": " "}, "viewer"), ({"purpose": ""}, "purpose")):
        refused = await agency_view(database_url, single["id"], **overrides)
        assert isinstance(refused, Problem) and refused.kind.slug == "validation-error"
        assert [e.field for e in refused.errors or []] == [field]
    # Refused views did not spend the single use.
    assert not isinstance(await agency_view(database_url, single["id"]), Problem)
    assert (
        await owner_conn.fetchval(
            "SELECT count(*) FROM document_views WHERE person_id = $1", account.person_id
        )
        == 1
    )


async def test_one_person_cannot_see_or_revoke_anothers_consent(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, database_url: str
) -> None:
    _, owner_tokens = await citizen(owner_conn, settings)
    _, other_tokens = await citizen(owner_conn, settings)
    theirs = await grant(client, owner_tokens)
    assert not isinstance(await agency_view(database_url, theirs["id"]), Problem)

    nobodys = await client.delete("/v1/me/consents/987654321", headers=bearer(other_tokens))
    attempt = await client.delete(f"/v1/me/consents/{theirs['id']}", headers=bearer(other_tokens))
    assert attempt.status_code == nobodys.status_code == 404
    assert comparable(attempt) == comparable(nobodys)
    # An id no bigint holds is refused before any lookup, naming the field.
    huge = await client.delete(f"/v1/me/consents/{2**70}", headers=bearer(other_tokens))
    assert huge.status_code == 400 and huge.json()["errors"][0]["field"] == "path.consent_id"

    assert (await client.get("/v1/me/consents", headers=bearer(other_tokens))).json() == {
        "consents": []
    }
    other_access = await client.get("/v1/me/data-access", headers=bearer(other_tokens))
    assert other_access.json() == {"views": [], "next_before": None}
    mine = (await client.get("/v1/me/consents", headers=bearer(owner_tokens))).json()
    assert [c["status"] for c in mine["consents"]] == ["live"]


async def test_data_access_pages_newest_first(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    for type_id in ("wage-statement", "family-relation", "job-seeker-registration"):
        seen = await client.get(f"/v1/me/documents/{type_id}", headers=bearer(tokens))
        assert seen.status_code == 200, seen.text
    first = (await client.get("/v1/me/data-access?limit=2", headers=bearer(tokens))).json()
    assert [v["document_type"] for v in first["views"]] == [
        "job-seeker-registration",
        "family-relation",
    ]
    assert first["next_before"] == first["views"][-1]["id"]
    second = (
        await client.get(
            f"/v1/me/data-access?limit=2&before={first['next_before']}", headers=bearer(tokens)
        )
    ).json()
    assert [v["document_type"] for v in second["views"]] == ["wage-statement"]
    assert second["next_before"] is None
    for query in ("limit=0", "limit=101", "before=0", "limit=many"):
        bad = await client.get(
            f"/v1/me/data-access?{query}", headers={**bearer(tokens), "Accept-Language": "en"}
        )
        assert bad.status_code == 400, (query, bad.text)
        assert bad.json()["type"].endswith("/validation-error")
    too_many = await client.get("/v1/me/data-access?limit=101", headers=bearer(tokens))
    assert too_many.json()["errors"] == [
        {"field": "query.limit", "detail": "1에서 100 사이의 숫자를 입력해 주세요."}
    ]


def _cli(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **environment_for_tests(database_url, os.environ["REDIS_URL"], tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "documents", "view", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


async def test_the_cli_views_inside_a_consent_for_the_demo(
    client: Client,
    owner_conn: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    tmp_path: Path,
) -> None:
    account, tokens = await citizen(owner_conn, settings)
    await make_fact(
        owner_conn,
        person_id=account.person_id,
        kind="household_income",
        source_system="nhis",
        income_percentile=Decimal("85.5"),
        reference_year=2025,
    )
    single = await grant(
        client, tokens, document_type="income-percentile", grantee="national-employment-support-1"
    )
    args = ("--consent", str(single["id"]), "--viewer", "caseworker:9", "--purpose", "소득 확인")
    shown = _cli(database_url, tmp_path, *args)
    assert shown.returncode == 0, shown.stderr
    assert '"percent_of_median_income": 85.5' in shown.stdout
    assert "가구 소득" in shown.stdout
    await client.delete(f"/v1/me/consents/{single['id']}", headers=bearer(tokens))
    refused = _cli(database_url, tmp_path, *args, "--lang", "en")
    assert refused.returncode == 1
    assert "The consent is no longer valid (revoked)" in refused.stderr
    views = await owner_conn.fetch(
        "SELECT viewer, channel FROM document_views WHERE consent_id = $1", single["id"]
    )
    assert [tuple(v) for v in views] == [("caseworker:9", "cli")]


async def test_the_view_log_is_append_only(
    client: Client, owner_conn: asyncpg.Connection, settings: Settings, database_url: str
) -> None:
    _, tokens = await citizen(owner_conn, settings)
    assert (
        await client.get("/v1/me/documents/family-relation", headers=bearer(tokens))
    ).status_code == 200
    async with app_connection(database_url) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM document_views")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM document_consents")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await owner_conn.execute("UPDATE document_views SET purpose = 'nothing'")
