"""Typed hand-overs between pipeline stages: scenarios → conversations → verdicts → runs."""

from sparring.data_model.conversation import (
    AgentTurn,
    Conversation,
    CustomerAnalysis,
    CustomerTurn,
    EndReason,
    ToolCallRecord,
    Turn,
)
from sparring.data_model.messages import Message, ToolCall, ToolSpec
from sparring.data_model.run import ModelSettings, Run, RunStatus, TokenUsage
from sparring.data_model.scenario import Fact, Persona, Scenario
from sparring.data_model.verdict import Outcome, Verdict

SCHEMA_VERSION = 1

__all__ = [
    "SCHEMA_VERSION",
    "AgentTurn",
    "Conversation",
    "CustomerAnalysis",
    "CustomerTurn",
    "EndReason",
    "Fact",
    "Message",
    "ModelSettings",
    "Outcome",
    "Persona",
    "Run",
    "RunStatus",
    "Scenario",
    "TokenUsage",
    "ToolCall",
    "ToolCallRecord",
    "ToolSpec",
    "Turn",
    "Verdict",
]
