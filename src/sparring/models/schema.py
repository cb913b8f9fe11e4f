"""Structured-answer schemas: one pydantic model per answer is the single source of truth; `answer_schema` turns it
into the JSON schema a backend's grammar enforces in full, and `token_budget` bounds how long any answer the grammar
allows can be, so a structured call's `max_tokens` never cuts a valid answer short.

The schema is shaped for the least capable enforcer, llama.cpp's json-schema→GBNF converter, and for OpenAI's
strict mode: every property required, no additional properties, no titles/defaults/descriptions, integer ranges
written as enums (llama.cpp ignores minimum/maximum), and every string, array and object bounded.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

MAX_INTEGER_RANGE = 256  # a bounded integer becomes an enum of its values: wider ranges would bloat the grammar
_DROPPED = ("title", "default", "description", "examples")
# llama.cpp's grammar: "-"?, up to 16 integral digits, "." and up to 16 decimals, an exponent of up to 16 digits.
_INTEGER_CHARS = 1 + 16
_NUMBER_CHARS = 1 + 16 + 1 + 16 + 2 + 16
_SPACE = 1  # the grammar allows one optional space after every value and punctuation mark


class UnboundedSchema(ValueError):
    """An answer model whose JSON could be arbitrarily long or that a grammar cannot enforce in full."""


def answer_schema(model_cls: type[BaseModel]) -> dict[str, Any]:
    """`model_cls`'s JSON schema, ready for a grammar: $refs inlined, titles/defaults/descriptions dropped, every
    property required, no additional properties, bounded integers as enums. Raises UnboundedSchema (naming the
    field) for a string without max_length, a list without max_length, a free-form dict, a one-sided or too-wide
    integer range, or any other constraint a grammar cannot enforce."""
    raw = model_cls.model_json_schema()
    return _normal(raw, raw.get("$defs", {}), model_cls.__name__)


def _normal(node: dict[str, Any], defs: dict[str, Any], path: str) -> dict[str, Any]:
    """One schema node, normalised (see `answer_schema`); `path` names it in errors."""
    if "$ref" in node:
        return _normal(defs[node["$ref"].rsplit("/", 1)[-1]], defs, path)
    node = {k: v for k, v in node.items() if k not in _DROPPED and k != "$defs"}
    if "anyOf" in node:
        return {"anyOf": [_normal(branch, defs, path) for branch in node["anyOf"]]}
    if "enum" in node or "const" in node:
        return node
    kind = node.get("type")
    if kind == "object":
        return _object(node, defs, path)
    if kind == "array":
        return _array(node, defs, path)
    if kind == "string":
        return _string(node, path)
    if kind in ("integer", "number"):
        return _numeric(node, path)
    if kind in ("boolean", "null"):
        return node
    raise UnboundedSchema(f"{path}: a grammar cannot bound this value ({json.dumps(node)[:80]})")


def _object(node: dict[str, Any], defs: dict[str, Any], path: str) -> dict[str, Any]:
    properties = node.get("properties")
    if not properties or node.get("additionalProperties") not in (None, False):
        raise UnboundedSchema(f"{path}: a free-form object (dict) has no bound; list its fields in a model")
    return {
        "type": "object",
        "properties": {name: _normal(sub, defs, f"{path}.{name}") for name, sub in properties.items()},
        "required": list(properties),
        "additionalProperties": False,
    }


def _array(node: dict[str, Any], defs: dict[str, Any], path: str) -> dict[str, Any]:
    if "maxItems" not in node or "items" not in node:
        raise UnboundedSchema(f"{path}: a list needs max_length (and one item type) to bound the answer")
    _refuse(node, path, ("prefixItems", "uniqueItems", "contains"))
    return {**node, "items": _normal(node["items"], defs, f"{path}[]")}


def _string(node: dict[str, Any], path: str) -> dict[str, Any]:
    if "maxLength" not in node:
        raise UnboundedSchema(f"{path}: a string needs max_length to bound the answer")
    _refuse(node, path, ("pattern", "format"))
    return node


def _numeric(node: dict[str, Any], path: str) -> dict[str, Any]:
    _refuse(node, path, ("exclusiveMinimum", "exclusiveMaximum", "multipleOf"))
    low, high = node.get("minimum"), node.get("maximum")
    if low is None and high is None:
        return node
    if node["type"] != "integer" or low is None or high is None:
        raise UnboundedSchema(f"{path}: a grammar enforces a numeric range only as an integer with both bounds")
    if high - low + 1 > MAX_INTEGER_RANGE:
        raise UnboundedSchema(f"{path}: integer range {low}..{high} is wider than {MAX_INTEGER_RANGE} values")
    return {"type": "integer", "enum": list(range(low, high + 1))}


def _refuse(node: dict[str, Any], path: str, keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in node:
            raise UnboundedSchema(f"{path}: {key!r} is not enforced by every backend's grammar")


def token_budget(schema: dict[str, Any]) -> int:
    """`max_tokens` for an answer under `schema`: the most characters any JSON the grammar allows can take, plus one
    token for the end of the answer. Strings count at maxLength, arrays at maxItems, numbers at llama.cpp's digit
    limits, and every value and punctuation mark with the one optional space the grammar allows after it.

    It assumes each token carries at least one character of the answer, and each string character takes one
    character of JSON: true for ASCII text. A string character written as an escape (`\\n`, `\\u00e9`) or a
    non-ASCII character split into byte tokens may take more, so an answer full of them could still be cut;
    `ChatResponse.truncated` reports that instead of parsing a fragment."""
    return _chars(schema) + 1


def _chars(node: dict[str, Any]) -> int:
    """The longest JSON text (with optional spaces) that `node` allows."""
    if "anyOf" in node:
        return max(_chars(branch) for branch in node["anyOf"])
    if "enum" in node or "const" in node:
        values = node.get("enum", [node.get("const")])
        return max(len(json.dumps(v)) for v in values) + _SPACE
    kind = node["type"]
    if kind == "object":
        fields = [len(json.dumps(k)) + _SPACE + 1 + _SPACE + _chars(v) for k, v in node["properties"].items()]
        return _sequence(fields)
    if kind == "array":
        return _sequence([_chars(node["items"])] * node["maxItems"])
    fixed = {"string": 2 + node.get("maxLength", 0), "integer": _INTEGER_CHARS, "number": _NUMBER_CHARS}
    return fixed.get(kind, len("false")) + _SPACE


def _sequence(items: list[int]) -> int:
    """Brackets with their spaces around `items`, separated by commas with their spaces."""
    return 2 * (1 + _SPACE) + sum(items) + max(len(items) - 1, 0) * (1 + _SPACE)


def without_string_lengths(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without minLength/maxLength, for servers whose strict mode refuses them (OpenAI's has): the
    pydantic model still checks the lengths, and `token_budget` of the full schema still bounds the answer."""
    stripped: dict[str, Any] = _strip_lengths(schema)
    return stripped


def _strip_lengths(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_lengths(v) for k, v in node.items() if k not in ("minLength", "maxLength")}
    if isinstance(node, list):
        return [_strip_lengths(v) for v in node]
    return node
