"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio) via the official SDK."""

from __future__ import annotations

import os
from typing import Any

import openai

from sparring.data_model.run import TokenUsage
from sparring.models._convert import to_openai_messages, to_openai_tools, tool_calls_from_openai
from sparring.models.base import (
    ChatModel,
    ChatRequest,
    ChatResponse,
    ModelError,
    ModelUnreachable,
    RateLimited,
    TransientModelError,
)

# Local servers accept any key; the SDK insists on one being set.
_PLACEHOLDER_KEY = "sparring-no-key"


class OpenAIChatModel(ChatModel):
    def __init__(self, model: str, base_url: str | None = None, timeout_s: float = 120.0) -> None:
        self.name = f"openai:{model}"
        self.model = model
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        api_key = os.environ.get("OPENAI_API_KEY")
        if not api_key:
            if base_url is None and "OPENAI_BASE_URL" not in os.environ:
                raise ModelError(
                    f"model {self.name!r} needs OPENAI_API_KEY in the environment "
                    "(or --base-url for a self-hosted OpenAI-compatible server)"
                )
            api_key = _PLACEHOLDER_KEY
        self._client = openai.AsyncOpenAI(api_key=api_key, base_url=self.base_url, timeout=timeout_s, max_retries=0)
        self._schema_supported = True
        self._answered = False  # a refused connection before any answer means a wrong URL: fail fast

    async def complete(self, request: ChatRequest) -> ChatResponse:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(request.messages),
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.tools:
            kwargs["tools"] = to_openai_tools(request.tools)
        if request.response_schema is not None and self._schema_supported:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.response_schema},
            }
        try:
            completion = await self._create(kwargs)
        except openai.BadRequestError as exc:
            if "response_format" not in kwargs:
                raise ModelError(f"{self.name} rejected the request: {exc}") from exc
            # Some servers lack JSON-schema output; the prompt still asks for JSON, parsed leniently.
            self._schema_supported = False
            kwargs.pop("response_format")
            completion = await self._create(kwargs)
        if not completion.choices:
            raise ModelError(f"{self.name} returned no choices")
        message = completion.choices[0].message
        usage = completion.usage
        return ChatResponse(
            content=message.content or "",
            tool_calls=tool_calls_from_openai(list(message.tool_calls or [])),
            usage=TokenUsage(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
                calls=1,
            ),
            model=self.name,
        )

    async def _create(self, kwargs: dict[str, Any]) -> Any:
        """One HTTP call, its failures translated: retryable ones to TransientModelError."""
        try:
            completion = await self._client.chat.completions.create(**kwargs)
        except openai.RateLimitError as exc:
            raise RateLimited(f"{self.name}: rate limited (HTTP 429)", _retry_after(exc.response)) from exc
        except openai.APITimeoutError as exc:
            raise TransientModelError(f"{self.name}: timed out", kind="timeout") from exc
        except openai.APIConnectionError as exc:
            if not self._answered and _refused(exc):
                raise ModelUnreachable(
                    f"cannot reach {self.base_url} for {self.name}: {exc}. "
                    "Hint: is the server running, and is --base-url right (it usually ends in /v1)?"
                ) from exc
            raise TransientModelError(f"{self.name}: connection failed: {exc}", kind="connection") from exc
        except openai.APIResponseValidationError as exc:
            raise TransientModelError(f"{self.name}: malformed response: {exc}", kind="malformed") from exc
        except openai.InternalServerError as exc:
            raise TransientModelError(f"{self.name}: HTTP {exc.status_code}", kind="server_error") from exc
        except openai.BadRequestError:
            raise
        except openai.APIStatusError as exc:
            raise ModelError(f"{self.name} at {self.base_url} answered HTTP {exc.status_code}: {exc}") from exc
        except ValueError as exc:  # the body was not JSON at all
            raise TransientModelError(f"{self.name}: malformed response: {exc}", kind="malformed") from exc
        self._answered = True
        return completion

    def cache_identity(self) -> str:
        return f"{self.name}@{self.base_url}"

    async def aclose(self) -> None:
        await self._client.close()


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _refused(exc: BaseException) -> bool:
    """True when the connection was never made (refused, DNS), as opposed to dropped mid-call."""
    cause: BaseException | None = exc
    while cause is not None:
        if type(cause).__name__ == "ConnectError":
            return True
        cause = cause.__cause__ or cause.__context__
    return False
