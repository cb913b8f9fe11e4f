"""τ²'s NL_ASSERTION component, judged by the suite's judge model with τ²'s semantics.

The prompt is τ²'s own (`NLAssertionsEvaluator`: a system message and a user message holding the conversation as
`role: content` lines and the assertions as a Python list), kept as hashed template files in `prompts/`. The answer
is τ²'s format (`results`: one `expectedOutcome`, `reasoning`, `metExpectation` per assertion) and the component is
1.0 when every graded assertion is met, as in τ². One departure: an answer τ² would crash on (not JSON) or count as
met (no results) is retried, then reported as an error, never as a pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from sparring.data_model import AgentTurn, Conversation, Message
from sparring.models import ChatRequest, MeteredModel, answer_schema, ask_until_valid
from sparring.prompts import package_prompt

SYSTEM_PROMPT = package_prompt(__file__, "tau2_nl_assertions_system.j2")
USER_PROMPT = package_prompt(__file__, "tau2_nl_assertions_user.j2")
RETRY_PROMPT = package_prompt(__file__, "tau2_nl_assertions_retry.j2")
ANSWER_TOKENS = 2048


class AssertionResult(BaseModel):
    """τ²'s grading of one assertion."""

    model_config = ConfigDict(populate_by_name=True)

    expected_outcome: str = Field(alias="expectedOutcome", max_length=4000)
    reasoning: str = Field(..., max_length=4000)
    met: bool = Field(alias="metExpectation")


class AssertionsAnswer(BaseModel):
    """τ²'s judge answer: one result per assertion."""

    results: list[AssertionResult] = Field(..., min_length=1, max_length=100)


ANSWER_SCHEMA = answer_schema(AssertionsAnswer)


def prompt_hash() -> str:
    """The version of everything that shapes the NL-assertion judge's prompt (the three templates)."""
    digest = hashlib.sha256()
    for template in (SYSTEM_PROMPT, USER_PROMPT, RETRY_PROMPT):
        digest.update(template.hash.encode() + b"\0")
    return digest.hexdigest()[:12]


def trajectory_lines(conversation: Conversation) -> list[str]:
    """The conversation as τ²'s trajectory prints it: `user:` for the customer; for the agent, each tool call as an
    assistant message without text (`assistant: None`) and its answer (`tool: ...`), then its reply."""
    lines: list[str] = []
    for turn in conversation.turns:
        if not isinstance(turn, AgentTurn):
            lines.append(f"user: {turn.content}")
            continue
        for call in turn.tool_calls:
            answer = call.error if call.error is not None else json.dumps(call.result)
            lines += ["assistant: None", f"tool: {answer}"]
        if turn.content:
            lines.append(f"assistant: {turn.content}")
    return lines


def request_for(conversation: Conversation, assertions: Sequence[str]) -> ChatRequest:
    """The request τ²'s judge is sent for this conversation and these assertions."""
    user = USER_PROMPT.render(trajectory="\n".join(trajectory_lines(conversation)), assertions=str(list(assertions)))
    return ChatRequest(
        messages=[Message(role="system", content=SYSTEM_PROMPT.render()), Message(role="user", content=user)],
        response_schema=ANSWER_SCHEMA,
        schema_name="nl_assertions",
        max_tokens=ANSWER_TOKENS,
    )


def parse_answer(text: str) -> list[AssertionResult]:
    """τ²'s answer read as τ² reads it (one JSON object); raises ValueError when it is unusable."""
    return AssertionsAnswer.model_validate_json(text).results


@dataclass
class Judgement:
    """The NL_ASSERTION component (None when the judge gave no usable answer), the graded results, and why."""

    component: float | None
    results: list[AssertionResult] = field(default_factory=list)
    problem: str = ""
    attempts: int = 0

    def unmet(self) -> list[str]:
        """The assertions the judge found not met."""
        return [r.expected_outcome for r in self.results if not r.met]


async def judge_assertions(
    model: MeteredModel, conversation: Conversation, assertions: Sequence[str], retries: int = 2
) -> Judgement:
    """Ask the judge model about every assertion at once, as τ² does; 1.0 when all it graded are met."""
    if not assertions:
        return Judgement(1.0)
    answer = await ask_until_valid(model, request_for(conversation, assertions), parse_answer, RETRY_PROMPT, retries)
    if answer.value is None:
        return Judgement(None, problem=answer.problem, attempts=answer.attempts)
    return Judgement(float(all(r.met for r in answer.value)), answer.value, attempts=answer.attempts)
