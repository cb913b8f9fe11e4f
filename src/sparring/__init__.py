"""Sparring: test a customer-support chatbot offline against simulated customers, with binary evaluations.

The public API. Data flows: scenarios → conversations → verdicts → reports. Names are imported on first use
(module `__getattr__`), so `import sparring` and the `sparring` command start fast; every name in `__all__`
is importable as `from sparring import NAME`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparring.agents import AgentTools, ToolLoopAgent
    from sparring.analysis import EvaluationSummary, summarize
    from sparring.backend import Backend, BackendState, ToolError, tool
    from sparring.data_model import (
        AgentTurn,
        Conversation,
        CustomerAnalysis,
        CustomerTurn,
        EndReason,
        Fact,
        Message,
        Outcome,
        Persona,
        Run,
        Scenario,
        ToolCall,
        ToolCallRecord,
        Verdict,
    )
    from sparring.evaluations import CheckContext, CheckResult, check, failed, not_applicable, passed
    from sparring.models import ChatModel, ChatRequest, ChatResponse, ModelPool, ScriptedModel, create_model
    from sparring.runner import RoleOverrides, RunOptions, RunResult, run_suite
    from sparring.store import Store
    from sparring.suite import Suite, SuiteError, load_suite

__version__ = "0.1.0"

_HOMES = {
    "sparring.agents": ("AgentTools", "ToolLoopAgent"),
    "sparring.analysis": ("EvaluationSummary", "summarize"),
    "sparring.backend": ("Backend", "BackendState", "ToolError", "tool"),
    "sparring.data_model": (
        "AgentTurn",
        "Conversation",
        "CustomerAnalysis",
        "CustomerTurn",
        "EndReason",
        "Fact",
        "Message",
        "Outcome",
        "Persona",
        "Run",
        "Scenario",
        "ToolCall",
        "ToolCallRecord",
        "Verdict",
    ),
    "sparring.evaluations": ("CheckContext", "CheckResult", "check", "failed", "not_applicable", "passed"),
    "sparring.models": ("ChatModel", "ChatRequest", "ChatResponse", "ModelPool", "ScriptedModel", "create_model"),
    "sparring.runner": ("RoleOverrides", "RunOptions", "RunResult", "run_suite"),
    "sparring.store": ("Store",),
    "sparring.suite": ("Suite", "SuiteError", "load_suite"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "AgentTools",
    "AgentTurn",
    "Backend",
    "BackendState",
    "ChatModel",
    "ChatRequest",
    "ChatResponse",
    "CheckContext",
    "CheckResult",
    "Conversation",
    "CustomerAnalysis",
    "CustomerTurn",
    "EndReason",
    "EvaluationSummary",
    "Fact",
    "Message",
    "ModelPool",
    "Outcome",
    "Persona",
    "RoleOverrides",
    "Run",
    "RunOptions",
    "RunResult",
    "Scenario",
    "ScriptedModel",
    "Store",
    "Suite",
    "SuiteError",
    "ToolCall",
    "ToolCallRecord",
    "ToolError",
    "ToolLoopAgent",
    "Verdict",
    "check",
    "create_model",
    "failed",
    "load_suite",
    "not_applicable",
    "passed",
    "run_suite",
    "summarize",
    "tool",
]  # each name imported from its home module (_HOMES) on first use


def __getattr__(name: str) -> Any:
    """Imports a public name from its home module on first use (and keeps it, so the next use is free)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'sparring' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names with the module's own, for completion and `help(sparring)`."""
    return sorted(set(globals()) | set(__all__))
