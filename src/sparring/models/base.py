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


class TransientModelError(ModelError):
    """Worth retrying: a 5xx, a timeout, a dropped connection, a malformed response."""

    def __init__(self, message: str, kind: str = "server_error") -> None:
        super().__init__(message)
        self.kind = kind


class RateLimited(TransientModelError):
    """HTTP 429: slow down; `retry_after` is the server's Retry-After in seconds, when it sent one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, kind="rate_limited")
        self.retry_after = retry_after


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
    trial: int = Field(0, description="repeated-trial index: part of the cache key, so trials are sampled anew")
    sample: int = Field(0, description="repeated-judging index: part of the cache key, so samples are drawn anew")


class ChatResponse(BaseModel):
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: TokenUsage = Field(default_factory=TokenUsage)
    model: str = ""
    cached: bool = False


class ChatModel(ABC):
    """A chat-completion backend. `name` is the `provider:model` spec, recorded with every verdict."""

    name: str
    max_concurrency: int = 1024
    cancellable: bool = True  # False for in-process generation that cannot be interrupted

    @abstractmethod
    async def complete(self, request: ChatRequest) -> ChatResponse: ...

    def cache_identity(self) -> str:
        """What distinguishes this model's answers in the cache (name, plus endpoint where relevant)."""
        return self.name

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most providers hold nothing
        """Release network clients or model memory."""


class MeteredModel:
    """Adds every call's token usage to a per-role counter (runs report tokens by role) and stamps
    the conversation's trial index on each request."""

    def __init__(self, model: ChatModel, usage: TokenUsage, trial: int = 0) -> None:
        self.model = model
        self.usage = usage
        self.trial = trial

    @property
    def name(self) -> str:
        return self.model.name

    async def complete(self, request: ChatRequest) -> ChatResponse:
        if request.trial != self.trial:
            # Each trial samples anew: its index is part of the cache key and shifts the sampling seed.
            seed = None if request.seed is None else request.seed + self.trial
            request = request.model_copy(update={"trial": self.trial, "seed": seed})
        response = await self.model.complete(request)
        if response.cached:
            self.usage.cached_calls += 1
        else:
            self.usage.add(response.usage)
        return response
