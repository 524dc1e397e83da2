"""RFC 9457 problem details: one kind per problem, with a stable `type` URI.

Every error from the JSON API is `application/problem+json` with `title` and
`detail` in the caller's language. Channels that speak HTML or TwiML render the
same `Problem` their own way (see foundation/errors.py).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

import msgspec
from litestar.openapi import ResponseSpec

from i18n import N_, translate

PROBLEM_TYPE_BASE = "https://hanchang.moel.go.kr/problems/"


class ProblemKind(msgspec.Struct, frozen=True):
    slug: str
    status: int
    title: str
    detail: str

    @property
    def type_uri(self) -> str:
        return PROBLEM_TYPE_BASE + self.slug


PROBLEM_KINDS: dict[str, ProblemKind] = {}


def problem_kind(slug: str, status: int, title: str, detail: str) -> ProblemKind:
    """Register a kind of problem; slugs are part of the API contract, never renamed."""
    if slug in PROBLEM_KINDS:
        raise ValueError(f"problem kind {slug!r} is registered twice")
    kind = ProblemKind(slug=slug, status=status, title=title, detail=detail)
    PROBLEM_KINDS[slug] = kind
    return kind


MALFORMED_REQUEST = problem_kind(
    "malformed-request",
    400,
    N_("The request could not be read"),
    N_("The request body is not valid JSON. Check the format and try again."),
)
VALIDATION_ERROR = problem_kind(
    "validation-error",
    400,
    N_("Some fields need checking"),
    N_("Some values in the request are missing or not valid. See the list of fields."),
)
UNAUTHORIZED = problem_kind(
    "unauthorized",
    401,
    N_("Please sign in"),
    N_("You need to sign in to use this service."),
)
FORBIDDEN = problem_kind(
    "forbidden",
    403,
    N_("Not allowed"),
    N_("You do not have permission to do this."),
)
NOT_FOUND = problem_kind(
    "not-found",
    404,
    N_("Not found"),
    N_("We could not find what you asked for. Check the address and try again."),
)
METHOD_NOT_ALLOWED = problem_kind(
    "method-not-allowed",
    405,
    N_("This action is not possible here"),
    N_("This address does not accept this kind of request."),
)
CONFLICT = problem_kind(
    "conflict",
    409,
    N_("Already in progress"),
    N_("The same request is already being handled. Please wait a moment and try again."),
)
REQUEST_TOO_LARGE = problem_kind(
    "request-too-large",
    413,
    N_("The request is too large"),
    N_("The request is larger than this service accepts."),
)
UNSUPPORTED_MEDIA_TYPE = problem_kind(
    "unsupported-media-type",
    415,
    N_("Unsupported format"),
    N_("Send the request body as JSON (application/json)."),
)
TOO_MANY_REQUESTS = problem_kind(
    "too-many-requests",
    429,
    N_("Too many attempts"),
    N_("There have been too many attempts. Please wait a moment and try again."),
)
INTERNAL_ERROR = problem_kind(
    "internal-error",
    500,
    N_("Something went wrong on our side"),
    N_(
        "We could not finish your request. Nothing was saved. Please try again later, "
        "or call the 1350 helpline."
    ),
)
SERVICE_BUSY = problem_kind(
    "service-busy",
    503,
    N_("The service is busy"),
    N_(
        "Many people are using the service right now. Nothing was saved. Please try again "
        "in a minute."
    ),
)
SERVICE_UNAVAILABLE = problem_kind(
    "service-unavailable",
    503,
    N_("The service is not ready"),
    N_("Part of the service is not working right now: {down}."),
)


class FieldError(msgspec.Struct, frozen=True):
    """One bad field: where it is (`body.birth_date`), and what is wrong, in the caller's language."""

    field: str
    detail: str


class Problem(Exception):
    """Raise to answer with a problem; `params` fill `{name}` fields of the detail."""

    def __init__(
        self,
        kind: ProblemKind,
        *,
        detail: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        commit_first: bool = False,
        **params: object,
    ) -> None:
        super().__init__(kind.slug)
        self.kind = kind
        # Keep what the request wrote (a failed attempt, a lock, its audit row)
        # although it answers with an error.
        self.commit_first = commit_first
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}
        self.params = params

    def body(self, locale: str, instance: str | None = None) -> dict[str, Any]:
        """The problem+json document in `locale`."""
        document: dict[str, Any] = {
            "type": self.kind.type_uri,
            "title": translate(locale, self.kind.title),
            "status": self.kind.status,
            "detail": translate(locale, self.detail or self.kind.detail, **self.params),
        }
        if instance:
            document["instance"] = instance
        if self.errors:
            document["errors"] = [{"field": e.field, "detail": e.detail} for e in self.errors]
        document.update(self.extra)
        return document


class BadInput(msgspec.Struct, frozen=True):
    """One input a core function refuses: its `name`, as the function's caller knows it
    (`purpose`, `facts[2].amount`), and what to do about it: a message id (`N_`) and the
    `params` that fill its `{name}` fields."""

    name: str
    message: str
    params: dict[str, object] = {}


class InvalidInput(Exception):
    """The core's answer to inputs that are wrong, naming each one; it carries no HTTP.

    Each channel says it in its own form: the JSON channels answer the problem `kind`
    (400 `validation-error` unless another is given) with one `body.<name>` field error
    per input (foundation/errors.py), a console page puts each message next to its field."""

    def __init__(self, *inputs: BadInput, kind: ProblemKind = VALIDATION_ERROR) -> None:
        super().__init__(", ".join(bad.name for bad in inputs))
        self.inputs = inputs
        self.kind = kind

    def messages(self, locale: str) -> dict[str, str]:
        """Each input's message in `locale`, by name (the first when a name comes twice)."""
        said: dict[str, str] = {}
        for bad in self.inputs:
            said.setdefault(bad.name, translate(locale, bad.message, **bad.params))
        return said

    def problem(self, locale: str, *, under: str = "body") -> Problem:
        """The problem a JSON channel answers, each input a field error under `under`."""
        return Problem(
            self.kind,
            errors=[
                FieldError(
                    field=f"{under}.{bad.name}", detail=translate(locale, bad.message, **bad.params)
                )
                for bad in self.inputs
            ],
        )


class FieldErrorDocument(msgspec.Struct, frozen=True):
    field: str
    detail: str


class ProblemDocument(msgspec.Struct, frozen=True, omit_defaults=True):
    """The shape of every error body (RFC 9457), for the OpenAPI spec."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldErrorDocument] | None = None
    request_id: Annotated[
        str | None,
        msgspec.Meta(
            description=(
                "The request's id (RFC 9457 extension member): the same as the "
                "`X-Request-Id` response header and on every log line of the request. "
                "Quote it when asking for help."
            )
        ),
    ] = None


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """A route's error answers for the OpenAPI document: each is application/problem+json.
    Every channel that answers JSON (the app, the kiosk, the console) documents them so."""
    return {
        status: ResponseSpec(
            generate_examples=False,
            data_container=ProblemDocument,
            media_type="application/problem+json",
            description=f"{HTTPStatus(status).phrase} (RFC 9457 problem details)",
        )
        for status in statuses
    }
