"""Model-call cache: a re-run of an unchanged suite answers every call from the store."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from sparring.data_model import CallStats
from sparring.models.base import ChatModel, ChatRequest, ChatResponse


class ResponseCache(Protocol):
    def cached_response(self, key: str) -> dict[str, Any] | None: ...

    def cache_response(self, key: str, model: str, response: dict[str, Any]) -> None: ...


def cache_key(identity: str, request: ChatRequest) -> str:
    """Model identity + messages, tools, schema, sampling parameters, seed and trial index.

    pydantic's serializer writes fields in declaration order, so equal requests hash equally.
    """
    digest = hashlib.sha256(identity.encode())
    digest.update(request.model_dump_json().encode())
    return digest.hexdigest()


class CachedModel(ChatModel):
    def __init__(self, inner: ChatModel, cache: ResponseCache, stats: CallStats) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_concurrency = inner.max_concurrency
        self.cache = cache
        self.stats = stats

    def cache_identity(self) -> str:
        return self.inner.cache_identity()

    async def complete(self, request: ChatRequest) -> ChatResponse:
        key = cache_key(self.inner.cache_identity(), request)
        hit = self.cache.cached_response(key)
        if hit is not None:
            self.stats.cache_hits += 1
            return ChatResponse.model_validate(hit).model_copy(update={"cached": True})
        self.stats.cache_misses += 1
        response = await self.inner.complete(request)
        self.cache.cache_response(key, self.name, response.model_dump(mode="json"))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
