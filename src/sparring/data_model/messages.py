"""Provider-neutral chat messages: what every model backend takes and returns."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

UNPARSED = "_unparsed"
"""The one key of a call's `arguments` when the model's arguments were not a JSON object (the text it gave);
backends refuse such a call as invalid arguments."""


class ToolCall(BaseModel):
    """One function call requested by a model; `id` pairs it with its result message."""

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolSpec(BaseModel):
    """A tool offered to a model: name, description and JSON-schema parameters."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class Message(BaseModel):
    """One chat message in the provider-neutral format: a system, user, assistant or tool message; an assistant
    message may request tool calls, and a tool message answers one (`tool_call_id`)."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
