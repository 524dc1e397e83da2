"""OpenAPI helpers: every error is documented as application/problem+json."""

from __future__ import annotations

from http import HTTPStatus

from litestar.openapi import ResponseSpec

from server.problems import ProblemDocument

# For routes that need `Authorization: Bearer <access_token>`.
SIGNED_IN: list[dict[str, list[str]]] = [{"bearer": []}]


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=ProblemDocument,
            media_type="application/problem+json",
            description=f"{HTTPStatus(status).phrase} (RFC 9457 problem details)",
        )
        for status in statuses
    }
