"""Reading untyped JSON: each accessor gives a value in the type asked for, or a ValueError naming the field, so a
value of the wrong type anywhere in an export is one clear error for its conversation, never a crash."""

from __future__ import annotations

from typing import Any


def type_name(value: Any) -> str:
    """The JSON name of a value's type, for messages: 'an object', 'a list', 'text', 'a number', ..."""
    if isinstance(value, bool):
        return "true/false"
    names = {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number"}
    return names.get(type(value), "null")


def obj(value: Any, where: str) -> dict[str, Any]:
    """`value` when it is an object, {} when absent (null); a ValueError naming `where` for any other type."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{where}: must be an object, not {type_name(value)}")
    return value


def items(value: Any, where: str) -> list[Any]:
    """`value` when it is a list, [] when absent (null); a ValueError naming `where` for any other type."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{where}: must be a list, not {type_name(value)}")
    return value


def text_value(value: Any, where: str) -> str:
    """`value` when it is text, '' when absent (null); a ValueError naming `where` for any other type."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{where}: must be text, not {type_name(value)}")
    return value
