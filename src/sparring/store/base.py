"""The store's foundation: the database URL, the engine with SQLite's pragmas, sessions, the schema check."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import sessionmaker

from sparring.data_model import unstorable_character
from sparring.output_paths import OutputPathError, check_output_file
from sparring.store import migrations
from sparring.store.migrations import SchemaError

DEFAULT_DB_PATH = Path(".sparring") / "sparring.db"


class NotFound(LookupError):
    """No run, conversation or other record matches what was asked for: the one not-found error of the store."""


StoreError = SchemaError


class UnstorableText(StoreError, ValueError):
    """A text value with a NUL character (U+0000), which PostgreSQL cannot store and SQLite would, or a lone
    surrogate, which neither can encode (see `sparring.data_model.text`): both refuse it alike, before anything is
    written; the message names the table and column."""


def check_storable(table: str, row: Mapping[str, Any]) -> None:
    """Refuse (UnstorableText) a row whose text columns hold an unstorable character; JSON documents escape it and
    are stored as they are."""
    for column, value in sorted(row.items()):  # the first bad column by name, whatever the row's order
        problem = unstorable_character(value) if isinstance(value, str) else None
        if problem:
            shown = value.replace("\x00", "\\0")
            raise UnstorableText(f"{table}.{column} {shown!r}: contains {problem}, which the database cannot store")


def database_url(db: str | None) -> str:
    """A SQLAlchemy URL from `--db`: a URL as given, or a file path for SQLite. A missing parent folder is
    created; a path that cannot hold the database (a folder, under a file, unwritable) is a StoreError
    before anything is created."""
    if db and "://" in db:
        return db
    path = (Path(db) if db else DEFAULT_DB_PATH).resolve()  # absolute: workers may run elsewhere
    try:
        check_output_file(path, "--db")
    except OutputPathError as exc:
        raise StoreError(str(exc)) from exc
    return f"sqlite:///{path}"


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # switching a new file to WAL waits for other openers as long as a schema change may take (a no-op, with no
        # lock, once the file is in WAL); every later statement waits up to 10 s
        cursor.execute(f"PRAGMA busy_timeout={migrations.LOCK_WAIT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


class StoreBase:
    """The engine and session factory the store's parts share."""

    def __init__(self, url: str, migrate: bool = True) -> None:
        """`migrate`: upgrade the schema to the newest revision (workers sharing an upgraded database pass
        False and only check it)."""
        self.url = url
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_pragmas(self.engine)
        try:
            if migrate:
                migrations.upgrade(self.engine)
            else:
                migrations.require_head(self.engine)
        except DatabaseError as exc:
            where = self.engine.url.render_as_string(hide_password=True)
            raise StoreError(f"cannot open the database {where}: {' '.join(str(exc.orig).split())}") from exc
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        marker = {"qmark": "?", "format": "%s", "numeric": ":1"}.get(self.engine.dialect.paramstyle, "%s")
        self._cache_sql = f"SELECT response FROM model_cache WHERE key = {marker}"
        self._pending_cache: dict[str, dict[str, Any]] = {}
        self._pending_lock = threading.Lock()  # conversations are committed from a worker thread
        self._cache_reader: Connection | None = None

    def _write_pending_cache(self, connection: Connection) -> None:
        """Hook for the model cache (CacheRecords): pending answers are written in the caller's transaction."""
