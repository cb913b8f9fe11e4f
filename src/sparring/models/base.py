"""One async chat interface that every provider implements; callers never see provider SDK types."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from pydantic import BaseModel, Field

from sparring.data_model import Message, ToolCall, ToolSpec
from sparring.data_model.run import TokenUsage


class ModelError(RuntimeError):
    """A model call failed in a way the caller should report (not a parse problem)."""


class ModelUnreachable(ModelError):
    """The endpoint cannot be reached: fail fast with the URL and a hint instead of retrying forever."""


class ModelNotInstalled(ModelError):
    """A provider's optional dependency is missing; the message says what to install."""


class ChatRequest(BaseModel):
    messages: list[Message]
    tools: list[ToolSpec] = Field(default_factory=list)
    response_schema: dict[str, Any] | None = Field(
        None, description="JSON schema the answer must follow (structured output)"
    )
    schema_name: str = "answer"
    temperature: float = 0.0
    max_tokens: int = 512
    seed: int | None = None


class ChatResponse(BaseModel):
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: TokenUsage = Field(default_factory=TokenUsage)
    model: str = ""


class ChatModel(ABC):
    """A chat-completion backend. `name` is the `provider:model` spec, recorded with every verdict."""

    name: str
    max_concurrency: int = 64

    @abstractmethod
    async def complete(self, request: ChatRequest) -> ChatResponse: ...

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most providers hold nothing
        """Release network clients or model memory."""


class MeteredModel:
    """Adds every call's token usage to a per-role counter, so runs can report tokens by role."""

    def __init__(self, model: ChatModel, usage: TokenUsage) -> None:
        self.model = model
        self.usage = usage

    @property
    def name(self) -> str:
        return self.model.name

    async def complete(self, request: ChatRequest) -> ChatResponse:
        response = await self.model.complete(request)
        self.usage.add(response.usage)
        return response
