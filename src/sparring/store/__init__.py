"""Runs, conversations and verdicts in a database."""

from sparring.store.base import DEFAULT_DB_PATH, NotFound, StoreError, UnstorableText, database_url
from sparring.store.leases import RunLeased
from sparring.store.records import DeletedRun
from sparring.store.store import Store

__all__ = [
    "DEFAULT_DB_PATH",
    "DeletedRun",
    "NotFound",
    "RunLeased",
    "Store",
    "StoreError",
    "UnstorableText",
    "database_url",
]
