"""Limits on what a user's file may hold, so that no file can exhaust the stack, the memory or the time of a
command: how deep JSON and YAML values may nest, and how far YAML aliases may expand. Every reader of user
files (transcripts, suites, snapshots, labels) parses JSON through `json_value`; docs/errors.md states the
limits."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 100
"""Deepest nesting of objects and lists in one JSON or YAML value (a real export nests a dozen levels)."""

MAX_YAML_NODES = 1_000_000
"""Most values a YAML file may hold once its aliases are expanded (a 9⁹ alias bomb expands to 387 million)."""


MAX_MESSAGE_CHARS = 1_000_000
"""Longest message of an imported conversation, in characters: redaction reads every word (about 2 s of CPU per
million characters), so a 10 MB message would take 20 s; chat messages are a few thousand characters."""


class TooDeep(ValueError):
    """A value nested deeper than MAX_DEPTH levels."""

    def __init__(self) -> None:
        super().__init__(f"nested deeper than {MAX_DEPTH} levels of objects and lists (the limit)")


def json_value(text: str | bytes) -> Any:
    """`json.loads(text)`, refused (TooDeep) when nested deeper than MAX_DEPTH; json.JSONDecodeError as usual."""
    try:
        value = json.loads(text)
    except RecursionError as exc:  # the decoder recurses once per level: thousands of levels exhaust the stack
        raise TooDeep() from exc
    check_depth(value)
    return value


def check_depth(value: Any) -> None:
    """TooDeep when `value` nests objects and lists deeper than MAX_DEPTH levels (walked level by level, without
    recursion)."""
    level = [value] if isinstance(value, (dict, list)) else []
    for _ in range(MAX_DEPTH):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return
    raise TooDeep()
