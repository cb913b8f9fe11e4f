"""Lenient extraction of a JSON object from model text (code fences, prose around it)."""

from __future__ import annotations

import json
from typing import Any

_decoder = json.JSONDecoder()


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text`, or None. Weak and non-OpenAI models often wrap or garble JSON."""
    start = text.find("{")
    while start != -1:
        try:
            value, _ = _decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None
