"""Customers without a model: a fixed list of messages, or the customer turns of a recorded conversation. Customer
tool calls (scripted, or recorded on a turn) are made again on the conversation's customer side before the message
that follows them, with fresh answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sparring.data_model import Conversation, CustomerTurn, EndReason, ToolCall, ToolCallRecord, Turn
from sparring.simulator.customer import CustomerStep
from sparring.simulator.customer_tools import CustomerTools, replay_calls
from sparring.simulator.escalation import Action

_ENDING = {
    EndReason.RESOLVED: Action.END_RESOLVED,
    EndReason.GAVE_UP: Action.END_GAVE_UP,
    EndReason.ESCALATED: Action.END_ESCALATED,
}


class ReplayedCustomer:
    """A `Customer` that says the given customer turns in order, whatever the agent answers, then ends the
    conversation with `end`. A hand-off by the agent ends it at once (escalated)."""

    def __init__(self, turns: Sequence[CustomerTurn], end: Action = Action.END_RESOLVED) -> None:
        if not turns:
            raise ValueError("a replayed customer needs at least one customer message")
        if not end.ends:
            raise ValueError(f"{end.value} does not end a conversation: one of end_resolved, end_gave_up, ...")
        self.turns = list(turns)
        self.end = end
        self.said = 0

    @classmethod
    def of(cls, conversation: Conversation) -> ReplayedCustomer:
        """The customer of a recorded (stored or imported) conversation, ending as it ended (resolved when it
        ended otherwise: out of turns, errored, or an imported transcript without an end)."""
        ending = _ENDING.get(conversation.end_reason) if conversation.end_reason else None
        return cls(conversation.customer_turns(), ending or Action.END_RESOLVED)

    async def open(self, tools: CustomerTools | None = None) -> CustomerTurn:
        """The first recorded customer turn (its tool calls made again on `tools`)."""
        return self._next(tools)

    async def step(self, turns: list[Turn], agent_handed_off: bool, tools: CustomerTools | None = None) -> CustomerStep:
        """The next recorded customer turn, or the end once they are all said (or the agent handed off)."""
        if agent_handed_off:
            return CustomerStep(Action.END_ESCALATED, None, None)
        if self.said >= len(self.turns):
            return CustomerStep(self.end, None, None)
        return CustomerStep(Action.CONTINUE, None, self._next(tools))

    def _next(self, tools: CustomerTools | None) -> CustomerTurn:
        turn = self.turns[self.said].model_copy(deep=True)
        turn.tool_calls = replay_calls(tools, turn.tool_calls)
        self.said += 1
        return turn


class ScriptedCustomer(ReplayedCustomer):
    """A `Customer` that sends a fixed list of messages (the first opens), then ends the conversation with
    `end`: the customer of a regression test that must say exactly these words. `calls` maps a message's index
    to the customer tool calls made just before it (e.g. `{1: [ToolCall(id="u1", name="toggle_airplane_mode")]}`)."""

    def __init__(
        self,
        messages: Sequence[str],
        end: Action = Action.END_RESOLVED,
        calls: Mapping[int, Sequence[ToolCall]] | None = None,
    ) -> None:
        planned = calls or {}
        if any(index not in range(len(messages)) for index in planned):
            raise ValueError(f"scripted tool calls {sorted(planned)} name messages beyond the {len(messages)} given")
        super().__init__([_scripted(m, planned.get(i, ())) for i, m in enumerate(messages)], end)


def _scripted(message: str, calls: Sequence[ToolCall]) -> CustomerTurn:
    records = [ToolCallRecord(id=c.id, name=c.name, arguments=c.arguments) for c in calls]
    return CustomerTurn(content=message, intent="scripted", tool_calls=records)
