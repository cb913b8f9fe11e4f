"""The stub's answers to structured requests it has no role-specific answer for: a JSON value valid under the
request's own JSON schema (`response_format.json_schema.schema`), built from it, plus the discovery description
(`failure_description`), which must also quote an AGENT turn of the conversation it is about.

`schema_instance` builds the smallest value the schema accepts: every property of an object (strict structured
outputs list them all as required), the first choice of an enum or `anyOf`, as few list items as `minItems`
asks, a field's `default` where it has one, strings named after their field and fitted to `minLength` /
`maxLength`, numbers within their bounds. A string field the request's transcript can fill (the customer's first
words for a `situation`) takes them."""

from __future__ import annotations

import json
import re
from typing import Any

AGENT_LINE = re.compile(r"^\[(\d+)\] AGENT: (\".*\")$", re.MULTILINE)
CUSTOMER_LINE = re.compile(r"^\[\d+\] CUSTOMER: (\".*\")$", re.MULTILINE)
FLAGGED = re.compile(r"^- (.+)$", re.MULTILINE)
QUOTE_WORDS = 6  # words of an agent turn a description quotes


def _fit(text: str, spec: dict[str, Any]) -> str:
    """`text` padded to `minLength` and cut to `maxLength`."""
    low, high = int(spec.get("minLength", 0)), spec.get("maxLength")
    text = text.ljust(low, ".")
    return text[: int(high)] if high is not None else text


def _number(spec: dict[str, Any], integer: bool) -> int | float:
    """1, moved inside the bounds when they exclude it (a float between exclusive bounds: their midpoint)."""
    low = spec.get("minimum", spec.get("exclusiveMinimum"))
    high = spec.get("maximum", spec.get("exclusiveMaximum"))
    if not integer and low is not None and high is not None:
        return (low + high) / 2
    step = 1 if integer else 0.5
    value: float = 1
    if low is not None:
        value = max(value, low + (step if "exclusiveMinimum" in spec else 0))
    if high is not None:
        value = min(value, high - (step if "exclusiveMaximum" in spec else 0))
    return int(value) if integer else float(value)


def schema_instance(schema: dict[str, Any], hints: dict[str, str] | None = None) -> Any:
    """The smallest value valid under `schema` (its `$defs` resolved); `hints` give string fields by name."""
    defs = schema.get("$defs", {})
    return _instance(schema, defs, hints or {}, "")


def _instance(spec: dict[str, Any], defs: dict[str, Any], hints: dict[str, str], name: str) -> Any:
    if "$ref" in spec:
        return _instance(defs[spec["$ref"].rsplit("/", 1)[-1]], defs, hints, name)
    if "const" in spec:
        return spec["const"]
    if "default" in spec:
        return spec["default"]
    if "enum" in spec:
        return spec["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in spec:
            branches = [b for b in spec[key] if b.get("type") != "null"] or spec[key]
            return _instance(branches[0], defs, hints, name)
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in spec:
        properties = spec.get("properties", {})
        return {key: _instance(value, defs, hints, key) for key, value in properties.items()}
    if kind == "array":
        item = spec.get("items", {})
        return [_instance(item, defs, hints, name) for _ in range(int(spec.get("minItems", 0)))]
    if kind == "string":
        return _fit(hints.get(name, f"stub {name.replace('_', ' ')}".strip()), spec)
    if kind in ("integer", "number"):
        return _number(spec, kind == "integer")
    if kind == "boolean":
        return False
    return None


def transcript_hints(prompt: str) -> dict[str, str]:
    """String fields a transcript in the prompt can fill: the customer's first message as the situation."""
    customer = CUSTOMER_LINE.search(prompt)
    if customer is None:
        return {}
    said = json.loads(customer.group(1))
    return {"situation": f"The customer wrote: {said}", "desired_outcome": "Help with what they wrote about."}


def description_answer(prompt: str) -> dict[str, Any] | None:
    """A `failure_description`: the last AGENT turn of the prompt's transcript, a few of its words quoted, the
    first reason it was flagged as the failure; None when the transcript has no agent text to quote."""
    turns = [(int(n), json.loads(text)) for n, text in AGENT_LINE.findall(prompt)]
    turns = [(n, text) for n, text in turns if text.split()]
    if not turns:
        return None
    turn, text = turns[-1]
    reasons = FLAGGED.findall(prompt.split("Why this conversation was flagged:")[-1])
    failure = f"The agent got this wrong: {reasons[0]}" if reasons else "The agent did not resolve the request."
    return {"failure": failure[:240], "turn": turn, "quote": " ".join(text.split()[:QUOTE_WORDS])[:200]}
