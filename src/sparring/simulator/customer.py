"""What a customer is to Sparring, beside the `Agent` protocol of the chatbot: it opens the conversation, then
answers each agent turn with a message or ends the conversation, calling its own tools first when the suite gives
it some (`CustomerTools`: they are passed to every move). The LLM simulator, a scripted customer and a replayed
transcript are its implementations; the runner knows only this protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sparring.data_model import CustomerAnalysis, CustomerTurn, Turn
from sparring.simulator.customer_tools import CustomerTools
from sparring.simulator.escalation import Action


@dataclass
class CustomerStep:
    """What the customer does after an agent turn: a message, or (`message` None) the end of the conversation,
    with the action that ended it and the customer's analysis of the agent's last turn when it has one."""

    action: Action
    analysis: CustomerAnalysis | None
    message: CustomerTurn | None


class Customer(Protocol):
    """The customer side of a conversation."""

    async def open(self, tools: CustomerTools | None = None) -> CustomerTurn:
        """The customer's first message (after its own tool calls on `tools`, recorded on the turn)."""
        ...

    async def step(self, turns: list[Turn], agent_handed_off: bool, tools: CustomerTools | None = None) -> CustomerStep:
        """React to the agent's last turn (the last element of `turns`); `agent_handed_off` when that turn
        handed the conversation to a human. `tools`: the customer's own tools, when the suite gives it some."""
        ...
