"""Pydantic's validation errors in plain words, for people editing YAML: no `[type=...]` dumps.

An unknown key names the keys allowed at that place and suggests the closest (difflib), e.g.
`unknown key 'desired_outcom' (did you mean 'desired_outcome'?)`.
"""

from __future__ import annotations

import difflib
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

Loc = tuple[str | int, ...]

_KINDS = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    name = _KINDS.get(type(value), type(value).__name__)
    return f"{name} {value!r}" if isinstance(value, (int, float, str)) and not isinstance(value, bool) else name


def _unwrap(annotation: Any, step: str | int) -> Any:
    """The type found one step (a field name, a list index or a mapping key) inside `annotation`."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(inner[0], step) if len(inner) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(step, str):
        field = annotation.model_fields.get(step)
        return field.annotation if field else None
    if origin is list and isinstance(step, int):
        return get_args(annotation)[0]
    if origin is dict and isinstance(step, str):
        return get_args(annotation)[1]
    return None


def allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the object at `loc` (a path inside `model`) accepts; empty when it cannot be told."""
    current: Any = model
    for step in loc:
        current = _unwrap(current, step)
    while get_origin(current) in (Union, types.UnionType):
        current = next((a for a in get_args(current) if a is not type(None)), None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def unknown_key(key: str, allowed: list[str]) -> str:
    """`unknown key 'x' (did you mean 'y'?)`, or the allowed keys when none is close."""
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"unknown key {key!r} (did you mean {close[0]!r}?)"
    return f"unknown key {key!r} (allowed: {', '.join(allowed)})" if allowed else f"unknown key {key!r}"


def _bound(error: ErrorDetails, word: str, key: str) -> str:
    return f"must be {word} {error.get('ctx', {}).get(key)}, not {error['input']!r}"


def _too_short(error: ErrorDetails) -> str:
    needed = error.get("ctx", {}).get("min_length", 1)
    if isinstance(error["input"], str):
        return "must not be empty" if needed == 1 else f"needs at least {needed} characters"
    return f"needs at least {needed} item(s)"


_MESSAGES = {
    "missing": lambda _e: "required, but missing",
    "int_parsing": lambda e: f"must be a whole number, not {_kind(e['input'])}",
    "int_type": lambda e: f"must be a whole number, not {_kind(e['input'])}",
    "int_from_float": lambda e: f"must be a whole number, not {_kind(e['input'])}",
    "float_parsing": lambda e: f"must be a number, not {_kind(e['input'])}",
    "float_type": lambda e: f"must be a number, not {_kind(e['input'])}",
    "bool_parsing": lambda e: f"must be true or false, not {_kind(e['input'])}",
    "bool_type": lambda e: f"must be true or false, not {_kind(e['input'])}",
    "string_type": lambda e: f"must be text, not {_kind(e['input'])} (quote it in YAML)",
    "list_type": lambda e: f"must be a list, not {_kind(e['input'])}",
    "dict_type": lambda e: f"must be a mapping (key: value), not {_kind(e['input'])}",
    "model_type": lambda e: f"must be a mapping (key: value), not {_kind(e['input'])}",
    "model_attributes_type": lambda e: f"must be a mapping (key: value), not {_kind(e['input'])}",
    "greater_than_equal": lambda e: _bound(e, "at least", "ge"),
    "greater_than": lambda e: _bound(e, "more than", "gt"),
    "less_than_equal": lambda e: _bound(e, "at most", "le"),
    "less_than": lambda e: _bound(e, "less than", "lt"),
    "literal_error": lambda e: f"must be {e.get('ctx', {}).get('expected')}, not {e['input']!r}",
    "string_too_short": _too_short,
    "too_short": _too_short,
    "value_error": lambda e: e["msg"].removeprefix("Value error, "),
}


def _typo_explains(missing: ErrorDetails, errors: list[ErrorDetails]) -> bool:
    """A required key is missing because an unknown key beside it is its misspelling."""
    parent, key = missing["loc"][:-1], str(missing["loc"][-1])
    beside = [str(e["loc"][-1]) for e in errors if e["type"] == "extra_forbidden" and e["loc"][:-1] == parent]
    return bool(difflib.get_close_matches(key, beside, n=1))


def worth_telling(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """The errors without the 'missing' ones a misspelt key already explains ('desired_outcom' given)."""
    return [e for e in errors if not (e["type"] == "missing" and _typo_explains(e, errors))]


def describe(error: ErrorDetails, model: type[BaseModel] | None) -> tuple[Loc, str]:
    """Where an error is (the path of the offending key) and what is wrong, in words."""
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    if error["type"] == "extra_forbidden":
        allowed = allowed_keys(model, loc[:-1]) if model is not None else []
        hint = "; an unquoted comma inside {...} splits a value: quote the text" if error["input"] is None else ""
        return loc, unknown_key(str(loc[-1]), allowed) + hint
    explain = _MESSAGES.get(error["type"])
    return loc, explain(error) if explain else error["msg"]
