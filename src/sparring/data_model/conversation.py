"""A simulated conversation: ordered customer and agent turns, tool calls, and the final backend state."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from sparring.data_model.messages import ToolCall
from sparring.data_model.run import TokenUsage
from sparring.data_model.version import SCHEMA_VERSION


class CustomerAnalysis(BaseModel):
    """What the simulated customer concluded about the agent's last turn before writing its next message."""

    notes: str = ""
    issue_addressed: bool = False
    progressing: bool = True
    needs_to_provide_info: bool = False
    going_in_circles: bool = False
    frustration: int = Field(0, ge=0, le=10)


class CustomerAnalysisAnswer(CustomerAnalysis):
    """A CustomerAnalysis as the simulator's model writes it: its notes bounded, so the answer's grammar and token
    budget are finite (stored analyses keep the looser CustomerAnalysis)."""

    notes: str = Field("", max_length=200)


class ToolCallRecord(BaseModel):
    """One tool call made on the mock backend (by the agent, or by the customer on its own side), with what the
    backend answered."""

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: Any = None
    error: str | None = None


class CustomerTurn(BaseModel):
    """What the (simulated or real) customer wrote, with the simulator's analysis and intent behind it."""

    role: Literal["customer"] = "customer"
    content: str
    analysis: CustomerAnalysis | None = None
    intent: str = Field("", description="the escalation policy's decision for this turn, e.g. ask_for_human")
    directive: str = Field("", description="what the simulator was told to do this turn")
    tool_calls: list[ToolCallRecord] = Field(
        default_factory=list, description="the customer's own tool calls (on its side) before writing this turn"
    )


class AgentTurn(BaseModel):
    """The chatbot's reply, and every tool call it made on the mock backend before writing it."""

    role: Literal["agent"] = "agent"
    content: str
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    given: bool = Field(False, description="a turn the scenario's opening gave (history), not the chatbot's")
    # A deployed bot's own account of the tool calls it made (its chat API's report), kept apart from `tool_calls`,
    # the backend's record, which checks read.
    reported_tool_calls: list[ToolCall] = Field(default_factory=list)


Turn = Annotated[CustomerTurn | AgentTurn, Field(discriminator="role")]


class EndReason(StrEnum):
    """Why a conversation ended: the customer was satisfied, gave up or was handed to a human, it ran out of
    turns, or it errored (see `Conversation.error_kind` for whose fault)."""

    RESOLVED = "resolved"
    GAVE_UP = "gave_up"
    ESCALATED = "escalated"
    MAX_TURNS = "max_turns"
    ERROR = "error"


class ErrorKind(StrEnum):
    """Why a conversation errored: whose fault it was decides whether a resume tries it again."""

    MODEL_FAULT = "model_fault"  # a simulator, judge or reference-agent model server failed after its retries
    CHATBOT_ERROR = "chatbot_error"  # the chatbot under test raised or answered garbage (HTTP 5xx, an exception)
    BACKEND_ERROR = "backend_error"  # a suite tool crashed
    OTHER = "other"


class StateDiff(BaseModel):
    """What a conversation changed in its backend, relative to the scenario's initial state (snapshot ⊕
    overrides): records created and updated (whole, as they ended) and ids deleted, per collection."""

    created: dict[str, dict[str, Any]] = Field(default_factory=dict)
    updated: dict[str, dict[str, Any]] = Field(default_factory=dict)
    deleted: dict[str, list[str]] = Field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when the conversation changed nothing."""
        return not (self.created or self.updated or self.deleted)


class Conversation(BaseModel):
    """One trial of one scenario: its turns in order, how it ended, what it changed in the backend (a diff over
    the snapshot it names by digest) and the tokens it cost. Its id is `RUN:SCENARIO:TRIAL`."""

    schema_version: int = SCHEMA_VERSION
    id: str
    run_id: str
    scenario_id: str
    trial: int = 0
    turns: list[Turn] = Field(default_factory=list)
    end_reason: EndReason | None = None
    final_analysis: CustomerAnalysis | None = Field(
        None, description="the customer's assessment that ended the conversation"
    )
    error: str | None = None
    error_kind: ErrorKind | None = None
    state_diff: StateDiff = Field(
        default_factory=StateDiff, description="what the conversation changed in the scenario's backend state"
    )
    snapshot_digest: str | None = Field(None, description="sha256 of the backend snapshot the conversation began on")
    final_state: dict[str, Any] | None = Field(
        None, description="the whole end state, as stores written before diffs kept it; None in new conversations"
    )
    customer_state: dict[str, Any] | None = Field(
        None, description="the customer's own state at the end (a suite with customer tools); None without one"
    )
    usage: dict[str, TokenUsage] = Field(
        default_factory=dict, description="tokens per role, earlier errored attempts of this conversation included"
    )
    duration_s: float = 0.0

    def tool_calls(self) -> list[ToolCallRecord]:
        """Every tool call of the agent's turns, in order, the given opening's included (as τ²'s evaluator counts a
        task's message history; `AgentTurn.given` tells them apart); the customer's own: `customer_tool_calls`."""
        return [call for turn in self.turns if isinstance(turn, AgentTurn) for call in turn.tool_calls]

    def customer_tool_calls(self) -> list[ToolCallRecord]:
        """Every tool call the customer made on its own side, in order."""
        return [call for turn in self.turns if isinstance(turn, CustomerTurn) for call in turn.tool_calls]

    def agent_turns(self) -> list[AgentTurn]:
        """The chatbot's turns, in order."""
        return [t for t in self.turns if isinstance(t, AgentTurn)]

    def customer_turns(self) -> list[CustomerTurn]:
        """The customer's turns, in order."""
        return [t for t in self.turns if isinstance(t, CustomerTurn)]
