"""Sparring: test a customer-support chatbot offline against simulated customers, with binary evaluations.

The public API. Data flows: scenarios → conversations → verdicts → reports.
"""

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
]
