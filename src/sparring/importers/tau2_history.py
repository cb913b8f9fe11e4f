"""A τ² task's `initial_state.message_history` as a scenario's given `opening` (mock's tasks start from one).

τ²'s messages become Sparring's turns: one side's tool-call messages, the tool messages answering them and that
side's next text one turn (its tool calls with their answers, then its message) — the assistant's an agent turn, the
user's a customer turn (its own tool calls: τ²'s user tools). τ² replays the history's tool calls on the environment
and counts them in its reward, so the imported scenario's backend starts after them (`HistoryBackendFactory`) and
`tau2_reward` replays them with the rest. A history this mapping cannot carry (an answer that pairs with no call, a
message with both text and tool calls, a history ending on tool calls) is a ValueError in words.
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


def _turn(role: str, calls: list[dict[str, Any]], content: str) -> dict[str, Any]:
    turn: dict[str, Any] = {"role": role, "content": content}
    if calls:
        turn["tool_calls"] = calls
    return turn


def _tool_call(call: Any) -> dict[str, Any]:
    return {"id": call.id, "name": call.name, "arguments": call.arguments}


def opening_of(task: Any) -> list[dict[str, Any]]:
    """The task's message history as `opening` turns (empty without one); ValueError naming what cannot map."""
    state = task.initial_state
    history = state.message_history if state is not None and state.message_history else []
    turns: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []  # the tool calls of the turn under way, by `pending_role`
    pending_role = "agent"
    unanswered: dict[str, dict[str, Any]] = {}
    for index, message in enumerate(history):
        where = f"initial_state.message_history[{index}]"
        if message.role == "tool":
            call = unanswered.pop(message.id, None)
            if call is None:
                raise ValueError(f"{where}: a tool answer ({message.id!r}) that follows no call of that id")
            call.update(_answer(message))
            continue
        if message.tool_calls and message.content:
            raise ValueError(f"{where}: a message with both text and tool calls is not supported")
        role = "agent" if message.role == "assistant" else "customer"
        if pending and role != pending_role:  # the other side's calls ended without a message of theirs
            turns.append(_turn(pending_role, pending, ""))
            pending = []
        if message.tool_calls:
            calls = [_tool_call(call) for call in message.tool_calls]
            pending, pending_role = pending + calls, role
            unanswered |= {call["id"]: call for call in calls}
        else:
            turns.append(_turn(role, pending, message.content or ""))
            pending = []
    if unanswered or pending:
        raise ValueError("initial_state.message_history ends on tool calls, before the message that follows them")
    return turns


def check_history(task: Any, tool_names: list[str], user_tool_names: list[str]) -> None:
    """The task's message history maps to an opening whose calls name the tools of their side (the agent's, or the
    customer's own: τ²'s user tools); ValueError otherwise."""
    for turn in opening_of(task):
        names, whose = (tool_names, "") if turn["role"] == "agent" else (user_tool_names, "customer's ")
        for call in turn.get("tool_calls", []):
            if call["name"] not in names:
                raise ValueError(
                    f"initial_state.message_history calls {call['name']!r}, a {whose}tool the domain lacks (its "
                    f"{whose}tools: {', '.join(names) or 'none'})"
                )
