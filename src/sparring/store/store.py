"""The store: the only state shared between commands. SQLite (WAL) by default, any SQLAlchemy URL otherwise.

Each finished conversation is committed with its verdicts in one transaction, so an interrupted
(even SIGKILLed) run leaves only whole conversations behind and can be resumed. The store is one facade over
its parts, each owning one aggregate: run records, report queries, labels and calibrations, the model cache.
"""

from __future__ import annotations

from sparring.store.base import database_url
from sparring.store.cache import CacheRecords
from sparring.store.documents import ReportDocuments
from sparring.store.labels import LabelRecords
from sparring.store.leases import LeaseRecords
from sparring.store.queries import ReportQueries
from sparring.store.records import RunRecords


class Store(RunRecords, ReportQueries, LabelRecords, CacheRecords, LeaseRecords, ReportDocuments):
    """One database: runs, conversations, verdicts, labels, calibrations and the model cache."""

    @classmethod
    def open(cls, db: str | None = None, migrate: bool = True) -> Store:
        """The store at `--db` (a SQLAlchemy URL or a SQLite file; default .sparring/sparring.db)."""
        return cls(database_url(db), migrate)

    def close(self) -> None:
        """Release the cache reader and every pooled connection."""
        if self._cache_reader is not None:
            self._cache_reader.close()
            self._cache_reader = None
        self.engine.dispose()
