"""The model-answer cache (see sparring.models.cache)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects import postgresql as postgresql_dml
from sqlalchemy.dialects import sqlite as sqlite_dml

from sparring.store.base import StoreBase
from sparring.store.tables import CacheRow


class CacheRecords(StoreBase):
    """Model answers by request key. This runs once per model call, so: Core statements, and new entries
    wait in memory to be written with the next conversation (one commit, not one each)."""

    def cached_response(self, key: str) -> dict[str, Any] | None:
        with self._pending_lock:
            pending = self._pending_cache.get(key)
        if pending is not None:
            return pending["response"]
        if self._cache_reader is None:  # one connection kept for lookups (made from the event loop only)
            self._cache_reader = self.engine.connect()
        # The driver's own SQL: this lookup runs once per model call, and compiling it cost more than the read.
        value = self._cache_reader.exec_driver_sql(self._cache_sql, (key,)).scalar()
        self._cache_reader.rollback()  # end the read transaction so later commits stay visible
        if isinstance(value, str | bytes):
            value = json.loads(value)
        return value if isinstance(value, dict) else None

    def cache_response(self, key: str, model: str, response: dict[str, Any]) -> None:
        with self._pending_lock:
            self._pending_cache[key] = {"key": key, "model": model, "response": response}

    def flush_cache(self) -> None:
        with self.engine.begin() as connection:
            self._write_pending_cache(connection)

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
