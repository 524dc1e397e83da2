"""Inputs that would reach a server error are refused before any route reads them.

Runs before every route (the app's `before_request`), after routing and before the
body is parsed into the route's types:

- a JSON body nested deeper than `MAX_DEPTH` (a parser would recurse until it fails);
- text holding a control character (NUL and the other C0 characters but tab, line
  feed and carriage return; PostgreSQL refuses NUL in text), in the JSON body, a form,
  the query string or the path;
- a whole number in the path or the body that PostgreSQL's `bigint` cannot hold;
- a date (`YYYY-MM-DD`, alone or starting a date-time) outside `EARLIEST`..`LATEST`:
  no person, fact or period of ours lies outside them, and date arithmetic past year
  9999 fails.
- a JSON body that only a lenient reading fits: Litestar converts `0` to false and
  `"21"` to 21, the document promises JSON's own types, so every field that is not
  what its type says is named (foundation/validation.py).

A JSON body is walked as the route reads it (its `data` type, foundation/validation.py's
`body_type`): a property the type does not name is never read (msgspec ignores it, or
refuses the whole body where the type forbids unknown fields), so its value is not
judged either; only a field typed as a date is held to the date range. A body the route
does not read at all (no `data` parameter) is only held to the depth; one read as
`Any` or a raw JSON value has every value judged. The OpenAPI document states the same rules
(server/openapi_truth.py), so a request valid by the document passes the guard.

Each is a 400 `validation-error` naming every bad field (`body.name`,
`body.facts[0].date`, `path.application_id`, `query.lang`) in the caller's language,
in the route's own form (problem+json, a friendly page); nothing has been read or
written yet. The body's size is capped by the server (`request_max_body_size`).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Union

import msgspec
from litestar import Request

from foundation.problems import MALFORMED_REQUEST, VALIDATION_ERROR, FieldError, Problem
from foundation.validation import body_type, every_bad_field, whole_numbers
from i18n import N_, negotiate_locale, translate

# Where the guard leaves the decoded JSON body for the validation's second pass.
JSON_BODY_STATE = "decoded_json_body"
MAX_DEPTH = 32
# The largest body any route takes (the kiosk's offline queue included): 1 MiB.
MAX_BODY_BYTES = 1024 * 1024
BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
# At most this many bad fields are listed.
MAX_ERRORS = 20

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE = re.compile(r"^(\d{4,})-(\d{2})-(\d{2})(?:$|[T ])")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """How deep a JSON text's arrays and objects nest (brackets inside strings ignored)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if match[0] in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


# A leaf of the walk: where it is, its value, and whether it is read as a date (None:
# the type is not known, so any text shaped like a date is one).
Leaf = tuple[str, Any, bool | None]


def _walk(value: Any, where: str) -> Iterator[Leaf]:
    """Every value of an untyped body."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{where}[{index}]")
    else:
        yield where, value, None


def _unwrapped(annotation: Any) -> Any:
    """The type under `Annotated[...]` and `X | None`."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if typing.get_origin(annotation) in (Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) == 1:
                annotation = options[0]
                continue
        return annotation


def _walk_typed(kind: Any, value: Any, where: str) -> Iterator[Leaf]:
    """Every value of a body that the route's type reads (unknown properties are not)."""
    kind = _unwrapped(kind)
    origin = typing.get_origin(kind)
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct) and isinstance(value, dict):
        for field in msgspec.structs.fields(kind):
            if field.encode_name in value:
                yield from _walk_typed(
                    field.type, value[field.encode_name], where + "." + field.encode_name
                )
    elif origin in (list, set, frozenset) and isinstance(value, list):
        (item,) = typing.get_args(kind) or (Any,)
        for index, element in enumerate(value):
            yield from _walk_typed(item, element, f"{where}[{index}]")
    elif origin is tuple and isinstance(value, list):
        items = typing.get_args(kind)
        for index, element in enumerate(value):
            if len(items) == 2 and items[1] is Ellipsis:
                yield from _walk_typed(items[0], element, f"{where}[{index}]")
            elif index < len(items):
                yield from _walk_typed(items[index], element, f"{where}[{index}]")
    elif origin is dict and isinstance(value, dict):
        _, item = typing.get_args(kind) or (str, Any)
        for key, element in value.items():
            yield f"{where}.{key}", key, False
            yield from _walk_typed(item, element, f"{where}.{key}")
    elif isinstance(value, dict | list):
        # A union, `Any`, a raw JSON value: judged whole, as an untyped body is.
        yield from _walk(value, where)
    else:
        yield where, value, kind in (date, datetime) if isinstance(kind, type) else None


def text_problem(locale: str, text: str, *, as_date: bool | None = None) -> str | None:
    """What is wrong with a piece of text, in `locale`, or None. `as_date`: whether the
    text is read as a date (None: unknown, so a text shaped like one is held to it)."""
    if _CONTROL.search(text):
        return translate(
            locale, N_("Remove the invisible control characters (such as NUL) from this text.")
        )
    if as_date is not False and (match := _DATE.match(text)):
        year, month, day = (int(part) for part in match.groups())
        try:
            when = date(year, month, day)
        except ValueError:
            return None  # not a date after all, or a bad one: the route's own check says so
        if not EARLIEST <= when <= LATEST:
            return translate(
                locale,
                N_("Enter a date between {earliest} and {latest}."),
                earliest=EARLIEST.isoformat(),
                latest=LATEST.isoformat(),
            )
    return None


def bad_fields(
    locale: str,
    *,
    path: dict[str, Any],
    query: list[tuple[str, str]],
    body: Any = None,
    form: list[tuple[str, str]] | None = None,
    body_kind: Any = None,
) -> list[FieldError]:
    """Every field the guard refuses, named as the problem names it. `body_kind`: the
    type the route reads the body as (None: judge every value of it)."""
    errors: list[FieldError] = []
    for name, value in path.items():
        if isinstance(value, int) and not BIGINT_MIN <= value <= BIGINT_MAX:
            errors.append(
                FieldError(
                    field=f"path.{name}",
                    detail=translate(locale, N_("This number is too large.")),
                )
            )
        elif isinstance(value, str) and (detail := text_problem(locale, value)):
            errors.append(FieldError(field=f"path.{name}", detail=detail))
    for source, pairs in (("query", query), ("body", form or [])):
        for name, value in pairs:
            if detail := text_problem(locale, value):
                errors.append(FieldError(field=f"{source}.{name}", detail=detail))
    leaves = _walk(body, "body") if body_kind is None else _walk_typed(body_kind, body, "body")
    for where, value, as_date in leaves:
        if isinstance(value, str) and (detail := text_problem(locale, value, as_date=as_date)):
            errors.append(FieldError(field=where, detail=detail))
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not BIGINT_MIN <= value <= BIGINT_MAX
        ):
            detail = translate(locale, N_("This number is too large."))
            errors.append(FieldError(field=where, detail=detail))
    return errors[:MAX_ERRORS]


def _locale(request: Request[Any, Any, Any]) -> str:
    return negotiate_locale(
        accept_language=request.headers.get("accept-language"),
        explicit=request.query_params.get("lang"),
    )


async def guard_request(request: Request[Any, Any, Any]) -> None:
    """Refuse, before the route parses anything, the inputs described above."""
    locale = _locale(request)
    query = [(k, v) for k, v in request.query_params.multi_items()]
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    body: Any = None
    form: list[tuple[str, str]] = []
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if content_type == "application/json" or content_type.endswith("+json"):
            raw = await request.body()
            if json_depth(raw) > MAX_DEPTH:
                detail = translate(
                    locale,
                    N_("The JSON is nested more than {depth} levels deep."),
                    depth=MAX_DEPTH,
                )
                raise Problem(VALIDATION_ERROR, errors=[FieldError(field="body", detail=detail)])
            if raw.strip():
                try:
                    body = msgspec.json.decode(raw)
                except msgspec.DecodeError:
                    raise Problem(MALFORMED_REQUEST) from None
                setattr(request.state, JSON_BODY_STATE, body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            submitted = await request.form()
            form = [(k, v) for k, v in submitted.multi_items() if isinstance(v, str)]
    handler = request.scope.get("route_handler")
    body_kind = body_type(handler)
    if handler is not None and body_kind is None:
        # The route reads no JSON body (a console action's `{}`): nothing in it is judged.
        body = None
    errors = bad_fields(
        locale,
        path=dict(request.path_params),
        query=query,
        body=body,
        form=form,
        body_kind=body_kind,
    )
    if errors:
        raise Problem(VALIDATION_ERROR, errors=errors)
    if body is not None and body_kind is not None and _only_lenient(body_kind, body):
        raise Problem(VALIDATION_ERROR, errors=every_bad_field(body_kind, body, locale))


def _only_lenient(kind: Any, body: Any) -> bool:
    """True when Litestar would read `body` (it converts leniently: `0` as false, `"21"`
    as 21) but JSON's own types, which the document promises, do not fit it. A body
    that fails both is left to the route, which judges it after its identity (401
    before 400, as for every other bad body)."""
    try:
        msgspec.convert(whole_numbers(body), kind, strict=True)
    except msgspec.ValidationError:
        pass
    else:
        return False
    try:
        msgspec.convert(body, kind, strict=False)
    except msgspec.ValidationError:
        return False
    return True
