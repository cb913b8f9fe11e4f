"""One async chat interface that every provider implements; callers never see provider SDK types."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from pydantic import BaseModel, Field

from sparring.data_model import Message, TokenUsage, ToolCall, ToolSpec


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
    """One chat-completion request, whatever the provider."""

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
    """A model's answer: text and tool calls, tokens used, and whether it came from the cache."""

    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: TokenUsage = Field(default_factory=TokenUsage)
    model: str = ""
    cached: bool = False
    truncated: bool = Field(False, description="the answer was cut at max_tokens (finish reason length)")


class ChatModel(ABC):
    """A chat-completion backend. `name` is the `provider:model` spec, recorded with every verdict."""

    name: str
    max_concurrency: int = 1024
    cancellable: bool = True  # False for in-process generation that cannot be interrupted

    @abstractmethod
    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Answer one request (the provider's own call, without cache or retries)."""

    def encode(self, request: ChatRequest) -> bytes:
        """The request as the bytes this model is sent: what the cache key hashes. An HTTP provider returns
        its request body, so one serialisation serves both the key and the call."""
        return request.model_dump_json().encode()

    async def complete_encoded(self, request: ChatRequest, encoded: bytes) -> ChatResponse:
        """`complete`, given `encode(request)` already made (providers that send those bytes reuse them)."""
        return await self.complete(request)

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
        """The wrapped model's `provider:model` spec."""
        return self.model.name

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """The wrapped model's answer to `request` at this trial, its tokens counted."""
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
