"""One conversation: the simulated customer and the chatbot take turns over one mock backend."""

from __future__ import annotations

from sparring.agents.base import Agent
from sparring.backend import Backend
from sparring.data_model import Conversation, EndReason, Turn
from sparring.simulator import Action, CustomerSimulator

_END_REASONS = {
    Action.END_RESOLVED: EndReason.RESOLVED,
    Action.END_GAVE_UP: EndReason.GAVE_UP,
    Action.END_ESCALATED: EndReason.ESCALATED,
}


async def simulate(
    conversation: Conversation,
    simulator: CustomerSimulator,
    agent: Agent,
    backend: Backend,
    max_turns: int,
    handoff_tools: list[str],
) -> Conversation:
    """Fill `conversation` with turns until the customer ends it, the agent hands off, or max_turns."""
    turns: list[Turn] = [await simulator.open()]
    conversation.turns = turns
    while True:
        agent_turn = await agent.respond(turns, backend)
        turns.append(agent_turn)
        handed_off = any(c.name in handoff_tools and c.error is None for c in agent_turn.tool_calls)
        if not handed_off and len(conversation.customer_turns()) >= max_turns:
            conversation.end_reason = EndReason.MAX_TURNS
            break
        step = await simulator.step(turns, agent_handed_off=handed_off)
        if step.message is None:
            conversation.end_reason = _END_REASONS[step.action]
            conversation.final_analysis = step.analysis
            break
        turns.append(step.message)
    conversation.final_state = backend.state.data
    return conversation
