"""Lenient extraction of JSON objects from model text (code fences, prose around it), and their validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

_decoder = json.JSONDecoder()
M = TypeVar("M", bound=BaseModel)


def json_objects(text: str) -> Iterator[tuple[dict[str, Any], int]]:
    """Every top-level JSON object in `text`, in order, with the index where it ends (objects nested in one are
    not yielded apart). Weak and non-OpenAI models often wrap, garble or repeat JSON."""
    start = text.find("{")
    while start != -1:
        try:
            value, stop = _decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        yield value, stop
        start = text.find("{", stop)


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text`, or None."""
    return next((value for value, _ in json_objects(text)), None)


def parse_model(text: str, model: type[M]) -> M:
    """The first JSON object in a model's answer validated as `model`; a ValueError says in one line what is wrong
    (shown to the model when its answer is retried)."""
    data = extract_json_object(text)
    if data is None:
        raise ValueError("no JSON object in the answer")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
