"""Valid tool arguments for the stub agent, from a tool's JSON schema and the ids a suite's backend holds.

An id-like parameter (`order_id`, a field `references` names) gets an id of the collection it refers to:
first one the conversation mentions (or a record it mentions refers to), else one from the backend chosen by
a seed. Other parameters get an enum value the conversation mentions (else the first), a small number, or a
field of a mentioned record with the parameter's name (an `email` of the customer an order belongs to).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sparring.backend import StateView

_TOKEN = re.compile(r"[\w#@.\-]+")
_ID_SUFFIX = re.compile(r"_?(?:id|ids|Id|ID)$")
FREE_TEXT = frozenset({"summary", "reason", "note", "notes", "message", "description", "comment", "text", "query"})
FREE_TEXT_VALUE = "Customer request, details in the conversation."


@dataclass(frozen=True)
class Choice:
    """A tool call the stub agent could make: its arguments, and whether every one is known valid."""

    name: str
    arguments: dict[str, Any]
    sure: bool


class IdIndex:
    """Every record id of a backend state (plus scenario overrides), by id and by collection."""

    def __init__(self, views: Iterable[StateView], references: Mapping[str, str]) -> None:
        self.records: dict[str, tuple[str, Mapping[str, Any]]] = {}
        for view in views:
            for collection, records in view.items():
                for record_id, record in records.items():
                    self.records.setdefault(str(record_id), (collection, record))
        by_collection: dict[str, list[str]] = {}
        for record_id, (collection, _) in self.records.items():
            by_collection.setdefault(collection, []).append(record_id)
        self.by_collection = {name: sorted(ids) for name, ids in by_collection.items()}
        self.references = {path.rsplit(".", 1)[-1]: target for path, target in references.items()}

    def mentioned(self, text: str) -> list[str]:
        """Ids in `text` in order of appearance, then the ids their records refer to (one hop)."""
        found = dict.fromkeys(t for t in (w.rstrip(".-") for w in _TOKEN.findall(text)) if t in self.records)
        for record_id in list(found):
            for value in self.records[record_id][1].values():
                if isinstance(value, str) and value in self.records:
                    found.setdefault(value)
        return list(found)

    def collection_for(self, parameter: str) -> str | None:
        """The collection an id-like parameter refers to; "" when id-like but unknown; None when not id-like."""
        if parameter in self.references:
            return self.references[parameter]
        stem = _ID_SUFFIX.sub("", parameter)
        if stem == parameter:
            return None
        plural = f"{stem[:-1]}ies" if stem.endswith("y") else f"{stem}s"
        return next((c for c in (stem, plural, f"{stem}es") if c in self.by_collection), "")

    def choose(self, tools: list[dict[str, Any]], text: str, seed: int, avoid: frozenset[str]) -> Choice:
        """The tool to call: the first whose arguments are all known valid, tools in `avoid` (writes) last."""
        mentioned = self.mentioned(text)
        choices = [self._choice(tool["function"], mentioned, text.lower(), seed) for tool in tools]
        return max(enumerate(choices), key=lambda pair: (pair[1].sure, pair[1].name not in avoid, -pair[0]))[1]

    def _choice(self, function: dict[str, Any], mentioned: list[str], text: str, seed: int) -> Choice:
        parameters = function.get("parameters") or {}
        properties = parameters.get("properties") or {}
        arguments: dict[str, Any] = {}
        sure = True
        for name in parameters.get("required", []):
            arguments[name], known = self._argument(name, _non_null(properties.get(name, {})), mentioned, text, seed)
            sure = sure and known
        return Choice(function["name"], arguments, sure)

    def _argument(
        self, name: str, spec: Mapping[str, Any], mentioned: list[str], text: str, seed: int
    ) -> tuple[Any, bool]:
        if "enum" in spec:
            return next((v for v in spec["enum"] if str(v).lower() in text), spec["enum"][0]), True
        kind = spec.get("type")
        if kind in ("integer", "number", "boolean", "array", "object"):
            return {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}[kind], True
        collection = self.collection_for(name)
        if collection is None:
            return self._text_argument(name, mentioned)
        in_conversation = [i for i in mentioned if collection in ("", self.records[i][0])]
        if in_conversation:
            return in_conversation[0], True
        pool = self.by_collection.get(collection) or sorted(self.records)
        return (pool[seed % len(pool)], False) if pool else ("X-1", False)

    def _text_argument(self, name: str, mentioned: list[str]) -> tuple[Any, bool]:
        for record_id in mentioned:
            value = self.records[record_id][1].get(name)
            if isinstance(value, str):
                return value, True
        return FREE_TEXT_VALUE, name in FREE_TEXT


def _non_null(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """The non-null branch of an `anyOf: [X, null]` (an optional parameter), else the spec itself."""
    branches = [b for b in spec.get("anyOf", []) if b.get("type") != "null"]
    return branches[0] if len(branches) == 1 else spec
