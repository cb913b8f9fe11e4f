"""What a chatbot under test is to Sparring: given the conversation so far, produce the next agent turn."""

from __future__ import annotations

import json
from typing import Protocol

from sparring.backend import Backend
from sparring.data_model import AgentTurn, CustomerTurn, Message, ToolCall, ToolCallRecord, Turn


class Agent(Protocol):
    name: str

    async def respond(self, turns: list[Turn], backend: Backend) -> AgentTurn:
        """Reply to the customer's last message; tool calls go through `backend` so they are recorded."""
        ...


def agent_history(turns: list[Turn], system_prompt: str | None = None) -> list[Message]:
    """The conversation as the agent's model sees it: customer = user, agent = assistant, tool results."""
    messages = [Message(role="system", content=system_prompt)] if system_prompt else []
    for turn in turns:
        if isinstance(turn, CustomerTurn):
            messages.append(Message(role="user", content=turn.content))
            continue
        if turn.tool_calls:
            calls = [ToolCall(id=c.id, name=c.name, arguments=c.arguments) for c in turn.tool_calls]
            messages.append(Message(role="assistant", content="", tool_calls=calls))
            messages += [Message(role="tool", content=tool_result_text(c), tool_call_id=c.id) for c in turn.tool_calls]
        messages.append(Message(role="assistant", content=turn.content))
    return messages


def tool_result_text(record: ToolCallRecord) -> str:
    if record.error:
        return json.dumps({"error": record.error})
    return json.dumps(record.result, default=str)
