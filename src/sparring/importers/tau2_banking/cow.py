"""Copy-on-write over the banking_knowledge database: every conversation shares one pristine database per process.

The database's fields are tables (`DatabaseTable`) whose `data` maps record ids to records (plain dicts). An
environment gets new tables whose `data` is a `TableRecords`: a record is deep-copied the first time a tool reaches
it by key or by iterating the table (banking tools change records they find by iterating: "deactivate the other
cards of this account"), so a tool only ever changes its own copy; a lookup (`in`, `len`) reads nothing. The state
view is the pristine view, dumped once, with only the records reached, added or removed taken again.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable, Iterator
from typing import Any

from pydantic import BaseModel

from sparring.importers.tau2_cow import CowRecords


class TableRecords(CowRecords):
    """One table's records, sharing the pristine ones until a tool reaches one by key or by iterating the table."""

    def items(self) -> Iterator[tuple[Hashable, Any]]:  # type: ignore[override]
        """(id, record) of every record, each a private copy."""
        return ((key, self[key]) for key in list(dict.keys(self)))

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        """Every record, each a private copy."""
        return (self[key] for key in list(dict.keys(self)))

    def setdefault(self, key: Hashable, default: Any = None) -> Any:
        """The record (a private copy), added as `default` when missing."""
        if key not in self:
            self[key] = default
        return self[key]


def cow_copy(pristine: BaseModel) -> BaseModel:
    """A database sharing `pristine`'s records: each table a new one whose `data` is a `TableRecords`."""
    tables = {
        name: table.model_copy(update={"data": TableRecords(table.data)}) for name, table in pristine.__dict__.items()
    }
    return pristine.model_copy(update=tables)


def cow_view(db: BaseModel, pristine_view: dict[str, Any]) -> dict[str, Any]:
    """`db.model_dump(mode="json")`, sharing the unchanged records with `pristine_view` (a table that is no
    `TableRecords`, replaced by τ²'s initial state, is dumped whole); `pristine_view` itself while nothing changed."""
    view: dict[str, Any] = {}
    for name, table in db.__dict__.items():
        records = table.data
        if not isinstance(records, TableRecords):
            view[name] = table.model_dump(mode="json")
            continue
        shared = pristine_view[name]["data"]
        changed, removed = records.changed_keys(shared)
        if not changed and not removed:
            view[name] = pristine_view[name]
            continue
        data = {key: record for key, record in shared.items() if key not in removed}
        data |= {key: _plain(dict.__getitem__(records, key)) for key in changed}
        view[name] = {"data": data, "notes": table.notes}
    unchanged = view.keys() == pristine_view.keys() and all(view[k] is pristine_view[k] for k in view)
    return pristine_view if unchanged else view


def _plain(record: Any) -> Any:
    """A record as `model_dump(mode="json")` gives it (records are JSON-like dicts: a deep copy)."""
    return copy.deepcopy(record)
