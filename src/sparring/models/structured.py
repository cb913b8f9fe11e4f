"""Structured answers: ask, parse, and when the answer is unusable ask again showing the model its answer
and what was wrong — a different request, so neither a model at temperature 0 nor the cache can hand
back the same unusable answer. Judges, the simulator's self-analysis and scenario extraction all use it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from sparring.data_model import Message
from sparring.models.base import ChatRequest, MeteredModel, ModelError, ModelUnreachable
from sparring.prompts import PromptTemplate

T = TypeVar("T")


@dataclass
class Answer(Generic[T]):
    """A structured answer after retries: the parsed value, how many attempts it took, what was wrong."""

    value: T | None  # None when every attempt was unusable
    attempts: int
    problem: str = ""  # what was wrong with the last unusable attempt


async def ask_until_valid(
    model: MeteredModel,
    request: ChatRequest,
    parse: Callable[[str], T],
    retry_prompt: PromptTemplate,
    retries: int,
    retry_role: Literal["user", "system"] = "user",
    retry_model_errors: bool = True,
) -> Answer[T]:
    """`parse` raises ValueError on an unusable answer. Model errors other than an unreachable endpoint are
    retried too when `retry_model_errors` (otherwise they propagate to the caller)."""
    messages = list(request.messages)
    problem = ""
    attempts = 0
    for attempts in range(1, retries + 2):
        try:
            response = await model.complete(request.model_copy(update={"messages": messages}))
        except ModelUnreachable:
            raise
        except ModelError as exc:
            if not retry_model_errors:
                raise
            problem = str(exc)
            continue
        try:
            if not response.truncated:  # a cut answer is never parsed: its inner objects are not the answer
                return Answer(parse(response.content), attempts)
            problem = f"answer cut at {request.max_tokens} tokens (max_tokens) before it was complete"
        except ValueError as exc:
            problem = str(exc)
        retry = Message(role=retry_role, content=retry_prompt.render(problem=problem))
        messages = [*request.messages, Message(role="assistant", content=response.content), retry]
    return Answer(None, attempts, problem)
