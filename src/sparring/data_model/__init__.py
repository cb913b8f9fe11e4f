"""Typed hand-overs between pipeline stages: scenarios → conversations → verdicts → runs."""

from typing import TYPE_CHECKING

from sparring.data_model.calibration import Calibration
from sparring.data_model.conversation import (
    AgentTurn,
    Conversation,
    CustomerAnalysis,
    CustomerAnalysisAnswer,
    CustomerTurn,
    EndReason,
    ErrorKind,
    StateDiff,
    ToolCallRecord,
    Turn,
)
from sparring.data_model.label import Label, split_of
from sparring.data_model.messages import UNPARSED, Message, ToolCall, ToolSpec
from sparring.data_model.run import CallStats, ModelSettings, Run, RunStatus, TokenUsage
from sparring.data_model.scenario import (
    ExpectedAction,
    ExpectedActions,
    Fact,
    GivenToolCall,
    OpeningTurn,
    Persona,
    Scenario,
)
from sparring.data_model.text import unstorable_character
from sparring.data_model.verdict import LEGACY_CHECK_PREFIX, JudgeSample, Outcome, Verdict
from sparring.data_model.version import SCHEMA_VERSION
from sparring.exports import lazy_attributes

if TYPE_CHECKING:
    from sparring.data_model.topic import content_words as content_words
    from sparring.data_model.topic import identifiers as identifiers
    from sparring.data_model.topic import scenario_text as scenario_text
    from sparring.data_model.topic import topic_evidence as topic_evidence

__all__ = [
    "AgentTurn",
    "Calibration",
    "CallStats",
    "Conversation",
    "CustomerAnalysis",
    "CustomerAnalysisAnswer",
    "CustomerTurn",
    "EndReason",
    "ErrorKind",
    "ExpectedAction",
    "ExpectedActions",
    "Fact",
    "GivenToolCall",
    "JudgeSample",
    "LEGACY_CHECK_PREFIX",
    "Label",
    "Message",
    "OpeningTurn",
    "ModelSettings",
    "Outcome",
    "Persona",
    "Run",
    "RunStatus",
    "SCHEMA_VERSION",
    "Scenario",
    "StateDiff",
    "TokenUsage",
    "ToolCall",
    "ToolCallRecord",
    "ToolSpec",
    "Turn",
    "UNPARSED",
    "Verdict",
    "content_words",
    "identifiers",
    "scenario_text",
    "split_of",
    "topic_evidence",
    "unstorable_character",
]

__getattr__, __dir__ = lazy_attributes(__name__, __file__)
