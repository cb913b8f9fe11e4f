"""Copy-on-write over a τ² database: every conversation's environment shares one pristine database per process.

τ²'s databases are pydantic models whose fields are collections (record id -> record). An environment gets a
shallow copy of the pristine model whose collections are `CowRecords`: a record is deep-copied the first time a
tool reads it by key (`db.users[user_id]`, `.get`), so the tool mutates its own copy. Iteration (τ²'s searches:
`for flight in db.flights.values()`) reads the shared records, which τ²'s tools only read. The state's plain-data
view (`cow_view`) is the pristine view, computed once, with only the records read by key, added or removed dumped
again: unchanged records are the same objects in every view, so comparing two views is cheap.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from typing import Any

from pydantic import BaseModel


class CowRecords(dict[Hashable, Any]):
    """One collection of an environment's database, sharing the pristine records until a tool reads one by key."""

    def __init__(self, shared: dict[Hashable, Any]) -> None:
        super().__init__(shared)
        self.touched: set[Hashable] = set()

    def __getitem__(self, key: Hashable) -> Any:
        if key not in self.touched and dict.__contains__(self, key):
            dict.__setitem__(self, key, copy.deepcopy(dict.__getitem__(self, key)))
            self.touched.add(key)
        return dict.__getitem__(self, key)

    def get(self, key: Hashable, default: Any = None) -> Any:
        """The record (a private copy), or `default`."""
        return self[key] if key in self else default  # noqa: SIM401 - dict.get would skip the copy

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self.touched.add(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: Hashable) -> None:
        self.touched.add(key)
        dict.__delitem__(self, key)

    def pop(self, key: Hashable, *default: Any) -> Any:
        """Remove the record and return it (a private copy)."""
        self.touched.add(key)
        return dict.pop(self, key, *default)

    def changed_keys(self, pristine: dict[Hashable, Any]) -> tuple[set[Hashable], set[Hashable]]:
        """(keys whose record may differ from the pristine one, keys removed)."""
        keys = self.keys()
        return (self.touched & keys) | (keys - pristine.keys()), pristine.keys() - keys


def cow_copy(pristine: BaseModel) -> BaseModel:
    """A database sharing `pristine`'s records: its dict fields become `CowRecords`, other fields are copied."""
    fields = {
        name: CowRecords(value) if isinstance(value, dict) else copy.deepcopy(value)
        for name, value in pristine.__dict__.items()
    }
    return pristine.model_copy(update=fields)


def cow_view(db: BaseModel, pristine: BaseModel, pristine_view: dict[str, Any]) -> dict[str, Any]:
    """`db.model_dump(mode="json")`, sharing the unchanged records' dumps with `pristine_view` (a database that is
    no `cow_copy` of `pristine`, replaced by τ²'s initial state, is dumped whole); `pristine_view` itself while
    nothing changed."""
    view: dict[str, Any] = {}
    for name, value in db.__dict__.items():
        if not isinstance(value, CowRecords):
            view[name] = db.model_dump(mode="json", include={name})[name]
            continue
        changed, removed = value.changed_keys(getattr(pristine, name))
        if not changed and not removed:
            view[name] = pristine_view[name]
            continue
        records = {key: record for key, record in pristine_view[name].items() if key not in removed}
        for key in changed:
            record = dict.__getitem__(value, key)
            records[key] = record.model_dump(mode="json") if isinstance(record, BaseModel) else record
        view[name] = records
    unchanged = view.keys() == pristine_view.keys() and all(view[k] is pristine_view[k] for k in view)
    return pristine_view if unchanged else view


def untouched(db: BaseModel, pristine: BaseModel) -> bool:
    """Whether the database is a `cow_copy` of `pristine` that no tool has read by key or changed (so its state
    is the pristine one)."""
    return all(
        isinstance(value, CowRecords) and not value.touched and value.keys() == getattr(pristine, name).keys()
        for name, value in db.__dict__.items()
        if isinstance(value, dict)
    ) and all(isinstance(v, dict) or v == getattr(pristine, n) for n, v in db.__dict__.items())
