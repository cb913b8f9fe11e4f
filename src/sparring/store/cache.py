"""The model-answer cache (see sparring.models.cache)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects import postgresql as postgresql_dml
from sqlalchemy.dialects import sqlite as sqlite_dml

from sparring.store.base import StoreBase, check_storable
from sparring.store.tables import CacheRow


class CacheRecords(StoreBase):
    """Model answers by request key. This runs once per model call, so: an in-memory index of the stored keys
    (a known miss costs no database read), Core statements, and new entries wait in memory to be written with
    the next conversation (one commit, not one each).

    The index is read once, at the first lookup: answers another process stores later are not seen by this
    one (a duplicate model call at worst, never a wrong answer: a hit is always read from the database)."""

    _cache_index: set[int] | None = None

    def cached_response(self, key: str) -> dict[str, Any] | None:
        """The stored answer for `key`, or None."""
        with self._pending_lock:
            pending = self._pending_cache.get(key)
        if pending is not None:
            return pending["response"]
        if hash(key) not in self._known_keys():
            return None
        return self._read_cached(key)

    def cache_response(self, key: str, model: str, response: dict[str, Any]) -> None:
        """Keep an answer, written to the database with the next commit (or `flush_cache`)."""
        check_storable("model_cache", {"key": key, "model": model})
        self._known_keys().add(hash(key))
        with self._pending_lock:
            self._pending_cache[key] = {"key": key, "model": model, "response": response}

    def flush_cache(self) -> None:
        """Write the answers still waiting in memory."""
        with self.engine.begin() as connection:
            self._write_pending_cache(connection)

    def _known_keys(self) -> set[int]:
        if self._cache_index is None:
            with self.engine.connect() as connection:
                keys = connection.exec_driver_sql("SELECT key FROM model_cache").scalars()
                self._cache_index = {hash(key) for key in keys}  # hashes: 36 bytes a key, not 113
        return self._cache_index

    def _read_cached(self, key: str) -> dict[str, Any] | None:
        if self._cache_reader is None:  # one connection kept for lookups (made from the event loop only)
            self._cache_reader = self.engine.connect()
        # The driver's own cursor: this read runs once per cached call, and SQLAlchemy's result machinery
        # cost four times the read itself.
        driver = self._cache_reader.connection
        cursor = driver.cursor()
        try:
            cursor.execute(self._cache_sql, (key,))
            row = cursor.fetchone()
        finally:
            cursor.close()
            driver.rollback()  # end the read transaction so later commits stay visible
        value = row[0] if row else None
        if isinstance(value, str | bytes):
            value = json.loads(value)
        return value if isinstance(value, dict) else None

    def _write_pending_cache(self, connection: Connection) -> None:
        with self._pending_lock:
            rows = list(self._pending_cache.values())
            self._pending_cache = {}
        if not rows:
            return
        # Two commits in flight may both carry an answer to the same request: keep the first, quietly.
        dialect = self.engine.dialect.name
        if dialect in ("sqlite", "postgresql"):
            module = sqlite_dml if dialect == "sqlite" else postgresql_dml
            connection.execute(module.insert(CacheRow).on_conflict_do_nothing(index_elements=["key"]), rows)
            return
        known = set(connection.scalars(select(CacheRow.key).where(CacheRow.key.in_([r["key"] for r in rows]))))
        fresh = [r for r in rows if r["key"] not in known]
        if fresh:
            connection.execute(insert(CacheRow), fresh)
