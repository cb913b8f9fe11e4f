"""Model-call cache: a re-run of an unchanged suite answers every call from the store."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from sparring.data_model import CallStats
from sparring.models.base import ChatModel, ChatRequest, ChatResponse


class ResponseCache(Protocol):
    """Where answers are kept (the store's CacheRecords)."""

    def cached_response(self, key: str) -> dict[str, Any] | None:
        """The answer stored under `key`, or None."""

    def cache_response(self, key: str, model: str, response: dict[str, Any]) -> None:
        """Keep `response` under `key`."""


def cache_key(identity: str, request: ChatRequest, encoded: bytes) -> str:
    """Model identity (name and endpoint), trial and sample indices, and the request as the model is sent it
    (`ChatModel.encode`: messages, tools, schema, sampling parameters, seed), hashed with SHA-256."""
    digest = hashlib.sha256(f"{identity}\n{request.trial}\n{request.sample}\n".encode())
    digest.update(encoded)
    return digest.hexdigest()


class CachedModel(ChatModel):
    """Answers a request from the cache when it can, else asks `inner` and keeps the answer."""

    def __init__(self, inner: ChatModel, cache: ResponseCache, stats: CallStats) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_concurrency = inner.max_concurrency
        self.cache = cache
        self.stats = stats
        self._identity = inner.cache_identity()

    def cache_identity(self) -> str:
        """The wrapped model's identity."""
        return self._identity

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """The cached answer (marked `cached`), or the model's, kept for next time."""
        encoded = self.inner.encode(request)
        key = cache_key(self._identity, request, encoded)
        hit = self.cache.cached_response(key)
        if hit is not None:
            self.stats.cache_hits += 1
            return ChatResponse.model_validate({**hit, "cached": True})
        self.stats.cache_misses += 1
        response = await self.inner.complete_encoded(request, encoded)
        self.cache.cache_response(key, self.name, response.model_dump(mode="json"))
        return response

    async def aclose(self) -> None:
        """Close the wrapped model."""
        await self.inner.aclose()
