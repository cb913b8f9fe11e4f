"""One judge-model call per candidate: a short structured description of what the agent did wrong, at
which turn, quoting it. Unusable answers are retried with the problem shown (models.structured); a
candidate that still cannot be described is kept, with the reason, never dropped."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from sparring.data_model import AgentTurn, Message
from sparring.discovery.candidates import Candidate
from sparring.evaluations import render_transcript
from sparring.models import ChatRequest, MeteredModel, answer_schema, ask_until_valid, token_budget
from sparring.parsing import parse_model
from sparring.prompts import package_prompt

DESCRIBE_PROMPT = package_prompt(__file__, "describe_failure.j2")
RETRY_PROMPT = package_prompt(__file__, "describe_retry.j2")
MAX_TURN = 200  # the turn a description may name: the grammar writes it as one of 1..MAX_TURN


class Description(BaseModel):
    """What the agent did wrong, at which (1-based) turn of the conversation, in its own words."""

    failure: str = Field(..., min_length=3, max_length=240)
    turn: int = Field(..., ge=1, le=MAX_TURN)
    quote: str = Field(..., min_length=1, max_length=200)


DESCRIPTION_SCHEMA = answer_schema(Description)
DESCRIPTION_BUDGET = token_budget(DESCRIPTION_SCHEMA)


@dataclass
class Described:
    """A candidate with its description, or with the reason it could not be described."""

    candidate: Candidate
    description: Description | None
    problem: str = ""


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def parse_description(answer: str, candidate: Candidate) -> Description:
    """A usable description: the turn is an agent turn of this conversation and the quote is in it."""
    description = parse_model(answer, Description)
    turns = candidate.conversation.turns
    if description.turn > len(turns) or not isinstance(turns[description.turn - 1], AgentTurn):
        raise ValueError(f"turn {description.turn} is not an AGENT turn of this conversation")
    if _normal(description.quote) not in _normal(turns[description.turn - 1].content):
        raise ValueError(f"the quote {description.quote!r} is not in turn {description.turn}")
    return description


def describe_prompt(candidate: Candidate, policy: str) -> str:
    """The prompt for one candidate: transcript, policy and the reasons it was flagged."""
    rendered = render_transcript(candidate.conversation)
    reasons = [f"evaluation {e} failed" for e in candidate.failed] + candidate.signals
    return DESCRIBE_PROMPT.render(
        transcript=rendered.text, boundary=rendered.boundary, policy=policy or "(none given)", reasons=reasons
    )


async def describe(candidate: Candidate, model: MeteredModel, policy: str, retries: int = 2) -> Described:
    """Ask once (plus retries, model errors included) for the candidate's description; an endpoint that
    cannot be reached at all raises ModelUnreachable."""
    request = ChatRequest(
        messages=[Message(role="user", content=describe_prompt(candidate, policy))],
        response_schema=DESCRIPTION_SCHEMA,
        schema_name="failure_description",
        max_tokens=DESCRIPTION_BUDGET,
    )
    answer = await ask_until_valid(
        model, request, lambda text: parse_description(text, candidate), RETRY_PROMPT, retries
    )
    if answer.value is None:
        return Described(candidate, None, f"not described after {answer.attempts} attempts: {answer.problem}")
    return Described(candidate, answer.value)


async def describe_all(candidates: list[Candidate], model: MeteredModel, policy: str) -> list[Described]:
    """Every candidate described concurrently (the model pool limits concurrency per model)."""
    return list(await asyncio.gather(*(describe(c, model, policy) for c in candidates)))


def prompt_hash() -> str:
    """The version of the describe prompt (template and retry prompt)."""
    return f"{DESCRIBE_PROMPT.hash}-{RETRY_PROMPT.hash}"
