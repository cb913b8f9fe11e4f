"""Hypothesis strategies that break a valid input file the ways issue 28 lists: a value of the wrong type
anywhere, truncation, NUL bytes, invalid UTF-8, thousands of levels of nesting and a huge message; and the
settings every fuzz test shares (deterministic for CI, a deadline that only a hang reaches)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=60,
    deadline=timedelta(seconds=10),  # an example that runs this long is a hang (a normal one takes milliseconds)
    derandomize=True,  # the same examples on every run: CI is deterministic
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

DEEP = 10_000
HUGE = 10 * 2**20  # a 10 MB message
_SENTINEL = "\x00sparring-fuzz\x00"

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def retyped(draw: st.DrawFn, value: Any) -> Any:
    """`value` with one value somewhere inside it (or itself) replaced by a JSON value of any type."""
    if not isinstance(value, (dict, list)) or not value or draw(st.integers(0, 4)) == 0:
        return draw(JSON_VALUES)
    if isinstance(value, dict):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: draw(retyped(value[key]))}
    index = draw(st.integers(0, len(value) - 1))
    return [*value[:index], draw(retyped(value[index])), *value[index + 1 :]]


@st.composite
def replaced_somewhere(draw: st.DrawFn, value: Any, text: str) -> str:
    """`value` as JSON with one value inside it replaced by the raw JSON `text` (thousands of levels deep,
    which json.dumps could not write, or megabytes long)."""

    def mark(inner: Any) -> Any:
        if not isinstance(inner, (dict, list)) or not inner or draw(st.integers(0, 3)) == 0:
            return _SENTINEL
        if isinstance(inner, dict):
            key = draw(st.sampled_from(sorted(inner)))
            return {**inner, key: mark(inner[key])}
        index = draw(st.integers(0, len(inner) - 1))
        return [*inner[:index], mark(inner[index]), *inner[index + 1 :]]

    return json.dumps(mark(value)).replace(json.dumps(_SENTINEL), text, 1)


def deep_json() -> str:
    """A value nested DEEP levels (lists in objects)."""
    return '{"a": [' * DEEP + "1" + "]}" * DEEP


def huge_json() -> str:
    """A string value of HUGE bytes: words, so redaction has text to read."""
    return json.dumps("my order is late " * (HUGE // 17))


@st.composite
def broken_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` truncated, or with NUL bytes, invalid UTF-8 or random bytes put in at a drawn position."""
    position = draw(st.integers(0, len(data)))
    kind = draw(st.sampled_from(["truncate", "nul", "utf8", "bytes"]))
    if kind == "truncate":
        return data[:position]
    inserted = {"nul": b"\x00", "utf8": b"\xff\xfe\xc3"}.get(kind) or draw(st.binary(min_size=1, max_size=8))
    return data[:position] + inserted + data[position:]


def json_lines(values: Any) -> bytes:
    """A list's values as JSON Lines (anything else as one line)."""
    return "".join(json.dumps(v) + "\n" for v in (values if isinstance(values, list) else [values])).encode()
