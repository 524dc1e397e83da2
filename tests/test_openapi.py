"""The OpenAPI document is valid 3.1, titled and versioned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate

from server.app import API_VERSION

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", autouse=True)
def examples_drawn_as_in_a_fresh_process() -> None:
    """The documented problem responses carry made-up examples, drawn from one seeded
    generator per process, so a document another module's app built earlier in this
    worker shifts them. Start it where a fresh process (`server.openapi_document`) does."""
    from litestar._openapi.schema_generation.examples import ExampleFactory

    ExampleFactory.seed_random(ExampleFactory.__random_seed__)


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
