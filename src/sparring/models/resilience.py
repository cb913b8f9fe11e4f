"""Retries, back-off and an adaptive concurrency limit, wrapped once around every provider.

On HTTP 429 the model's limit halves and the call waits for Retry-After (or a jittered
exponential back-off); each success raises the limit again by 1/limit, so it recovers slowly.
"""

from __future__ import annotations

import asyncio
import random

from sparring.data_model import CallStats
from sparring.models.base import ChatModel, ChatRequest, ChatResponse, ModelError, RateLimited, TransientModelError


class AdaptiveLimit:
    """At most `limit` calls in flight; halves on rate limiting, creeps back up on success."""

    def __init__(self, maximum: int) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.in_flight = 0
        self._condition = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._condition:
            await self._condition.wait_for(lambda: self.in_flight < max(1, int(self.limit)))
            self.in_flight += 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._condition:
            self.in_flight -= 1
            self._condition.notify()

    def on_rate_limit(self) -> None:
        self.limit = max(1.0, self.limit / 2)

    def on_success(self) -> None:
        self.limit = min(float(self.maximum), self.limit + 1 / self.limit)


class ResilientModel(ChatModel):
    def __init__(
        self,
        inner: ChatModel,
        stats: CallStats,
        max_concurrency: int,
        max_retries: int = 5,
        timeout_s: float | None = 120.0,
        base_delay_s: float = 0.5,
        max_delay_s: float = 30.0,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.stats = stats
        self.max_concurrency = min(inner.max_concurrency, max_concurrency)
        self.limit = AdaptiveLimit(self.max_concurrency)
        self.max_retries = max_retries
        # An in-process model cannot be interrupted mid-generation, so it gets no timeout.
        self.timeout_s = timeout_s if inner.cancellable else None
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s

    def cache_identity(self) -> str:
        return self.inner.cache_identity()

    async def complete(self, request: ChatRequest) -> ChatResponse:
        attempt = 0
        while True:
            wait: float | None = None
            async with self.limit:
                self.stats.requests += 1
                try:
                    response = await asyncio.wait_for(self.inner.complete(request), self.timeout_s)
                except RateLimited as exc:
                    self.stats.rate_limited += 1
                    self.limit.on_rate_limit()
                    wait, problem = exc.retry_after, str(exc)
                except TransientModelError as exc:
                    field = {"timeout": "timeouts", "connection": "connection_errors", "malformed": "malformed"}
                    name = field.get(exc.kind, "server_errors")
                    setattr(self.stats, name, getattr(self.stats, name) + 1)
                    problem = str(exc)
                except TimeoutError:
                    self.stats.timeouts += 1
                    problem = f"no answer within {self.timeout_s}s"
                else:
                    self.limit.on_success()
                    self.stats.succeeded += 1
                    return response
            if attempt >= self.max_retries:
                self.stats.gave_up += 1
                raise ModelError(f"{self.name}: gave up after {attempt + 1} attempts; last problem: {problem}")
            attempt += 1
            self.stats.retries += 1
            backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
            await asyncio.sleep(min(self.max_delay_s, wait) if wait is not None else backoff)

    async def aclose(self) -> None:
        await self.inner.aclose()
