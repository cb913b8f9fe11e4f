"""Runs, conversations and verdicts in a database."""

from sparring.store.base import DEFAULT_DB_PATH, NotFound, StoreError, UnstorableText, database_url
from sparring.store.leases import RunLeased
from sparring.store.records import DeletedRun
from sparring.store.store import Store
from sparring.store.tables import CalibrationRow, ConversationRow, DiscoveryReportRow, LabelRow, RunRow, VerdictRow

__all__ = [
    "CalibrationRow",
    "ConversationRow",
    "DEFAULT_DB_PATH",
    "DeletedRun",
    "DiscoveryReportRow",
    "LabelRow",
    "NotFound",
    "RunLeased",
    "RunRow",
    "Store",
    "StoreError",
    "UnstorableText",
    "VerdictRow",
    "database_url",
]
