"""Runs, conversations and verdicts in a database."""

from sparring.store.base import DEFAULT_DB_PATH, NotFound, StoreError, database_url
from sparring.store.store import Store

__all__ = ["DEFAULT_DB_PATH", "NotFound", "Store", "StoreError", "database_url"]
