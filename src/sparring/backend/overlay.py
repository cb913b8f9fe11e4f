"""Copy-on-write backend state: a shared read-only base (the snapshot) under layers that hold only the records
they create, change or delete (record granularity). Reads fall through to the layer below.

- `LayeredView`: read-only, base + one layer (stack them: snapshot → resolved times → scenario overrides).
- `WritableState`: what a tool gets as `db.data`; a record it reads is copied into the conversation's overlay
  first, so changing it in place never touches the shared base. `diff()` says what really changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from sparring.backend.protocol import StateView
from sparring.data_model import StateDiff


class _Deleted:
    """The marker a layer holds for a record it deletes."""

    def __repr__(self) -> str:
        return "DELETED"


DELETED: Any = _Deleted()
"""A layer's value for a deleted record."""

Layer = dict[str, dict[str, Any] | None]
"""collection → id → record (or DELETED); a collection mapped to None is dropped whole."""

ReadLayer = Mapping[str, Mapping[str, Any] | None]
"""A layer as views read it: any mapping of the same shape (e.g. records resolved only when read)."""

_EMPTY: Mapping[str, Any] = {}


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars), faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


class CollectionView(Mapping[str, Any]):
    """One collection: the layer's records over the base's."""

    def __init__(self, base: Mapping[str, Any], layer: Mapping[str, Any]) -> None:
        self._base = base
        self._layer = layer

    def __getitem__(self, record_id: str) -> Any:
        if record_id in self._layer:
            value = self._layer[record_id]
            if value is DELETED:
                raise KeyError(record_id)
            return value
        return self._base[record_id]

    def __contains__(self, record_id: object) -> bool:
        if record_id in self._layer:
            return self._layer[record_id] is not DELETED  # type: ignore[index]
        return record_id in self._base

    def __iter__(self) -> Iterator[str]:
        layer = self._layer
        yield from (k for k in self._base if k not in layer or layer[k] is not DELETED)
        yield from (k for k, v in layer.items() if v is not DELETED and k not in self._base)

    def __len__(self) -> int:
        base, layer = self._base, self._layer
        deleted = sum(1 for k, v in layer.items() if v is DELETED and k in base)
        created = sum(1 for k, v in layer.items() if v is not DELETED and k not in base)
        return len(base) + created - deleted


class LayeredView(Mapping[str, CollectionView]):
    """Read-only state: `layer` over `base` (a plain mapping or another LayeredView)."""

    def __init__(self, base: StateView, layer: ReadLayer) -> None:
        self.base = base
        self.layer = layer
        self._collections: dict[str, CollectionView] = {}

    def __getitem__(self, collection: str) -> CollectionView:
        if collection not in self._collections:
            if collection not in self:
                raise KeyError(collection)
            own = self.layer.get(collection)
            own = _EMPTY if own is None else own
            self._collections[collection] = CollectionView(self.base.get(collection, _EMPTY), own)
        return self._collections[collection]

    def __contains__(self, collection: object) -> bool:
        if isinstance(collection, str) and collection in self.layer:
            return self.layer[collection] is not None
        return collection in self.base

    def __iter__(self) -> Iterator[str]:
        yield from (c for c in self.base if c not in self.layer or self.layer[c] is not None)
        yield from (c for c, v in self.layer.items() if v is not None and c not in self.base)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def changed_keys(view: StateView) -> set[tuple[str, str]]:
    """Every (collection, id) that a layer of `view` sets or deletes, down to its plain base."""
    keys: set[tuple[str, str]] = set()
    while isinstance(view, LayeredView):
        for collection, records in view.layer.items():
            ids = view.base.get(collection, _EMPTY) if records is None else records
            keys.update((collection, record_id) for record_id in ids)
        view = view.base
    return keys


def root_of(view: StateView) -> StateView:
    """The plain base under every layer of `view` (the shared snapshot)."""
    while isinstance(view, LayeredView):
        view = view.base
    return view


def layer_of(diff: StateDiff) -> Layer:
    """A diff as a layer: created and updated records, deleted ones marked DELETED."""
    layer: Layer = {}
    for part in (diff.created, diff.updated):
        for collection, records in part.items():
            layer.setdefault(collection, {}).update(records)  # type: ignore[union-attr]
    for collection, ids in diff.deleted.items():
        layer.setdefault(collection, {}).update(dict.fromkeys(ids, DELETED))  # type: ignore[union-attr]
    return layer


class WritableCollection(MutableMapping[str, Any]):
    """A collection as a tool sees it: reading a record copies it into the overlay, so in-place changes stay
    in this conversation."""

    def __init__(self, base: Mapping[str, Any], own: dict[str, Any]) -> None:
        self._view = CollectionView(base, own)
        self._base = base
        self._own = own

    def __getitem__(self, record_id: str) -> Any:
        if record_id not in self._own:
            self._own[record_id] = copy_json(self._base[record_id])
        return self._view[record_id]

    def __setitem__(self, record_id: str, record: Any) -> None:
        self._own[record_id] = record

    def __delitem__(self, record_id: str) -> None:
        if record_id not in self._view:
            raise KeyError(record_id)
        self._own[record_id] = DELETED

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._view

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._view))  # a snapshot of the ids: a tool may add records while looping

    def __len__(self) -> int:
        return len(self._view)


class WritableState(MutableMapping[str, WritableCollection]):
    """One conversation's state over a shared read-only `base`: `db.data` for the suite's tools."""

    def __init__(self, base: StateView) -> None:
        self.base = base
        self.overlay: dict[str, dict[str, Any]] = {}
        self._collections: dict[str, WritableCollection] = {}

    def __getitem__(self, collection: str) -> WritableCollection:
        if collection not in self._collections:
            if collection not in self.base and collection not in self.overlay:
                raise KeyError(collection)
            own = self.overlay.setdefault(collection, {})
            self._collections[collection] = WritableCollection(self.base.get(collection, _EMPTY), own)
        return self._collections[collection]

    def __setitem__(self, collection: str, records: Mapping[str, Any]) -> None:
        self.overlay.setdefault(collection, {})
        target = self[collection]
        for record_id in list(target):
            del target[record_id]
        target.update(records)

    def __delitem__(self, collection: str) -> None:
        self[collection] = {}

    def __contains__(self, collection: object) -> bool:
        return collection in self.base or collection in self.overlay

    def __iter__(self) -> Iterator[str]:
        yield from self.base
        yield from (c for c in self.overlay if c not in self.base)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def view(self) -> LayeredView:
        """The current state, read-only: the overlay's real changes over the base."""
        return LayeredView(self.base, layer_of(self.diff()))

    def diff(self) -> StateDiff:
        """The records this conversation created, changed (different from the base) and deleted."""
        diff = StateDiff()
        for collection, records in self.overlay.items():
            base = self.base.get(collection, _EMPTY)
            for record_id, record in records.items():
                if record is DELETED:
                    if record_id in base:
                        diff.deleted.setdefault(collection, []).append(record_id)
                elif record_id not in base:
                    diff.created.setdefault(collection, {})[record_id] = record
                elif base[record_id] != record:
                    diff.updated.setdefault(collection, {})[record_id] = record
        return diff


def diff_views(before: StateView, after: StateView) -> StateDiff:
    """What changed from `before` to `after`: read off the top layer when `after` is a layer over `before` (a
    SnapshotBackend's view), else compared record by record (any other Backend)."""
    if isinstance(after, LayeredView) and after.base is before:
        overlay = {c: dict(records or {}) for c, records in after.layer.items()}
        probe = WritableState(before)
        probe.overlay = overlay
        return probe.diff()
    if after is before:
        return StateDiff()
    probe = WritableState(before)
    for collection in set(before) | set(after):
        old, new = before.get(collection, _EMPTY), after.get(collection, _EMPTY)
        if old is new:  # a view sharing its unchanged parts with `before` (copy-on-write): nothing to compare
            continue
        own = probe.overlay.setdefault(collection, {})
        own.update((i, DELETED) for i in old if i not in new)
        # a record shared with `before` is unchanged; only the others are compared field by field
        own.update((i, r) for i, r in new.items() if i not in old or (old[i] is not r and old[i] != r))
    return probe.diff()


def end_state(initial: StateView, diff: StateDiff, full: Mapping[str, Any] | None = None) -> StateView:
    """A conversation's end state: its diff over the scenario's initial state, or the `full` copy that stores
    written before diffs kept."""
    return full if full is not None else LayeredView(initial, layer_of(diff))


def added_records(
    initial: StateView, diff: StateDiff, full: Mapping[str, Any] | None, collection: str
) -> dict[str, Any]:
    """Records a conversation created in `collection` (read off the diff; compared with `initial` for a full copy)."""
    if full is None:
        return dict(diff.created.get(collection, {}))
    before = initial.get(collection, {})
    return {k: v for k, v in full.get(collection, {}).items() if k not in before}
