"""A verdict: one evaluation's binary judgement of one conversation, with its reasoning."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"


class JudgeSample(BaseModel):
    """One of several answers when an evaluation is judged k times (judge_samples)."""

    outcome: Outcome
    reasoning: str = ""


class Verdict(BaseModel):
    evaluation_id: str
    conversation_id: str
    outcome: Outcome
    reasoning: str = ""
    judge_model: str | None = None
    prompt_hash: str | None = None
    attempts: int = 1
    samples: list[JudgeSample] = Field(default_factory=list, description="every answer when judged k > 1 times")
    agreement: float | None = Field(None, description="share of the samples that agree with the majority")
    unstable: bool = Field(False, description="the samples disagreed too much to trust the majority")
