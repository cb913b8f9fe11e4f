"""JSON objects in model text: lenient extraction (code fences, prose around it) with validation, and the strict
reading of an answer that must be exactly one object (a judge's verdict)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

# strict=False: a grammar's string rule (llama.cpp's) lets raw control characters such as a newline through.
_decoder = json.JSONDecoder(strict=False)
_TOKENS = re.compile(r'"(?:[^"\\]|\\[\s\S])*"|"|[{}]')
_FENCE = re.compile(r"\A```(?:json)?[ \t]*\n(?P<body>.*?)\n?[ \t]*```\Z", re.S | re.I)
M = TypeVar("M", bound=BaseModel)


class NotOneObject(ValueError):
    """An answer that is not exactly one JSON object: prose around it, a second value, a duplicate key, or
    not JSON at all. The message says which, in one line."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise NotOneObject(f"duplicate key {repeated[0]!r} in the answer object")
    return dict(pairs)


_strict_decoder = json.JSONDecoder(strict=False, object_pairs_hook=_no_duplicates)


def only_json_object(text: str) -> dict[str, Any]:
    """`text` read as exactly one JSON object: the whole text, bar surrounding whitespace and one code fence
    (```json ... ```) around it. No prose before or after it, no second object, no key twice (at any depth);
    NotOneObject otherwise. Used where text outside the object could be a quoted or echoed answer."""
    body = text.strip()
    fenced = _FENCE.match(body)
    body = fenced.group("body").strip() if fenced else body
    if "{" not in body:
        raise NotOneObject("no JSON object in the answer")
    if not body.startswith("{"):
        raise NotOneObject("the answer must be only a JSON object; it starts with other text")
    try:
        value, stop = _strict_decoder.raw_decode(body)
    except json.JSONDecodeError as exc:
        raise NotOneObject(f"the answer is not a complete JSON object ({exc.msg} at character {exc.pos})") from exc
    except RecursionError as exc:
        raise NotOneObject("the answer object is nested too deeply") from exc
    if body[stop:].strip():
        raise NotOneObject("the answer must be only a JSON object; text follows it")
    found: dict[str, Any] = value  # the text starts with "{": the value is an object
    return found


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
