"""The mock backend: the Backend protocol, its snapshot ⊕ overrides implementation (copy-on-write state the
chatbot's `@tool` functions read and change) and its SQLite-file implementation; beside any backend, a suite's
knowledge base and its built-in retrieval tool (`knowledge`)."""

from typing import TYPE_CHECKING

from sparring.backend.facts import fact_key, missing_fact_ids
from sparring.backend.overlay import LayeredView, WritableState, added_records, diff_views, end_state
from sparring.backend.protocol import Backend, BackendFactory, StateView
from sparring.backend.snapshot import Snapshot, build_state, canonical_digest
from sparring.backend.sqlite import SqliteBackend, SqliteBackendFactory, SqliteState, SqliteTable
from sparring.backend.state import BackendDataError, check_references, deep_merge, resolve_time
from sparring.backend.tools import (
    BackendState,
    SnapshotBackend,
    SnapshotBackendFactory,
    Tool,
    ToolError,
    collect_tools,
    make_tool,
    tool,
)
from sparring.exports import lazy_attributes

if TYPE_CHECKING:
    from sparring.backend.dual import DualBackendFactory as DualBackendFactory
    from sparring.backend.knowledge import KnowledgeBackendFactory as KnowledgeBackendFactory
    from sparring.backend.knowledge import KnowledgeBase as KnowledgeBase
    from sparring.backend.knowledge import KnowledgeError as KnowledgeError
    from sparring.backend.knowledge import RetrievalTool as RetrievalTool
    from sparring.backend.knowledge import document_files as document_files
    from sparring.backend.knowledge import read_documents as read_documents

__all__ = [
    "Backend",
    "BackendDataError",
    "BackendFactory",
    "BackendState",
    "DualBackendFactory",
    "KnowledgeBackendFactory",
    "KnowledgeBase",
    "KnowledgeError",
    "LayeredView",
    "RetrievalTool",
    "Snapshot",
    "SnapshotBackend",
    "SnapshotBackendFactory",
    "SqliteBackend",
    "SqliteBackendFactory",
    "SqliteState",
    "SqliteTable",
    "StateView",
    "Tool",
    "ToolError",
    "WritableState",
    "added_records",
    "build_state",
    "canonical_digest",
    "check_references",
    "collect_tools",
    "deep_merge",
    "diff_views",
    "document_files",
    "end_state",
    "fact_key",
    "make_tool",
    "missing_fact_ids",
    "read_documents",
    "resolve_time",
    "tool",
]

__getattr__, __dir__ = lazy_attributes(__name__, __file__)
