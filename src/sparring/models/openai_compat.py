"""Any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio, a deployed bot).

Speaks the chat-completions wire format over a lean HTTP/1.1 client (models/http.py: a third of aiohttp's
CPU per call). The official SDK was measured at ~0.95 ms of
CPU per call on 2 cores (request building, its TypedDict transformer, httpx models), three times
the rest of Sparring's work per call; at hundreds of calls a second that decided the run's speed.
"""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any

from pydantic_core import from_json, to_json
from yarl import URL

from sparring.data_model import TokenUsage
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
from sparring.models.http import ConnectionDropped, ConnectionFailed, HttpClient
from sparring.models.schema import without_string_lengths
from sparring.models.urls import redact_url

OPENAI_URL = "https://api.openai.com/v1"
_PLACEHOLDER_KEY = "sparring-no-key"  # local servers accept any key
# What a structured request sends, tried in order while the server answers HTTP 400: the full schema in strict mode
# (vLLM, llama.cpp server, Ollama), strict without minLength/maxLength (which OpenAI's strict mode has refused),
# then no schema.
SCHEMA_LEVELS = ("strict", "strict without string lengths", "none")


def provider_key(model: str, base_url: str | None) -> str:
    """OPENAI_API_KEY for a role's model: required by OpenAI itself, a placeholder for a local server."""
    api_key = os.environ.get("OPENAI_API_KEY")
    if api_key:
        return api_key
    if (base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/") == OPENAI_URL:
        raise ModelError(
            f"model 'openai:{model}' needs OPENAI_API_KEY in the environment "
            "(or --base-url for a self-hosted OpenAI-compatible server)"
        )
    return _PLACEHOLDER_KEY


class _BadRequest(ModelError):
    pass


class OpenAIChatModel(ChatModel):
    """A chat-completions endpoint. `api_key` is sent as a bearer token, and only to this endpoint; user
    info in the URL (`user:pw@host`) is sent as HTTP basic auth instead. `base_url` is the redacted URL
    (safe to show); the real one is used only for the calls."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        api_key: str | None = None,
        options: tuple[str, str] = ("--base-url", "OPENAI_API_KEY"),
    ) -> None:
        """`options`: what the user sets for this endpoint's URL and key, named in error messages."""
        self.name = f"openai:{model}"
        self._url_option, self._key_option = options
        self.model = model
        given = base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL
        self.base_url = redact_url(given.rstrip("/"))
        try:
            real = URL(given)
        except ValueError as exc:
            raise ModelError(f"{self.name}: {self.base_url} is not a valid URL") from exc
        self._url = real.with_user(None).with_path(real.path.rstrip("/") + "/chat/completions", keep_query=True)
        self._headers = {"Content-Type": "application/json"}
        if real.user is not None or real.password is not None:
            self._headers["Authorization"] = _basic_auth(real.user or "", real.password or "")
        elif api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._timeout_s = timeout_s
        try:
            self._client = HttpClient(self._url, self._headers)
        except ValueError as exc:
            raise ModelError(f"{self.name}: {exc} (check {self._key_option})") from exc
        self._schema_level = 0  # index in SCHEMA_LEVELS: how much of a structured answer's schema this server takes
        self._answered = False  # a refused connection before any answer means a wrong URL: fail fast

    def cache_identity(self) -> str:
        """Name and (redacted) endpoint: the same model name elsewhere is another model."""
        return f"{self.name}@{self.base_url}"

    def encode(self, request: ChatRequest) -> bytes:
        """The chat-completions body: sent as it is, and hashed for the cache key."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(request.messages),
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        if request.tools:
            body["tools"] = to_openai_tools(request.tools)
        if request.response_schema is not None and SCHEMA_LEVELS[self._schema_level] != "none":
            schema = request.response_schema
            if SCHEMA_LEVELS[self._schema_level] == "strict without string lengths":
                schema = without_string_lengths(schema)
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": schema, "strict": True},
            }
        return to_json(body)  # pydantic-core's encoder: half the CPU of json.dumps on these bodies

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Send the request and translate the answer."""
        return await self.complete_encoded(request, self.encode(request))

    async def complete_encoded(self, request: ChatRequest, encoded: bytes) -> ChatResponse:
        """Send the body `encode` made; a server that refuses it (HTTP 400) is sent less of the schema."""
        while True:
            try:
                completion = await self._post(encoded)
                break
            except _BadRequest:
                retry = self._after_refusal(request, encoded)
                if retry is None:
                    raise
                encoded = retry
        choices = completion.get("choices") or []
        if not choices or not isinstance(choices[0].get("message"), dict):
            raise TransientModelError(f"{self.name}: response without a message: {str(completion)[:200]}", "malformed")
        message = choices[0]["message"]
        truncated = choices[0].get("finish_reason") == "length"
        usage = completion.get("usage") or {}
        return ChatResponse(
            content=message.get("content") or "",
            tool_calls=tool_calls_from_openai(message.get("tool_calls")),
            usage=TokenUsage(
                prompt_tokens=usage.get("prompt_tokens") or 0,
                completion_tokens=usage.get("completion_tokens") or 0,
                calls=1,
            ),
            model=self.name,
            truncated=truncated,
        )

    def _after_refusal(self, request: ChatRequest, refused: bytes) -> bytes | None:
        """The body to send after `refused` got HTTP 400: with the schema as a level lower (some servers refuse
        strict mode's string lengths, or schemas at all; the prompt still asks for JSON, parsed leniently), or
        None when the refusal cannot be about the schema."""
        if request.response_schema is None:
            return None
        current = self.encode(request)
        if current == refused:  # not sent at an older level: step down, if there is a level left
            if self._schema_level == len(SCHEMA_LEVELS) - 1:
                return None
            self._schema_level += 1
            current = self.encode(request)
        return current

    async def _post(self, body: bytes) -> dict[str, Any]:
        """One HTTP call, its failures translated: retryable ones to TransientModelError."""
        try:
            async with asyncio.timeout(self._timeout_s):
                reply = await self._client.post(body)
        except ConnectionFailed as exc:
            if not self._answered:
                raise ModelUnreachable(
                    f"cannot reach {self.base_url} for {self.name}: {exc}. "
                    f"Hint: is the server running, and is {self._url_option} right (it usually ends in /v1)?"
                ) from exc
            raise TransientModelError(f"{self.name}: cannot connect: {exc}", kind="connection") from exc
        except ConnectionDropped as exc:
            raise TransientModelError(f"{self.name}: connection dropped: {exc}", kind="connection") from exc
        except TimeoutError as exc:
            raise TransientModelError(f"{self.name}: no answer within {self._timeout_s}s", "timeout") from exc
        raw, status, retry_after = reply.body, reply.status, reply.headers.get("retry-after")
        self._answered = True
        text = raw[:300].decode(errors="replace")
        if status == 429:
            raise RateLimited(f"{self.name}: rate limited (HTTP 429)", _seconds(retry_after))
        if status >= 500:
            raise TransientModelError(f"{self.name}: HTTP {status}: {text}", kind="server_error")
        if status == 400:
            raise _BadRequest(f"{self.name} rejected the request (HTTP 400): {text}")
        if status in (401, 403):
            raise ModelError(f"{self.name} at {self.base_url}: HTTP {status} (check {self._key_option}): {text}")
        if status >= 400:
            raise ModelError(f"{self.name} at {self.base_url} answered HTTP {status}: {text}")
        try:
            data = from_json(raw)
        except ValueError as exc:
            raise TransientModelError(f"{self.name}: malformed JSON response: {text!r}", kind="malformed") from exc
        if not isinstance(data, dict):
            raise TransientModelError(f"{self.name}: malformed response: {text!r}", kind="malformed")
        return data

    async def aclose(self) -> None:
        """Close the idle connections."""
        self._client.close()


def _basic_auth(user: str, password: str) -> str:
    """RFC 7617 basic credentials (aiohttp's BasicAuth is deprecated and its successor is 3.14+ only)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
