"""A second Backend: the suite's mock backend is a SQLite file.

    backend: {kind: sqlite, database: shop.db, tools: tools.py}

Tools are the suite's `@tool` functions whose first parameter receives a `SqliteState`: `db.connection` (a
`sqlite3.Connection`, rows as `sqlite3.Row`) and the backend clock `db.now`. Each conversation works on its own
in-memory image of the file (read once, shared as bytes), inside a transaction that is rolled back when the
backend is closed: the file itself is opened read-only and never changed, and conversations never see each other's
writes. A scenario's `backend_overrides` are row upserts (`table: {primary key: {column: value}}`, merged into an
existing row) and deletes (`null` for a row, or a whole table), applied first in that transaction.

The state a check reads (`view()`) is table → primary key (as text) → row dict, queried lazily from the file, with
the scenario's overrides and the conversation's changed rows (logged by temporary triggers) as layers over it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sparring.backend.overlay import DELETED, Layer, LayeredView, ReadLayer
from sparring.backend.protocol import StateView
from sparring.backend.snapshot import canonical_digest, layered_digest
from sparring.backend.state import BackendDataError, resolve_relative_times
from sparring.backend.tools import Tool, run_tool
from sparring.data_model import Scenario, ToolCall, ToolCallRecord, ToolSpec


@dataclass
class SqliteState:
    """What a SQLite tool function receives first: the conversation's connection and the backend clock."""

    connection: sqlite3.Connection
    now: datetime


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteTable(Mapping[str, dict[str, Any]]):
    """One table, read lazily: primary key (as text) → row dict (every column), queried on access."""

    def __init__(self, connection: sqlite3.Connection, name: str, key: str, columns: list[str]) -> None:
        self.connection, self.name, self.key, self.columns = connection, name, key, columns
        self._select = f"SELECT {', '.join(map(_quote, columns))} FROM {_quote(name)}"

    def __getitem__(self, record_id: str) -> dict[str, Any]:
        row = self.connection.execute(f"{self._select} WHERE {_quote(self.key)} = ?", (record_id,)).fetchone()
        if row is None:
            raise KeyError(record_id)
        return dict(zip(self.columns, row, strict=True))

    def __contains__(self, record_id: object) -> bool:
        query = f"SELECT 1 FROM {_quote(self.name)} WHERE {_quote(self.key)} = ?"
        return self.connection.execute(query, (record_id,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        query = f"SELECT {_quote(self.key)} FROM {_quote(self.name)} ORDER BY {_quote(self.key)}"
        return (str(key) for (key,) in self.connection.execute(query).fetchall())

    def __len__(self) -> int:
        return int(self.connection.execute(f"SELECT COUNT(*) FROM {_quote(self.name)}").fetchone()[0])


def _tables(connection: sqlite3.Connection) -> dict[str, SqliteTable]:
    """Every user table, keyed by its single-column primary key (the rowid when it has none or a composite one)."""
    names = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    tables = {}
    for (name,) in sorted(names.fetchall()):
        info = connection.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
        columns = [column[1] for column in info]
        keys = [column[1] for column in info if column[5]]
        key = keys[0] if len(keys) == 1 else "rowid"
        tables[name] = SqliteTable(connection, name, key, columns if key != "rowid" else ["rowid", *columns])
    return tables


def _foreign_keys(connection: sqlite3.Connection, tables: Iterable[str]) -> dict[tuple[str, str], str]:
    """(table, column) → the table its values must name."""
    return {
        (table, row[3]): row[2]
        for table in tables
        for row in connection.execute(f"PRAGMA foreign_key_list({_quote(table)})").fetchall()
    }


class SqliteBackendFactory:
    """A suite's `BackendFactory` over a SQLite file: read once, opened read-only for the shared view; each
    scenario's initial view (file ⊕ overrides) is built and checked once per clock."""

    def __init__(self, database: Path, tools: dict[str, Tool]) -> None:
        self.database = database
        self.tools = tools
        self.image = database.read_bytes()
        self.connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        self.tables = _tables(self.connection)
        self.foreign_keys = _foreign_keys(self.connection, self.tables)
        self._views: dict[tuple[int, datetime], LayeredView] = {}
        self._base_digests: dict[frozenset[str], str] = {}

    @cached_property
    def base(self) -> StateView:
        """The file's state, read-only and lazy."""
        return dict(self.tables)

    def initial_view(self, scenario: Scenario, clock: datetime) -> LayeredView:
        """The file ⊕ the scenario's overrides at `clock` (BackendDataError naming the table, key and column)."""
        key = (id(scenario), clock)
        if key not in self._views:
            layer = self._overrides_layer(scenario.backend_overrides, clock)
            view = LayeredView(self.base, layer)
            self._check_references(view, layer)
            self._views[key] = view
        return self._views[key]

    def _overrides_layer(self, overrides: Mapping[str, Any], clock: datetime) -> Layer:
        layer: Layer = {}
        for name, rows in overrides.items():
            table = self.tables.get(name)
            if table is None:
                raise BackendDataError(name, f"no table {name!r} in {self.database.name} ({', '.join(self.tables)})")
            if rows is None:
                layer[name] = dict.fromkeys(table, DELETED)
                continue
            if not isinstance(rows, dict):
                raise BackendDataError(name, "must map primary keys to rows (or be null to empty the table)")
            layer[name] = {str(k): self._merged_row(table, str(k), row, clock) for k, row in rows.items()}
        return layer

    def _merged_row(self, table: SqliteTable, record_id: str, row: Any, clock: datetime) -> Any:
        if row is None:
            return DELETED
        if not isinstance(row, dict):
            raise BackendDataError(f"{table.name}.{record_id}", "a row must be a mapping of columns (or null)")
        unknown = [column for column in row if column not in table.columns]
        if unknown:
            raise BackendDataError(
                f"{table.name}.{record_id}.{unknown[0]}", f"no column {unknown[0]!r} in {table.name}"
            )
        base = table.get(record_id) or {table.key: record_id}
        resolved = {}
        for column, value in row.items():
            path = f"{table.name}.{record_id}.{column}"
            if not _bindable(value):  # checked here: binding it fails only at the conversation's first tool call
                raise BackendDataError(
                    path, f"must be text, a number or null (what a SQLite column holds), not {value!r:.60}"
                )
            try:
                resolved[column] = resolve_relative_times(value, clock)
            except ValueError as exc:  # a relative time outside the years 1 to 9999
                raise BackendDataError(path, str(exc)) from exc
        return base | resolved

    def _check_references(self, view: StateView, layer: Layer) -> None:
        for name, rows in layer.items():
            for record_id, row in (rows or {}).items():
                for column, value in row.items() if row is not DELETED else ():
                    target = self.foreign_keys.get((name, column))
                    if target is not None and value is not None and str(value) not in view[target]:
                        message = f"points at {target} row {value!r}, which does not exist"
                        raise BackendDataError(f"{name}.{record_id}.{column}", message)

    def base_digest(self, ignore: frozenset[str]) -> str:
        """The file's canonical hash without `ignore`d columns, computed once per `ignore`."""
        if ignore not in self._base_digests:
            self._base_digests[ignore] = canonical_digest(self.base, ignore)
        return self._base_digests[ignore]

    def __call__(self, scenario: Scenario, clock: datetime) -> SqliteBackend:
        """A fresh backend for one conversation; its database copy is made on the first tool call."""
        return SqliteBackend(self, self.initial_view(scenario, clock), clock)


@dataclass
class SqliteBackend:
    """One conversation over a SQLite file (a `Backend`): its own in-memory copy in a transaction never
    committed, with the changed rows logged by temporary triggers. Every call and its answer is recorded."""

    factory: SqliteBackendFactory
    initial: LayeredView
    now: datetime
    calls: list[ToolCallRecord] = field(default_factory=list)
    _state: SqliteState | None = None

    def specs(self) -> list[ToolSpec]:
        """The tools as a model is offered them."""
        return [t.spec for t in self.factory.tools.values()]

    def execute(self, call: ToolCall) -> ToolCallRecord:
        """Run one tool call on this conversation's connection and record it (refusals as the record's error)."""
        record = run_tool(self.factory.tools, call, lambda: self.state)
        self.calls.append(record)
        return record

    @property
    def state(self) -> SqliteState:
        """The conversation's connection (opened on first use): the file's image, the overrides applied."""
        if self._state is None:
            self._state = SqliteState(_open_copy(self.factory, self.initial.layer), self.now)
        return self._state

    def view(self) -> StateView:
        """The initial view while no tool ran, else the changed rows (read from the connection) over it."""
        if self._state is None:
            return self.initial
        connection = self._state.connection
        changed = connection.execute("SELECT DISTINCT tbl, key FROM temp._sparring_changes").fetchall()
        layer: Layer = {}
        for name, key in changed:
            rows = layer.setdefault(name, {})
            assert rows is not None
            rows[str(key)] = SqliteTable(connection, name, *_key_columns(self.factory, name)).get(str(key), DELETED)
        return LayeredView(self.initial, layer)

    def digest(self, ignore: Iterable[str] = ()) -> str:
        """sha256 of the state (see the Backend protocol): the file's cached hash and the rows that differ."""
        paths = frozenset(ignore)
        return layered_digest(self.factory.base, self.view(), paths, self.factory.base_digest(paths))

    def close(self) -> None:
        """Roll the conversation's transaction back and close its connection (the file was never opened to write)."""
        if self._state is not None:
            self._state.connection.rollback()
            self._state.connection.close()


def _bindable(value: Any) -> bool:
    """Whether sqlite3 can write `value` to a column: null, text, bytes, a float, an integer of 64 bits, a date."""
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return value is None or isinstance(value, str | float | bytes | date)


def _key_columns(factory: SqliteBackendFactory, name: str) -> tuple[str, list[str]]:
    table = factory.tables[name]
    return table.key, table.columns


def _open_copy(factory: SqliteBackendFactory, overrides: ReadLayer) -> sqlite3.Connection:
    """An in-memory copy of the file in an open transaction: overrides applied, then triggers logging every row
    a tool inserts, updates or deletes."""
    connection = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    connection.deserialize(factory.image)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA recursive_triggers = ON")  # rows an INSERT OR REPLACE removes are logged too
    connection.execute("BEGIN")
    connection.execute("CREATE TEMP TABLE _sparring_changes (tbl TEXT, key)")
    connection.execute("PRAGMA defer_foreign_keys = ON")  # overrides were checked at load, in any order
    for name, rows in overrides.items():
        table = factory.tables[name]
        for record_id, row in (rows or {}).items():
            _write_row(connection, table, record_id, row)
    connection.execute("PRAGMA defer_foreign_keys = OFF")
    for name, table in factory.tables.items():
        for event, refs in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"])):
            trigger = _quote(f"_sparring_{event.lower()}_{name}")
            logged = ", ".join(f"({_literal(name)}, {ref}.{_quote(table.key)})" for ref in refs)
            connection.execute(
                f"CREATE TEMP TRIGGER {trigger} AFTER {event} ON main.{_quote(name)} BEGIN "
                f"INSERT INTO _sparring_changes VALUES {logged}; END"
            )
    return connection


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write_row(connection: sqlite3.Connection, table: SqliteTable, record_id: str, row: Any) -> None:
    """An override row: deleted, or written whole (INSERT OR REPLACE of the merged row)."""
    where = f"WHERE {_quote(table.key)} = ?"
    if row is DELETED:
        connection.execute(f"DELETE FROM {_quote(table.name)} {where}", (record_id,))
        return
    columns = ", ".join(map(_quote, row))
    marks = ", ".join("?" * len(row))
    connection.execute(f"INSERT OR REPLACE INTO {_quote(table.name)} ({columns}) VALUES ({marks})", list(row.values()))
