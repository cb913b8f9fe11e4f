"""The mock backend: the Backend protocol, its snapshot ⊕ overrides implementation (copy-on-write state the
chatbot's `@tool` functions read and change) and its SQLite-file implementation; beside any backend, a suite's
knowledge base and its built-in retrieval tool (`knowledge`)."""

from sparring.backend.facts import fact_key, missing_fact_ids
from sparring.backend.overlay import LayeredView, WritableState
from sparring.backend.protocol import Backend, BackendFactory, StateView
from sparring.backend.snapshot import Snapshot, build_state
from sparring.backend.sqlite import SqliteBackend, SqliteBackendFactory, SqliteState, SqliteTable
from sparring.backend.state import BackendDataError, check_references, deep_merge
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

__all__ = [
    "Backend",
    "BackendDataError",
    "BackendFactory",
    "BackendState",
    "LayeredView",
    "Snapshot",
    "SqliteBackend",
    "SqliteBackendFactory",
    "SqliteState",
    "SqliteTable",
    "SnapshotBackend",
    "SnapshotBackendFactory",
    "StateView",
    "Tool",
    "ToolError",
    "WritableState",
    "build_state",
    "check_references",
    "collect_tools",
    "deep_merge",
    "fact_key",
    "make_tool",
    "missing_fact_ids",
    "tool",
]
