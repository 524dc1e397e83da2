"""Reading RFC 9457 answers: the problem's type, and the header that asks for English."""

from __future__ import annotations

from typing import Any

from foundation.errors import REFERENCE_LENGTH

PROBLEMS = "https://hanchang.moel.go.kr/problems/"
EN = {"Accept-Language": "en"}


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEMS + slug, body
    return body


def comparable_page(response: Any) -> str:
    """An error page without its reference (the start of its request id, different on
    every request)."""
    reference = str(response.headers["x-request-id"])[:REFERENCE_LENGTH]
    text: str = response.text
    assert reference in text
    return text.replace(reference, "<reference>")


def comparable(response: Any) -> dict[str, Any]:
    """A problem's body without what differs on every request (the path it answered, its
    request id): two refusals that must not tell a stranger anything compare equal."""
    body: dict[str, Any] = response.json()
    return {k: v for k, v in body.items() if k not in ("instance", "request_id")}
