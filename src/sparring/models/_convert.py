"""Conversions shared by providers that speak the OpenAI chat-completions wire format."""

from __future__ import annotations

import json
from typing import Any

from sparring.data_model import UNPARSED, Message, ToolCall, ToolSpec


def to_openai_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Messages in chat-completions form (tool-call arguments as JSON text)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                }
                for c in m.tool_calls
            ]
        if m.tool_call_id is not None:
            item["tool_call_id"] = m.tool_call_id
        out.append(item)
    return out


def to_openai_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    """Tool specs as chat-completions `function` tools."""
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


def parse_arguments(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """Tool arguments arrive as JSON text; keep unparsable text so the tool can report the error."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {UNPARSED: raw}
    return value if isinstance(value, dict) else {UNPARSED: raw}


def tool_calls_from_openai(raw_calls: list[Any] | None) -> list[ToolCall]:
    """Every call in the message, in order: dropping all but the first would corrupt the trace."""
    calls: list[ToolCall] = []
    for i, raw in enumerate(raw_calls or []):
        data = raw if isinstance(raw, dict) else raw.model_dump()
        function = data.get("function") or {}
        calls.append(
            ToolCall(
                id=data.get("id") or f"call_{i}",
                name=function.get("name", ""),
                arguments=parse_arguments(function.get("arguments")),
            )
        )
    return calls
