"""Pydantic's validation errors, reworded for staff who write YAML."""

from __future__ import annotations

from difflib import get_close_matches
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from flows.answers._base import Loc

_MESSAGES = {
    "missing": "is required",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": "must be a mapping (key: value)",
    "list_type": "must be a list",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
}


def translate(
    error: ValidationError, model: type[BaseModel] | None = None
) -> list[tuple[Loc, str]]:
    """Return (field path, message) pairs in the words used in docs/flows.md."""
    found = []
    for item in error.errors():
        loc = tuple(part for part in item["loc"] if part != "[key]")
        found.append((loc, _message(item, loc, model)))
    return found


def _message(item: Any, loc: Loc, model: type[BaseModel] | None) -> str:
    kind = item["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "extra_forbidden":
        return "is not a field here" + _suggestion(loc, model)
    if kind == "literal_error":
        return f"must be one of {item['ctx']['expected']}"
    if kind == "greater_than_equal":
        return f"must be at least {item['ctx']['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {item['ctx']['le']}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return "must use only a-z, 0-9 and - (lower case)"
    if kind == "string_too_long":
        return f"must be at most {item['ctx']['max_length']} characters"
    message: str = item["msg"]
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _suggestion(loc: Loc, model: type[BaseModel] | None) -> str:
    known = _field_names(model, loc[:-1]) if model and loc else []
    close = get_close_matches(str(loc[-1]), known, n=1) if loc else []
    return f' (did you mean "{close[0]}"?)' if close else ""


def _field_names(model: type[BaseModel], loc: Loc) -> list[str]:
    """Return the field names (and aliases) of the model found at `loc`."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            current = _inner_model(current)
        if current is None or isinstance(part, int):
            continue
        field = current.model_fields.get(part) or next(
            (f for f in current.model_fields.values() if f.alias == part), None
        )
        if field is None:
            return []
        current = _inner_model(field.annotation)
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return []
    names = set(current.model_fields)
    names |= {f.alias for f in current.model_fields.values() if f.alias}
    return sorted(names)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    # Look through list[...], X | None and Annotated[...] for a model.
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None
