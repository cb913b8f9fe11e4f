"""A τ² task's `initial_state.message_history` as a scenario's given `opening` (mock's tasks start from one).

τ²'s messages become Sparring's turns: a user message a customer turn; the assistant's tool-call messages, the
tool messages answering them and the assistant's next text one agent turn (its tool calls with their answers, then
its reply). τ² replays the history's tool calls on the environment and counts them in its reward, so the imported
scenario's backend starts after them (`HistoryBackendFactory`) and `tau2_reward` replays them with the rest.
A history this mapping cannot carry (a customer's own tool calls, an answer that pairs with no call, a history
ending before the agent replied to a tool's answer) is a ValueError in words.
"""

from __future__ import annotations

import json
from typing import Any


def _answer(message: Any) -> dict[str, Any]:
    """A τ² tool message as a given call's answer: `error` (τ²'s text) or `result` (its JSON, decoded)."""
    if message.error:
        return {"error": message.content or ""}
    try:
        return {"result": json.loads(message.content or "null")}
    except json.JSONDecodeError:
        return {"result": message.content}


def _agent_turn(pending: list[dict[str, Any]], content: str) -> dict[str, Any]:
    turn: dict[str, Any] = {"role": "agent", "content": content}
    if pending:
        turn["tool_calls"] = pending
    return turn


def _tool_call(call: Any) -> dict[str, Any]:
    return {"id": call.id, "name": call.name, "arguments": call.arguments}


def opening_of(task: Any) -> list[dict[str, Any]]:
    """The task's message history as `opening` turns (empty without one); ValueError naming what cannot map."""
    state = task.initial_state
    history = state.message_history if state is not None and state.message_history else []
    turns: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []  # the agent's calls of the turn under way
    unanswered: dict[str, dict[str, Any]] = {}
    for index, message in enumerate(history):
        where = f"initial_state.message_history[{index}]"
        if message.role == "tool":
            call = unanswered.pop(message.id, None)
            if call is None:
                raise ValueError(f"{where}: a tool answer ({message.id!r}) that follows no call of that id")
            call.update(_answer(message))
        elif message.tool_calls and message.role == "user":
            raise ValueError(f"{where}: the customer's own tool calls in a message history are not supported")
        elif message.tool_calls and message.content:
            raise ValueError(f"{where}: an assistant message with both text and tool calls is not supported")
        elif message.tool_calls:
            calls = [_tool_call(call) for call in message.tool_calls]
            pending += calls
            unanswered |= {call["id"]: call for call in calls}
        elif message.role == "assistant":
            turns.append(_agent_turn(pending, message.content or ""))
            pending = []
        else:
            if pending:
                turns.append(_agent_turn(pending, ""))
                pending = []
            turns.append({"role": "customer", "content": message.content or ""})
    if unanswered or pending:
        raise ValueError("initial_state.message_history ends before the agent answered after its tool calls")
    return turns


def check_history(task: Any, tool_names: list[str]) -> None:
    """The task's message history maps to an opening whose calls name the domain's tools (ValueError otherwise)."""
    for turn in opening_of(task):
        for call in turn.get("tool_calls", []):
            if call["name"] not in tool_names:
                raise ValueError(
                    f"initial_state.message_history calls {call['name']!r}, a tool the domain lacks (its tools: "
                    f"{', '.join(tool_names)})"
                )
