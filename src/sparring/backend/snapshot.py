"""The suite's snapshot, loaded once and shared read-only, and the layers built over it: relative times resolved
at the run's clock, then each scenario's overrides, checked (references, relative times) without a full copy."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sparring.backend.overlay import DELETED, Layer, LayeredView, changed_keys, copy_json
from sparring.backend.protocol import StateView
from sparring.backend.state import (
    BackendDataError,
    check_references,
    deep_merge,
    is_relative_time,
    resolve_relative_times,
)

_Referrers = dict[tuple[str, str], list[tuple[str, str, str]]]


def _has_relative_time(value: Any) -> bool:
    if isinstance(value, str):
        return is_relative_time(value)
    if isinstance(value, dict):
        return any(_has_relative_time(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_relative_time(v) for v in value)
    return False


def _ids(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class Snapshot:
    """A suite's backend snapshot: collection → id → record, never changed after loading. `digest` names it
    (sha256 of its file, or of its canonical JSON)."""

    def __init__(self, data: dict[str, dict[str, Any]], references: Mapping[str, str], digest: str = "") -> None:
        self.data = data
        self.references = dict(references)
        self._digest = digest
        self._clock_views: dict[datetime, LayeredView] = {}
        self._base_digests: dict[frozenset[str], str] = {}

    @property
    def digest(self) -> str:
        """sha256 naming the snapshot: of its file when loaded from one, else of its canonical JSON."""
        if not self._digest:
            self._digest = _sha256(_canonical(self.data))
        return self._digest

    def at(self, clock: datetime) -> LayeredView:
        """The snapshot with its relative times resolved at `clock`: a layer of just those records, each found
        and resolved when first read (nothing is scanned or copied up front)."""
        if clock not in self._clock_views:
            layer = {collection: ResolvedAt(records, clock) for collection, records in self.data.items()}
            self._clock_views[clock] = LayeredView(self.data, layer)
        return self._clock_views[clock]

    def scenario_view(self, overrides: Mapping[str, Any], clock: datetime) -> LayeredView:
        """Snapshot ⊕ a scenario's overrides at `clock`, references checked (BackendDataError naming the field)."""
        base = self.at(clock)
        view = LayeredView(base, _overrides_layer(base, overrides, clock))
        self.check(view)
        return view

    def check(self, view: LayeredView) -> None:
        """The references of every record `view`'s top layer sets, and of every record still pointing at one
        it deletes, must name existing records."""
        for collection, records in view.layer.items():
            if records is None:
                self._check_deleted(view, ((collection, i) for i in view.base.get(collection, {})))
                continue
            for record_id, record in records.items():
                if record is not DELETED:
                    self._check_record(view, collection, record_id, record)
            self._check_deleted(view, ((collection, i) for i, r in records.items() if r is DELETED))

    def _check_record(self, view: StateView, collection: str, record_id: str, record: Any) -> None:
        for source, target in self.references.items():
            source_collection, _, field = source.partition(".")
            if source_collection != collection or not isinstance(record, dict) or field not in record:
                continue
            if target not in view:
                raise BackendDataError(target, f"referenced collection {target!r} is missing")
            for ref in _ids(record[field]):
                if ref is not None and ref not in view[target]:
                    raise BackendDataError(
                        f"{collection}.{record_id}.{field}", f"points at {target} record {ref!r}, which does not exist"
                    )

    def _check_deleted(self, view: StateView, deleted: Iterable[tuple[str, str]]) -> None:
        for key in deleted:
            for source_collection, source_id, _field in self._referrers.get(key, []):
                if source_id in view.get(source_collection, {}):
                    record = view[source_collection][source_id]
                    self._check_record(view, source_collection, source_id, record)

    @cached_property
    def _referrers(self) -> _Referrers:
        """(target collection, id) → the records that point at it; built on the first deletion only."""
        index: _Referrers = {}
        for source, target in self.references.items():
            collection, _, field = source.partition(".")
            for record_id, record in self.data.get(collection, {}).items():
                if isinstance(record, dict) and field in record:
                    for ref in _ids(record[field]):
                        index.setdefault((target, ref), []).append((collection, record_id, field))
        return index

    def state_digest(self, view: StateView, ignore: Iterable[str] = ()) -> str:
        """The Backend protocol's digest of `view` (a stack of layers over this snapshot): the snapshot's
        canonical hash (cached per `ignore`) and the records that differ from it, so each call costs only
        the diff."""
        paths = frozenset(ignore)
        if paths not in self._base_digests:
            self._base_digests[paths] = canonical_digest(self.data, paths)
        return layered_digest(self.data, view, paths, self._base_digests[paths])


def canonical_digest(state: StateView, paths: frozenset[str]) -> str:
    """sha256 of a whole state's canonical JSON, the ignored field `paths` left out (costs the whole state)."""
    stripped = {c: {i: _strip(r, c, paths) for i, r in records.items()} for c, records in state.items()}
    return _sha256(_canonical(stripped))


def layered_digest(root: StateView, view: StateView, paths: frozenset[str], root_digest: str) -> str:
    """The digest of `view`, a stack of layers over `root` whose `canonical_digest` is `root_digest`: that hash
    and the records of the layers that differ from `root`, so it costs only the layers."""
    changes = []
    for collection, record_id in sorted(changed_keys(view)):
        now = _strip(view.get(collection, {}).get(record_id), collection, paths)
        before = _strip(root.get(collection, {}).get(record_id), collection, paths)
        if now != before:
            changes.append([collection, record_id, now])
    return _sha256(root_digest + _canonical(changes))


class ResolvedAt(Mapping[str, Any]):
    """The records of one collection that hold relative times (`now-35m`), resolved at `clock`, each looked at
    and resolved when first read, then kept."""

    def __init__(self, records: Mapping[str, Any], clock: datetime) -> None:
        self._records = records
        self._clock = clock
        self._holds_time: dict[object, bool] = {}
        self._resolved: dict[str, Any] = {}

    def __contains__(self, record_id: object) -> bool:
        if record_id not in self._holds_time:
            record = self._records.get(record_id) if isinstance(record_id, str) else None
            self._holds_time[record_id] = record is not None and _has_relative_time(record)
        return self._holds_time[record_id]

    def __getitem__(self, record_id: str) -> Any:
        if record_id not in self._resolved:
            if record_id not in self:
                raise KeyError(record_id)
            self._resolved[record_id] = resolve_relative_times(self._records[record_id], self._clock)
        return self._resolved[record_id]

    def __iter__(self) -> Iterator[str]:
        return (record_id for record_id in self._records if record_id in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _overrides_layer(base: StateView, overrides: Mapping[str, Any], clock: datetime) -> Layer:
    """A scenario's `backend_overrides` as a layer: a record merges into the one it overrides (`null` deletes a
    record, or a whole collection), with relative times resolved."""
    layer: Layer = {}
    for collection, records in overrides.items():
        if records is None:
            layer[collection] = None
            continue
        if not isinstance(records, dict):
            raise BackendDataError(collection, "must map record ids to records (or be null to drop the collection)")
        below = base.get(collection, {})
        own: dict[str, Any] = {}
        for record_id, record in records.items():
            if record is None:
                own[record_id] = DELETED
                continue
            if not isinstance(record, dict):  # a tool reads fields of every record: a bare value breaks each call
                raise BackendDataError(f"{collection}.{record_id}", "must be a record (a mapping of fields), or null")
            merged = deep_merge(below[record_id], record) if isinstance(below.get(record_id), dict) else record
            try:
                own[record_id] = resolve_relative_times(merged, clock)  # new containers: the base is never shared
            except ValueError as exc:
                raise BackendDataError(f"{collection}.{record_id}", str(exc)) from exc
        layer[collection] = own
    return layer


def _strip(record: Any, collection: str, paths: frozenset[str]) -> Any:
    """`record` without the ignored field paths (`collection.a.b` or `*.a.b`)."""
    if not paths or not isinstance(record, dict):
        return record
    fields = [p.split(".")[1:] for p in paths if p.split(".")[0] in (collection, "*")]
    if not fields:
        return record
    record = copy_json(record)
    for steps in fields:
        target = record
        for step in steps[:-1]:
            target = target.get(step) if isinstance(target, dict) else None
        if isinstance(target, dict) and steps:
            target.pop(steps[-1], None)
    return record


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_state(
    snapshot: dict[str, Any],
    overrides: dict[str, Any],
    references: dict[str, str],
    now: datetime | None = None,
) -> dict[str, Any]:
    """One scenario's backend state as a plain dict (a full copy: for small data and tests; runs use
    `Snapshot.scenario_view`): snapshot ⊕ overrides, relative times resolved against `now`, every reference
    checked (BackendDataError)."""
    check_references(snapshot, references)
    view = Snapshot(snapshot, references).scenario_view(overrides, now or datetime.now(UTC))
    return {collection: copy_json(dict(records)) for collection, records in view.items()}
