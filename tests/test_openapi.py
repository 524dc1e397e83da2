"""The OpenAPI document is valid 3.1, titled and versioned."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate

from server.app import API_VERSION


async def test_openapi_document_is_valid(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == "Hanchang API"
    assert document["info"]["version"] == API_VERSION
    validate(document)
    assert "/readyz" in document["paths"]
    ready = document["paths"]["/readyz"]["get"]["responses"]
    assert "application/problem+json" in ready["503"]["content"]
