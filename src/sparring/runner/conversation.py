"""One conversation: the simulated customer and the chatbot take turns over one mock backend.

A failure is attributed to whoever caused it (the model server, the chatbot under test, a suite tool),
so a resume knows which errored conversations are worth trying again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from typing import TypeVar

from sparring.agents import Agent
from sparring.backend import Backend, StateView
from sparring.data_model import AgentTurn, Conversation, EndReason, ErrorKind, ToolCall, ToolCallRecord, ToolSpec, Turn
from sparring.models import ModelError, ModelUnreachable
from sparring.simulator import Action, Customer, customer_tools_of

_END_REASONS = {
    Action.END_RESOLVED: EndReason.RESOLVED,
    Action.END_GAVE_UP: EndReason.GAVE_UP,
    Action.END_ESCALATED: EndReason.ESCALATED,
}

T = TypeVar("T")


class ConversationFailed(Exception):
    """A conversation could not go on; `kind` says whose fault it was, `cause` what happened."""

    def __init__(self, kind: ErrorKind, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.kind = kind
        self.cause = cause


class BackendCrash(RuntimeError):
    """A suite tool raised something other than a ToolError (a refusal the agent is shown): a bug in the suite."""


class GuardedBackend:
    """A conversation's backend, with a crashing tool reported as the suite's fault rather than the chatbot's."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner

    def specs(self) -> list[ToolSpec]:
        """The inner backend's tools."""
        return self.inner.specs()

    def execute(self, call: ToolCall) -> ToolCallRecord:
        """Run the tool; a crash becomes a BackendCrash naming the tool."""
        try:
            return self.inner.execute(call)
        except Exception as exc:
            raise BackendCrash(f"tool {call.name} crashed: {type(exc).__name__}: {exc}") from exc

    def view(self) -> StateView:
        """The inner backend's state."""
        return self.inner.view()

    def digest(self, ignore: Iterable[str] = ()) -> str:
        """The inner backend's digest."""
        return self.inner.digest(ignore)


async def _attributed(step: Awaitable[T], fault_of: ErrorKind) -> T:
    """Await one side's move; its failure becomes ConversationFailed. A model server failing after its retries is
    a model fault on the customer's side and, for the reference agent, on the agent's; an unreachable endpoint
    still stops the whole run."""
    try:
        return await step
    except ModelUnreachable:
        raise
    except BackendCrash as exc:
        raise ConversationFailed(ErrorKind.BACKEND_ERROR, exc) from exc
    except ModelError as exc:
        raise ConversationFailed(fault_of, exc) from exc
    except Exception as exc:
        kind = ErrorKind.CHATBOT_ERROR if fault_of == ErrorKind.CHATBOT_ERROR else ErrorKind.OTHER
        raise ConversationFailed(kind, exc) from exc


async def simulate(
    conversation: Conversation,
    customer: Customer,
    agent: Agent,
    backend: Backend,
    max_turns: int,
    handoff_tools: list[str],
    agent_is_under_test: bool = True,
    opening: Sequence[Turn] = (),
) -> Conversation:
    """Fill `conversation` with turns until the customer ends it, the agent hands off, or max_turns. Any
    `Customer` plays the customer's side; a scenario's given `opening` turns replace its first message (after an
    opening that ends with the agent's turn, the customer goes on first). Raises ConversationFailed when a side
    fails: `agent_is_under_test` (an HTTP or Python chatbot) makes the agent's failures the chatbot's; the reference
    agent's model failures are model faults.
    A backend with a customer side (`CustomerTools`) gives the customer its tools, and its end state is kept."""
    agent_fault = ErrorKind.CHATBOT_ERROR if agent_is_under_test else ErrorKind.MODEL_FAULT
    tools = customer_tools_of(backend.inner if isinstance(backend, GuardedBackend) else backend)
    turns: list[Turn] = list(opening) or [await _attributed(customer.open(tools), ErrorKind.MODEL_FAULT)]
    conversation.turns = turns
    while True:
        last = turns[-1]
        if isinstance(last, AgentTurn):  # only an opening ending with the agent's turn: the customer goes on from it
            agent_turn = last
        else:
            agent_turn = await _attributed(agent.respond(turns, backend), agent_fault)
            turns.append(agent_turn)
        handed_off = any(c.name in handoff_tools and c.error is None for c in agent_turn.tool_calls)
        if not handed_off and len(conversation.customer_turns()) >= max_turns:
            conversation.end_reason = EndReason.MAX_TURNS
            break
        step = await _attributed(customer.step(turns, handed_off, tools), ErrorKind.MODEL_FAULT)
        if step.message is None:
            conversation.end_reason = _END_REASONS[step.action]
            conversation.final_analysis = step.analysis
            break
        turns.append(step.message)
    conversation.customer_state = tools.customer_view() if tools is not None else None
    return conversation
