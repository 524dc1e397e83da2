"""Turning every exception into an answer the caller can read, in their language.

The JSON API answers RFC 9457 problem+json; HTML pages a friendly page; Twilio
webhooks TwiML that speaks the problem. A route picks its format with
`opt={"error_format": "html"}` (or "twiml"); routes without one answer JSON.
Under `/webhooks/twilio`, only a request that reached a route answers TwiML; a
path or method no route serves gets a real 404 or 405.

PostgreSQL or Redis out of reach (stopped, killed, frozen: a refused or lost
connection, a connect or command timeout) is not a bug: `outage_of` names the part,
and every channel answers 503 `service-unavailable` with `Retry-After` in its own form,
logged as one warning line, without a traceback.
"""

from __future__ import annotations

import html
import logging
from typing import Any, Literal

import asyncpg
import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from foundation.db import DatabaseBusy, DatabaseUnreachable
from foundation.log_lines import current_request_id
from foundation.problems import (
    FORBIDDEN,
    INTERNAL_ERROR,
    MALFORMED_REQUEST,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    REQUEST_TOO_LARGE,
    SERVICE_BUSY,
    SERVICE_UNAVAILABLE,
    TOO_MANY_REQUESTS,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION_ERROR,
    FieldError,
    InvalidInput,
    Problem,
)
from foundation.request_guard import JSON_BODY_STATE
from foundation.validation import body_type, every_bad_field, message_for, path_of
from i18n import BY_CODE, N_, negotiate_locale, translate

log = logging.getLogger(__name__)

ErrorFormat = Literal["json", "html", "twiml"]
# How much of the request id an error page shows as the reference to quote.
REFERENCE_LENGTH = 8
PROBLEM_JSON = "application/problem+json"


# How soon to try again while a part is out of reach (a restart takes seconds).
OUTAGE_RETRY_AFTER_S = "30"
_PART_NAMES = {"postgresql": "PostgreSQL", "redis": "Redis"}
_POSTGRESQL_OUT_OF_REACH = (
    DatabaseUnreachable,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # Refused, reset or timed out below asyncpg (Redis wraps its own in RedisConnectionError).
    ConnectionError,
    TimeoutError,
)


def outage_of(exc: BaseException) -> str | None:
    """The part out of reach when `exc` says one is ("postgresql", "redis"), else None."""
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return "redis"
    if isinstance(exc, _POSTGRESQL_OUT_OF_REACH):
        return "postgresql"
    if isinstance(exc, asyncpg.InterfaceError) and any(
        # A pooled connection closed under the request, or the pool closing; other
        # InterfaceErrors are our bugs and stay 500s.
        sign in str(exc)
        for sign in ("connection is closed", "released back to the pool", "pool is closing")
    ):
        return "postgresql"
    return None


def outage_problem(part: str) -> Problem:
    """The 503 every channel answers while `part` is out of reach, in its own form."""
    return Problem(
        SERVICE_UNAVAILABLE,
        down=_PART_NAMES[part],
        extra={"down": [part]},
        headers={"Retry-After": OUTAGE_RETRY_AFTER_S},
    )


# Where a signed-in request keeps its person's preferred language (api/auth_guard.py).
PREFERRED_LANGUAGE_STATE = "preferred_language"


def request_locale(request: Request[Any, Any, Any]) -> str:
    """`?lang`, then Accept-Language, then the signed-in person's preferred language, then
    Korean (i18n.negotiate_locale)."""
    return negotiate_locale(
        accept_language=request.headers.get("accept-language"),
        explicit=request.query_params.get("lang"),
        preferred=request.state.get(PREFERRED_LANGUAGE_STATE),
    )


def _validation_problem(exc: ValidationException, locale: str) -> Problem:
    errors: list[FieldError] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        detail = message_for(locale, message)
        source = str(item.get("source") or "body")
        key = str(item.get("key") or "")
        field = source if key in ("", "data") else f"{source}.{key}"
        if source == "body" and key in ("", "data"):
            field = path_of(message, "body")
        errors.append(FieldError(field=field, detail=detail))
    if not errors:
        errors.append(
            FieldError(field="body", detail=translate(locale, N_("This value is not valid.")))
        )
    return Problem(VALIDATION_ERROR, errors=errors)


def problem_from_exception(exc: Exception, locale: str) -> Problem:
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, InvalidInput):
        return exc.problem(locale)
    if isinstance(exc, ValidationException):
        return _validation_problem(exc, locale)
    if isinstance(exc, NotFoundException):
        return Problem(NOT_FOUND)
    if isinstance(exc, MethodNotAllowedException):
        return Problem(METHOD_NOT_ALLOWED, headers=dict(exc.headers or {}))
    if isinstance(exc, NotAuthorizedException):
        return Problem(UNAUTHORIZED)
    if isinstance(exc, PermissionDeniedException):
        return Problem(FORBIDDEN)
    if isinstance(exc, RequestEntityTooLarge):
        return Problem(REQUEST_TOO_LARGE)
    if isinstance(exc, TooManyRequestsException):
        return Problem(TOO_MANY_REQUESTS, headers=dict(exc.headers or {}))
    if isinstance(exc, HTTPException) and exc.status_code == 415:
        return Problem(UNSUPPORTED_MEDIA_TYPE)
    if isinstance(exc, ClientException | msgspec.DecodeError):
        return Problem(MALFORMED_REQUEST)
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return Problem(MALFORMED_REQUEST)
    part = outage_of(exc)
    if part is not None:
        log.warning("answered 503, %s out of reach: %r", _PART_NAMES[part], exc)
        return outage_problem(part)
    if isinstance(exc, DatabaseBusy | asyncpg.QueryCanceledError):
        # Overloaded (no connection came free, or a statement ran past its timeout, e.g.
        # waiting on a duplicate request's lock): the caller may try again shortly.
        log.warning("answered 503: %s", exc)
        return Problem(SERVICE_BUSY, headers={"Retry-After": "30"})
    log.exception("unhandled error", exc_info=exc)
    return Problem(INTERNAL_ERROR)


def error_format(request: Request[Any, Any, Any]) -> ErrorFormat:
    handler = request.scope.get("route_handler")
    if handler is not None:
        chosen = handler.opt.get("error_format")
        if chosen in ("html", "twiml"):
            return chosen  # type: ignore[no-any-return]
    path = request.scope.get("path", "")
    if path.startswith("/webhooks/twilio"):
        # TwiML (answered 200, so that Twilio speaks it) only from a webhook that exists.
        # A path or a method no route serves answers its real status (404, 405) as
        # problem+json: Twilio only calls addresses we gave it, so a 200 there would hide a
        # wrong address in Twilio's configuration, which a 404 shows in its debugger (11200).
        return "twiml" if handler is not None else "json"
    if path.startswith(("/v1", "/schema", "/healthz", "/readyz", "/problems", "/mcp", "/metrics")):
        return "json"
    accept = request.headers.get("accept", "")
    return "html" if "text/html" in accept else "json"


def reference_sentence(locale: str, request_id: str, *, spoken: bool = False) -> str:
    """What an error page says to quote: the request id's first characters, short enough
    to read out on the phone, and what an operator searches the log lines for (their
    `request_id` starts with it). `spoken`: one character at a time, capitals, for a
    voice to read out ("A 3 F 9 ...", not a word)."""
    reference = request_id[:REFERENCE_LENGTH]
    if spoken:
        reference = " ".join(reference.upper())
    return translate(
        locale,
        N_("If you contact us about this, give this reference: {reference}"),
        reference=reference,
    )


def _html_page(locale: str, body: dict[str, Any]) -> str:
    title = html.escape(str(body["title"]))
    detail = html.escape(str(body["detail"]))
    items = "".join(
        f"<li>{html.escape(e['field'])}: {html.escape(e['detail'])}</li>"
        for e in body.get("errors", [])
    )
    listing = f"<ul>{items}</ul>" if items else ""
    reference = ""
    if body.get("request_id"):
        said = reference_sentence(locale, str(body["request_id"]))
        reference = f'<p class="reference">{html.escape(said)}</p>'
    home = html.escape(translate(locale, N_("Go to the start page")))
    helpline = html.escape(translate(locale, N_("Need help? Call the 1350 helpline.")))
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>"
        "<style>body{font:1.25rem/1.6 system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
        "padding:0 1rem;color:#111;background:#fff}a{color:#0b3d91}</style></head>"
        f"<body><main><h1>{title}</h1><p>{detail}</p>{listing}<p>{helpline}</p>{reference}"
        f'<p><a href="/">{home}</a></p></main></body></html>'
    )


def _twiml(locale: str, body: dict[str, Any], status: int) -> str:
    from twilio.twiml.voice_response import VoiceResponse

    language = BY_CODE[locale].voice or "ko-KR"
    response = VoiceResponse()
    response.say(f"{body['title']}. {body['detail']}", language=language)
    if status >= 500 and body.get("request_id"):
        # Our fault, not the caller's: what to quote to the helpline, as on the pages.
        said = reference_sentence(locale, str(body["request_id"]), spoken=True)
        response.say(said, language=language)
    return str(response)


def render_problem(request: Request[Any, Any, Any], problem: Problem) -> Response[Any]:
    locale = request_locale(request)
    body = problem.body(locale, instance=request.url.path)
    request_id = current_request_id()
    if request_id is not None:
        # The same id as the `X-Request-Id` header and the request's log lines: what a
        # caller quotes to the helpline or an operator searches the logs for.
        body["request_id"] = request_id
    headers = {"Content-Language": locale, **problem.headers}
    fmt = error_format(request)
    if fmt == "html":
        return Response(
            _html_page(locale, body),
            status_code=problem.kind.status,
            media_type=MediaType.HTML,
            headers=headers,
        )
    if fmt == "twiml":
        # Twilio only reads TwiML from a 200; the caller hears what went wrong, in a voice
        # Twilio has for the call's language, else in Korean.
        if BY_CODE[locale].voice is None:
            locale = headers["Content-Language"] = "ko"
            body = problem.body(locale, instance=request.url.path)
        return Response(
            _twiml(locale, body, problem.kind.status),
            status_code=200,
            media_type=MediaType.XML,
            headers=headers,
        )
    return Response(body, status_code=problem.kind.status, media_type=PROBLEM_JSON, headers=headers)


def _every_bad_field(request: Request[Any, Any, Any], locale: str) -> list[FieldError]:
    """The second pass over a JSON body that failed (foundation/validation.py): every bad
    field, where msgspec named only the first. Empty when the body is not what failed."""
    body = getattr(request.state, JSON_BODY_STATE, None)
    kind = body_type(request.scope.get("route_handler"))
    if body is None or kind is None:
        return []
    return every_bad_field(kind, body, locale)


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    locale = request_locale(request)
    if isinstance(exc, ValidationException) and (errors := _every_bad_field(request, locale)):
        return render_problem(request, Problem(VALIDATION_ERROR, errors=errors))
    return render_problem(request, problem_from_exception(exc, locale))
