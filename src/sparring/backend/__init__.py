"""The mock backend: a JSON-like state the chatbot's tools read and change."""

from sparring.backend.facts import fact_key, missing_fact_ids
from sparring.backend.state import BackendDataError, build_state, check_references, deep_merge
from sparring.backend.tools import Backend, BackendState, Tool, ToolError, collect_tools, make_tool, tool

__all__ = [
    "Backend",
    "BackendDataError",
    "BackendState",
    "Tool",
    "ToolError",
    "build_state",
    "check_references",
    "collect_tools",
    "deep_merge",
    "fact_key",
    "make_tool",
    "missing_fact_ids",
    "tool",
]
