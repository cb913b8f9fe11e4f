"""Runs, conversations and verdicts in a database."""

from sparring.store.store import DEFAULT_DB_PATH, RunNotFound, Store, StoreError, database_url

__all__ = ["DEFAULT_DB_PATH", "RunNotFound", "Store", "StoreError", "database_url"]
