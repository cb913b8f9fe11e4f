"""Typed hand-overs between pipeline stages: scenarios → conversations → verdicts → runs."""

from sparring.data_model.calibration import Calibration
from sparring.data_model.conversation import (
    AgentTurn,
    Conversation,
    CustomerAnalysis,
    CustomerTurn,
    EndReason,
    ToolCallRecord,
    Turn,
)
from sparring.data_model.label import Label, split_of
from sparring.data_model.messages import Message, ToolCall, ToolSpec
from sparring.data_model.run import CallStats, ModelSettings, Run, RunStatus, TokenUsage
from sparring.data_model.scenario import Fact, Persona, Scenario
from sparring.data_model.verdict import JudgeSample, Outcome, Verdict
from sparring.data_model.version import SCHEMA_VERSION

__all__ = [
    "split_of",
    "SCHEMA_VERSION",
    "AgentTurn",
    "Calibration",
    "CallStats",
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
    "JudgeSample",
    "Label",
    "Verdict",
]
