"""Liveness, readiness, and readiness naming what is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from foundation.settings import load_settings
from server.app import create_app
from server.embedded import free_port
from tests.support.environment import environment_for_tests


async def test_healthz_answers_without_touching_services(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_with_postgres_and_redis(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"postgresql": "ok", "redis": "ok"}}


@pytest.fixture
async def client_without_redis(
    database_url: str, tmp_path: Path
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    settings = load_settings(environment_for_tests(database_url, closed, tmp_path))
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


async def test_readyz_names_redis_when_it_is_down(
    client_without_redis: AsyncTestClient[Litestar],
) -> None:
    response = await client_without_redis.get("/readyz", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["down"] == ["redis"]
    assert body["type"].endswith("/problems/service-unavailable")
    assert "Redis" in body["detail"]
    assert response.headers["retry-after"] == "5"


@pytest.fixture
async def client_without_postgres(
    redis_url: str, tmp_path: Path
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    env = environment_for_tests(closed, redis_url, tmp_path, HANCHANG_DB_POOL_MIN="0")
    async with AsyncTestClient(app=create_app(load_settings(env))) as test_client:
        yield test_client


async def test_readyz_names_postgres_when_it_is_down_in_korean(
    client_without_postgres: AsyncTestClient[Litestar],
) -> None:
    response = await client_without_postgres.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["postgresql"]
    assert "PostgreSQL" in body["detail"]
    assert response.headers["content-language"] == "ko"
    # The process itself is alive: liveness must not fail with the database.
    assert (await client_without_postgres.get("/healthz")).status_code == 200


async def test_sign_in_fails_closed_with_a_clear_problem_while_redis_is_down(
    client_without_redis: AsyncTestClient[Litestar],
) -> None:
    """Sign-in limits live in Redis: without it, no sign-in runs unlimited; the answer says why."""
    answer = await client_without_redis.post(
        "/v1/auth/sms/start",
        json={"phone": "010-2345-6789", "birth_date": "1990-05-17", "purpose": "sign_in"},
        headers={"Accept-Language": "en"},
    )
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "30"
    body = answer.json()
    assert body["type"].endswith("/service-unavailable")
    assert body["down"] == ["redis"]
    assert "Redis" in body["detail"]
