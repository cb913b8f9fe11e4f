"""Customers without a model: a fixed list of messages, or the customer turns of a recorded conversation."""

from __future__ import annotations

from collections.abc import Sequence

from sparring.data_model import Conversation, CustomerTurn, EndReason, Turn
from sparring.simulator.customer import CustomerStep
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

    async def open(self) -> CustomerTurn:
        """The first recorded customer turn."""
        return self._next()

    async def step(self, turns: list[Turn], agent_handed_off: bool) -> CustomerStep:
        """The next recorded customer turn, or the end once they are all said (or the agent handed off)."""
        if agent_handed_off:
            return CustomerStep(Action.END_ESCALATED, None, None)
        if self.said >= len(self.turns):
            return CustomerStep(self.end, None, None)
        return CustomerStep(Action.CONTINUE, None, self._next())

    def _next(self) -> CustomerTurn:
        turn = self.turns[self.said].model_copy(deep=True)
        self.said += 1
        return turn


class ScriptedCustomer(ReplayedCustomer):
    """A `Customer` that sends a fixed list of messages (the first opens), then ends the conversation with
    `end`: the customer of a regression test that must say exactly these words."""

    def __init__(self, messages: Sequence[str], end: Action = Action.END_RESOLVED) -> None:
        super().__init__([CustomerTurn(content=m, intent="scripted") for m in messages], end)
