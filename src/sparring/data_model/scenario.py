"""A scenario: one simulated customer — who they are, what happened, what they want.

Every model here is strict: an unknown key (a typo such as `desired_outcom`) is an error, never dropped."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sparring.data_model.conversation import AgentTurn, CustomerTurn, ToolCallRecord, Turn


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Persona(_Strict):
    """How the customer behaves. `patience` is the number of unhelpful agent turns tolerated."""

    traits: list[str] = Field(default_factory=list, description="e.g. frustrated, demanding, terse")
    style: str = Field("", description="how they write: typos, short messages, formal ...")
    patience: int = Field(3, ge=1, le=10)


class Fact(_Strict):
    """Something the customer knows. Facts with reveal=when_asked are given only if the agent asks."""

    key: str
    value: str
    reveal: Literal["upfront", "when_asked"] = "when_asked"


class ExpectedAction(_Strict):
    """One tool call a correct run makes. `match: exact` wants the call's arguments equal to `arguments`;
    `match: subset` wants only the listed arguments to have these values (others are ignored)."""

    tool: str = Field(..., min_length=1)
    arguments: dict[str, Any] = Field(default_factory=dict)
    match: Literal["exact", "subset"] = "exact"


class ExpectedActions(_Strict):
    """The tool calls a correct run makes; `ordered` when they must happen in this order (other calls may come
    between them)."""

    actions: list[ExpectedAction] = Field(..., min_length=1)
    ordered: bool = False


class ExpectedState(_Strict):
    """What the backend must look like at the end: the listed `records` (collection -> record id -> fields that
    must have these values; `null` for a record that must not exist), or `replay_expected_actions`: the state that
    replaying the scenario's expected actions on a fresh backend produces, compared by a stable hash. `ignore`
    lists volatile fields left out of the comparison, as `collection.field[.subfield]` paths applying to every
    record of the collection (`*` for any collection): `refunds.issued_at`, `*.updated_at`."""

    records: dict[str, dict[str, dict[str, Any] | None]] = Field(default_factory=dict)
    replay_expected_actions: bool = False
    ignore: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self) -> ExpectedState:
        if bool(self.records) == self.replay_expected_actions:
            raise ValueError("give either records or replay_expected_actions: true, not both or neither")
        return self


class GivenToolCall(_Strict):
    """One tool call of a given turn, in the transcript's shape: the tool, its arguments, and what it answered —
    `result`, or `error` for a refusal (one of them, as given). At the conversation's start the call is made again
    (an agent's on the scenario's backend, a customer's on its own side), which must answer the same, so the state
    follows the history."""

    id: str = Field("", description="pairs the call with its answer; given-T-C (turn T, call C) when left out")
    name: str = Field(..., min_length=1, description="the tool called")
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: Any = Field(None, description="what the tool answered (JSON)")
    error: str | None = Field(None, description="the backend's refusal, instead of a result")

    @model_validator(mode="after")
    def _answered(self) -> GivenToolCall:
        answers = {"result", "error"} & self.model_fields_set
        if len(answers) != 1 or (self.error is None and "error" in answers):
            raise ValueError("give the call's answer: either result or error, not both or neither")
        return self


class OpeningTurn(_Strict):
    """One given turn the conversation starts with (it starts mid-way): who said it and what, and the tool calls
    they made before it, with their answers (the agent's on the backend, the customer's own with customer tools)."""

    role: Literal["customer", "agent"]
    content: str = Field("", description="the message; a turn with tool calls may leave it empty")
    tool_calls: list[GivenToolCall] = Field(
        default_factory=list,
        description="tool calls made before the message: the agent's on the backend, the customer's on its own "
        "side (customer tools)",
    )

    @model_validator(mode="after")
    def _said_something(self) -> OpeningTurn:
        if not self.content.strip() and not self.tool_calls:
            raise ValueError("a given turn says something (content) or makes tool calls")
        return self

    def records(self, turn_index: int) -> list[ToolCallRecord]:
        """The turn's tool calls as transcript records (ids given-T-C where none is given)."""
        return [
            ToolCallRecord(
                id=call.id or f"given-{turn_index + 1}-{index + 1}",
                name=call.name,
                arguments=call.arguments,
                result=call.result,
                error=call.error,
            )
            for index, call in enumerate(self.tool_calls)
        ]


class Scenario(_Strict):
    """One simulated customer: persona, situation, desired outcome, what they know, the backend data."""

    id: str
    title: str = ""
    persona: Persona = Field(default_factory=Persona)
    situation: str = Field(..., min_length=1, description="narrative of what happened, in the customer's view")
    desired_outcome: str = Field(..., min_length=1)
    known_facts: list[Fact] = Field(default_factory=list)
    unknown_facts: list[str] = Field(
        default_factory=list, description="things the customer does not know and must not invent"
    )
    tags: list[str] = Field(default_factory=list)
    backend_overrides: dict[str, Any] = Field(default_factory=dict)
    customer_overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="deep-merged into the suite's customer_state for this scenario (customer tools), e.g. "
        "{device: {phone: {airplane_mode: true}}}",
    )
    source: str = Field("hand-written", description="where the scenario came from, e.g. a transcript id")
    expected_actions: ExpectedActions | None = Field(None, description="tool calls a correct run makes")
    expected_state: ExpectedState | None = Field(None, description="what the backend must look like at the end")
    must_communicate: list[str] = Field(default_factory=list, description="facts the agent must tell the customer")
    assertions: list[str] = Field(default_factory=list, description="criteria for the judge, in plain words")
    customer_rules: list[str] = Field(
        default_factory=list, description="conditional instructions: 'if the agent offers a voucher, refuse it'"
    )
    opening: list[OpeningTurn] = Field(
        default_factory=list,
        description="given first turns (a conversation history, the agent's tool calls with their answers included): "
        "the chatbot sees them as its history and the simulated customer goes on from them; after a customer's turn "
        "the chatbot answers first, after an agent's the customer does",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        replay = self.expected_state is not None and self.expected_state.replay_expected_actions
        if replay and self.expected_actions is None:
            raise ValueError("expected_state.replay_expected_actions needs expected_actions")
        return self

    def facts_upfront(self) -> list[Fact]:
        """Facts the customer gives in the opening message."""
        return [f for f in self.known_facts if f.reveal == "upfront"]

    def facts_when_asked(self) -> list[Fact]:
        """Facts the customer gives only when the agent asks."""
        return [f for f in self.known_facts if f.reveal == "when_asked"]

    def opening_turns(self) -> list[Turn]:
        """The given opening as conversation turns, marked as given (customer turns `intent="given"`, agent turns
        `given=True`), their tool calls recorded with the answers the scenario gives."""
        return [
            CustomerTurn(content=t.content, intent="given", tool_calls=t.records(index))
            if t.role == "customer"
            else AgentTurn(content=t.content, tool_calls=t.records(index), given=True)
            for index, t in enumerate(self.opening)
        ]

    def given_tool_calls(self) -> list[ToolCallRecord]:
        """Every tool call of the opening's turns (the agent's and the customer's own), in order."""
        return [record for index, turn in enumerate(self.opening) for record in turn.records(index)]
