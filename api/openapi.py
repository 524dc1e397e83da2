"""OpenAPI helpers of the app's API (errors are documented by foundation/problems.py
`problem_responses`)."""

from __future__ import annotations

# For routes that need `Authorization: Bearer <access_token>`.
SIGNED_IN: list[dict[str, list[str]]] = [{"bearer": []}]
