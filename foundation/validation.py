"""Every bad field of a JSON body, each with a message a person can act on.

msgspec stops at the first error. When a body fails, a second pass (`every_bad_field`)
walks the route's body type field by field over the decoded JSON and collects every
field that is missing or wrong, nested structs and lists of them included.

A field's message is, in order: its own rule where its type declares one
(`msgspec.Meta(extra={"invalid": N_("Enter a mobile phone number ...")})`, with
`"params"` beside it for the message's placeholders), then the
rule msgspec broke (a date, a length), then what kind of value belongs there — each a
whole sentence in the catalogs, so Korean picks its own particle.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Union

import msgspec

from foundation.problems import FieldError
from i18n import N_, translate

# The most fields one answer lists.
MAX_FIELDS = 20

_KIND_MESSAGES = {
    "str": N_("Enter text here."),
    "int": N_("Enter a whole number here."),
    "float": N_("Enter a number here."),
    "bool": N_("Enter true or false here."),
    "object": N_("Enter values grouped in braces { } here."),
    "array": N_("Enter a list in square brackets [ ] here."),
    "null": N_("Leave this empty (null)."),
    "date": N_("Enter a date as YYYY-MM-DD."),
    "datetime": N_("Enter a date and time in RFC 3339 format."),
}
_MISSING = re.compile(r"Object missing required field `([^`]+)`")
_UNKNOWN = re.compile(r"Object contains unknown field `([^`]+)`")
_EXPECTED = re.compile(r"Expected `([^`]+)`, got `([^`]+)`")
_LENGTH_MIN = re.compile(r"Expected `(?:str|array)` of length >= (\d+)")
_LENGTH_MAX = re.compile(r"Expected `(?:str|array)` of length <= (\d+)")
_AT = re.compile(r" - at `\$(.*)`$")


class Rule(typing.NamedTuple):
    """A field's own message (a catalog msgid) and its placeholders' values."""

    message: str
    params: dict[str, object]


def message_for(locale: str, error: str, rule: Rule | None = None) -> str:
    """A msgspec error's message in `locale`; a field's own rule comes first."""
    if _MISSING.search(error):
        return translate(locale, N_("This field is required."))
    if _UNKNOWN.search(error):
        return translate(locale, N_("This field is not part of the request. Remove it."))
    if rule is not None:
        return translate(locale, rule.message, **rule.params)
    if "RFC3339 encoded date" in error and "datetime" not in error:
        return translate(locale, N_("Enter a date as YYYY-MM-DD."))
    if "RFC3339 encoded datetime" in error:
        return translate(locale, N_("Enter a date and time in RFC 3339 format."))
    if match := _LENGTH_MIN.search(error):
        return translate(locale, N_("Enter at least {count} characters."), count=match[1])
    if match := _LENGTH_MAX.search(error):
        return translate(locale, N_("Enter at most {count} characters."), count=match[1])
    if match := _EXPECTED.search(error):
        kind = match[1].split(" ", 1)[0]
        if kind in _KIND_MESSAGES:
            return translate(locale, _KIND_MESSAGES[kind])
    return translate(locale, N_("This value is not valid."))


def path_of(error: str, where: str) -> str:
    """`body.facts[0].date` from msgspec's `... - at `$.facts[0].date``, below `where`."""
    match = _AT.search(error)
    if match is None:
        return where
    if match_missing := _MISSING.search(error):
        return f"{where}{match[1]}.{match_missing[1]}"
    return f"{where}{match[1]}"


def _parts(annotation: Any) -> tuple[Any, Rule | None]:
    """The type under `Annotated[...]` and `X | None`, and the rule its Meta declares."""
    rule: Rule | None = None
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            base, *metadata = typing.get_args(annotation)
            for meta in metadata:
                if isinstance(meta, msgspec.Meta) and meta.extra and "invalid" in meta.extra:
                    rule = Rule(str(meta.extra["invalid"]), dict(meta.extra.get("params", {})))
            annotation = base
            continue
        if typing.get_origin(annotation) in (Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) == 1:
                annotation = options[0]
                continue
        return annotation, rule


def _is_struct(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, msgspec.Struct)


def body_type(handler: Any) -> Any:
    """The type a route reads its JSON body as (its `data` parameter), or None."""
    signature = getattr(handler, "parsed_fn_signature", None)
    data = signature.parameters.get("data") if signature is not None else None
    return data.annotation if data is not None else None


def whole_numbers(value: Any) -> Any:
    """`2.0` as `2`: JSON has one kind of number, and JSON Schema counts 2.0 an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    return value


def every_bad_field(kind: Any, value: Any, locale: str, where: str = "body") -> list[FieldError]:
    """Every missing or wrong field of `value` read as `kind` with JSON's own types (empty
    when it converts)."""
    errors: list[FieldError] = []
    _collect(kind, whole_numbers(value), locale, where, None, errors)
    return errors[:MAX_FIELDS]


def _collect(
    annotation: Any,
    value: Any,
    locale: str,
    where: str,
    rule: Rule | None,
    errors: list[FieldError],
) -> None:
    kind, own_rule = _parts(annotation)
    rule = own_rule or rule
    if _is_struct(kind) and isinstance(value, dict):
        config = kind.__struct_config__
        fields = msgspec.structs.fields(kind)
        known = {field.encode_name for field in fields}
        for field in fields:
            name = field.encode_name
            if name not in value:
                if field.required:
                    message = translate(locale, N_("This field is required."))
                    errors.append(FieldError(field=f"{where}.{name}", detail=message))
                continue
            _collect(field.type, value[name], locale, f"{where}.{name}", None, errors)
        if config.forbid_unknown_fields:
            for name in value:
                if name not in known:
                    message = translate(
                        locale, N_("This field is not part of the request. Remove it.")
                    )
                    errors.append(FieldError(field=f"{where}.{name}", detail=message))
        return
    if typing.get_origin(kind) in (list, tuple, set, frozenset) and isinstance(value, list):
        item_types = typing.get_args(kind)
        if len(item_types) == 1 or (len(item_types) == 2 and item_types[1] is Ellipsis):
            before = len(errors)
            for index, item in enumerate(value):
                _collect(item_types[0], item, locale, f"{where}[{index}]", None, errors)
            if len(errors) > before:
                return
    try:
        msgspec.convert(value, annotation, strict=True)
    except msgspec.ValidationError as error:
        text = str(error)
        errors.append(
            FieldError(field=path_of(text, where), detail=message_for(locale, text, rule))
        )
