"""The OpenAPI document, made to say what the server really does.

Litestar writes the document from the routes' types. Some of what the server does is
general and lives outside any one route, so the document learns it here, once, from
the app itself (each operation's handler, its dependencies, its body type):

- **Errors are problem+json** (RFC 9457), whatever Litestar's default says: its own
  400 for a path or query parameter is `application/json` in the generated document,
  never on the wire. A route that answers errors as a page (`error_format: html`, the
  card print routes) documents them as `text/html`.
- **What every operation can answer**: 400 (the request guard refuses control
  characters in the query string and in any text, before any route:
  foundation/request_guard.py); 404 where the path has parameters (a well-formed id
  that names nothing); 401 where an identity is needed (a bearer token: the `session`
  dependency; the staff cookie: the console's `staff` dependency); 403 on the
  console's writes (same-origin, assisted_channel/console/same_origin.py); 413 on
  every method that may carry a body (the guard reads it, up to
  `request_max_body_size`), 415 where the console insists on JSON; 503 where PostgreSQL
  or Redis is needed (busy or away: `Retry-After`). Twilio's webhooks answer a problem
  as spoken TwiML with status 200, so theirs is a 200 in `application/xml`.
- **Who may call**: an operation needing a bearer token or the staff cookie says so
  in `security` (`bearer`, `staff`).
- **204 and 304 have no body.**
- **The rules of the request guard, stated**: an integer in the path or a body fits
  PostgreSQL's `bigint` (`format: int64`, `minimum`, `maximum`); text holds no control
  character (`pattern`); a date lies between 1900-01-01 and 2199-12-31 (`pattern`
  beside `format`); a body type that refuses unknown fields says
  `additionalProperties: false`.
- **What a body field's Meta adds** (`extra_json_schema`), where Litestar drops it:
  `confirmed` of an application is `const: true`.
- A value that is "an integer or a number" is a number (`oneOf` would say a whole
  number matches neither, since it matches both).

`render` is what `/schema/openapi.json` serves; `server.openapi_document` prints the
same, and docs/openapi.json is that print.
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.routes import HTTPRoute

from foundation.idempotency_key import HEADER as IDEMPOTENCY_KEY
from foundation.request_guard import BIGINT_MAX, BIGINT_MIN
from foundation.validation import body_type

PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/ProblemDocument"}
# Text without the control characters the request guard refuses (tab, LF, CR pass).
NO_CONTROL_CHARACTERS = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
_DAY = "(?:19\\d\\d|2[01]\\d\\d)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])"
_TIME = "(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)"
# Dates the guard lets through (request_guard.EARLIEST .. LATEST), as `format` writes them.
DATE_PATTERNS = {"date": f"^{_DAY}$", "date-time": f"^{_DAY}T{_TIME}$"}
STAFF_SCHEME = "staff"
STAFF_COOKIE = "hanchang_staff"
CONSOLE_API = "/console/api/"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Identities, by the dependency that demands them.
IDENTITY_DEPENDENCIES = {"session": "bearer", "staff": STAFF_SCHEME}
# Dependencies that reach PostgreSQL or Redis.
SERVICE_DEPENDENCIES = frozenset({"tx", "session", "staff", "queue"})
NO_BODY_STATUSES = ("204", "304")
TWILIO_WEBHOOKS = "/webhooks/twilio"
TWIML = "application/xml"


def _dependency_keys(containers: Any) -> set[str]:
    keys: set[str] = set()
    for container in containers:
        keys.add(container.key)
        keys |= _dependency_keys(container.dependencies)
    return keys


class _Operation(msgspec.Struct, frozen=True):
    dependencies: frozenset[str]
    error_format: str
    body_kind: Any


def _operations(app: Litestar) -> dict[tuple[str, str], _Operation]:
    """Each documented (path, method)'s handler facts."""
    found: dict[tuple[str, str], _Operation] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, kwargs_model) in route.route_handler_map.items():
            found[(route.path_format or "/", method.lower())] = _Operation(
                dependencies=frozenset(
                    _dependency_keys(
                        container
                        for batch in kwargs_model.dependency_batches
                        for container in batch
                    )
                ),
                error_format=str(handler.opt.get("error_format", "json")),
                body_kind=body_type(handler),
            )
    return found


def _structs(kind: Any, seen: set[type]) -> Iterator[type[msgspec.Struct]]:
    """Every Struct a body type reads, nested ones included."""
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        if kind in seen:
            return
        seen.add(kind)
        yield kind
        for field in msgspec.structs.fields(kind):
            yield from _structs(field.type, seen)
        return
    for argument in typing.get_args(kind):
        yield from _structs(argument, seen)


def _problem(status: int, error_format: str) -> dict[str, Any]:
    if error_format == "html":
        content = {"text/html": {"schema": {"type": "string"}}}
        description = f"{HTTPStatus(status).phrase} (a page saying what went wrong)"
    else:
        content = {PROBLEM_JSON: {"schema": dict(PROBLEM_SCHEMA)}}
        description = f"{HTTPStatus(status).phrase} (RFC 9457 problem details)"
    return {"description": description, "content": content}


def _general_statuses(
    path: str, method: str, operation: dict[str, Any], facts: _Operation
) -> set[int]:
    statuses = {400}
    if "{" in path:
        statuses.add(404)
    if facts.dependencies & IDENTITY_DEPENDENCIES.keys() or path == CONSOLE_API + "sign-out":
        statuses.add(401)
    if path.startswith(CONSOLE_API) and method not in ("get", "head", "options"):
        statuses.add(403)
        if method in ("post", "put", "patch"):
            statuses.add(415)
    if method in ("post", "put", "patch", "delete"):
        # The guard reads a JSON body of any of these, up to `request_max_body_size`.
        statuses.add(413)
    if facts.dependencies & SERVICE_DEPENDENCIES or path.startswith(CONSOLE_API):
        statuses.add(503)
    return statuses


def _true_responses(path: str, method: str, operation: dict[str, Any], facts: _Operation) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if path.startswith(TWILIO_WEBHOOKS):
        # Twilio reads only a 200: a problem there is spoken TwiML (foundation/errors.py).
        ok = responses.setdefault("200", {"description": "OK"})
        ok.setdefault("content", {})[TWIML] = {"schema": {"type": "string"}}
        return
    for status, response in responses.items():
        if status in NO_BODY_STATUSES:
            response.pop("content", None)
        elif status.isdigit() and int(status) >= 400:
            # Litestar's own 400 says `application/json`; a route's own answer stays.
            content = response.get("content", {})
            if facts.error_format == "html" or set(content) == {"application/json"}:
                responses[status] = _problem(int(status), facts.error_format)
    for general in sorted(_general_statuses(path, method, operation, facts)):
        responses.setdefault(str(general), _problem(general, facts.error_format))
    if facts.error_format == "html" and "404" in responses:
        # A path no route matches (`/print` after an id that is not a number) is a
        # problem+json 404 from the router, before any route chose its format.
        responses["404"]["content"][PROBLEM_JSON] = {"schema": dict(PROBLEM_SCHEMA)}
    operation["responses"] = dict(sorted(responses.items()))
    schemes = sorted(
        {IDENTITY_DEPENDENCIES[key] for key in facts.dependencies & IDENTITY_DEPENDENCIES.keys()}
    )
    if schemes and not operation.get("security"):
        operation["security"] = [{scheme: []} for scheme in schemes]


def _true_value(schema: dict[str, Any]) -> None:
    """A request value's schema states the guard's rules: integers (in the path or a
    body) fit `bigint`, text has no control character, dates lie in the range."""
    kind = schema.get("type")
    if kind == "integer":
        schema.setdefault("format", "int64")
        schema["minimum"] = max(schema.get("minimum", BIGINT_MIN), BIGINT_MIN)
        schema["maximum"] = min(schema.get("maximum", BIGINT_MAX), BIGINT_MAX)
    elif kind == "string" and "enum" not in schema and "const" not in schema:
        date_pattern = DATE_PATTERNS.get(str(schema.get("format")))
        if date_pattern is not None:
            schema.setdefault("pattern", date_pattern)
        elif schema.get("format") in (None, "") and "pattern" not in schema:
            schema["pattern"] = NO_CONTROL_CHARACTERS
        elif "pattern" in schema and schema["pattern"] != NO_CONTROL_CHARACTERS:
            rules = schema.setdefault("allOf", [])
            if {"pattern": NO_CONTROL_CHARACTERS} not in rules:
                rules.append({"pattern": NO_CONTROL_CHARACTERS})


def _true_text(schema: dict[str, Any]) -> None:
    if schema.get("type") != "integer":
        _true_value(schema)


_SUBSCHEMAS = frozenset(
    {"items", "additionalProperties", "not", "contains", "propertyNames"}
    | {"oneOf", "anyOf", "allOf", "prefixItems"}
)


def _walk_schema(schema: Any, visit: Any, components: dict[str, Any], seen: set[str]) -> None:
    """Call `visit` on every schema object under `schema`, following $refs once."""
    if isinstance(schema, list):
        for item in schema:
            _walk_schema(item, visit, components, seen)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen and name in components:
            seen.add(name)
            _walk_schema(components[name], visit, components, seen)
        return
    visit(schema)
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs"):
            for item in value.values():
                _walk_schema(item, visit, components, seen)
        elif key in _SUBSCHEMAS:
            _walk_schema(value, visit, components, seen)


def _number_not_one_of(schema: dict[str, Any]) -> None:
    """`oneOf: [integer, number]` → `number`: a whole number is both, so `oneOf` refuses it."""
    options = schema.get("oneOf")
    if not isinstance(options, list):
        return
    kinds = [option.get("type") for option in options if isinstance(option, dict)]
    if len(kinds) == len(options) and set(kinds) == {"integer", "number"}:
        del schema["oneOf"]
        schema["type"] = "number"


# What Litestar reads of a Meta's `extra_json_schema`; the rest (`const`) is added here.
_LITESTAR_READS = frozenset({"title", "description", "examples", "extra"})


# A Meta's constraints as JSON Schema words.
_META_WORDS = {
    "pattern": "pattern",
    "min_length": "minLength",
    "max_length": "maxLength",
    "ge": "minimum",
    "le": "maximum",
}


def _item_meta(annotation: Any) -> list[msgspec.Meta]:
    """The Metas of a list's item type (`list[Annotated[str, Meta(...)]]`)."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is not list:
        return []
    (item,) = typing.get_args(annotation)
    if typing.get_origin(item) is not typing.Annotated:
        return []
    return [meta for meta in typing.get_args(item)[1:] if isinstance(meta, msgspec.Meta)]


def _extra_schema(kind: type[msgspec.Struct], components: dict[str, Any]) -> None:
    """What Litestar leaves out of a body field's schema: its Meta's `extra_json_schema`
    (`const`), and the constraints of a list's items."""
    properties = components.get(kind.__name__, {}).get("properties", {})
    for field in msgspec.structs.fields(kind):
        schema = properties.get(field.encode_name)
        if schema is None:
            continue
        for meta in typing.get_args(field.type)[1:]:
            if isinstance(meta, msgspec.Meta) and meta.extra_json_schema:
                for key, value in meta.extra_json_schema.items():
                    if key not in _LITESTAR_READS:
                        schema[key] = value
        for meta in _item_meta(field.type):
            items = schema.setdefault("items", {})
            for name, word in _META_WORDS.items():
                if getattr(meta, name) is not None:
                    items[word] = getattr(meta, name)


def made_true(document: dict[str, Any], app: Litestar) -> dict[str, Any]:
    """`document` (as Litestar wrote it) with what the server really does, as above."""
    document = copy.deepcopy(document)
    operations = _operations(app)
    components: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    requested: set[str] = set()
    strict: set[str] = set()
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            facts = operations.get((path, method), _Operation(frozenset(), "json", None))
            _true_responses(path, method, operation, facts)
            if (
                path.startswith(CONSOLE_API)
                and method in ("post", "put", "patch")
                and "requestBody" not in operation
            ):
                # The console takes every write as JSON (415 otherwise), `{}` where the
                # action has no fields; the route reads none of it.
                operation["requestBody"] = {
                    "required": True,
                    "description": "No fields: send `{}`. Any JSON is accepted and ignored.",
                    "content": {"application/json": {"schema": {}}},
                }
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema")
                if parameter.get("in") == "header" and parameter.get("name") == IDEMPOTENCY_KEY:
                    parameter["required"] = True
                    schema.pop("oneOf", None)
                    schema["type"] = "string"
                if parameter.get("in") == "path":
                    _walk_schema(schema, _true_value, components, set())
                elif parameter.get("in") == "query":
                    # The guard reads the query string as text: whole numbers keep their own bounds.
                    _walk_schema(schema, _true_text, components, set())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                seen: set[str] = set()
                _walk_schema(media.get("schema"), _true_value, components, seen)
                requested |= seen
            for struct in _structs(facts.body_kind, set()):
                _extra_schema(struct, components)
                if struct.__struct_config__.forbid_unknown_fields:
                    strict.add(struct.__name__)
    for name in strict & requested:
        components[name]["additionalProperties"] = False
    for schema in components.values():
        _walk_schema(schema, _number_not_one_of, {}, set())
    schemes = document["components"].setdefault("securitySchemes", {})
    schemes[STAFF_SCHEME] = {
        "type": "apiKey",
        "in": "cookie",
        "name": STAFF_COOKIE,
        "description": "The staff console's session cookie, set by the console's passkey sign-in.",
    }
    return document


class TrueJsonRenderPlugin(JsonRenderPlugin):
    """`/schema/openapi.json`: the document Litestar writes, made true (`made_true`)."""

    _made: tuple[int, bytes] | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        # Litestar keeps one document per app: make it true once.
        if self._made is None or self._made[0] != id(openapi_schema):
            rendered = super().render(request, made_true(openapi_schema, request.app))
            self._made = (id(openapi_schema), rendered)
        return self._made[1]


class TruePage(OpenAPIRenderPlugin):
    """A page that shows the document (Swagger UI embeds it): shown made true too."""

    def __init__(self, page: OpenAPIRenderPlugin) -> None:
        super().__init__(path=page.paths, media_type=page.media_type)
        self.page = page

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return self.page.render(request, made_true(openapi_schema, request.app))
