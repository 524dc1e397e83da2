"""The `Idempotency-Key` request header (IETF draft "The Idempotency-Key HTTP Header
Field") of the JSON routes that create something once: its OpenAPI parameter and its
check, for every channel that takes it (the app, the console). What a key does is in
onestop/applications/idempotency.py."""

from __future__ import annotations

from typing import Annotated

from litestar.params import HeaderParameter

from foundation.problems import VALIDATION_ERROR, FieldError, Problem
from i18n import N_, translate

KEY_LENGTH = (8, 128)
BAD_KEY = N_(
    "Send an Idempotency-Key header of 8 to 128 characters, new for each application "
    "(a random UUID is best), and the same when you retry."
)

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="idempotency-key",
        required=False,
        description="8 to 128 characters, new for each application; the same on a retry.",
        # Printable ASCII, as `valid_key` checks.
        schema_extra={
            "minLength": KEY_LENGTH[0],
            "maxLength": KEY_LENGTH[1],
            "pattern": "^[!-~](?:[ -~]*[!-~])?$",
        },
    ),
]
# The header's name as the OpenAPI document writes it. The route answers 400 without it
# (`checked_key`, with a message of its own), so the document marks it required
# (server/openapi_truth.py) where Litestar, told it is optional, would not.
HEADER = "idempotency-key"


def valid_key(key: str | None) -> bool:
    return (
        key is not None
        and KEY_LENGTH[0] <= len(key) <= KEY_LENGTH[1]
        and key.isascii()
        and key.isprintable()
    )


def checked_key(idempotency_key: str | None, locale: str) -> str:
    """The key, or a 400 naming the header."""
    if idempotency_key is None or not valid_key(idempotency_key):
        raise Problem(
            VALIDATION_ERROR,
            errors=[FieldError(field="header.Idempotency-Key", detail=translate(locale, BAD_KEY))],
        )
    return idempotency_key
