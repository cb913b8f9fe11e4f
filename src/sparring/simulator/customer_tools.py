"""Customer tools (dual control): the customer's own tools on the customer's own state, beside the agent's on the
backend ("restart the phone", "toggle airplane mode"). A backend that offers them implements `CustomerTools` too;
the customer calls them between messages, each call is recorded on its `CustomerTurn`, and the customer's final
state is kept on the conversation (`Conversation.customer_state`) for checks."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from sparring.data_model import ToolCall, ToolCallRecord, ToolSpec

MAX_CALLS_PER_TURN = 8  # a customer's tool calls before one message; past it the customer must write


@runtime_checkable
class CustomerTools(Protocol):
    """The customer's side of one conversation's backend."""

    def customer_specs(self) -> list[ToolSpec]:
        """The tools the customer is offered (none: the suite gives the customer no tools)."""
        ...

    def execute_customer(self, call: ToolCall) -> ToolCallRecord:
        """Run one customer tool call on the customer's state; a refusal is the record's `error`."""
        ...

    def customer_view(self) -> dict[str, Any]:
        """The customer's state as plain data."""
        ...


def customer_tools_of(backend: object) -> CustomerTools | None:
    """The backend's customer side, or None when it offers the customer no tools."""
    if isinstance(backend, CustomerTools) and backend.customer_specs():
        return backend
    return None


def replay_calls(tools: CustomerTools | None, calls: list[ToolCallRecord]) -> list[ToolCallRecord]:
    """Run recorded (or scripted) customer calls again on `tools`, with fresh answers; a customer without tools
    cannot make them (ValueError naming the first)."""
    if not calls:
        return []
    if tools is None:
        raise ValueError(f"the customer calls {calls[0].name!r}, but the suite gives the customer no tools")
    return [tools.execute_customer(ToolCall(id=c.id, name=c.name, arguments=c.arguments)) for c in calls]
