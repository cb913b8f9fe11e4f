"""Retries, back-off and an adaptive concurrency limit, wrapped once around every provider.

On HTTP 429 the model's limit halves and the call waits for Retry-After (or a jittered
exponential back-off); each success raises the limit again by 1/limit, so it recovers slowly.
This wrapper runs once per model call, so its fast path awaits nothing and makes no task.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable

from sparring.data_model import CallStats
from sparring.models.base import ChatModel, ChatRequest, ChatResponse, ModelError, RateLimited, TransientModelError

_FAULT_FIELDS = {"timeout": "timeouts", "connection": "connection_errors", "malformed": "malformed"}


class AdaptiveLimit:
    """At most `limit` calls in flight; halves on rate limiting, creeps back up on success. Waiters are
    served first come, first served; a freed slot is handed straight to the next waiter."""

    def __init__(self, maximum: int) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    def _capacity(self) -> int:
        return max(1, int(self.limit))

    async def __aenter__(self) -> None:
        if not self._waiters and self.in_flight < self._capacity():
            self.in_flight += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # the slot is counted in `in_flight` when the waiter is woken
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # woken and cancelled at once: pass the slot on
            else:
                self._waiters.remove(waiter)
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._release()

    def _release(self) -> None:
        self.in_flight -= 1
        while self._waiters and self.in_flight < self._capacity():
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    def on_rate_limit(self) -> None:
        """Halve the limit (never below one call)."""
        self.limit = max(1.0, self.limit / 2)

    def on_success(self) -> None:
        """Raise the limit by 1/limit, up to the maximum."""
        self.limit = min(float(self.maximum), self.limit + 1 / self.limit)


class ResilientModel(ChatModel):
    """Every call to `inner` under the adaptive limit, a timeout, and retries with back-off; each attempt,
    fault and retry counted in `stats`."""

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
        """The wrapped model's identity."""
        return self.inner.cache_identity()

    def encode(self, request: ChatRequest) -> bytes:
        """The wrapped model's encoding."""
        return self.inner.encode(request)

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """The wrapped model's answer, retried as needed."""
        return await self._retrying(lambda: self.inner.complete(request))

    async def complete_encoded(self, request: ChatRequest, encoded: bytes) -> ChatResponse:
        """The wrapped model's answer to the encoded request, retried as needed."""
        return await self._retrying(lambda: self.inner.complete_encoded(request, encoded))

    async def _retrying(self, call: Callable[[], Awaitable[ChatResponse]]) -> ChatResponse:
        attempt = 0
        while True:
            response, wait, problem = await self._attempt(call)
            if response is not None:
                return response
            if attempt >= self.max_retries:
                self.stats.gave_up += 1
                raise ModelError(f"{self.name}: gave up after {attempt + 1} attempts; last problem: {problem}")
            attempt += 1
            self.stats.retries += 1
            backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
            await asyncio.sleep(min(self.max_delay_s, wait) if wait is not None else backoff)

    async def _attempt(
        self, call: Callable[[], Awaitable[ChatResponse]]
    ) -> tuple[ChatResponse | None, float | None, str]:
        """One try: the response, or None with the server's requested wait (if any) and the problem."""
        async with self.limit:
            self.stats.requests += 1
            try:
                async with asyncio.timeout(self.timeout_s):
                    response = await call()
            except RateLimited as exc:
                self.stats.rate_limited += 1
                self.limit.on_rate_limit()
                return None, exc.retry_after, str(exc)
            except TransientModelError as exc:
                name = _FAULT_FIELDS.get(exc.kind, "server_errors")
                setattr(self.stats, name, getattr(self.stats, name) + 1)
                return None, None, str(exc)
            except TimeoutError:
                self.stats.timeouts += 1
                return None, None, f"no answer within {self.timeout_s}s"
            self.limit.on_success()
            self.stats.succeeded += 1
            return response, None, ""

    async def aclose(self) -> None:
        """Close the wrapped model."""
        await self.inner.aclose()
