"""What the extraction model must answer, as pydantic models (the single source of its grammar), and the conversion
of its bounded list of backend field changes into a Scenario's `backend_overrides`."""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

MAX_CHANGES = 16  # field changes per scenario: enough for an order with its items and a delivery with its events


class ExtractedFact(BaseModel):
    """One thing the customer knows, and whether they say it unprompted."""

    key: str = Field(..., min_length=1, max_length=30)
    value: str = Field(..., min_length=1, max_length=60)
    reveal: Literal["upfront", "when_asked"]


class FieldChange(BaseModel):
    """One field of one backend record: `field` is a dotted path, list positions as numbers (`items.0.name`)."""

    collection: str = Field(..., min_length=1, max_length=40)
    id: str = Field(..., min_length=1, max_length=24)
    field: str = Field(..., min_length=1, max_length=32)
    value: Annotated[str, Field(max_length=60)] | int | float | bool | None


class Extraction(BaseModel):
    """A scenario as the extraction model writes it; it becomes a Scenario once the backend data checks out."""

    title: str = Field("", max_length=60)
    traits: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(..., min_length=1, max_length=4)
    style: str = Field("", max_length=80)
    patience: int = Field(3, ge=1, le=10)
    situation: str = Field(..., min_length=10, max_length=400)
    desired_outcome: str = Field(..., min_length=3, max_length=160)
    known_facts: list[ExtractedFact] = Field(default_factory=list, max_length=6)
    unknown_facts: list[Annotated[str, Field(max_length=80)]] = Field(default_factory=list, max_length=4)
    tags: list[Annotated[str, Field(max_length=30)]] = Field(default_factory=list, max_length=5)
    overrides: list[FieldChange] = Field(default_factory=list, max_length=MAX_CHANGES)


def suite_extraction(collections: list[str], tags: list[str]) -> type[Extraction]:
    """`Extraction` narrowed to one suite: collections and tags as enums (either left free when the suite has none)."""
    if not collections and not tags:
        return Extraction
    fields: dict[str, Any] = {}
    if collections:
        change = create_model("SuiteFieldChange", __base__=FieldChange, collection=(_one_of(collections), ...))
        fields["overrides"] = (_list_of(change), Field(default_factory=list, max_length=MAX_CHANGES))
    if tags:
        fields["tags"] = (_list_of(_one_of(tags)), Field(default_factory=list, max_length=5))
    return create_model("SuiteExtraction", __base__=Extraction, **fields)


def _one_of(values: list[str]) -> Any:
    """`Literal[*values]`, made at run time."""
    literal: Any = Literal
    return literal[tuple(values)]


def _list_of(item: Any) -> Any:
    """`list[item]` for an item type made at run time."""
    return list.__class_getitem__(item)


def to_overrides(changes: list[FieldChange]) -> tuple[dict[str, Any], list[str]]:
    """The field changes as `backend_overrides` (collection → record id → record), and a note for each change left
    out because its path clashes with an earlier one or skips a list position."""
    overrides: dict[str, Any] = {}
    dropped: list[str] = []
    for index, change in enumerate(changes):
        record = copy.deepcopy(overrides.get(change.collection, {}).get(change.id, {}))
        try:
            _set_path(record, change.field.split("."), change.value)
        except ValueError as exc:
            dropped.append(f"overrides[{index}] ({change.collection} {change.id} {change.field}): {exc}")
            continue
        overrides.setdefault(change.collection, {})[change.id] = record
    return overrides, dropped


def _set_path(container: Any, steps: list[str], value: Any) -> None:
    """Set `value` at `steps` inside `container`, making the dicts and lists on the way."""
    step, rest = steps[0], steps[1:]
    key: int | str = _position(container, step)
    if not rest:
        if _holds(container, key) and isinstance(container[key], (dict, list)):
            raise ValueError("this field already holds nested fields")
        _store(container, key, value)
        return
    below = container[key] if _holds(container, key) else ([] if rest[0].isdigit() else {})
    if not isinstance(below, (dict, list)):
        raise ValueError(f"{step} already holds a value")
    _store(container, key, below)
    _set_path(below, rest, value)


def _position(container: Any, step: str) -> int | str:
    """`step` as a dict key, or as a list position that exists or comes next."""
    if isinstance(container, dict):
        return step
    if not step.isdigit() or int(step) > len(container):
        raise ValueError(f"list position {step!r}: positions are 0, 1, 2 ... in order (next: {len(container)})")
    return int(step)


def _holds(container: Any, key: int | str) -> bool:
    return key in container if isinstance(container, dict) else int(key) < len(container)


def _store(container: Any, key: int | str, value: Any) -> None:
    if isinstance(container, list) and key == len(container):
        container.append(value)
    else:
        container[key] = value
