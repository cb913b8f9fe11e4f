"""Lenient extraction of JSON objects from model text (code fences, prose around it), and their validation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

# strict=False: a grammar's string rule (llama.cpp's) lets raw control characters such as a newline through.
_decoder = json.JSONDecoder(strict=False)
_TOKENS = re.compile(r'"(?:[^"\\]|\\[\s\S])*"|"|[{}]')
M = TypeVar("M", bound=BaseModel)


def json_objects(text: str) -> Iterator[tuple[dict[str, Any], int]]:
    """Every top-level JSON object in `text`, in order, with the index where it ends (objects nested in one are
    not yielded apart). Weak and non-OpenAI models often wrap, garble or repeat JSON. An object still open where the
    text ends (an answer cut short) ends the scan: everything after its start is inside it, so none of its inner
    objects is taken for an answer."""
    start = text.find("{")
    while start != -1:
        try:
            value, stop = _decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            if not _closes(text, start):
                return
            start = text.find("{", start + 1)
            continue
        yield value, stop
        start = text.find("{", stop)


def _closes(text: str, start: int) -> bool:
    """Whether the object opened at `start` has its closing brace in `text` (strings skipped): if not, the text
    ended inside it (a cut answer) rather than on garbled JSON."""
    depth = 0
    for match in _TOKENS.finditer(text, start):
        token = match.group()
        if token == '"':  # a string that never ends
            return False
        depth += 1 if token == "{" else -1 if token == "}" else 0
        if depth == 0:
            return True
    return False


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
