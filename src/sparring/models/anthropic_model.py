"""Anthropic models via the official SDK (optional extra: `pip install 'sparring[anthropic]'`)."""

from __future__ import annotations

import json
import os
from typing import Any

from sparring.data_model import Message, TokenUsage, ToolCall
from sparring.models.base import (
    ChatModel,
    ChatRequest,
    ChatResponse,
    ModelError,
    ModelNotInstalled,
    ModelUnreachable,
    RateLimited,
    TransientModelError,
)


def _to_anthropic(messages: list[Message]) -> tuple[str, list[dict[str, Any]]]:
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
            continue
        if m.role == "assistant" and m.tool_calls:
            blocks: list[dict[str, Any]] = [{"type": "text", "text": m.content}] if m.content else []
            blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in m.tool_calls]
            out.append({"role": "assistant", "content": blocks})
            continue
        out.append({"role": m.role, "content": m.content})
    return system, out


def _from_anthropic(message: Any, request: ChatRequest, name: str) -> ChatResponse:
    """A Messages API answer as a ChatResponse: a structured answer's forced tool input becomes the JSON text."""
    text, calls = "", []
    for block in message.content:
        if block.type == "text":
            text += block.text
        elif block.type == "tool_use":
            if request.response_schema is not None and block.name == request.schema_name:
                text = json.dumps(block.input)
            else:
                calls.append(ToolCall(id=block.id, name=block.name, arguments=dict(block.input)))
    return ChatResponse(
        content=text,
        tool_calls=calls,
        usage=TokenUsage(
            prompt_tokens=message.usage.input_tokens, completion_tokens=message.usage.output_tokens, calls=1
        ),
        model=name,
        truncated=message.stop_reason == "max_tokens",
    )


class AnthropicChatModel(ChatModel):
    """Anthropic's Messages API through its SDK (the `anthropic` extra)."""

    def __init__(self, model: str, base_url: str | None = None, timeout_s: float = 120.0) -> None:
        try:
            import anthropic
        except ImportError as exc:
            raise ModelNotInstalled(
                "the anthropic provider needs the official SDK: pip install 'sparring[anthropic]'"
            ) from exc
        if not os.environ.get("ANTHROPIC_API_KEY"):
            raise ModelError(f"model 'anthropic:{model}' needs ANTHROPIC_API_KEY in the environment")
        self._anthropic = anthropic
        self.name = f"anthropic:{model}"
        self.model = model
        self._client = anthropic.AsyncAnthropic(base_url=base_url, timeout=timeout_s, max_retries=0)

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """One Messages API call; its errors translated to the ModelError family."""
        system, messages = _to_anthropic(request.messages)
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if system:
            kwargs["system"] = system
        tools = [{"name": t.name, "description": t.description, "input_schema": t.parameters} for t in request.tools]
        if request.response_schema is not None:
            # Structured output: force one tool whose input is the answer.
            tools.append(
                {
                    "name": request.schema_name,
                    "description": "Give your answer.",
                    "input_schema": request.response_schema,
                }
            )
            kwargs["tool_choice"] = {"type": "tool", "name": request.schema_name}
        if tools:
            kwargs["tools"] = tools
        sdk = self._anthropic
        try:
            message = await self._client.messages.create(**kwargs)
        except sdk.RateLimitError as exc:
            retry_after = exc.response.headers.get("retry-after")
            raise RateLimited(f"{self.name}: rate limited", float(retry_after) if retry_after else None) from exc
        except sdk.APITimeoutError as exc:
            raise TransientModelError(f"{self.name}: timed out", kind="timeout") from exc
        except sdk.APIConnectionError as exc:
            raise ModelUnreachable(f"cannot reach Anthropic for {self.name}: {exc}") from exc
        except sdk.InternalServerError as exc:
            raise TransientModelError(f"{self.name}: HTTP {exc.status_code}", kind="server_error") from exc
        except sdk.APIStatusError as exc:
            raise ModelError(f"{self.name} answered HTTP {exc.status_code}: {exc}") from exc
        return _from_anthropic(message, request, self.name)

    async def aclose(self) -> None:
        """Close the SDK client."""
        await self._client.close()
