"""The OpenAPI document is valid 3.1, titled and versioned."""

from __future__ import annotations

import json
from pathlib import Path

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate

from server.app import API_VERSION

ROOT = Path(__file__).resolve().parent.parent


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


async def test_the_served_document_is_the_one_in_docs(client: AsyncTestClient[Litestar]) -> None:
    """Moving code never changes the API: the document (operation ids, component names,
    paths, problems) is the committed one. After an intended change, regenerate it:
    `.venv/bin/python -m server.openapi_document > docs/openapi.json`."""
    served = (await client.get("/schema/openapi.json")).json()
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert served == committed, (
        "the OpenAPI document changed; if intended, regenerate docs/openapi.json "
        "(python -m server.openapi_document)"
    )


def test_no_response_draws_made_up_examples(app: Litestar) -> None:
    """Litestar draws an example for each documented response unless told not to: random
    strings, and dates counted from today, so the document would change with the date and
    stop matching docs/openapi.json the next day."""
    drawing = sorted(
        f"{handler} {status}"
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        for status, spec in (handler.responses or {}).items()
        if spec.generate_examples
    )
    assert drawing == []
